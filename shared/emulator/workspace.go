package emulator

import (
	"encoding/base64"
	"io"
	"net/http"
	"strings"
)

// Workspace API (reference §2.1): list, get-status, export, import, mkdirs and
// delete over the tree in workspace_tree.go. Content formats (notebook source
// header, Jupyter, HTML) are in workspace_formats.go, folder archives in
// workspace_archive.go.

// Size limits (reference part 2 §10.3). Over any of them the answer is
// 400 MAX_NOTEBOOK_SIZE_EXCEEDED.
const (
	// wsMaxJSON is the 10 MB limit of workspace/import's JSON content and
	// workspace/export's JSON answer. It counts the base64 text, so the
	// largest content that fits is 7.5 MB of bytes.
	wsMaxJSON = 10 << 20
	// wsMaxContent bounds one object's raw bytes where the service documents
	// no limit of its own: the multipart import the SDK's Workspace.Upload
	// sends (limit undocumented, §10.2; the emulator applies the 10 MB to the
	// bytes) and the entries of an imported archive.
	wsMaxContent = 10 << 20
	// wsMaxDirect is what export with direct_download=true serves: "handles
	// files up to 500 MB" (databricks/cli#6219).
	wsMaxDirect = 500 << 20
)

func (s *Server) workspaceRoutes() {
	s.route(http.MethodGet, "/api/2.0/workspace/list", s.wsListHandler)
	s.route(http.MethodGet, "/api/2.0/workspace/get-status", s.wsGetStatusHandler)
	s.route(http.MethodGet, "/api/2.0/workspace/export", s.wsExportHandler)
	s.route(http.MethodPost, "/api/2.0/workspace/import", s.wsImportHandler)
	s.route(http.MethodPost, "/api/2.0/workspace/mkdirs", s.wsMkdirsHandler)
	s.route(http.MethodPost, "/api/2.0/workspace/delete", s.wsDeleteHandler)
	s.workspaceFilesRoutes()
}

// wsListResponse is {"objects":[...]}; an empty folder answers {}.
type wsListResponse struct {
	Objects []wsObjectInfo `json:"objects,omitempty"`
}

// wsListHandler lists a folder's entries sorted by path, or the object itself
// when path is not a folder. notebooks_modified_after drops notebooks whose
// modified_at is not after it; folders and files are kept (only notebooks are
// named by the parameter). Missing path: 404 RESOURCE_DOES_NOT_EXIST.
func (s *Server) wsListHandler(r *http.Request) (any, error) {
	p, err := parseWSPath(r.URL.Query().Get("path"))
	if err != nil {
		return nil, err
	}
	after, err := queryInt64(r, "notebooks_modified_after", 0)
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	n := s.ws.lookup(p.segs)
	if n == nil {
		return nil, wsNotFound(p)
	}
	entries := []*wsNode{n}
	if n.isFolder() {
		entries = n.sortedChildren()
	}
	var out wsListResponse
	for _, e := range entries {
		if e.kind == wsNotebook && after > 0 && e.modified <= after {
			continue
		}
		out.Objects = append(out.Objects, e.info(p))
	}
	return out, nil
}

// wsGetStatusHandler describes one object; "/" is a DIRECTORY with object_id 0.
// With return_export_info=true a notebook also says how it is stored:
// repos_export_format JUPYTER (an IPYNB notebook) or SOURCE (reference part 2
// §10.4; not in SDK v0.118.0, the CLI reads it raw). Other objects carry none.
// Missing path: 404 RESOURCE_DOES_NOT_EXIST.
func (s *Server) wsGetStatusHandler(r *http.Request) (any, error) {
	p, err := parseWSPath(r.URL.Query().Get("path"))
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	n := s.ws.lookup(p.segs)
	if n == nil {
		return nil, wsNotFound(p)
	}
	info := n.info(p)
	if n.kind == wsNotebook && queryBool(r, "return_export_info") {
		info.ReposExportFormat = n.storedFormat()
	}
	return info, nil
}

// wsExportResponse is the JSON answer of export without direct_download.
type wsExportResponse struct {
	Content  string `json:"content"`
	FileType string `json:"file_type,omitempty"`
}

