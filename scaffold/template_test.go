package scaffold

import (
	"encoding/json"
	"io/fs"
	"reflect"
	"strings"
	"testing"
	"testing/fstest"
	"unicode/utf8"
)

func TestManifestTemplate(t *testing.T) {
	fsys := fstest.MapFS{
		ManifestFile: {Data: []byte(`{
  "name": "team-app", "version": "2.1.0",
  "variables": [
    {"name": "team", "prompt": "Team", "pattern": "[a-z]+", "help": "lower case letters"},
    {"name": "service", "default": "[[ .Key ]]-[[ .team ]]"},
    {"name": "tier", "choices": ["free", "paid"], "default": "free"}
  ],
  "render": ["config/*.json", "**/*.md"],
  "copy": ["views/raw.tmpl"],
  "exclude": ["*.log", "docs/**"]
}`)},
		"app.js.tmpl":         {Data: []byte("// [[ .Name ]] for [[ .team ]] ([[ .tier ]])\n")},
		"config/app.json":     {Data: []byte(`{"service": [[ json .service ]]}`)},
		"README.md":           {Data: []byte("# [[ .AppName ]]\n")},
		"docs/guide.md":       {Data: []byte("left out")},
		"debug.log":           {Data: []byte("left out")},
		"views/raw.tmpl":      {Data: []byte("{{x}} [[ .kept ]]")},
		"views/page.hbs":      {Data: []byte("{{title}} [[ not rendered ]]")},
		"bin/start":           {Data: []byte("#!/bin/sh\n"), Mode: 0o755},
		"nested/deep/NOTE.md": {Data: []byte("[[ .Key ]]")},
	}
	tpl, err := OpenTemplate(fsys, false)
	if err != nil {
		t.Fatal(err)
	}
	if tpl.Kind != KindManifest || len(tpl.Variables()) != 3 {
		t.Fatalf("kind %s, %d variables", tpl.Kind, len(tpl.Variables()))
	}
	data := Data{Name: "shop", Key: "com.example.shop", AppName: "Shop"}
	answers := map[string]string{"team": "payments"}
	for _, v := range tpl.Variables()[1:] {
		d, err := tpl.DefaultFor(v, data, answers)
		if err != nil {
			t.Fatal(err)
		}
		answers[v.Name] = d
	}
	if answers["service"] != "com.example.shop-payments" {
		t.Errorf("default of service = %q", answers["service"])
	}
	files, err := tpl.Render(data, answers, Record{Template: "x"})
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]File{}
	for _, f := range files {
		got[f.Path] = f
	}
	want := map[string]string{
		"app.js":              "// shop for payments (free)\n",
		"config/app.json":     `{"service": "com.example.shop-payments"}`,
		"README.md":           "# Shop\n",
		"views/raw.tmpl":      "{{x}} [[ .kept ]]",
		"views/page.hbs":      "{{title}} [[ not rendered ]]",
		"bin/start":           "#!/bin/sh\n",
		"nested/deep/NOTE.md": "com.example.shop",
	}
	for p, w := range want {
		if string(got[p].Content) != w {
			t.Errorf("%s = %q, want %q", p, got[p].Content, w)
		}
	}
	for _, p := range []string{ManifestFile, "docs/guide.md", "debug.log"} {
		if _, ok := got[p]; ok {
			t.Errorf("%s was not left out", p)
		}
	}
	if got["bin/start"].Mode != 0o755 {
		t.Errorf("bin/start mode %v", got["bin/start"].Mode)
	}
	if len(got) != len(want)+1 { // + the record
		t.Errorf("%d files: %v", len(got), files)
	}
}

func TestManifestAnswersChecked(t *testing.T) {
	fsys := fstest.MapFS{ManifestFile: {Data: []byte(`{"variables": [{"name": "team", "pattern": "[a-z]+", "help": "lower case letters"}, {"name": "tier", "choices": ["free", "paid"]}]}`)}}
	tpl, err := OpenTemplate(fsys, false)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		answers map[string]string
		want    string
	}{
		{map[string]string{"team": "Payments", "tier": "free"}, `team "Payments" does not match [a-z]+: lower case letters`},
		{map[string]string{"team": "a", "tier": "gold"}, "tier must be one of free, paid"},
		{map[string]string{"team": "", "tier": "free"}, "team must not be empty; set it with --set team=VALUE"},
		{map[string]string{"team": "a", "tier": "free", "colour": "red"}, `no variable "colour" (it has: team, tier)`},
	} {
		_, err := tpl.Render(Data{Name: "x"}, tc.answers, Record{})
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%v: err = %v, want %q", tc.answers, err, tc.want)
		}
	}
}

func TestManifestRefused(t *testing.T) {
	for src, want := range map[string]string{
		`{"variables": [{"name": "Key"}]}`:               "standard value",
		`{"variables": [{"name": "a"}, {"name": "a"}]}`:  "declared twice",
		`{"variables": [{"name": "1a"}]}`:                "must be a letter",
		`{"variables": [{"name": "a", "pattern": "("}]}`: "pattern",
		`{"unknown": true}`:                              "unknown field",
		`{"exclude": ["["]}`:                             "bad pattern",
	} {
		if _, err := ParseManifest([]byte(src)); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: err = %v, want %q", src, err, want)
		}
	}
}

