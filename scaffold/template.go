package scaffold

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"regexp"
	"sort"
	"strings"
	"text/template"

	"github.com/Masterminds/sprig/v3"
)

// ManifestFile is the optional file of a template that declares its
// variables and which files are rendered, copied or left out. It is never
// part of the generated project.
const ManifestFile = "connectgen-template.json"

// Manifest is the content of ManifestFile.
type Manifest struct {
	// Name and Version describe the template; Version is recorded in the
	// project.
	Name    string `json:"name,omitempty"`
	Version string `json:"version,omitempty"`
	// Variables are asked for once and recorded in .connectgen.json.
	Variables []Variable `json:"variables,omitempty"`
	// Render lists glob patterns of files rendered with the [[ ]]
	// delimiters under their own name; files ending in .tmpl are always
	// rendered and lose the suffix. Copy lists files copied as they are
	// even so, and Exclude files left out. A pattern without a "/" matches
	// a file's base name; "**" matches any number of folders.
	Render  []string `json:"render,omitempty"`
	Copy    []string `json:"copy,omitempty"`
	Exclude []string `json:"exclude,omitempty"`
	// Generator names the connectgen command that renders a built-in
	// template from inputs of its own (for example "connectgen forge new",
	// from a Connect descriptor). Such a template is not offered by
	// connectgen new (Templates leaves it out), but update treats its
	// projects like any other.
	Generator string `json:"generator,omitempty"`
}

// Variable is one value a template asks for. Templates refer to it as
// [[ .name ]] beside the standard values ([[ .Name ]], [[ .Key ]], …).
type Variable struct {
	Name   string `json:"name"`
	Prompt string `json:"prompt,omitempty"`
	// Default may refer to the standard values and earlier variables
	// with [[ ]], for example "[[ .Key ]]-service".
	Default string   `json:"default,omitempty"`
	Pattern string   `json:"pattern,omitempty"`
	Choices []string `json:"choices,omitempty"`
	// Optional allows an empty value; otherwise a value is required.
	Optional bool `json:"optional,omitempty"`
	// Help is shown when a value is refused.
	Help string `json:"help,omitempty"`

	re *regexp.Regexp
}

// standardNames are the values every template gets, by their template name.
var standardNames = []string{"Name", "Key", "AppName", "Description", "VendorName", "VendorURL"}

