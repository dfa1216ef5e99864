package scaffold

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"testing/fstest"
)

var testData = Data{Name: "shop", Key: "com.example.shop", AppName: `Shop "Deluxe"`, Description: "d", VendorName: "V", VendorURL: "https://v.example", Template: "t", Version: "v9"}

func testFS() fstest.MapFS {
	return fstest.MapFS{
		"t/package.json.tmpl":      {Data: []byte(`{"name": [[ .Name | toJson ]], "display": [[ .AppName | toJson ]]}`)},
		"t/views/layout.hbs":       {Data: []byte(`<title>{{title}}</title>`)},
		"t/atlassian-connect.json": {Data: []byte(`{"baseUrl": "{{localBaseUrl}}"}`)},
		"t/.gitignore":             {Data: []byte("node_modules\n")},
		"other/readme.txt":         {Data: []byte("x")},
	}
}

func paths(files []File) []string {
	var out []string
	for _, f := range files {
		out = append(out, f.Path)
	}
	return out
}

func TestRender(t *testing.T) {
	files, err := Render(testFS(), "t", testData)
	if err != nil {
		t.Fatal(err)
	}
	got := strings.Join(paths(files), " ")
	want := ".connectgen.json .gitignore atlassian-connect.json package.json views/layout.hbs"
	if got != want {
		t.Fatalf("paths = %q, want %q", got, want)
	}
	byPath := map[string]string{}
	for _, f := range files {
		byPath[f.Path] = string(f.Content)
	}
	if g := byPath["package.json"]; g != `{"name": "shop", "display": "Shop \"Deluxe\""}` {
		t.Errorf("package.json = %s", g)
	}
	if g := byPath["views/layout.hbs"]; g != `<title>{{title}}</title>` {
		t.Errorf("handlebars file changed: %s", g)
	}
	if g := byPath["atlassian-connect.json"]; !strings.Contains(g, "{{localBaseUrl}}") {
		t.Errorf("descriptor token lost: %s", g)
	}
	var rec Record
	if err := json.Unmarshal([]byte(byPath[RecordFile]), &rec); err != nil {
		t.Fatal(err)
	}
	if rec.Template != "t" || rec.Version != "v9" || rec.Values.Key != "com.example.shop" || rec.Values.AppName != testData.AppName {
		t.Errorf("record = %+v", rec)
	}
}

func TestRenderErrors(t *testing.T) {
	fsys := testFS()
	fsys["bad/x.tmpl"] = &fstest.MapFile{Data: []byte("[[ .Nope ]]")}
	fsys["env/x.tmpl"] = &fstest.MapFile{Data: []byte(`[[ env "HOME" ]]`)}
	for _, tc := range []struct{ name, want string }{
		{"missing", `unknown template "missing" (available: bad, env, other, t)`},
		{"../t", "invalid template name"},
		{"bad", `map has no entry for key "Nope"`},
		// sprig's hermetic map has no env: templates cannot read the environment.
		{"env", `function "env" not defined`},
	} {
		_, err := Render(fsys, tc.name, testData)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("Render(%q) error = %v, want it to contain %q", tc.name, err, tc.want)
		}
	}
}

func TestTemplates(t *testing.T) {
	if got := strings.Join(Templates(testFS()), ","); got != "other,t" {
		t.Errorf("Templates = %s", got)
	}
}

func render(t *testing.T) []File {
	t.Helper()
	files, err := Render(testFS(), "t", testData)
	if err != nil {
		t.Fatal(err)
	}
	return files
}

// tree lists the files below dir with their content.
func tree(t *testing.T, dir string) map[string]string {
	t.Helper()
	out := map[string]string{}
	// the test checks the outcome, not this call
	_ = filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err != nil {
			t.Fatal(err)
		}
		if !d.IsDir() {
			b, _ := os.ReadFile(p)
			rel, _ := filepath.Rel(dir, p)
			out[filepath.ToSlash(rel)] = string(b)
		}
		return nil
	})
	return out
}

func entries(t *testing.T, dir string) []string {
	t.Helper()
	des, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, d := range des {
		names = append(names, d.Name())
	}
	sort.Strings(names)
	return names
}

