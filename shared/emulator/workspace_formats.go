package emulator

import (
	"bytes"
	"encoding/json"
	"html"
	"net/http"
	"strings"
)

// Content formats of workspace export and import: the notebook source header,
// Jupyter and HTML renderings, and the format and language tables.

// wsRender produces an object's export in format, with its file_type.
//   - notebooks: SOURCE and AUTO give the header line plus the stored source
//     (so does RAW, whose meaning for notebooks is undocumented); JUPYTER an
//     .ipynb; HTML a minimal page; DBC an archive of the one notebook;
//     R_MARKDOWN is not supported by the emulator.
//   - files: SOURCE, AUTO and RAW give the bytes as stored (file_type is the
//     extension); other formats are 400 INVALID_PARAMETER_VALUE.
//   - folders: DBC, SOURCE and AUTO give an archive of tree (wsArchive); other
//     formats are 400 INVALID_PARAMETER_VALUE.
func wsRender(n wsNode, tree []wsEntry, format string) ([]byte, string, error) {
	switch n.kind {
	case wsDirectory, wsRepo:
		if format == "DBC" || format == "SOURCE" || format == "AUTO" {
			return wsArchive(n.name, tree, format)
		}
		return nil, "", invalidParam("Exporting a folder is only supported for the DBC, SOURCE and AUTO formats.")
	case wsFile:
		if format == "SOURCE" || format == "AUTO" || format == "RAW" {
			_, ext := wsSplitExt(n.name)
			return n.data, strings.TrimPrefix(ext, "."), nil
		}
		return nil, "", invalidParam("Export format %s is not supported for workspace files (%s).", format, n.path)
	}
	return wsRenderNotebook(n, format)
}

func wsRenderNotebook(n wsNode, format string) ([]byte, string, error) {
	if format == wsJupyter && n.format == wsJupyter {
		// An IPYNB notebook exports as the document it stores: outputs,
		// widgets and metadata included.
		return n.data, "ipynb", nil
	}
	body := n.source()
	switch format {
	case "SOURCE", "AUTO", "RAW":
		return wsWithHeader(n.language, body), wsLanguages[n.language].fileType, nil
	case wsJupyter:
		data, err := wsToJupyter(n.name, n.language, body)
		return data, "ipynb", err
	case "HTML":
		return wsToHTML(n.name, wsWithHeader(n.language, body)), "html", nil
	case "DBC":
		return wsArchive("", []wsEntry{{rel: n.name, kind: wsNotebook, language: n.language, data: body}}, format)
	}
	return nil, "", wsUnsupported("exporting notebooks as %s", format)
}

// wsJupyter is the JUPYTER export/import format, and the storage format of an
// IPYNB notebook.
const wsJupyter = "JUPYTER"

// storedFormat is a notebook's repos_export_format: JUPYTER for an IPYNB
// notebook, SOURCE otherwise.
func (n *wsNode) storedFormat() string {
	if n.format == wsJupyter {
		return wsJupyter
	}
	return "SOURCE"
}

// source is a notebook's cells in source form (without the header line): the
// stored source, or the cells of an IPYNB notebook's document (outputs
// dropped). A stored document was validated on import, so it converts.
func (n *wsNode) source() []byte {
	if n.format != wsJupyter {
		return n.data
	}
	body, _ := wsJupyterSource(n.data, n.language)
	return body
}

// wsUnsupported is a clear 400 for a documented feature the emulator leaves out.
func wsUnsupported(format string, args ...any) error {
	e := errorf(http.StatusBadRequest, "BAD_REQUEST", format, args...)
	e.Message = "The Databricks emulator does not support " + e.Message + "."
	return e
}

// wsLanguage is what the service needs to know about a notebook language.
type wsLanguage struct {
	comment  string // line comment that prefixes the header and MAGIC lines
	fileType string // export file_type of SOURCE
}

var wsLanguages = map[string]wsLanguage{
	"PYTHON": {comment: "#", fileType: "py"},
	"SCALA":  {comment: "//", fileType: "scala"},
	"SQL":    {comment: "--", fileType: "sql"},
	"R":      {comment: "#", fileType: "r"},
}