var varName = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9_]{0,63}$`)

// ParseManifest reads and checks a manifest.
func ParseManifest(src []byte) (*Manifest, error) {
	var m Manifest
	dec := json.NewDecoder(bytes.NewReader(src))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&m); err != nil {
		return nil, fmt.Errorf("%s: %v", ManifestFile, err)
	}
	seen := map[string]bool{}
	for _, s := range standardNames {
		seen[s] = true
	}
	for i := range m.Variables {
		v := &m.Variables[i]
		if !varName.MatchString(v.Name) {
			return nil, fmt.Errorf("%s: variable name %q must be a letter followed by letters, digits or _", ManifestFile, v.Name)
		}
		if seen[v.Name] {
			return nil, fmt.Errorf("%s: variable %q is declared twice or is a standard value (%s)", ManifestFile, v.Name, strings.Join(standardNames, ", "))
		}
		seen[v.Name] = true
		if v.Pattern != "" {
			re, err := regexp.Compile("^(?:" + v.Pattern + ")$")
			if err != nil {
				return nil, fmt.Errorf("%s: variable %q: pattern: %v", ManifestFile, v.Name, err)
			}
			v.re = re
		}
	}
	for _, list := range [][]string{m.Render, m.Copy, m.Exclude} {
		for _, p := range list {
			if _, err := path.Match(strings.ReplaceAll(p, "**", "x"), ""); err != nil || p == "" {
				return nil, fmt.Errorf("%s: bad pattern %q", ManifestFile, p)
			}
		}
	}
	return &m, nil
}

// Check says whether value is acceptable for v, and why not.
func (v *Variable) Check(value string) error {
	if value == "" {
		if v.Optional {
			return nil
		}
		return fmt.Errorf("%s must not be empty; set it with --set %s=VALUE", v.Name, v.Name)
	}
	if len(v.Choices) > 0 {
		for _, c := range v.Choices {
			if c == value {
				return nil
			}
		}
		return fmt.Errorf("%s must be one of %s, not %q", v.Name, strings.Join(v.Choices, ", "), value)
	}
	if v.re != nil && !v.re.MatchString(value) {
		msg := fmt.Sprintf("%s %q does not match %s", v.Name, value, v.Pattern)
		if v.Help != "" {
			msg += ": " + v.Help
		}
		return fmt.Errorf("%s", msg)
	}
	return nil
}

// Label is what a prompt for v says.
func (v *Variable) Label() string {
	if v.Prompt != "" {
		return v.Prompt
	}
	return v.Name
}

// Kind says how a template's files become a project.
type Kind string

const (
	// KindBuiltin renders files ending in .tmpl and copies the rest.
	KindBuiltin Kind = "builtin"
	// KindManifest follows the template's ManifestFile.
	KindManifest Kind = "manifest"
	// KindPlain copies every file as atlas-connect does, then sets
	// package.json's name and applies the product rules (see plain.go).
	KindPlain Kind = "plain"
)

// Template is a template tree ready to render: its files at the root of FS.
type Template struct {
	FS       fs.FS
	Kind     Kind
	Manifest *Manifest
}

// OpenTemplate reads fsys's manifest, if any. builtin says the tree is one
// of connectgen's own: without a manifest its .tmpl files are rendered,
// while an outside tree without one is a plain ACE app copied as it is.
func OpenTemplate(fsys fs.FS, builtin bool) (*Template, error) {
	t := &Template{FS: fsys, Kind: KindPlain}
	if builtin {
		t.Kind = KindBuiltin
	}
	src, err := fs.ReadFile(fsys, ManifestFile)
	switch {
	case err == nil:
		m, err := ParseManifest(src)
		if err != nil {
			return nil, err
		}
		t.Kind, t.Manifest = KindManifest, m
	case !errors.Is(err, fs.ErrNotExist):
		return nil, err
	}
	return t, nil
}

// Variables are the template's own variables, in the manifest's order.
func (t *Template) Variables() []Variable {
	if t.Manifest == nil {
		return nil
	}
	return t.Manifest.Variables
}

// DefaultFor renders v's default with the values known so far.
func (t *Template) DefaultFor(v Variable, data Data, answers map[string]string) (string, error) {
	if !strings.Contains(v.Default, "[[") {
		return v.Default, nil
	}
	root := newRoot()
	tt, err := root.New("default of " + v.Name).Parse(v.Default)
	if err != nil {
		return "", fmt.Errorf("%s: %v", ManifestFile, err)
	}
	var b bytes.Buffer
	if err := tt.Execute(&b, dataMap(data, answers)); err != nil {
		return "", fmt.Errorf("%s: %v", ManifestFile, err)
	}
	return b.String(), nil
}

// CheckAnswers checks that every variable has an acceptable answer and
// that no answer names an unknown variable.
func (t *Template) CheckAnswers(answers map[string]string) error {
	known := map[string]bool{}
	for _, v := range t.Variables() {
		known[v.Name] = true
		if err := v.Check(answers[v.Name]); err != nil {
			return err
		}
	}
	for k := range answers {
		if !known[k] {
			var names []string
			for _, v := range t.Variables() {
				names = append(names, v.Name)
			}
			if len(names) == 0 {
				return fmt.Errorf("the template has no variable %q (it declares none)", k)
			}
			return fmt.Errorf("the template has no variable %q (it has: %s)", k, strings.Join(names, ", "))
		}
	}
	return nil
}

func newRoot() *template.Template {
	funcs := sprig.HermeticTxtFuncMap()
	funcs["json"] = jsonString
	return template.New("").Delims("[[", "]]").Option("missingkey=error").Funcs(funcs)
}

func dataMap(d Data, answers map[string]string) map[string]any {
	m := map[string]any{
		"Name": d.Name, "Key": d.Key, "AppName": d.AppName, "Description": d.Description,
		"VendorName": d.VendorName, "VendorURL": d.VendorURL,
		"Template": d.Template, "Version": d.Version,
	}
	for k, v := range answers {
		m[k] = v
	}
	return m
}

// Render renders the template with data and answers into the project's
// files, sorted by path, with rec written as RecordFile and the extra
// files made by code, all checked alike. Nothing is written to disk.
func (t *Template) Render(data Data, answers map[string]string, rec Record, extra ...File) ([]File, error) {
	if err := t.CheckAnswers(answers); err != nil {
		return nil, err
	}
	root := newRoot()
	values := dataMap(data, answers)
	var files []File
	err := fs.WalkDir(t.FS, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			return nil
		}
		out, render, skip := t.rule(p)
		if skip {
			return nil
		}
		src, err := fs.ReadFile(t.FS, p)
		if err != nil {
			return err
		}
		mode := fs.FileMode(0o644)
		if fi, err := d.Info(); err == nil && fi.Mode()&0o111 != 0 && t.Kind != KindBuiltin {
			mode = 0o755
		}
		content := src
		if render {
			tt, err := root.New(p).Parse(string(src))
			if err != nil {
				return fmt.Errorf("template %s: %w", p, err)
			}
			var buf bytes.Buffer
			if err := tt.Execute(&buf, values); err != nil {
				return fmt.Errorf("template %s: %w", p, err)
			}
			content = buf.Bytes()
		}
		files = append(files, File{Path: out, Content: content, Mode: mode})
		return nil
	})
	if err != nil {
		return nil, err
	}
	if t.Kind == KindPlain {
		if files, err = applyPlainRules(files, data.Name); err != nil {
			return nil, err
		}
		rec.Product = PlainProduct(files)
	}
	return finish(append(files, extra...), rec)
}

// rule decides what happens to the template file p: its output path,
// whether it is rendered, or that it is left out.
func (t *Template) rule(p string) (out string, render, skip bool) {
	// connectgen's record of a project and update's backups belong to the
	// project a template was made from (a zipped generated app, say),
	// never to the template: the new project gets a record of its own.
	if p == RecordFile || strings.HasPrefix(p, ".connectgen/") {
		return "", false, true
	}
	switch t.Kind {
	case KindPlain:
		return p, false, false
	case KindBuiltin:
		if strings.HasSuffix(p, ".tmpl") {
			return strings.TrimSuffix(p, ".tmpl"), true, false
		}
		return p, false, false
	}
	m := t.Manifest
	if p == ManifestFile || matchAny(m.Exclude, p) {
		return "", false, true
	}
	if matchAny(m.Copy, p) {
		return p, false, false
	}
	if strings.HasSuffix(p, ".tmpl") {
		return strings.TrimSuffix(p, ".tmpl"), true, false
	}
	return p, matchAny(m.Render, p), false
}

// finish adds the record, sorts the files and checks their paths.
func finish(files []File, rec Record) ([]File, error) {
	js, err := json.MarshalIndent(rec, "", "  ")
	if err != nil {
		return nil, err
	}
	files = append(files, File{Path: RecordFile, Content: append(js, '\n'), Mode: 0o644})
	sort.Slice(files, func(i, j int) bool { return files[i].Path < files[j].Path })
	for i := 1; i < len(files); i++ {
		if files[i].Path == files[i-1].Path {
			return nil, fmt.Errorf("template: two files render to %s", files[i].Path)
		}
	}
	for _, f := range files {
		if !fs.ValidPath(f.Path) || path.Clean(f.Path) != f.Path || f.Path == "." {
			return nil, fmt.Errorf("template: invalid output path %q", f.Path)
		}
	}
	return files, nil
}

func matchAny(patterns []string, p string) bool {
	for _, pat := range patterns {
		if matchGlob(pat, p) {
			return true
		}
	}
	return false
}

// matchGlob matches slash-separated p against pattern: a pattern without
// "/" matches the base name, "**" any number of folders, and each other
// segment is matched by path.Match.
func matchGlob(pattern, p string) bool {
	pattern = strings.TrimPrefix(pattern, "/")
	if !strings.Contains(pattern, "/") && pattern != "**" {
		ok, _ := path.Match(pattern, path.Base(p))
		return ok
	}
	return matchSegs(strings.Split(pattern, "/"), strings.Split(p, "/"))
}

func matchSegs(pat, segs []string) bool {
	for len(pat) > 0 {
		if pat[0] == "**" {
			for i := 0; i <= len(segs); i++ {
				if matchSegs(pat[1:], segs[i:]) {
					return true
				}
			}
			return false
		}
		if len(segs) == 0 {
			return false
		}
		if ok, _ := path.Match(pat[0], segs[0]); !ok {
			return false
		}
		pat, segs = pat[1:], segs[1:]
	}
	return len(segs) == 0
}

// TreeVersion identifies a template's content: "t" and the first 12 hex
// digits of a SHA-256 over its sorted paths and contents. A built-in
// template's version changes exactly when its files do, so no one has to
// remember to bump it.
func TreeVersion(fsys fs.FS) (string, error) {
	h := sha256.New()
	err := fs.WalkDir(fsys, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := fs.ReadFile(fsys, p)
		if err != nil {
			return err
		}
		fmt.Fprintf(h, "%s\x00%d\x00", p, len(b))
		h.Write(b)
		return nil
	})
	if err != nil {
		return "", err
	}
	return "t" + hex.EncodeToString(h.Sum(nil))[:12], nil
}

// WithoutOwn returns the extra files whose paths the template does not
// render itself: an outside template's own .vscode/settings.json, say,
// wins over the one connectgen would add.
func (t *Template) WithoutOwn(extra []File) []File {
	own := map[string]bool{}
	fs.WalkDir(t.FS, ".", func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			if out, _, skip := t.rule(p); !skip {
				own[out] = true
			}
		}
		return nil
	})
	var out []File
	for _, f := range extra {
		if !own[f.Path] {
			out = append(out, f)
		}
	}
	return out
}
