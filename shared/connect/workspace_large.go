package connect

import (
	"bytes"
	"context"
	"encoding/base64"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"strings"

	wsapi "github.com/databricks/databricks-sdk-go/service/workspace"
)

// Workspace calls that SDK v0.118.0 has no method for, or whose method buffers
// a large body more than once (reference part 2 §10.3-10.4). They go through
// the client's own SDK transport: same auth, retries, rate limit and errors.

// ExportStatus is what get-status with return_export_info=true adds to an
// object's description: how a notebook is stored.
type ExportStatus struct {
	ObjectType wsapi.ObjectType `json:"object_type"`
	Path       string           `json:"path"`
	Language   wsapi.Language   `json:"language,omitempty"`
	ModifiedAt int64            `json:"modified_at,omitempty"`
	// ReposExportFormat is JUPYTER for an IPYNB notebook, SOURCE for a
	// source notebook, "" for objects that are not notebooks.
	ReposExportFormat string `json:"repos_export_format,omitempty"`
}

// StatusWithExportInfo is one get-status of path with return_export_info=true
// (the field is not in the SDK's request; the CLI calls it raw too).
// Errors: the SDK's (404 ErrNotFound for a missing path).
func (c *Client) StatusWithExportInfo(ctx context.Context, path string) (ExportStatus, error) {
	var out ExportStatus
	err := c.sdk.Do(ctx, http.MethodGet, "/api/2.0/workspace/get-status", nil, nil,
		map[string]any{"path": path, "return_export_info": true}, &out)
	return out, err
}

// DownloadTo streams path's export in format (direct_download=true, up to
// 500 MB) into dst. Unlike Workspace.Download, which reads the whole body into
// a buffer first, the body goes straight to dst.
func (c *Client) DownloadTo(ctx context.Context, path string, format wsapi.ExportFormat, dst io.Writer) error {
	var body io.ReadCloser
	err := c.sdk.Do(ctx, http.MethodGet, "/api/2.0/workspace/export", nil, nil,
		map[string]any{"path": path, "format": string(format), "direct_download": true}, &body)
	if err != nil {
		return err
	}
	defer func() { _ = body.Close() }()
	if _, err := io.Copy(dst, body); err != nil {
		return fmt.Errorf("read download: %w", err)
	}
	return nil
}

// ImportFile writes body as the workspace file path through the raw
// workspace-files/import-file endpoint, the write path for files over the
// 10 MB of workspace/import. body must rewind (Seek to 0): the SDK rewinds
// it to retry. Errors: 404 when the parent folder is missing, 409 when a file
// exists and overwrite is false, 400 when a notebook or folder is at path.
func (c *Client) ImportFile(ctx context.Context, path string, overwrite bool, body io.ReadSeeker) error {
	urlPath := fmt.Sprintf("/api/2.0/workspace-files/import-file/%s?overwrite=%t",
		url.PathEscape(strings.TrimLeft(path, "/")), overwrite)
	return c.sdk.Do(ctx, http.MethodPost, urlPath, nil, nil, body, nil)
}

// ImportMultipart is workspace/import with the form Workspace.Upload sends,
// for content whose base64 would exceed the 10 MB of the JSON body. content is
// base64 (the JSON import's form); it is decoded straight into the form, so
// the bytes are held once. Unlike Workspace.Upload, it never replaces the
// language by one guessed from the path's extension.
func (c *Client) ImportMultipart(ctx context.Context, req wsapi.Import) error {
	var buf bytes.Buffer
	buf.Grow(base64.StdEncoding.DecodedLen(len(req.Content)) + 1024)
	form := multipart.NewWriter(&buf)
	fields := [][2]string{{"path", req.Path}, {"format", string(req.Format)}, {"language", string(req.Language)}}
	if req.Overwrite {
		fields = append(fields, [2]string{"overwrite", "true"})
	}
	for _, f := range fields {
		if f[1] == "" {
			continue
		}
		if err := form.WriteField(f[0], f[1]); err != nil {
			return err
		}
	}
	part, err := form.CreateFormFile("content", "content")
	if err != nil {
		return err
	}
	if _, err := io.Copy(part, base64.NewDecoder(base64.StdEncoding, strings.NewReader(req.Content))); err != nil {
		return fmt.Errorf("decode content: %w", err)
	}
	if err := form.Close(); err != nil {
		return err
	}
	headers := map[string]string{"Content-Type": form.FormDataContentType()}
	return c.sdk.Do(ctx, http.MethodPost, "/api/2.0/workspace/import", headers, nil, buf.Bytes(), nil)
}
