package update

import (
	"context"
	"flag"
	"fmt"
	"github.com/connectgen/connectgen/internal/templatehistory"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/rogpeppe/go-internal/txtar"

	"github.com/connectgen/connectgen/internal/tmplsource"
	"github.com/connectgen/connectgen/scaffold"
)

var updateGolden = flag.Bool("update", false, "rewrite the want sections of testdata/*.txtar")

// The built-in template "app" as released before (v1) and now (v2): v2
// changes the last line of app.js, adds a line to the README, changes the
// first line of routes/index.js, adds new.js and drops old.js.
var appV1 = fstest.MapFS{
	"app.js":          {Data: []byte("const express = require('express');\nconst app = express();\n\napp.get('/', home);\n\nfunction home(req, res) {\n  res.send('hello');\n}\n\napp.listen(3000);\n")},
	"README.md.tmpl":  {Data: []byte("# [[ .AppName ]]\n\nStart it with npm start.\n")},
	"routes/index.js": {Data: []byte("// routes\nmodule.exports = {};\n")},
	"old.js":          {Data: []byte("// no longer needed\n")},
}

var appV2 = fstest.MapFS{
	"app.js":          {Data: []byte("const express = require('express');\nconst app = express();\n\napp.get('/', home);\n\nfunction home(req, res) {\n  res.send('hello');\n}\n\napp.listen(process.env.PORT || 3000);\n")},
	"README.md.tmpl":  {Data: []byte("# [[ .AppName ]]\n\nStart it with npm start.\nTest it with npm test.\n")},
	"routes/index.js": {Data: []byte("// routes of [[ .Key ]]\nmodule.exports = {};\n")},
	"new.js":          {Data: []byte("// added in v2\n")},
}

func init() {
	// routes/index.js uses a value in v2: make it a rendered file.
	appV2["routes/index.js.tmpl"] = appV2["routes/index.js"]
	delete(appV2, "routes/index.js")
}

var values = scaffold.Data{Name: "shop", Key: "com.example.shop", AppName: "Shop", Description: "d", VendorName: "v", VendorURL: "https://example.com"}

// resolverV1toV2 is a connectgen whose built-in "app" is v2 and whose
// history has v1.
func resolverV1toV2(t *testing.T) (*tmplsource.Resolver, string) {
	hist := t.TempDir()
	v1, _, err := templatehistory.Add(hist, "app", appV1)
	if err != nil {
		t.Fatal(err)
	}
	builtins := fstest.MapFS{}
	for p, f := range appV2 {
		builtins["app/"+p] = f
	}
	return &tmplsource.Resolver{Builtins: builtins, History: os.DirFS(hist), Loader: &tmplsource.Loader{}}, v1
}

// newProject writes what connectgen new wrote with v1.
func newProject(t *testing.T, r *tmplsource.Resolver, v1, dir string) {
	o, err := r.OpenVersion("app", v1)
	if err != nil {
		t.Fatal(err)
	}
	files, err := o.Render(values, nil, "v1.0.0")
	if err != nil {
		t.Fatal(err)
	}
	p, err := scaffold.NewPlan(dir, files, scaffold.ModeNew)
	if err != nil {
		t.Fatal(err)
	}
	if err := (&scaffold.Writer{}).Write(context.Background(), p); err != nil {
		t.Fatal(err)
	}
}