func TestWriteNewDirectory(t *testing.T) {
	parent := t.TempDir()
	target := filepath.Join(parent, "shop")
	p, err := NewPlan(target, render(t), ModeNew)
	if err != nil {
		t.Fatal(err)
	}
	if err := (&Writer{}).Write(context.Background(), p); err != nil {
		t.Fatal(err)
	}
	got := tree(t, target)
	if len(got) != 5 || got["views/layout.hbs"] != "<title>{{title}}</title>" || got[".gitignore"] != "node_modules\n" {
		t.Errorf("tree = %v", got)
	}
	if names := entries(t, parent); strings.Join(names, ",") != "shop" {
		t.Errorf("parent holds %v; the temporary directory must be gone", names)
	}
}

func TestWriteEmptyDirectory(t *testing.T) {
	target := t.TempDir()
	p, err := NewPlan(target, render(t), ModeNew)
	if err != nil {
		t.Fatal(err)
	}
	if err := (&Writer{}).Write(context.Background(), p); err != nil {
		t.Fatal(err)
	}
	if got := tree(t, target); len(got) != 5 {
		t.Errorf("tree = %v", got)
	}
}

func writeFile(t *testing.T, path, content string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestWriteNonEmptyRefused(t *testing.T) {
	target := t.TempDir()
	writeFile(t, filepath.Join(target, "notes.txt"), "mine")
	p, err := NewPlan(target, render(t), ModeNew)
	if err != nil {
		t.Fatal(err)
	}
	err = (&Writer{}).Write(context.Background(), p)
	var ne *NotEmptyError
	if !errors.As(err, &ne) || strings.Join(ne.Files, ",") != "notes.txt" || !strings.Contains(err.Error(), "--force") {
		t.Fatalf("err = %v", err)
	}
	if got := tree(t, target); len(got) != 1 || got["notes.txt"] != "mine" {
		t.Errorf("tree changed: %v", got)
	}
}

func TestWriteForce(t *testing.T) {
	target := t.TempDir()
	writeFile(t, filepath.Join(target, "notes.txt"), "mine")
	p, err := NewPlan(target, render(t), ModeForce)
	if err != nil {
		t.Fatal(err)
	}
	if err := (&Writer{}).Write(context.Background(), p); err != nil {
		t.Fatal(err)
	}
	got := tree(t, target)
	if len(got) != 6 || got["notes.txt"] != "mine" || got["views/layout.hbs"] == "" {
		t.Errorf("tree = %v", got)
	}
	if names := entries(t, filepath.Dir(target)); len(names) != 1 {
		t.Errorf("parent holds %v; the temporary directory must be gone", names)
	}
}

func TestWriteForceRefusesToReplace(t *testing.T) {
	target := t.TempDir()
	writeFile(t, filepath.Join(target, "package.json"), "mine")
	writeFile(t, filepath.Join(target, ".gitignore"), "node_modules\n") // same content: fine
	p, err := NewPlan(target, render(t), ModeForce)
	if err != nil {
		t.Fatal(err)
	}
	if n := p.Count(Unchanged); n != 1 {
		t.Errorf("unchanged = %d, want 1", n)
	}
	err = (&Writer{}).Write(context.Background(), p)
	var ce *ConflictError
	if !errors.As(err, &ce) || len(ce.Entries) != 1 || ce.Entries[0].File.Path != "package.json" || !strings.Contains(err.Error(), "--overwrite") {
		t.Fatalf("err = %v", err)
	}
	if got := tree(t, target); len(got) != 2 || got["package.json"] != "mine" {
		t.Errorf("tree changed: %v", got)
	}
}

func TestWriteOverwrite(t *testing.T) {
	target := t.TempDir()
	writeFile(t, filepath.Join(target, "package.json"), "mine")
	writeFile(t, filepath.Join(target, "views/other.hbs"), "keep me")
	p, err := NewPlan(target, render(t), ModeOverwrite)
	if err != nil {
		t.Fatal(err)
	}
	if p.Count(Replace) != 1 || p.Count(Create) != 4 {
		t.Fatalf("plan = %+v", p.Entries)
	}
	if err := (&Writer{}).Write(context.Background(), p); err != nil {
		t.Fatal(err)
	}
	got := tree(t, target)
	if !strings.Contains(got["package.json"], `"shop"`) || got["views/other.hbs"] != "keep me" || len(got) != 6 {
		t.Errorf("tree = %v", got)
	}
}

func TestWriteRefusesLinksInTheWay(t *testing.T) {
	target := t.TempDir()
	outside := t.TempDir()
	if err := os.Symlink(outside, filepath.Join(target, "views")); err != nil {
		t.Fatal(err)
	}
	p, err := NewPlan(target, render(t), ModeOverwrite)
	if err != nil {
		t.Fatal(err)
	}
	err = (&Writer{}).Write(context.Background(), p)
	if err == nil || !strings.Contains(err.Error(), "views is not a directory") {
		t.Fatalf("err = %v", err)
	}
	if got := tree(t, outside); len(got) != 0 {
		t.Errorf("wrote outside the target: %v", got)
	}
}

func TestWriteTargetIsLink(t *testing.T) {
	parent := t.TempDir()
	if err := os.Symlink(t.TempDir(), filepath.Join(parent, "shop")); err != nil {
		t.Fatal(err)
	}
	if _, err := NewPlan(filepath.Join(parent, "shop"), render(t), ModeForce); err == nil || !strings.Contains(err.Error(), "symbolic link") {
		t.Fatalf("err = %v", err)
	}
}

func TestWriteInterrupted(t *testing.T) {
	for _, exists := range []bool{false, true} {
		parent := t.TempDir()
		target := filepath.Join(parent, "shop")
		if exists {
			writeFile(t, filepath.Join(target, "notes.txt"), "mine")
		}
		p, err := NewPlan(target, render(t), ModeForce)
		if err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithCancel(context.Background())
		w := &Writer{AfterFile: func(n int) {
			if n == 2 {
				cancel()
			}
		}}
		if err := w.Write(ctx, p); !errors.Is(err, context.Canceled) {
			t.Fatalf("err = %v", err)
		}
		names := entries(t, parent)
		if exists {
			if strings.Join(names, ",") != "shop" {
				t.Errorf("parent holds %v", names)
			}
			if got := tree(t, target); len(got) != 1 {
				t.Errorf("target changed: %v", got)
			}
		} else if len(names) != 0 {
			t.Errorf("parent holds %v after an interrupted write", names)
		}
	}
}

func TestWriteMissingParent(t *testing.T) {
	target := filepath.Join(t.TempDir(), "no", "shop")
	p, err := NewPlan(target, render(t), ModeNew)
	if err != nil {
		t.Fatal(err)
	}
	if err := (&Writer{}).Write(context.Background(), p); err == nil || !strings.Contains(err.Error(), "does not exist") {
		t.Fatalf("err = %v", err)
	}
}

func TestValidProjectName(t *testing.T) {
	for _, name := range []string{"a-quick-addon", "shop", "my.app_2"} {
		if err := ValidProjectName(name); err != nil {
			t.Errorf("ValidProjectName(%q) = %v", name, err)
		}
	}
	for name, want := range map[string]string{
		"":                       "empty",
		"a/b":                    "path separator",
		`a\b`:                    "path separator",
		"..":                     `".."`,
		"a..b":                   `".."`,
		".hidden":                "starts with a dot",
		"_x":                     "underscore",
		"my app":                 `white space; use - instead, for example "my-app"`,
		"MyApp":                  `upper case letters; npm names are lower case, for example "myapp"`,
		"a@b":                    "characters other than",
		"a~b":                    "characters other than",
		"node_modules":           "reserved",
		strings.Repeat("a", 215): "at most 214",
	} {
		err := ValidProjectName(name)
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("ValidProjectName(%q) = %v, want %q", name, err, want)
		}
	}
}

