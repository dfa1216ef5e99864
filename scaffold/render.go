// Package scaffold renders a project template in memory and writes it to
// disk safely: files go to a temporary directory beside the target and are
// moved into place only once every one of them was written, existing files
// are never replaced without an explicit mode, and nothing is written
// outside the target directory.
//
// A template is a folder of an fs.FS. Files whose name ends in ".tmpl" are
// rendered with text/template and the output path drops the suffix; every
// other file is copied byte for byte. Rendered files use the delimiters
// "[[" and "]]" throughout, because the generated projects are full of
// "{{": Handlebars views and the descriptor's {{localBaseUrl}} token must
// pass through untouched, and one rule for every file is easier to review
// than a choice per file.
package scaffold

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"sort"
	"strings"
	"text/template"

	"github.com/Masterminds/sprig/v3"
)

// Data is what a template may refer to.
type Data struct {
	// Name is the project's directory and npm package name.
	Name string `json:"name"`
	// Key is the Connect app key.
	Key string `json:"key"`
	// AppName is the app's display name.
	AppName     string `json:"appName"`
	Description string `json:"description"`
	VendorName  string `json:"vendorName"`
	VendorURL   string `json:"vendorUrl"`
	// Template is the template's name and Version connectgen's version;
	// both are recorded in the project's .connectgen.json.
	Template string `json:"-"`
	Version  string `json:"-"`
}

// File is one rendered file, its path slash-separated and relative to the
// project root.
type File struct {
	Path    string
	Content []byte
	Mode    fs.FileMode
}

// RecordFile is the file in which a project records how it was generated.
const RecordFile = ".connectgen.json"

// Record is the content of RecordFile.
type Record struct {
	Template string `json:"template"`
	Version  string `json:"connectgenVersion"`
	Values   Data   `json:"values"`
}

// LayersFile, in a template folder, names the shared layers the template
// is built on, one per line: top-level folders of the same fs.FS whose
// name starts with "_" (they are not templates of their own). A layer's
// files are rendered first; the template's own files replace a layer's
// file of the same output path. LayersFile itself is not written.
const LayersFile = ".connectgen-layers"

// Templates lists the template names in fsys: its top-level folders,
// except the shared layers (names starting with "_").
func Templates(fsys fs.FS) []string {
	entries, err := fs.ReadDir(fsys, ".")
	if err != nil {
		return nil
	}
	var names []string
	for _, e := range entries {
		if e.IsDir() && !strings.HasPrefix(e.Name(), "_") {
			names = append(names, e.Name())
		}
	}
	sort.Strings(names)
	return names
}

// Render renders the template called name from fsys with data and returns
// the project's files sorted by path, RecordFile among them, and the extra
// files (made by code, such as the editor's descriptor schema) which go
// through the same checks: no two files with one path, no path outside
// the project. Nothing is written. Every file is rendered before Render
// returns, so a template error is found before the disk is touched.
func Render(fsys fs.FS, name string, data Data, extra ...File) ([]File, error) {
	if !fs.ValidPath(name) || strings.Contains(name, "/") {
		return nil, fmt.Errorf("invalid template name %q", name)
	}
	if fi, err := fs.Stat(fsys, name); err != nil || !fi.IsDir() {
		return nil, fmt.Errorf("unknown template %q (available: %s)", name, strings.Join(Templates(fsys), ", "))
	}
	funcs := sprig.HermeticTxtFuncMap()
	funcs["json"] = jsonString
	// One root holds the delimiters, options and functions; each file is
	// a template of its own name in its set (Funcs checks every function
	// by reflection, so it is called once, not per file).
	root := template.New("").Delims("[[", "]]").Option("missingkey=error").Funcs(funcs)
	layers, err := readLayers(fsys, name)
	if err != nil {
		return nil, err
	}
	var files []File
	for _, dir := range append(layers, name) {
		own, err := renderDir(fsys, dir, root, data)
		if err != nil {
			return nil, err
		}
		files = mergeFiles(files, own)
	}
	rec, err := json.MarshalIndent(Record{Template: name, Version: data.Version, Values: data}, "", "  ")
	if err != nil {
		return nil, err
	}
	files = append(files, File{Path: RecordFile, Content: append(rec, '\n'), Mode: 0o644})
	files = append(files, extra...)
	sort.Slice(files, func(i, j int) bool { return files[i].Path < files[j].Path })
	for i := 1; i < len(files); i++ {
		if files[i].Path == files[i-1].Path {
			return nil, fmt.Errorf("template %s: two files render to %s", name, files[i].Path)
		}
	}
	for _, f := range files {
		if !fs.ValidPath(f.Path) || path.Clean(f.Path) != f.Path {
			return nil, fmt.Errorf("template %s: invalid output path %q", name, f.Path)
		}
	}
	return files, nil
}

// jsonString is the template function json: v as a JSON value, without
// the HTML escaping of sprig's toJson, so a description such as
// "<statistics>" reads in the descriptor as the user typed it.
func jsonString(v any) (string, error) {
	var b strings.Builder
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return "", err
	}
	return strings.TrimSuffix(b.String(), "\n"), nil
}

// readLayers returns the layers template name is built on (LayersFile).
func readLayers(fsys fs.FS, name string) ([]string, error) {
	b, err := fs.ReadFile(fsys, path.Join(name, LayersFile))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var layers []string
	for _, line := range strings.Split(string(b), "\n") {
		l := strings.TrimSpace(line)
		if l == "" || strings.HasPrefix(l, "#") {
			continue
		}
		if !strings.HasPrefix(l, "_") || strings.Contains(l, "/") || !fs.ValidPath(l) {
			return nil, fmt.Errorf("template %s: layer %q in %s is not a top-level folder starting with _", name, l, LayersFile)
		}
		if fi, err := fs.Stat(fsys, l); err != nil || !fi.IsDir() {
			return nil, fmt.Errorf("template %s: layer %q in %s does not exist", name, l, LayersFile)
		}
		layers = append(layers, l)
	}
	return layers, nil
}

// renderDir renders the files of one folder (a template or a layer).
func renderDir(fsys fs.FS, name string, root *template.Template, data Data) ([]File, error) {
	var files []File
	err := fs.WalkDir(fsys, name, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			return nil
		}
		rel := strings.TrimPrefix(p, name+"/")
		if rel == LayersFile {
			return nil
		}
		src, err := fs.ReadFile(fsys, p)
		if err != nil {
			return err
		}
		out := src
		if strings.HasSuffix(rel, ".tmpl") {
			rel = strings.TrimSuffix(rel, ".tmpl")
			t, err := root.New(p).Parse(string(src))
			if err != nil {
				return fmt.Errorf("template %s: %w", p, err)
			}
			var buf bytes.Buffer
			if err := t.Execute(&buf, data); err != nil {
				return fmt.Errorf("template %s: %w", p, err)
			}
			out = buf.Bytes()
		}
		// Embedded files report mode 0444; what a project needs is decided here.
		files = append(files, File{Path: rel, Content: out, Mode: 0o644})
		return nil
	})
	return files, err
}

// mergeFiles adds over to base; a file of over replaces base's file of the
// same path.
func mergeFiles(base, over []File) []File {
	idx := make(map[string]int, len(base))
	for i, f := range base {
		idx[f.Path] = i
	}
	for _, f := range over {
		if i, ok := idx[f.Path]; ok {
			base[i] = f
			continue
		}
		base = append(base, f)
	}
	return base
}
