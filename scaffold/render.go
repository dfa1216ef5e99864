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
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"sort"
	"strings"
	"testing/fstest"
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

// Record is the content of RecordFile: enough to render the project again
// exactly as it was made, which is what connectgen update starts from.
type Record struct {
	// Template is the built-in template's name, or the URL or path the
	// template was read from.
	Template string `json:"template"`
	// Version is connectgen's version.
	Version string `json:"connectgenVersion"`
	// TemplateVersion is a built-in template's version (TreeVersion), or
	// the version a template's manifest declares.
	TemplateVersion string `json:"templateVersion,omitempty"`
	// Source says where an outside template came from, with its hash.
	Source *Source `json:"source,omitempty"`
	// Product is the product a plain ACE template's config.json names.
	Product string `json:"product,omitempty"`
	Values  Data   `json:"values"`
	// Answers are the values of the template's own variables.
	Answers map[string]string `json:"answers,omitempty"`
}

// Source is where an outside template came from.
type Source struct {
	// Kind is url, zip or dir.
	Kind string `json:"kind"`
	// Ref is the URL as given, or the zip's or folder's absolute path.
	Ref string `json:"ref"`
	// Hash is the content hash: of the archive for url and zip, of the
	// files for dir.
	Hash string `json:"hash"`
}

// Templates lists the templates connectgen new offers from fsys: its
// top-level folders, except shared layers (names starting with "_") and
// templates a generator renders (see Manifest.Generator).
func Templates(fsys fs.FS) []string {
	var names []string
	for _, n := range BuiltinNames(fsys) {
		if Generator(fsys, n) == "" {
			names = append(names, n)
		}
	}
	return names
}

// BuiltinNames lists every built-in template in fsys, those a generator
// renders included: its top-level folders, except shared layers.
func BuiltinNames(fsys fs.FS) []string {
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

// Generator is the generator of built-in template name (Manifest.Generator),
// or "" for a template of connectgen new or one that cannot be read.
func Generator(fsys fs.FS, name string) string {
	tree, err := BuiltinTree(fsys, name)
	if err != nil {
		return ""
	}
	src, err := fs.ReadFile(tree, ManifestFile)
	if err != nil {
		return ""
	}
	m, err := ParseManifest(src)
	if err != nil {
		return ""
	}
	return m.Generator
}

// Render renders the built-in template called name from fsys with data and
// returns the project's files sorted by path, RecordFile among them, and
// the extra files (made by code, such as the editor's descriptor schema)
// which go through the same checks: no two files with one path, no path
// outside the project. Nothing is written. Every file is rendered before
// Render returns, so a template error is found before the disk is touched.
func Render(fsys fs.FS, name string, data Data, extra ...File) ([]File, error) {
	t, version, err := Builtin(fsys, name)
	if err != nil {
		return nil, err
	}
	rec := Record{Template: name, Version: data.Version, TemplateVersion: version, Values: data}
	files, err := t.Render(data, nil, rec, extra...)
	if err != nil {
		return nil, fmt.Errorf("template %s: %w", name, err)
	}
	return files, nil
}

// builtinLayersFile, in a built-in template's folder, names shared layers
// (top-level folders starting with "_") the template is built on, one per
// line; the template's own files replace a layer's file of the same
// output path.
const builtinLayersFile = ".connectgen-layers"

// BuiltinTree is the source tree of built-in template name: its folder,
// over the layers it names. The tree is what the template's version is
// computed from and what the history keeps, so a change to a shared layer
// is a new version of every template built on it.
func BuiltinTree(fsys fs.FS, name string) (fs.FS, error) {
	b, err := fs.ReadFile(fsys, path.Join(name, builtinLayersFile))
	if errors.Is(err, fs.ErrNotExist) {
		return fs.Sub(fsys, name)
	}
	if err != nil {
		return nil, err
	}
	var dirs []string
	for _, line := range strings.Split(string(b), "\n") {
		l := strings.TrimSpace(line)
		if l == "" || strings.HasPrefix(l, "#") {
			continue
		}
		if !strings.HasPrefix(l, "_") || strings.Contains(l, "/") || !fs.ValidPath(l) {
			return nil, fmt.Errorf("template %s: layer %q in %s is not a top-level folder starting with _", name, l, builtinLayersFile)
		}
		dirs = append(dirs, l)
	}
	tree := fstest.MapFS{}
	byOut := map[string]string{} // output path -> source path in tree
	for _, dir := range append(dirs, name) {
		err := fs.WalkDir(fsys, dir, func(p string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() {
				return err
			}
			rel := strings.TrimPrefix(p, dir+"/")
			if rel == builtinLayersFile {
				return nil
			}
			data, err := fs.ReadFile(fsys, p)
			if err != nil {
				return err
			}
			out := strings.TrimSuffix(rel, ".tmpl")
			if prev, ok := byOut[out]; ok {
				delete(tree, prev)
			}
			byOut[out] = rel
			tree[rel] = &fstest.MapFile{Data: data, Mode: 0o644}
			return nil
		})
		if err != nil {
			return nil, fmt.Errorf("template %s: %w", name, err)
		}
	}
	return tree, nil
}

// Builtin opens the built-in template called name in fsys, with its
// version.
func Builtin(fsys fs.FS, name string) (*Template, string, error) {
	if !fs.ValidPath(name) || strings.Contains(name, "/") {
		return nil, "", fmt.Errorf("invalid template name %q", name)
	}
	if fi, err := fs.Stat(fsys, name); err != nil || !fi.IsDir() {
		return nil, "", fmt.Errorf("unknown template %q (available: %s)", name, strings.Join(Templates(fsys), ", "))
	}
	sub, err := BuiltinTree(fsys, name)
	if err != nil {
		return nil, "", err
	}
	version, err := TreeVersion(sub)
	if err != nil {
		return nil, "", err
	}
	t, err := OpenTemplate(sub, true)
	if err != nil {
		return nil, "", fmt.Errorf("template %s: %w", name, err)
	}
	return t, version, nil
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
