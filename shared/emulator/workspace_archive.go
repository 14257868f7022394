package emulator

import (
	"archive/zip"
	"bytes"
	"cmp"
	"encoding/json"
	"fmt"
	"io"
	"path"
	"slices"
	"strings"
	"time"
)

// Folder archives (reference part 2 §10.1-10.2): exporting a folder gives one
// zip archive, and importing one (format DBC, or SOURCE without a language)
// recreates the folder, so a whole tree round-trips in two calls.
//
//   - SOURCE: the folder's notebooks as source files, "<folder>/<sub>/<nb>.py"
//     with the notebook header (workspace files are left out, as documented);
//   - AUTO: the same, plus the workspace files as stored;
//   - DBC: the Databricks archive, a zip of "<folder>/<sub>/<nb>.<language>"
//     entries (python, scala, sql, r), each a NotebookV1 JSON document whose
//     commands hold the cells; notebooks only.
//
// Every entry sits under the exported folder's name. Importing at P creates
// the folder P (which must not exist; its parent must) with what was under
// that name; an archive of one notebook alone imports as the notebook P.
// Empty folders travel as directory entries.
//
// Choices where the reference is silent (documented guesses): file_type is
// "zip" for SOURCE and AUTO archives ("dbc" for DBC); the DBC documents carry
// the fields clients read (version, name, language, commands with position
// and command) and leave results out; a SOURCE archive's entries that are not
// notebooks (no known extension or no header) import as workspace files.

// wsEntry is one object of an archive, by its path relative to the archive
// root ("" for the root folder itself).
type wsEntry struct {
	rel, kind, language string
	data                []byte
}

// dbcExtensions are the DBC entry extensions by language, and back.
var dbcExtensions = map[string]string{"PYTHON": "python", "SCALA": "scala", "SQL": "sql", "R": "r"}

// wsSubtree copies the objects below n (n itself first, as rel "") so the
// archive is built without s.mu. Call with s.mu held.
func wsSubtree(n *wsNode) []wsEntry {
	var out []wsEntry
	var walk func(n *wsNode, rel string)
	walk = func(n *wsNode, rel string) {
		data := n.data
		if n.kind == wsNotebook {
			// Archives hold notebooks as source: IPYNB notebooks lose their
			// format (§10.2, RECALL).
			data = n.source()
		}
		out = append(out, wsEntry{rel: rel, kind: n.kind, language: n.language, data: data})
		for _, c := range n.sortedChildren() {
			walk(c, path.Join(rel, c.name))
		}
	}
	walk(n, "")
	return out
}

// wsArchive builds the export of a folder called name in format.
func wsArchive(name string, entries []wsEntry, format string) ([]byte, string, error) {
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, e := range entries {
		if err := wsArchiveEntry(zw, path.Join(name, e.rel), e, format); err != nil {
			return nil, "", err
		}
	}
	if err := zw.Close(); err != nil {
		return nil, "", err
	}
	if format == "DBC" {
		return buf.Bytes(), "dbc", nil
	}
	return buf.Bytes(), "zip", nil
}

// wsArchiveEntry writes one object, or nothing for what format leaves out.
func wsArchiveEntry(zw *zip.Writer, name string, e wsEntry, format string) error {
	var data []byte
	switch {
	case e.kind == wsDirectory || e.kind == wsRepo:
		name += "/"
	case e.kind == wsNotebook && format == "DBC":
		name, data = name+"."+dbcExtensions[e.language], dbcNotebook(path.Base(name), e)
	case e.kind == wsNotebook:
		name, data = name+"."+wsLanguages[e.language].fileType, wsWithHeader(e.language, e.data)
	case e.kind == wsFile && format == "AUTO":
		data = e.data
	default:
		return nil
	}
	w, err := zw.CreateHeader(&zip.FileHeader{Name: name, Method: zip.Deflate, Modified: time.Unix(0, 0).UTC()})
	if err == nil {
		_, err = w.Write(data)
	}
	return err
}

// dbcDoc is a DBC notebook document (NotebookV1), as much as clients read.
type dbcDoc struct {
	Version   string       `json:"version"`
	Name      string       `json:"name"`
	Language  string       `json:"language"`
	Commands  []dbcCommand `json:"commands"`
	Dashboard []any        `json:"dashboards"`
	GlobalVar struct{}     `json:"globalVars"`
}

type dbcCommand struct {
	Version     string  `json:"version"`
	Subtype     string  `json:"subtype"`
	CommandType string  `json:"commandType"`
	Position    float64 `json:"position"`
	Command     string  `json:"command"`
	State       string  `json:"state"`
	Results     any     `json:"results"`
}

// dbcNotebook renders a notebook as a DBC document, one command per cell.
func dbcNotebook(name string, e wsEntry) []byte {
	doc := dbcDoc{Version: "NotebookV1", Name: name, Language: dbcExtensions[e.language], Dashboard: []any{}}
	for i, cell := range strings.Split(string(e.data), wsCommandSep(e.language)) {
		doc.Commands = append(doc.Commands, dbcCommand{Version: "CommandV1", Subtype: "command", CommandType: "auto",
			Position: float64(i + 1), Command: cell, State: "finished"})
	}
	data, _ := json.Marshal(doc) // plain structs: cannot fail
	return data
}

