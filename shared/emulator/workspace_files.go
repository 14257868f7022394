package emulator

import (
	"io"
	"net/http"
	"strings"
)

// The workspace-files write path (reference part 2 §10.3): a workspace file's
// raw bytes in the request body, for files over the 10 MB of
// workspace/import. Databricks marks it deprecated and maps it to no OAuth
// scope (databricks/cli#6219); the CLI still uses it for large files.

// wsImportFilePrefix is the endpoint; the rest of the URL path is the
// workspace path without its leading slash (the /Workspace mount accepted).
const wsImportFilePrefix = "/api/2.0/workspace-files/import-file/"

// wsMaxImportFile bounds an import-file body. The service documents no
// limit; the emulator takes the direct-download read limit, so what it can
// serve it can also take.
const wsMaxImportFile = wsMaxDirect

func (s *Server) workspaceFilesRoutes() {
	s.route(http.MethodPost, wsImportFilePrefix+tailParam, s.wsImportFileHandler)
}

// wsImportFileHandler writes the body as a workspace FILE at the path,
// overwriting an existing file when overwrite=true. Errors, as the CLI's
// workspace filer reads them (§10.3):
//   - 404 RESOURCE_DOES_NOT_EXIST when the parent folder is missing (it is
//     never created);
//   - 409 RESOURCE_ALREADY_EXISTS when a file exists and overwrite is not true;
//   - 400 with an empty error_code, "... already exists.", when a notebook (or
//     a folder) is at the path; a file never replaces them, overwrite or not
//     (the emulator's reading: workspace/import refuses type changes too);
//   - 400 MAX_NOTEBOOK_SIZE_EXCEEDED over 500 MB (undocumented, see
//     wsMaxImportFile).
//
// The service is reported to unzip .zip payloads (§10.3, seen in one CLI
// caller only); the emulator does not: it stores the bytes as sent.
func (s *Server) wsImportFileHandler(r *http.Request) (any, error) {
	// Drain a rejected body so the SDK does not see a reset connection.
	defer func() { _, _ = io.Copy(io.Discard, r.Body) }()
	p, err := parseWSPath("/" + strings.TrimPrefix(r.URL.Path, wsImportFilePrefix))
	if err != nil {
		return nil, err
	}
	if r.ContentLength > wsMaxImportFile {
		return nil, wsTooLarge(wsMaxImportFile)
	}
	data, err := io.ReadAll(io.LimitReader(r.Body, wsMaxImportFile+1))
	if err != nil {
		return nil, errorf(http.StatusBadRequest, "MALFORMED_REQUEST", "Could not read the request body: %v", err)
	}
	if len(data) > wsMaxImportFile {
		return nil, wsTooLarge(wsMaxImportFile)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if n := s.ws.lookup(p.segs); n != nil {
		if n.kind != wsFile {
			return nil, errorf(http.StatusBadRequest, "", "%s already exists.", p.raw)
		}
		if !queryBool(r, "overwrite") {
			return nil, errorf(http.StatusConflict, "RESOURCE_ALREADY_EXISTS", "%s already exists.", p.raw)
		}
	}
	_, err = s.wsPut(p, wsContent{kind: wsFile, data: data}, true)
	return nil, err
}