// A plain ACE app: every file copied as it is, package.json's name set
// (nothing else of the file changes), config.json's product rules.
func TestPlainTemplate(t *testing.T) {
	pkg := "{\n    \"name\"  :  \"atlassian-connect-express-template\",\n    \"version\": \"0.0.1\",\n    \"dependencies\": {\"name\": \"not this one\"}\n}"
	cfg := "// ACE config\n{\n  \"development\": {\"port\": 3000},\n  /* the product */\n  \"product\": \"jira-service-desk\"\n}"
	fsys := fstest.MapFS{
		"package.json":     {Data: []byte(pkg)},
		"config.json":      {Data: []byte(cfg)},
		"views/hello.hbs":  {Data: []byte("{{title}} [[ .Name ]]")},
		"app.js.tmpl":      {Data: []byte("[[ kept ]]")},
		"public/js/app.js": {Data: []byte("x")},
	}
	tpl, err := OpenTemplate(fsys, false)
	if err != nil || tpl.Kind != KindPlain {
		t.Fatalf("kind %v, err %v", tpl, err)
	}
	files, err := tpl.Render(Data{Name: "my-app"}, nil, Record{Template: "t.zip"})
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, f := range files {
		got[f.Path] = string(f.Content)
	}
	wantPkg := strings.Replace(pkg, `"atlassian-connect-express-template"`, `"my-app"`, 1)
	if got["package.json"] != wantPkg {
		t.Errorf("package.json:\n%s\nwant:\n%s", got["package.json"], wantPkg)
	}
	if want := strings.Replace(cfg, `"jira-service-desk"`, `"jira"`, 1); got["config.json"] != want {
		t.Errorf("config.json:\n%s", got["config.json"])
	}
	if got["views/hello.hbs"] != "{{title}} [[ .Name ]]" || got["app.js.tmpl"] != "[[ kept ]]" {
		t.Errorf("files were not copied as they are: %v", got)
	}
	if !strings.Contains(got[RecordFile], `"product": "jira"`) {
		t.Errorf("record: %s", got[RecordFile])
	}

	fsys["config.json"] = &fstest.MapFile{Data: []byte(`{"product": "trello"}`)}
	if _, err := tpl.Render(Data{Name: "my-app"}, nil, Record{}); err == nil || !strings.Contains(err.Error(), `product "trello"`) {
		t.Errorf("unknown product: err = %v", err)
	}
	fsys["config.json"] = &fstest.MapFile{Data: []byte(`{}`)}
	delete(fsys, "package.json")
	fsys["package.json"] = &fstest.MapFile{Data: []byte(`{"version": "1.0.0"}`)}
	if _, err := tpl.Render(Data{Name: "my-app"}, nil, Record{}); err == nil || !strings.Contains(err.Error(), `no top-level "name"`) {
		t.Errorf("package.json without name: err = %v", err)
	}
}

// A generated project used as a template (zipped, say) carries the record
// and update's backups of the project it was: they are left out, and the
// new project gets a record of its own.
func TestTemplateLeavesOutProjectRecord(t *testing.T) {
	old := `{"template": "bitbucket", "values": {"name": "old-app"}}`
	for _, fsys := range []fstest.MapFS{
		{ // a plain app
			"package.json":                     {Data: []byte(`{"name": "old-app"}`)},
			"app.js":                           {Data: []byte("x")},
			RecordFile:                         {Data: []byte(old)},
			".connectgen/backup/20260101/x.js": {Data: []byte("old")},
		},
		{ // a template with a manifest
			ManifestFile:                       {Data: []byte(`{}`)},
			"package.json":                     {Data: []byte(`{"name": "old-app"}`)},
			RecordFile:                         {Data: []byte(old)},
			".connectgen/backup/20260101/x.js": {Data: []byte("old")},
		},
	} {
		tpl, err := OpenTemplate(fsys, false)
		if err != nil {
			t.Fatal(err)
		}
		files, err := tpl.Render(Data{Name: "new-app"}, nil, Record{Template: "t.zip"})
		if err != nil {
			t.Fatalf("%v: %v", tpl.Kind, err)
		}
		for _, f := range files {
			if strings.HasPrefix(f.Path, ".connectgen/") {
				t.Errorf("%v: %s copied from the template", tpl.Kind, f.Path)
			}
			if f.Path == RecordFile && (strings.Contains(string(f.Content), "old-app") || !strings.Contains(string(f.Content), "t.zip")) {
				t.Errorf("%v: record is the old project's:\n%s", tpl.Kind, f.Content)
			}
		}
	}
}