// wsExtLanguages maps the (lower-cased) extensions AUTO recognises as notebooks.
var wsExtLanguages = map[string]string{".py": "PYTHON", ".scala": "SCALA", ".sql": "SQL", ".r": "R"}

var (
	wsImportFormats = []string{"AUTO", "DBC", "HTML", "JUPYTER", "RAW", "R_MARKDOWN", "SOURCE"}
	wsExportFormats = wsImportFormats
)

// wsFormat validates a format (case sensitive, as documented); "" is SOURCE.
func wsFormat(format string, known []string) (string, error) {
	if format == "" {
		return "SOURCE", nil
	}
	for _, k := range known {
		if k == format {
			return format, nil
		}
	}
	return "", invalidParam("Invalid format: %s. Supported formats are %s.", format, strings.Join(known, ", "))
}

// wsHeader is the first line of a SOURCE export: "# Databricks notebook source"
// for Python and R, "// ..." for Scala, "-- ..." for SQL.
func wsHeader(lang string) string {
	return wsLanguages[lang].comment + " Databricks notebook source"
}

// wsHasHeader reports whether content's first line is lang's header.
func wsHasHeader(lang string, content []byte) bool {
	first, _, _ := bytes.Cut(content, []byte("\n"))
	return string(bytes.TrimRight(first, " \r")) == wsHeader(lang)
}

// wsStripHeader drops a leading header line, as the service does when it parses
// a SOURCE import: an export then carries the header exactly once, so
// "header\nbody" round-trips byte for byte and plain "body" exports as
// "header\nbody" (SDK integration tests TestAccWorkspaceIntegration and
// TestAccWorkspaceUploadNotebookWithFileExtensionNoTranspile).
func wsStripHeader(lang string, content []byte) []byte {
	if !wsHasHeader(lang, content) {
		return content
	}
	_, rest, _ := bytes.Cut(content, []byte("\n"))
	return rest
}

// wsWithHeader is the SOURCE form of a stored notebook.
func wsWithHeader(lang string, body []byte) []byte {
	out := make([]byte, 0, len(wsHeader(lang))+1+len(body))
	out = append(out, wsHeader(lang)...)
	out = append(out, '\n')
	return append(out, body...)
}

// wsCommandSep separates cells in notebook source.
func wsCommandSep(lang string) string {
	return "\n\n" + wsLanguages[lang].comment + " COMMAND ----------\n\n"
}

// wsMagicPrefix starts the lines of a %md (or other magic) cell in source form.
func wsMagicPrefix(lang string) string { return wsLanguages[lang].comment + " MAGIC" }

// wsIpynb is the part of a Jupyter document an import reads.
type wsIpynb struct {
	Cells []struct {
		CellType string          `json:"cell_type"`
		Source   json.RawMessage `json:"source"`
	} `json:"cells"`
	Metadata struct {
		LanguageInfo struct {
			Name string `json:"name"`
		} `json:"language_info"`
	} `json:"metadata"`
}

// wsFromJupyter reads an .ipynb document into an IPYNB notebook that stores
// the document as sent (reference part 2 §10.4: JUPYTER import keeps the
// storage format). Language is lang, else the document's language_info name
// when it is a notebook language, else PYTHON (Jupyter notebooks report their
// kernel language). A document without a cells array is
// 400 INVALID_PARAMETER_VALUE.
func wsFromJupyter(content []byte, lang string) (wsContent, error) {
	var nb wsIpynb
	if err := json.Unmarshal(content, &nb); err != nil || nb.Cells == nil {
		return wsContent{}, invalidParam("Unable to parse the content as a Jupyter notebook.")
	}
	if lang == "" {
		lang = strings.ToUpper(nb.Metadata.LanguageInfo.Name)
	}
	if _, ok := wsLanguages[lang]; !ok {
		lang = "PYTHON"
	}
	return wsContent{kind: wsNotebook, language: lang, format: wsJupyter, data: content}, nil
}