// wsExportHandler returns an object's content in the requested format (default
// SOURCE), base64 in JSON or, with direct_download=true, as raw bytes.
// A folder exports as one archive (workspace_archive.go).
// Errors: 404 for a missing path, 400 INVALID_PARAMETER_VALUE for a format the
// object cannot take, 400 MAX_NOTEBOOK_SIZE_EXCEEDED when the JSON answer's
// base64 would exceed 10 MB, or the raw body 500 MB.
func (s *Server) wsExportHandler(r *http.Request) (any, error) {
	q := r.URL.Query()
	p, err := parseWSPath(q.Get("path"))
	if err != nil {
		return nil, err
	}
	format, err := wsFormat(q.Get("format"), wsExportFormats)
	if err != nil {
		return nil, err
	}
	obj, tree, err := s.wsSnapshot(p)
	if err != nil {
		return nil, err
	}
	data, fileType, err := wsRender(obj, tree, format)
	if err != nil {
		return nil, err
	}
	if queryBool(r, "direct_download") {
		if len(data) > wsMaxDirect {
			return nil, wsTooLarge(wsMaxDirect)
		}
		return rawBody{contentType: "application/octet-stream", data: data}, nil
	}
	if base64.StdEncoding.EncodedLen(len(data)) > wsMaxJSON {
		return nil, wsTooLarge(wsMaxJSON)
	}
	return wsExportResponse{Content: base64.StdEncoding.EncodeToString(data), FileType: fileType}, nil
}

// wsSnapshot copies what export needs out of the tree, a folder's whole
// subtree included, so rendering (which may be slow for large content) runs
// without s.mu.
func (s *Server) wsSnapshot(p wsPath) (wsNode, []wsEntry, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := s.ws.lookup(p.segs)
	if n == nil {
		return wsNode{}, nil, wsNotFound(p)
	}
	var tree []wsEntry
	if n.isFolder() {
		tree = wsSubtree(n)
	}
	return wsNode{name: n.name, path: n.path, kind: n.kind, language: n.language, format: n.format, data: n.data}, tree, nil
}

// wsImportHandler creates or overwrites one notebook or file from a JSON body
// (content base64) or from multipart/form-data as the SDK's Workspace.Upload
// sends it. See wsDecodeImport for formats and wsPut for the tree rules.
func (s *Server) wsImportHandler(r *http.Request) (any, error) {
	// Drain whatever was not read (a rejected oversized upload): closing the
	// connection on an unread body would look like "connection reset" to the
	// SDK, which retries it.
	defer func() { _, _ = io.Copy(io.Discard, r.Body) }()
	req, err := wsReadImport(r)
	if err != nil {
		return nil, err
	}
	if dbc, ok := wsArchiveImport(req); ok {
		return nil, s.wsImportArchive(req, dbc)
	}
	p, c, err := wsDecodeImport(req)
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	_, err = s.wsPut(p, c, req.Overwrite)
	return nil, err
}

// wsMkdirsHandler is "mkdir -p"; see wsState.mkdirAll for the errors.
func (s *Server) wsMkdirsHandler(r *http.Request) (any, error) {
	return withLocked(s, r, pathIn, func(_ compDoc, p wsPath) (any, error) {
		_, err := s.ws.mkdirAll(p.segs, s.newObjectID)
		return nil, err
	})
}

// wsDeleteHandler deletes one object, or a folder's subtree with recursive.
func (s *Server) wsDeleteHandler(r *http.Request) (any, error) {
	return withLocked(s, r, pathIn, func(doc compDoc, p wsPath) (any, error) {
		recursive, _ := doc["recursive"].(bool)
		return nil, s.wsDelete(p, recursive)
	})
}

// pathIn is the workspace path a write body names.
func pathIn(doc compDoc) (wsPath, error) {
	raw, err := doc.str("path")
	if err != nil {
		return wsPath{}, err
	}
	return parseWSPath(raw)
}

// SeedObject is one workspace object for seeding: the estate file's shape.
type SeedObject struct {
	Path       string `json:"path"`
	ObjectType string `json:"object_type"`        // NOTEBOOK, DIRECTORY, FILE or REPO
	Language   string `json:"language,omitempty"` // notebooks: PYTHON, SCALA, SQL, R
	Content    string `json:"content,omitempty"`  // plain text (not base64)
	// A REPO (Git folder) names its remote; see RepoSeed.
	URL      string `json:"url,omitempty"`
	Provider string `json:"provider,omitempty"`
	Branch   string `json:"branch,omitempty"`
}