func TestDerive(t *testing.T) {
	if got := DeriveKey("my.app_2-x"); got != "my.app_2-x" {
		t.Errorf("DeriveKey = %s", got)
	}
	if got := DeriveKey("shop+ü"); got != "shop--" {
		t.Errorf("DeriveKey = %s", got)
	}
	if got := DeriveAppName("a-quick_addon"); got != "A Quick Addon" {
		t.Errorf("DeriveAppName = %s", got)
	}
}

// TestRenderJSON checks the json function: quotes and backslashes are
// escaped, HTML characters are left as typed.
func TestRenderJSON(t *testing.T) {
	fsys := fstest.MapFS{"t/x.json.tmpl": {Data: []byte(`{"d": [[ .Description | json ]]}`)}}
	files, err := Render(fsys, "t", Data{Name: "n", Key: "k", Description: `Pull "request" <stats> & a\b`})
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range files {
		if f.Path != "x.json" {
			continue
		}
		want := `{"d": "Pull \"request\" <stats> & a\\b"}`
		if string(f.Content) != want {
			t.Errorf("got %s, want %s", f.Content, want)
		}
		return
	}
	t.Fatal("x.json not rendered")
}

// TestRenderLayers builds a template on a shared layer: the layer's files
// first, the template's own replacing a layer file of the same output
// path, the layer list not written, and layers not listed as templates.
func TestRenderLayers(t *testing.T) {
	fsys := fstest.MapFS{
		"_shared/app.js":              {Data: []byte("shared app")},
		"_shared/config.json.tmpl":    {Data: []byte(`{"product": [[ .Template | toJson ]]}`)},
		"_shared/README.md":           {Data: []byte("shared readme")},
		"p/.connectgen-layers":        {Data: []byte("# built on\n_shared\n")},
		"p/README.md.tmpl":            {Data: []byte("own readme of [[ .Name ]]")},
		"p/atlassian-connect.json":    {Data: []byte("{}")},
		"bad/.connectgen-layers":      {Data: []byte("../etc\n")},
		"missing/.connectgen-layers":  {Data: []byte("_nowhere\n")},
		"notlayer/.connectgen-layers": {Data: []byte("p\n")},
	}
	data := testData
	data.Template = "p"
	files, err := Render(fsys, "p", data)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := strings.Join(paths(files), " "), ".connectgen.json README.md app.js atlassian-connect.json config.json"; got != want {
		t.Errorf("paths %q, want %q", got, want)
	}
	content := map[string]string{}
	for _, f := range files {
		content[f.Path] = string(f.Content)
	}
	if content["README.md"] != "own readme of shop" || content["app.js"] != "shared app" || content["config.json"] != `{"product": "p"}` {
		t.Errorf("contents %q", content)
	}
	if got := strings.Join(Templates(fsys), " "); got != "bad missing notlayer p" {
		t.Errorf("Templates = %q; layers must not be listed", got)
	}
	for name, want := range map[string]string{"bad": "not a top-level folder", "missing": "does not exist", "notlayer": "not a top-level folder starting with _"} {
		if _, err := Render(fsys, name, data); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("Render(%s) = %v; want an error containing %q", name, err, want)
		}
	}
}

// TestRenderExtraFiles: files made by code join the template's, sorted,
// and get the same checks (one file a path, no path outside the project).
func TestRenderExtraFiles(t *testing.T) {
	files, err := Render(testFS(), "t", testData, File{Path: ".vscode/settings.json", Content: []byte("{}"), Mode: 0o644})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := strings.Join(paths(files), " "), ".connectgen.json .gitignore .vscode/settings.json atlassian-connect.json package.json views/layout.hbs"; got != want {
		t.Errorf("paths = %q, want %q", got, want)
	}
	for _, tc := range []struct {
		extra File
		want  string
	}{
		{File{Path: "package.json"}, "two files render to package.json"},
		{File{Path: "../outside"}, `invalid output path "../outside"`},
		{File{Path: "/etc/x"}, `invalid output path "/etc/x"`},
		{File{Path: ".vscode/../x"}, `invalid output path ".vscode/../x"`},
	} {
		if _, err := Render(testFS(), "t", testData, tc.extra); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("extra %q: error %v, want %q", tc.extra.Path, err, tc.want)
		}
	}
}
