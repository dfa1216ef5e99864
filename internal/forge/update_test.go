package forge

import (
	"context"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/connectgen/connectgen/internal/tmplsource"
	cgupdate "github.com/connectgen/connectgen/internal/update"
	"github.com/connectgen/connectgen/scaffold"
	"github.com/connectgen/connectgen/templates"
)

// changedTemplates is templates.FS with edit applied to each file named
// in edits (paths in the FS): a later connectgen's starter.
func changedTemplates(t *testing.T, edits map[string]func(string) string) fs.FS {
	t.Helper()
	out := fstest.MapFS{}
	err := fs.WalkDir(templates.FS, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := fs.ReadFile(templates.FS, p)
		if err != nil {
			return err
		}
		if edit, ok := edits[p]; ok {
			b = []byte(edit(string(b)))
			delete(edits, p)
		}
		out[p] = &fstest.MapFile{Data: b, Mode: 0o644}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(edits) > 0 {
		t.Fatalf("no template files %v", edits)
	}
	return out
}

// TestUpdateForgeApp makes a Forge app with forge new, edits it as a user
// would, and updates it with connectgen update's code to a changed
// starter: the starter's change comes in, the user's edit stays, and the
// report FORGE-PLAN.md (not part of the starter) is left alone.
func TestUpdateForgeApp(t *testing.T) {
	for _, remote := range []bool{false, true} {
		name := StarterTemplate
		if remote {
			name = RemoteTemplate
		}
		t.Run(name, func(t *testing.T) {
			p := planOf(t, "atlassian-connect.json", templateDescriptor(t))
			files, err := Generate(p, GenerateOptions{Version: "v1", Remote: remote, BaseURL: "https://connect.example.com"})
			if err != nil {
				t.Fatal(err)
			}
			dir := t.TempDir()
			sp, err := scaffold.NewPlan(dir, files, scaffold.ModeNew)
			if err != nil {
				t.Fatal(err)
			}
			if err := (&scaffold.Writer{}).Write(context.Background(), sp); err != nil {
				t.Fatal(err)
			}
			// The user's edit: a line of their own in the page.
			page := filepath.Join(dir, "src", "frontend", "index.jsx")
			b, err := os.ReadFile(page)
			if err != nil {
				t.Fatal(err)
			}
			const mine = "// My own note, kept by updates.\n"
			if err := os.WriteFile(page, append([]byte(mine), b...), 0o644); err != nil {
				t.Fatal(err)
			}
			plan, err := os.ReadFile(filepath.Join(dir, PlanFile))
			if err != nil {
				t.Fatal(err)
			}

			// A later starter: the README gains a section, the page a line
			// at its end.
			const added = "\n## Added by a later starter\n"
			next := changedTemplates(t, map[string]func(string) string{
				name + "/README.md.tmpl":             func(s string) string { return s + added },
				"_forge/src/frontend/index.jsx.tmpl": func(s string) string { return s + "// A later starter's line.\n" },
			})
			r := &tmplsource.Resolver{Builtins: next, History: templates.History()}
			up, err := cgupdate.Prepare(context.Background(), r, cgupdate.Options{Dir: dir, AllowDirty: true, Now: time.Now(), ConnectgenVersion: "v2"})
			if err != nil {
				t.Fatal(err)
			}
			if err := cgupdate.Apply(context.Background(), up, &scaffold.Writer{}); err != nil {
				t.Fatal(err)
			}
			readme, _ := os.ReadFile(filepath.Join(dir, "README.md"))
			if !strings.HasSuffix(string(readme), added) {
				t.Errorf("README.md did not take the new starter's section:\n%s", readme)
			}
			got, _ := os.ReadFile(page)
			if !strings.HasPrefix(string(got), mine) || !strings.HasSuffix(string(got), "// A later starter's line.\n") {
				t.Errorf("src/frontend/index.jsx lost the user's edit or missed the starter's:\n%s", got)
			}
			if c := up.Conflicts(); len(c) > 0 {
				t.Errorf("conflicts in %v", c)
			}
			after, _ := os.ReadFile(filepath.Join(dir, PlanFile))
			if string(after) != string(plan) {
				t.Errorf("%s changed", PlanFile)
			}
			rec, _ := os.ReadFile(filepath.Join(dir, scaffold.RecordFile))
			if !strings.Contains(string(rec), `"template": "`+name+`"`) || !strings.Contains(string(rec), `"connectgenVersion": "v2"`) {
				t.Errorf("record after the update:\n%s", rec)
			}
		})
	}
}