// wsJupyterSource converts an .ipynb document into source cells: code cells
// as they are, markdown cells as "%md" MAGIC cells.
func wsJupyterSource(content []byte, lang string) ([]byte, error) {
	var nb wsIpynb
	if err := json.Unmarshal(content, &nb); err != nil {
		return nil, err
	}
	cells := make([]string, 0, len(nb.Cells))
	for _, c := range nb.Cells {
		src := wsCellSource(c.Source)
		if c.CellType == "markdown" {
			src = wsMagic(lang, "%md\n"+src)
		}
		cells = append(cells, src)
	}
	return []byte(strings.Join(cells, wsCommandSep(lang))), nil
}

// wsCellSource reads a cell's source, which nbformat allows as a string or a
// list of lines.
func wsCellSource(raw json.RawMessage) string {
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return s
	}
	var lines []string
	_ = json.Unmarshal(raw, &lines)
	return strings.Join(lines, "")
}

// wsMagic prefixes every line of text with the MAGIC comment.
func wsMagic(lang, text string) string {
	lines := strings.Split(text, "\n")
	for i, l := range lines {
		lines[i] = strings.TrimRight(wsMagicPrefix(lang)+" "+l, " ")
	}
	return strings.Join(lines, "\n")
}

// wsToJupyter converts a stored notebook into an nbformat 4 document.
func wsToJupyter(name, lang string, body []byte) ([]byte, error) {
	var cells []map[string]any
	for _, src := range strings.Split(string(body), wsCommandSep(lang)) {
		cells = append(cells, wsJupyterCell(lang, src))
	}
	return json.Marshal(map[string]any{
		"cells": cells,
		"metadata": map[string]any{
			"application/vnd.databricks.v1+notebook": map[string]any{
				"language": strings.ToLower(lang), "notebookName": name,
			},
			"language_info": map[string]any{"name": strings.ToLower(lang)},
		},
		"nbformat":       4,
		"nbformat_minor": 0,
	})
}

// wsJupyterCell turns one source cell into a code or (for %md) markdown cell.
func wsJupyterCell(lang, src string) map[string]any {
	lines := strings.Split(src, "\n")
	if !strings.HasPrefix(lines[0], wsMagicPrefix(lang)+" %md") {
		return map[string]any{"cell_type": "code", "execution_count": nil, "metadata": map[string]any{},
			"outputs": []any{}, "source": wsSplitLines(src)}
	}
	for i, l := range lines {
		l = strings.TrimPrefix(l, wsMagicPrefix(lang))
		lines[i] = strings.TrimPrefix(l, " ")
	}
	lines[0] = strings.TrimSpace(strings.TrimPrefix(lines[0], "%md"))
	if lines[0] == "" {
		lines = lines[1:]
	}
	return map[string]any{"cell_type": "markdown", "metadata": map[string]any{},
		"source": wsSplitLines(strings.Join(lines, "\n"))}
}

// wsSplitLines is nbformat's list-of-lines form: every line but the last keeps
// its newline.
func wsSplitLines(s string) []string {
	lines := strings.SplitAfter(s, "\n")
	if lines[len(lines)-1] == "" {
		lines = lines[:len(lines)-1]
	}
	return lines
}

// wsToHTML is a minimal HTML export: the notebook's source in a page. Real
// exports embed the notebook model for the Databricks viewer; nothing in the
// API reads it back, so the emulator keeps the page simple.
func wsToHTML(name string, source []byte) []byte {
	var b bytes.Buffer
	b.WriteString("<!DOCTYPE html>\n<html>\n<head>\n<meta charset=\"utf-8\">\n")
	b.WriteString("<meta name=\"databricks-html-version\" content=\"1\">\n<title>")
	b.WriteString(html.EscapeString(name))
	b.WriteString(" - Databricks</title>\n</head>\n<body>\n<pre>")
	b.WriteString(html.EscapeString(string(source)))
	b.WriteString("</pre>\n</body>\n</html>\n")
	return b.Bytes()
}