// wsReadArchive reads an imported archive into entries relative to the
// folder it recreates; dbc says whether it is a DBC archive. Errors are 400s
// naming the entry at fault.
func wsReadArchive(content []byte, dbc bool) ([]wsEntry, error) {
	zr, err := zip.NewReader(bytes.NewReader(content), int64(len(content)))
	if err != nil {
		return nil, invalidParam("The zip file may not be valid or may be an unsupported version.")
	}
	var out []wsEntry
	for _, f := range zr.File {
		e, ok, err := wsArchiveFile(f, dbc)
		if err != nil {
			return nil, invalidParam("Archive entry %s: %v", f.Name, err)
		}
		if ok {
			out = append(out, e)
		}
	}
	return wsArchiveRoot(out), nil
}

// wsArchiveFile reads one zip entry; ok is false for entries the format
// does not import.
func wsArchiveFile(f *zip.File, dbc bool) (wsEntry, bool, error) {
	name := strings.Trim(path.Clean("/"+f.Name), "/")
	if strings.HasSuffix(f.Name, "/") {
		return wsEntry{rel: name, kind: wsDirectory}, name != "", nil
	}
	data, err := wsReadZipFile(f)
	if err != nil {
		return wsEntry{}, false, err
	}
	base, ext := wsSplitExt(name)
	if dbc {
		return dbcEntry(base, strings.TrimPrefix(ext, "."), data)
	}
	if lang := wsExtLanguages[strings.ToLower(ext)]; lang != "" && wsHasHeader(lang, data) {
		return wsEntry{rel: base, kind: wsNotebook, language: lang, data: wsStripHeader(lang, data)}, true, nil
	}
	return wsEntry{rel: name, kind: wsFile, data: data}, true, nil
}

func wsReadZipFile(f *zip.File) ([]byte, error) {
	rc, err := f.Open()
	if err != nil {
		return nil, err
	}
	defer func() { _ = rc.Close() }()
	data, err := io.ReadAll(io.LimitReader(rc, wsMaxContent+1))
	if err == nil && len(data) > wsMaxContent {
		err = fmt.Errorf("larger than %d bytes", wsMaxContent)
	}
	return data, err
}

// dbcEntry reads a DBC notebook document; other entries are skipped.
func dbcEntry(rel, ext string, data []byte) (wsEntry, bool, error) {
	var lang string
	for l, e := range dbcExtensions {
		if e == ext {
			lang = l
		}
	}
	if lang == "" {
		return wsEntry{}, false, nil
	}
	var doc dbcDoc
	if err := json.Unmarshal(data, &doc); err != nil || doc.Version != "NotebookV1" {
		return wsEntry{}, false, fmt.Errorf("not a NotebookV1 document")
	}
	slices.SortStableFunc(doc.Commands, func(a, b dbcCommand) int { return cmp.Compare(a.Position, b.Position) })
	cells := make([]string, 0, len(doc.Commands))
	for _, c := range doc.Commands {
		cells = append(cells, c.Command)
	}
	return wsEntry{rel: rel, kind: wsNotebook, language: lang, data: []byte(strings.Join(cells, wsCommandSep(lang)))}, true, nil
}

// wsArchiveRoot drops the exported folder's name that every entry starts
// with; a lone top-level notebook becomes the root itself.
func wsArchiveRoot(entries []wsEntry) []wsEntry {
	if len(entries) == 1 && !strings.Contains(entries[0].rel, "/") && entries[0].kind != wsDirectory {
		entries[0].rel = ""
		return entries
	}
	root := ""
	for i, e := range entries {
		first, _, _ := strings.Cut(e.rel, "/")
		if i > 0 && first != root {
			return entries
		}
		root = first
	}
	out := entries[:0]
	for _, e := range entries {
		if rest, ok := strings.CutPrefix(e.rel, root+"/"); ok {
			e.rel = rest
			out = append(out, e)
		}
	}
	return out
}

// wsPutArchive recreates an archive's tree at p: a new folder (or, for a lone
// notebook, a new notebook). Call with s.mu held.
func (s *Server) wsPutArchive(p wsPath, entries []wsEntry) error {
	if n := s.ws.lookup(p.segs); n != nil {
		return alreadyExists("Node named '%s' already exists", p.name())
	}
	if dir := s.ws.lookup(p.parent().segs); dir == nil || !dir.isFolder() {
		return notFound("The parent folder (%s) does not exist.", p.echo(p.parent().canonical()))
	}
	if len(entries) == 1 && entries[0].rel == "" && entries[0].kind == wsNotebook {
		_, err := s.wsPut(p, wsContent{kind: wsNotebook, language: entries[0].language, data: entries[0].data}, false)
		return err
	}
	for _, e := range append([]wsEntry{{kind: wsDirectory}}, entries...) {
		if err := s.wsPutEntry(p, e); err != nil {
			return err
		}
	}
	return nil
}

func (s *Server) wsPutEntry(root wsPath, e wsEntry) error {
	target := root
	if e.rel != "" {
		target.segs = append(slices.Clone(root.segs), strings.Split(e.rel, "/")...)
	}
	if e.kind == wsDirectory {
		_, err := s.ws.mkdirAll(target.segs, s.newObjectID)
		return err
	}
	if _, err := s.ws.mkdirAll(target.parent().segs, s.newObjectID); err != nil {
		return err
	}
	_, err := s.wsPut(target, wsContent{kind: e.kind, language: e.language, data: e.data}, false)
	return err
}
