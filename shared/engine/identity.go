package engine

import (
	"context"
	"errors"
	"fmt"

	"github.com/databricks/databricks-sdk-go/apierr"
	"golang.org/x/sync/errgroup"

	"github.com/drsync/drsync/shared/failure"
	"github.com/drsync/drsync/shared/resource"
)

// ErrSameWorkspace: the source and the target are one workspace (reached by
// two URLs), so a sync would copy the workspace into itself.
var ErrSameWorkspace = errors.New("the source and the target are the same workspace")

// distinct makes sure src and tgt are two workspaces, by the ids the service
// states, before anything is read or written: hosts compared as strings
// cannot see that 127.0.0.1 and localhost, or an alias and a workspace URL,
// are one. Sides whose client cannot tell are not compared.
// Errors: ErrSameWorkspace (naming the id), a failed identification.
func distinct(ctx context.Context, src, tgt resource.Workspace) error {
	s, ok1 := src.API.(resource.Identified)
	t, ok2 := tgt.API.(resource.Identified)
	if !ok1 || !ok2 {
		return nil
	}
	var sid, tid int64
	g, gctx := errgroup.WithContext(ctx)
	g.Go(func() (err error) { sid, err = identify(gctx, s, src.Side); return err })
	g.Go(func() (err error) { tid, err = identify(gctx, t, tgt.Side); return err })
	if err := g.Wait(); err != nil {
		return err
	}
	if sid == tid {
		return fmt.Errorf("%w (workspace id %d): nothing was written; check the two URLs", ErrSameWorkspace, sid)
	}
	return nil
}

// identify asks a workspace who it is. The call needs no permission, so a
// refusal there is a refusal of the credentials (failure.ErrCredentials).
func identify(ctx context.Context, w resource.Identified, side string) (int64, error) {
	id, err := w.WorkspaceID(ctx)
	if errors.Is(err, apierr.ErrUnauthenticated) || errors.Is(err, apierr.ErrPermissionDenied) {
		return 0, fmt.Errorf("identify the %s workspace: %w: %w", side, failure.ErrCredentials, err)
	}
	if err != nil {
		return 0, fmt.Errorf("identify the %s workspace: %w", side, err)
	}
	return id, nil
}