// SeedObject creates o (and any missing parent folders) without going through
// HTTP, rate limits or faults, and returns its object_id. A notebook's content
// may carry the "Databricks notebook source" header; it is stored as a SOURCE
// import would store it. Seeding an existing folder returns its id; an existing
// notebook or file is an error (RESOURCE_ALREADY_EXISTS).
func (s *Server) SeedObject(o SeedObject) (int64, error) {
	p, err := parseWSPath(o.Path)
	if err != nil {
		return 0, err
	}
	kind := strings.ToUpper(o.ObjectType)
	if kind == wsRepo {
		return s.SeedRepo(RepoSeed{Path: o.Path, URL: o.URL, Provider: o.Provider, Branch: o.Branch})
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if kind == wsDirectory {
		n, err := s.ws.mkdirAll(p.segs, s.newObjectID)
		if err != nil {
			return 0, err
		}
		return n.id, nil
	}
	c, err := wsSeedContent(kind, o.Language, []byte(o.Content))
	if err != nil {
		return 0, err
	}
	if _, err := s.ws.mkdirAll(p.parent().segs, s.newObjectID); err != nil {
		return 0, err
	}
	n, err := s.wsPut(p, c, false)
	if err != nil {
		return 0, err
	}
	return n.id, nil
}

// wsSeedContent validates a seed's type and language.
func wsSeedContent(kind, language string, content []byte) (wsContent, error) {
	switch kind {
	case wsFile:
		return wsContent{kind: wsFile, data: content}, nil
	case wsNotebook:
		lang := strings.ToUpper(language)
		if _, ok := wsLanguages[lang]; !ok {
			return wsContent{}, invalidParam("Notebook language %q is not one of PYTHON, SCALA, SQL, R.", language)
		}
		return wsContent{kind: wsNotebook, language: lang, data: wsStripHeader(lang, content)}, nil
	}
	return wsContent{}, invalidParam("Object type %q cannot be seeded; use NOTEBOOK, DIRECTORY, FILE or REPO.", kind)
}

// WorkspaceObjectCount is how many workspace objects exist, "/" not counted
// (a fresh workspace has 4: /Users, /Shared, /Repos and the user's home).
func (s *Server) WorkspaceObjectCount() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.ws.byID)
}

// wsTooLarge is the size limit error of import and export.
func wsTooLarge(limit int) error {
	return errorf(http.StatusBadRequest, "MAX_NOTEBOOK_SIZE_EXCEEDED",
		"Notebook size exceeds maximum allowed size (%d bytes).", limit)
}

// wsImportRequest is an import call, whichever body encoding carried it.
type wsImportRequest struct {
	Path      string
	Format    string
	Language  string
	Overwrite bool
	Content   []byte // decoded
}

// wsReadImport reads a JSON or multipart import body. JSON content whose
// base64 is over 10 MB is 400 MAX_NOTEBOOK_SIZE_EXCEEDED; bad base64 is
// 400 INVALID_PARAMETER_VALUE.
func wsReadImport(r *http.Request) (wsImportRequest, error) {
	if strings.HasPrefix(r.Header.Get("Content-Type"), "multipart/form-data") {
		return wsReadMultipart(r)
	}
	// A body longer than the largest allowed content, plus room for the other
	// fields, cannot be a valid import: refuse it unread.
	if r.ContentLength > wsMaxJSON+64<<10 {
		return wsImportRequest{}, wsTooLarge(wsMaxJSON)
	}
	var body struct {
		Path      string `json:"path"`
		Content   string `json:"content"`
		Format    string `json:"format"`
		Language  string `json:"language"`
		Overwrite bool   `json:"overwrite"`
	}
	if err := readJSON(r, &body); err != nil {
		return wsImportRequest{}, err
	}
	data, err := wsDecodeBase64(body.Content)
	if err != nil {
		return wsImportRequest{}, err
	}
	return wsImportRequest{Path: body.Path, Format: body.Format, Language: body.Language,
		Overwrite: body.Overwrite, Content: data}, nil
}

// wsDecodeBase64 applies the 10 MB limit to import content as sent (the
// base64 text, reference part 2 §10.3) and decodes it.
func wsDecodeBase64(s string) ([]byte, error) {
	if len(s) > wsMaxJSON {
		return nil, wsTooLarge(wsMaxJSON)
	}
	data, err := base64.StdEncoding.DecodeString(s)
	if err != nil {
		return nil, invalidParam("Content is not valid base64: %v", err)
	}
	return data, nil
}

// wsReadMultipart reads the form Workspace.Upload sends: fields path, format,
// language, overwrite=true and a file part "content" with the raw bytes. A
// plain (non-file) content field is taken as base64, like the JSON body.
func wsReadMultipart(r *http.Request) (wsImportRequest, error) {
	mr, err := r.MultipartReader()
	if err != nil {
		return wsImportRequest{}, errorf(http.StatusBadRequest, "MALFORMED_REQUEST", "Invalid multipart body: %v", err)
	}
	var req wsImportRequest
	// Room for the largest allowed content, base64 in a plain field or raw
	// in a file part.
	limit := int64(max(wsMaxJSON, wsMaxContent)) + 1
	for {
		part, err := mr.NextPart()
		if err == io.EOF {
			return req, nil
		}
		if err != nil {
			return wsImportRequest{}, errorf(http.StatusBadRequest, "MALFORMED_REQUEST", "Invalid multipart body: %v", err)
		}
		data, err := io.ReadAll(io.LimitReader(part, limit))
		if err != nil {
			return wsImportRequest{}, errorf(http.StatusBadRequest, "MALFORMED_REQUEST", "Invalid multipart body: %v", err)
		}
		if int64(len(data)) >= limit {
			return wsImportRequest{}, wsTooLarge(int(limit - 1))
		}
		if err := req.setField(part.FormName(), part.FileName() != "", data); err != nil {
			return wsImportRequest{}, err
		}
	}
}