// TestGolden runs the scenarios of testdata/*.txtar. Each holds the
// user's edits (edit/PATH, replacing the file), files deleted (delete),
// answers changed (set) and the expected plan and project after the
// update (plan, want/PATH); go test ./internal/update -update rewrites
// the expected sections.
func TestGolden(t *testing.T) {
	paths, _ := filepath.Glob("testdata/*.txtar")
	if len(paths) < 6 {
		t.Fatalf("only %d scenarios", len(paths))
	}
	for _, path := range paths {
		t.Run(strings.TrimSuffix(filepath.Base(path), ".txtar"), func(t *testing.T) {
			ar, err := txtar.ParseFile(path)
			if err != nil {
				t.Fatal(err)
			}
			r, v1 := resolverV1toV2(t)
			dir := filepath.Join(t.TempDir(), "shop")
			newProject(t, r, v1, dir)
			set := map[string]string{}
			for _, f := range ar.Files {
				switch {
				case strings.HasPrefix(f.Name, "edit/"):
					if err := os.WriteFile(filepath.Join(dir, f.Name[len("edit/"):]), f.Data, 0o644); err != nil {
						t.Fatal(err)
					}
				case f.Name == "delete":
					for _, p := range strings.Fields(string(f.Data)) {
						if err := os.Remove(filepath.Join(dir, p)); err != nil {
							t.Fatal(err)
						}
					}
				case f.Name == "set":
					for _, l := range strings.Fields(string(f.Data)) {
						k, v, _ := strings.Cut(l, "=")
						set[k] = v
					}
				}
			}
			p, err := Prepare(context.Background(), r, Options{Dir: dir, Set: set, AllowDirty: true,
				Now: time.Date(2026, 11, 26, 15, 0, 0, 0, time.UTC), ConnectgenVersion: "v2.0.0"})
			if err != nil {
				t.Fatal(err)
			}
			if err := Apply(context.Background(), p, &scaffold.Writer{}); err != nil {
				t.Fatal(err)
			}
			var plan strings.Builder
			for _, e := range p.Entries {
				fmt.Fprintf(&plan, "%s %s", e.Action, e.Path)
				if e.Note != "" {
					fmt.Fprintf(&plan, " (%s)", e.Note)
				}
				plan.WriteByte('\n')
			}
			got := []txtar.File{{Name: "plan", Data: []byte(plan.String())}}
			err = filepath.WalkDir(dir, func(fp string, d fs.DirEntry, err error) error {
				if err != nil || d.IsDir() {
					return err
				}
				rel, _ := filepath.Rel(dir, fp)
				b, err := os.ReadFile(fp)
				got = append(got, txtar.File{Name: "want/" + filepath.ToSlash(rel), Data: b})
				return err
			})
			if err != nil {
				t.Fatal(err)
			}
			sort.Slice(got[1:], func(i, j int) bool { return got[1+i].Name < got[1+j].Name })
			if *updateGolden {
				var keep []txtar.File
				for _, f := range ar.Files {
					if f.Name != "plan" && !strings.HasPrefix(f.Name, "want/") {
						keep = append(keep, f)
					}
				}
				ar.Files = append(keep, got...)
				if err := os.WriteFile(path, txtar.Format(ar), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want := map[string]string{}
			for _, f := range ar.Files {
				if f.Name == "plan" || strings.HasPrefix(f.Name, "want/") {
					want[f.Name] = string(f.Data)
				}
			}
			for _, f := range got {
				if w, ok := want[f.Name]; !ok {
					t.Errorf("unexpected %s:\n%s", f.Name, f.Data)
				} else if w != string(f.Data) {
					t.Errorf("%s differs:\n--- got\n%s--- want\n%s", f.Name, f.Data, w)
				}
				delete(want, f.Name)
			}
			for name := range want {
				t.Errorf("missing %s", name)
			}
			if t.Failed() {
				t.Log("if the change is intended, run: go test ./internal/update -update")
			}
		})
	}
}

// A project with uncommitted changes in git is refused unless allowed.
func TestDirtyGitRefused(t *testing.T) {
	// git is what the refusal asks; a clone of this project has it, so a
	// missing git is a failure, never a silent skip.
	if _, err := exec.LookPath("git"); err != nil {
		t.Fatal("needs git on PATH (Debian: apt-get install git)")
	}
	r, v1 := resolverV1toV2(t)
	dir := filepath.Join(t.TempDir(), "shop")
	newProject(t, r, v1, dir)
	git := func(args ...string) {
		t.Helper()
		c := exec.Command("git", append([]string{"-c", "user.name=t", "-c", "user.email=t@example.com"}, args...)...)
		c.Dir = dir
		if out, err := c.CombinedOutput(); err != nil {
			t.Fatalf("git %v: %v\n%s", args, err, out)
		}
	}
	git("init", "-q")
	git("add", ".")
	git("commit", "-qm", "new")
	if err := os.WriteFile(filepath.Join(dir, "app.js"), []byte("changed\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	opts := Options{Dir: dir, Now: time.Now()}
	_, err := Prepare(context.Background(), r, opts)
	if err == nil || !strings.Contains(err.Error(), "uncommitted changes (app.js)") || !strings.Contains(err.Error(), "--allow-dirty") {
		t.Fatalf("err = %v", err)
	}
	opts.AllowDirty = true
	if _, err := Prepare(context.Background(), r, opts); err != nil {
		t.Fatal(err)
	}
}

// A project made before templates had versions records none: its base is
// the history version that rendered most of its files.
func TestLegacyRecordFindsBase(t *testing.T) {
	r, v1 := resolverV1toV2(t)
	dir := filepath.Join(t.TempDir(), "shop")
	newProject(t, r, v1, dir)
	rec := filepath.Join(dir, scaffold.RecordFile)
	b, _ := os.ReadFile(rec)
	old := strings.Replace(string(b), `"templateVersion": "`+v1+`",`, "", 1)
	if old == string(b) {
		t.Fatal("record has no templateVersion to remove")
	}
	if err := os.WriteFile(rec, []byte(old), 0o644); err != nil {
		t.Fatal(err)
	}
	p, err := Prepare(context.Background(), r, Options{Dir: dir, AllowDirty: true, Now: time.Now()})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(p.From, v1) || count(p, Update) != 4 || count(p, Conflict) != 0 {
		t.Errorf("from %s, %d updates, %d conflicts", p.From, count(p, Update), count(p, Conflict))
	}
}

// count returns how many entries have action a.
func count(p *Plan, a Action) int {
	n := 0
	for _, e := range p.Entries {
		if e.Action == a {
			n++
		}
	}
	return n
}
