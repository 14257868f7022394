package kinds

// Workspace content over the 10 MB of the JSON export and import (reference
// part 2 §10.3). The document keeps one form whatever the size (canonical
// base64 of the bytes), so an object's hash does not depend on the path that
// carried it; only the calls differ:
//
//   - read: the JSON export when its base64 fits, else the direct download
//     (up to 500 MB), streamed into the base64 text;
//   - write: the JSON import when the base64 fits; else a workspace file
//     goes through workspace-files/import-file (raw body, decoded from the
//     base64 as it is sent), and a notebook through the multipart import.

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/databricks/databricks-sdk-go/apierr"
	"github.com/databricks/databricks-sdk-go/service/workspace"

	"github.com/drsync/drsync/shared/connect"
)

// wsMaxJSON is the 10 MB limit of workspace/import's JSON content and
// workspace/export's JSON answer; it counts the base64 text.
const wsMaxJSON = 10 << 20

// wsTooLargeCode is the error code of a JSON import or export over wsMaxJSON.
const wsTooLargeCode = "MAX_NOTEBOOK_SIZE_EXCEEDED"

// wsOverJSON reports whether size bytes are too many for the JSON calls.
func wsOverJSON(size int64) bool {
	return size > 0 && int64(base64.StdEncoding.EncodedLen(int(size))) > wsMaxJSON
}

// wsRead returns path's content in format as canonical base64. size is the
// listed size (0: unknown): when it is over the JSON limit the download is
// used at once; otherwise the JSON export, and the download only when the
// service answers that the object grew too large for it.
func wsRead(ctx context.Context, w *connect.Client, path string, format workspace.ExportFormat, size int64) (string, error) {
	if !wsOverJSON(size) {
		content, err := wsExport(ctx, w, path, format)
		if !wsTooLarge(err) {
			return content, err
		}
	}
	return wsDownload(ctx, w, path, format, size)
}

// wsTooLarge reports the service's answer to a JSON call over wsMaxJSON.
func wsTooLarge(err error) bool {
	var ae *apierr.APIError
	return errors.As(err, &ae) && ae.ErrorCode == wsTooLargeCode
}

// wsDownload streams the direct download into base64: the bytes are never
// held, only their text.
func wsDownload(ctx context.Context, w *connect.Client, path string, format workspace.ExportFormat, size int64) (string, error) {
	var text strings.Builder
	text.Grow(base64.StdEncoding.EncodedLen(int(size)))
	enc := base64.NewEncoder(base64.StdEncoding, &text)
	if err := w.DownloadTo(ctx, path, format, enc); err != nil {
		return "", fmt.Errorf("download: %w", err)
	}
	if err := enc.Close(); err != nil {
		return "", err
	}
	return text.String(), nil
}

// wsWrite sends one import by the path its size allows (see the top of this
// file). A .zip file over the limit takes the multipart import too: the
// import-file endpoint is reported to unzip .zip payloads (§10.3), which
// would not copy the file.
func wsWrite(ctx context.Context, w *connect.Client, req workspace.Import) error {
	switch {
	case len(req.Content) <= wsMaxJSON:
		return w.Workspace.Import(ctx, req)
	case req.Format == workspace.ImportFormatRaw && !strings.HasSuffix(strings.ToLower(req.Path), ".zip"):
		return w.ImportFile(ctx, req.Path, req.Overwrite, newB64Body(req.Content))
	default:
		return w.ImportMultipart(ctx, req)
	}
}

// b64Body reads the bytes of a base64 text as they are sent, so a large file
// is never held decoded. It rewinds (Seek to 0), all the SDK asks of a body
// to retry a request.
type b64Body struct {
	text string
	r    io.Reader
}

func newB64Body(text string) *b64Body {
	b := &b64Body{text: text}
	b.rewind()
	return b
}

func (b *b64Body) rewind() {
	b.r = base64.NewDecoder(base64.StdEncoding, strings.NewReader(b.text))
}

// Read implements io.Reader.
func (b *b64Body) Read(p []byte) (int, error) { return b.r.Read(p) }

// Seek implements io.Seeker for rewinding only; any other seek is an error.
func (b *b64Body) Seek(offset int64, whence int) (int64, error) {
	if offset != 0 || whence != io.SeekStart {
		return 0, errors.New("b64Body: can only rewind to the start")
	}
	b.rewind()
	return 0, nil
}

// wsSize is a listed file's size from its Attrs, 0 when unknown.
func wsSize(attrs map[string]string) int64 {
	n, _ := strconv.ParseInt(attrs["size"], 10, 64)
	return n
}