// setField stores one multipart field; unknown fields are ignored.
func (req *wsImportRequest) setField(name string, isFile bool, data []byte) error {
	switch name {
	case "path":
		req.Path = string(data)
	case "format":
		req.Format = string(data)
	case "language":
		req.Language = string(data)
	case "overwrite":
		req.Overwrite = strings.EqualFold(string(data), "true")
	case "content":
		if !isFile {
			decoded, err := wsDecodeBase64(string(data))
			req.Content = decoded
			return err
		}
		if len(data) > wsMaxContent {
			return wsTooLarge(wsMaxContent)
		}
		req.Content = data
	}
	return nil
}

// wsDecodeImport validates an import and turns it into the path and content to
// write. Format (default SOURCE):
//   - SOURCE: a notebook at path as given; language is required (without it the
//     service reads content as a folder archive, see wsArchiveImport). A leading
//     header line of that language is dropped, so export gives it back once.
//   - AUTO: a notebook, with the extension stripped from path, when path has a
//     notebook extension (.py .scala .sql .r, or .ipynb) and content is a notebook
//     of that kind (starts with the header, or is a Jupyter document); a FILE at
//     path otherwise.
//   - RAW: a FILE at path.
//   - JUPYTER: a notebook converted from .ipynb (language default PYTHON).
//   - DBC: a folder archive (wsImportArchive); HTML, R_MARKDOWN: not
//     supported by the emulator (400).
func wsDecodeImport(req wsImportRequest) (wsPath, wsContent, error) {
	p, err := parseWSPath(req.Path)
	if err != nil {
		return wsPath{}, wsContent{}, err
	}
	format, err := wsFormat(req.Format, wsImportFormats)
	if err != nil {
		return wsPath{}, wsContent{}, err
	}
	lang := req.Language
	if _, ok := wsLanguages[lang]; lang != "" && !ok {
		return wsPath{}, wsContent{}, invalidParam("Invalid language: %s", lang)
	}
	switch format {
	case "SOURCE":
		return p, wsContent{kind: wsNotebook, language: lang, data: wsStripHeader(lang, req.Content)}, nil
	case "AUTO":
		return wsAutoImport(p, req.Content)
	case "RAW":
		return p, wsContent{kind: wsFile, data: req.Content}, nil
	case "JUPYTER":
		c, err := wsFromJupyter(req.Content, lang)
		return p, c, err
	}
	return wsPath{}, wsContent{}, wsUnsupported("importing format %s", format)
}

// wsArchiveImport says whether req imports a folder archive: format DBC, or
// SOURCE without a language (the service then reads content as a zip,
// databricks/cli#630); dbc says which kind.
func wsArchiveImport(req wsImportRequest) (dbc, ok bool) {
	switch req.Format {
	case "DBC":
		return true, true
	case "", "SOURCE":
		return false, req.Language == ""
	}
	return false, false
}

// wsImportArchive recreates an archive's folder at req.Path. DBC imports
// cannot overwrite (reference part 2 §10.2).
func (s *Server) wsImportArchive(req wsImportRequest, dbc bool) error {
	p, err := parseWSPath(req.Path)
	if err != nil {
		return err
	}
	if dbc && req.Overwrite {
		return invalidParam("Overwrite is not supported for the DBC format.")
	}
	entries, err := wsReadArchive(req.Content, dbc)
	if err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.wsPutArchive(p, entries)
}

// wsAutoImport decides notebook or file for format AUTO.
func wsAutoImport(p wsPath, content []byte) (wsPath, wsContent, error) {
	name := p.name()
	base, ext := wsSplitExt(name)
	if base != "" {
		if lang := wsExtLanguages[strings.ToLower(ext)]; lang != "" && wsHasHeader(lang, content) {
			return p.withName(base), wsContent{kind: wsNotebook, language: lang, data: wsStripHeader(lang, content)}, nil
		}
		if strings.EqualFold(ext, ".ipynb") {
			if c, err := wsFromJupyter(content, ""); err == nil {
				return p.withName(base), c, nil
			}
		}
	}
	return p, wsContent{kind: wsFile, data: content}, nil
}

// wsSplitExt splits "x.py" into "x" and ".py"; a name without a dot has no
// extension.
func wsSplitExt(name string) (string, string) {
	i := strings.LastIndexByte(name, '.')
	if i < 0 {
		return name, ""
	}
	return name[:i], name[i:]
}