func TestSetTopLevelString(t *testing.T) {
	for _, tc := range []struct{ src, want string }{
		{`{"name":"a"}`, `{"name":"b"}`},
		{`{"x": {"name": "inner"}, "name": "a"}`, `{"x": {"name": "inner"}, "name": "b"}`},
		{`{"x": [1, "]", {"y": "}"}], "name" : "a" , "z": 1}`, `{"x": [1, "]", {"y": "}"}], "name" : "b" , "z": 1}`},
		{"// c\n{\"s\": \"a\\\"name\", /* \"name\": 1 */ \"name\": \"a\"}", "// c\n{\"s\": \"a\\\"name\", /* \"name\": 1 */ \"name\": \"b\"}"},
	} {
		got, found, err := SetTopLevelString([]byte(tc.src), "name", "b")
		if err != nil || !found || string(got) != tc.want {
			t.Errorf("%s: got %s, %v, %v", tc.src, got, found, err)
		}
	}
	if _, _, err := SetTopLevelString([]byte(`{"name": 1}`), "name", "b"); err == nil {
		t.Error("a number was replaced")
	}
}

func TestMatchGlob(t *testing.T) {
	for _, tc := range []struct {
		pat, p string
		want   bool
	}{
		{"*.md", "docs/a.md", true},
		{"docs/**", "docs/a/b.md", true},
		{"docs/**", "src/docs/a.md", false},
		{"**/*.json", "a.json", true},
		{"**/*.json", "a/b/c.json", true},
		{"config/*.json", "config/x/y.json", false},
	} {
		if got := matchGlob(tc.pat, tc.p); got != tc.want {
			t.Errorf("matchGlob(%q, %q) = %v", tc.pat, tc.p, got)
		}
	}
}

// FuzzSetTopLevelString: on a JSON object with a top-level string "name",
// the edit gives valid JSON whose name is the new value and whose other
// members are unchanged.
func FuzzSetTopLevelString(f *testing.F) {
	f.Add(`{"name": "a", "version": "1.0.0"}`, "my-app")
	f.Add(`{"x": {"name": "inner"}, "name": "a"}`, `q"uote`)
	f.Add(`{"a": ["}", "\"", {"b": [1, 2]}], "name":"a"}`, "b")
	f.Fuzz(func(t *testing.T, src, value string) {
		var before map[string]any
		if json.Unmarshal([]byte(src), &before) != nil {
			return
		}
		if _, ok := before["name"].(string); !ok {
			return
		}
		if strings.Contains(src, "/") {
			return // comments are JSON5's; encoding/json cannot compare them
		}
		out, found, err := SetTopLevelString([]byte(src), "name", value)
		if err != nil || !found {
			// Duplicate keys: the first "name" may not be a string.
			return
		}
		var after map[string]any
		if err := json.Unmarshal(out, &after); err != nil {
			t.Fatalf("%s -> invalid JSON %s: %v", src, out, err)
		}
		if !utf8.ValidString(value) {
			return
		}
		if strings.Count(src, `"name"`) == 1 && after["name"] != value {
			t.Fatalf("%s -> name %v, want %q", out, after["name"], value)
		}
		delete(before, "name")
		delete(after, "name")
		if !reflect.DeepEqual(before, after) {
			t.Fatalf("%s -> %s changed other members", src, out)
		}
	})
}

// A built-in template on a shared layer: its tree (and so its version and
// its history) is the layer's files under its own, by output path.
func TestBuiltinTreeLayers(t *testing.T) {
	fsys := fstest.MapFS{
		"_shared/app.js.tmpl":          {Data: []byte("layer [[ .Name ]]")},
		"_shared/views/layout.hbs":     {Data: []byte("{{layout}}")},
		"jira/.connectgen-layers":      {Data: []byte("# built on\n_shared\n")},
		"jira/app.js":                  {Data: []byte("own")},
		"jira/atlassian-connect.json":  {Data: []byte("{}")},
		"plain/atlassian-connect.json": {Data: []byte("{}")},
	}
	if got := strings.Join(Templates(fsys), ","); got != "jira,plain" {
		t.Errorf("Templates = %s", got)
	}
	tree, err := BuiltinTree(fsys, "jira")
	if err != nil {
		t.Fatal(err)
	}
	var paths []string
	// the test checks the outcome, not this call
	_ = fs.WalkDir(tree, ".", func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			paths = append(paths, p)
		}
		return err
	})
	if got := strings.Join(paths, ","); got != "app.js,atlassian-connect.json,views/layout.hbs" {
		t.Errorf("tree = %s", got)
	}
	tpl, v, err := Builtin(fsys, "jira")
	if err != nil {
		t.Fatal(err)
	}
	files, err := tpl.Render(Data{Name: "x"}, nil, Record{TemplateVersion: v})
	if err != nil || len(files) != 4 || string(files[1].Content) != "own" {
		t.Errorf("render: %v %v", files, err)
	}
	// A change to the layer is a new version of the template.
	fsys["_shared/views/layout.hbs"] = &fstest.MapFile{Data: []byte("{{changed}}")}
	if _, v2, _ := Builtin(fsys, "jira"); v2 == v {
		t.Error("the version did not change with the layer")
	}
}
