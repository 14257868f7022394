package catalog

import (
	"context"
	"encoding/json"
	"fmt"
	"regexp"
	"strings"

	"github.com/databricks/databricks-sdk-go/listing"
	"github.com/databricks/databricks-sdk-go/service/iam"
)

// principalKind is a sort of workspace principal.
type principalKind int

const (
	userPrincipal  principalKind = iota // by userName (an e-mail)
	spPrincipal                         // by applicationId (a UUID)
	groupPrincipal                      // by displayName
	guessPrincipal                      // single_user_name: decided by newPrincipal
)

// principal is one principal a document names.
type principal struct {
	kind principalKind
	name string
}

// uuidRE matches a service principal's application id.
var uuidRE = regexp.MustCompile(`^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$`)

// newPrincipal makes the principal of kind named v. single_user_name holds
// a user, a service principal's application id or (dedicated group
// clusters) a group name, told apart by form: a UUID, an e-mail, else a
// group. User names are compared lower-cased, as the service does
// (reference §2.2).
func newPrincipal(kind principalKind, v string) principal {
	if kind == guessPrincipal {
		switch {
		case uuidRE.MatchString(v):
			kind = spPrincipal
		case strings.Contains(v, "@"):
			kind = userPrincipal
		default:
			kind = groupPrincipal
		}
	}
	if kind == userPrincipal || kind == spPrincipal {
		v = strings.ToLower(v)
	}
	return principal{kind: kind, name: v}
}

// builtinGroups exist in every workspace and cannot be removed.
var builtinGroups = map[string]bool{"admins": true, "users": true}

// String names the principal in a reason.
func (p principal) String() string {
	switch p.kind {
	case spPrincipal:
		return fmt.Sprintf("service principal %q", p.name)
	case groupPrincipal:
		return fmt.Sprintf("group %q", p.name)
	}
	return fmt.Sprintf("user %q", p.name)
}

// lookupPrincipal asks DR's SCIM API whether p exists: one filtered list
// call (reference §2.2; never the SDK's Get…ByName helpers, which list every
// principal). Only the first page's first item is read: a filtered list
// that matched is not drained, which would cost the SDK's trailing
// empty-page call (reference §2.3).
func lookupPrincipal(ctx context.Context, a *api, p principal) (bool, error) {
	filter, err := scimFilter(p)
	if err != nil {
		return false, err
	}
	switch p.kind {
	case spPrincipal:
		return anyItem(ctx, a.sps.List(ctx, iam.ListServicePrincipalsRequest{Filter: filter, Count: 1, Attributes: "id"}))
	case groupPrincipal:
		return anyItem(ctx, a.groups.List(ctx, iam.ListGroupsRequest{Filter: filter, Count: 1, Attributes: "id"}))
	default:
		return anyItem(ctx, a.users.List(ctx, iam.ListUsersRequest{Filter: filter, Count: 1, Attributes: "id"}))
	}
}

// anyItem reports whether it yields an item, reading only its first page.
// (HasNext reports a failed page as true; Next then returns the error.)
func anyItem[T any](ctx context.Context, it listing.Iterator[T]) (bool, error) {
	if !it.HasNext(ctx) {
		return false, nil
	}
	_, err := it.Next(ctx)
	return err == nil, err
}

// scimFilter is the SCIM filter that finds p, with the name as a quoted
// JSON string (SCIM string literals are JSON strings).
func scimFilter(p principal) (string, error) {
	lit, err := json.Marshal(p.name)
	if err != nil {
		return "", err
	}
	attr := map[principalKind]string{userPrincipal: "userName", spPrincipal: "applicationId", groupPrincipal: "displayName"}[p.kind]
	return attr + " eq " + string(lit), nil
}
