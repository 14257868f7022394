package emulator_test

import (
	"context"
	"errors"
	"testing"

	"github.com/databricks/databricks-sdk-go/apierr"
	"github.com/databricks/databricks-sdk-go/service/settings"

	"github.com/drsync/drsync/shared/emulator"
	"github.com/drsync/drsync/shared/emulator/emutest"
)

// Write-only config parts come back as *_set flags; e-mail addresses as sent.
func TestDestinationsCRUD(t *testing.T) {
	_, w := emutest.Start(t, emulator.Options{})
	ctx := context.Background()
	hook, err := w.NotificationDestinations.Create(ctx, settings.CreateNotificationDestinationRequest{DisplayName: "hook",
		Config: &settings.Config{GenericWebhook: &settings.GenericWebhookConfig{Url: "https://h", Password: "p"}}})
	if err != nil || hook.DestinationType != settings.DestinationTypeWebhook || hook.Config == nil ||
		hook.Config.GenericWebhook == nil || !hook.Config.GenericWebhook.UrlSet || hook.Config.GenericWebhook.Url != "" ||
		!hook.Config.GenericWebhook.PasswordSet || hook.Config.GenericWebhook.UsernameSet {
		t.Fatalf("create = %+v, %v", hook, err)
	}
	mail, err := w.NotificationDestinations.Create(ctx, settings.CreateNotificationDestinationRequest{DisplayName: "mail",
		Config: &settings.Config{Email: &settings.EmailConfig{Addresses: []string{"a@example.com"}}}})
	if err != nil {
		t.Fatal(err)
	}
	got, err := w.NotificationDestinations.Get(ctx, settings.GetNotificationDestinationRequest{Id: mail.Id})
	if err != nil || got.Config.Email == nil || len(got.Config.Email.Addresses) != 1 {
		t.Fatalf("get = %+v, %v", got, err)
	}
	upd, err := w.NotificationDestinations.Update(ctx, settings.UpdateNotificationDestinationRequest{Id: hook.Id, DisplayName: "hook2",
		Config: &settings.Config{GenericWebhook: &settings.GenericWebhookConfig{Username: "u"}}})
	if err != nil || upd.DisplayName != "hook2" || !upd.Config.GenericWebhook.UsernameSet || !upd.Config.GenericWebhook.UrlSet {
		t.Fatalf("update = %+v, %v", upd, err)
	}
	_, err = w.NotificationDestinations.Update(ctx, settings.UpdateNotificationDestinationRequest{Id: hook.Id,
		Config: &settings.Config{Email: &settings.EmailConfig{Addresses: []string{"x@example.com"}}}})
	if !errors.Is(err, apierr.ErrInvalidParameterValue) {
		t.Fatalf("type change: %v", err)
	}
	all, err := w.NotificationDestinations.ListAll(ctx, settings.ListNotificationDestinationsRequest{PageSize: 1})
	if err != nil || len(all) != 2 || all[0].DisplayName != "hook2" || all[1].DestinationType != settings.DestinationTypeEmail {
		t.Fatalf("list = %+v, %v", all, err)
	}
	if err := w.NotificationDestinations.Delete(ctx, settings.DeleteNotificationDestinationRequest{Id: hook.Id}); err != nil {
		t.Fatalf("delete: %v", err)
	}
	_, err = w.NotificationDestinations.Get(ctx, settings.GetNotificationDestinationRequest{Id: hook.Id})
	if !errors.Is(err, apierr.ErrResourceDoesNotExist) {
		t.Fatalf("get deleted: %v", err)
	}
}
