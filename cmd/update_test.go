package cmd

import (
	"bytes"
	"context"
	"io/fs"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/rogpeppe/go-internal/testscript"

	"github.com/connectgen/connectgen/internal/apptest"
	"github.com/connectgen/connectgen/internal/testenv"
	"github.com/connectgen/connectgen/internal/tmplsource"
	"github.com/connectgen/connectgen/internal/tmplsource/ziptest"
	"github.com/connectgen/connectgen/scaffold"
	"github.com/connectgen/connectgen/templates"
)

// init adds the template-source scripts' commands to the runner's.
func init() {
	extraScriptCmds = append(extraScriptCmds, map[string]func(ts *testscript.TestScript, neg bool, args []string){
		"acezip":         aceZipCmd,
		"servedir":       serveDirCmd,
		"linkmodules":    linkModulesCmd,
		"exporttemplate": exportTemplateCmd,
		"oldproject":     oldProjectCmd,
		"appendline":     func(ts *testscript.TestScript, neg bool, args []string) { editLine(ts, neg, args, false) },
		"prependline":    func(ts *testscript.TestScript, neg bool, args []string) { editLine(ts, neg, args, true) },
	})
}

// aceZipCmd is `acezip FILE.zip FOLDER`: the bitbucket app rendered with
// apptest's values, as a plain ACE app (no record), zipped inside the
// top-level FOLDER as Bitbucket and GitHub archive downloads are.
func aceZipCmd(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 2 {
		ts.Fatalf("usage: acezip FILE.zip FOLDER")
	}
	files, err := apptest.Render()
	ts.Check(err)
	entries := []ziptest.Entry{{Name: args[1] + "/", Mode: fs.ModeDir | 0o755}}
	for _, f := range files {
		if f.Path != scaffold.RecordFile {
			entries = append(entries, ziptest.Entry{Name: args[1] + "/" + f.Path, Data: f.Content, Mode: 0o644})
		}
	}
	dst := ts.MkAbs(args[0])
	ts.Check(os.MkdirAll(filepath.Dir(dst), 0o755))
	ts.Check(os.WriteFile(dst, ziptest.Build(entries...), 0o644))
}

// serveDirCmd is `servedir DIR`: DIR served over http on 127.0.0.1 until
// the script ends, its URL in $SERVER.
func serveDirCmd(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 1 {
		ts.Fatalf("usage: servedir DIR")
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	ts.Check(err)
	srv := &http.Server{Handler: http.FileServer(http.Dir(ts.MkAbs(args[0])))}
	go srv.Serve(l)
	ts.Defer(func() { srv.Close() })
	ts.Setenv("SERVER", "http://"+l.Addr().String())
}

// linkModulesCmd is `linkmodules DIR`: apptest's shared node_modules linked
// into DIR, whose package.json must be the one they were installed for.
func linkModulesCmd(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 1 {
		ts.Fatalf("usage: linkmodules DIR")
	}
	// Scripts that use it skip under -short; without -short a missing node
	// or npm fails with the command that installs it.
	ts.Check(testenv.Check("node", "npm"))
	files, err := apptest.Render()
	ts.Check(err)
	dir := ts.MkAbs(args[0])
	got, err := os.ReadFile(filepath.Join(dir, "package.json"))
	ts.Check(err)
	for _, f := range files {
		if f.Path == "package.json" && !bytes.Equal(f.Content, got) {
			ts.Fatalf("%s/package.json differs from the bitbucket template's: the shared node_modules do not fit", args[0])
		}
	}
	nm, err := apptest.NodeModules()
	ts.Check(err)
	ts.Check(os.Symlink(nm, filepath.Join(dir, "node_modules")))
}

// exportTemplateCmd is `exporttemplate NAME DIR`: the built-in template's
// source written to DIR with a connectgen-template.json, so that DIR is a
// folder template that renders exactly as the built-in one.
func exportTemplateCmd(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 2 {
		ts.Fatalf("usage: exporttemplate NAME DIR")
	}
	dst := ts.MkAbs(args[1])
	ts.Check(exportTemplate(templates.FS, args[0], dst))
}

func exportTemplate(fsys fs.FS, name, dst string) error {
	sub, err := scaffold.BuiltinTree(fsys, name)
	if err != nil {
		return err
	}
	err = fs.WalkDir(sub, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := fs.ReadFile(sub, p)
		if err != nil {
			return err
		}
		out := filepath.Join(dst, filepath.FromSlash(p))
		if err := os.MkdirAll(filepath.Dir(out), 0o755); err != nil {
			return err
		}
		return os.WriteFile(out, b, 0o644)
	})
	if err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(dst, scaffold.ManifestFile), []byte(`{"name": "`+name+`"}`+"\n"), 0o644)
}

// oldProjectCmd is `oldproject DIR`: the project an earlier connectgen
// release made, the oldest bitbucket version in the embedded history
// rendered with apptest's values, written to DIR.
func oldProjectCmd(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 1 {
		ts.Fatalf("usage: oldproject DIR")
	}
	r := &tmplsource.Resolver{Builtins: templates.FS, History: templates.History(), Loader: &tmplsource.Loader{}}
	versions := r.Versions("bitbucket")
	o, err := r.OpenVersion("bitbucket", versions[0])
	ts.Check(err)
	files, err := o.Render(apptest.Values, nil, "v0.1.0", scaffold.EditorFiles("bitbucket")...)
	ts.Check(err)
	p, err := scaffold.NewPlan(ts.MkAbs(args[0]), files, scaffold.ModeNew)
	ts.Check(err)
	ts.Check((&scaffold.Writer{}).Write(context.Background(), p))
	ts.Setenv("OLD_VERSION", versions[0])
}

// editLine is `appendline FILE TEXT` and `prependline FILE TEXT`.
func editLine(ts *testscript.TestScript, neg bool, args []string, prepend bool) {
	if neg || len(args) != 2 {
		ts.Fatalf("usage: appendline|prependline FILE TEXT")
	}
	p := ts.MkAbs(args[0])
	b, err := os.ReadFile(p)
	ts.Check(err)
	if prepend {
		b = append([]byte(args[1]+"\n"), b...)
	} else {
		if len(b) > 0 && b[len(b)-1] != '\n' {
			b = append(b, '\n')
		}
		b = append(b, args[1]+"\n"...)
	}
	ts.Check(os.WriteFile(p, b, 0o644))
}

// A project made by this connectgen's bitbucket template, edited, and then
// updated by a later connectgen whose bitbucket template changed (its
// history holds today's version): the edit stays, the change arrives.
func TestUpdateBuiltinToChangedTemplate(t *testing.T) {
	dir := t.TempDir()
	f, _, errOut := testFactory(&fakePrompter{}, false)
	if code := execute(context.Background(), f, []string{"new", "shop", "-t", "bitbucket", "--yes", "--dir", dir}); code != 0 {
		t.Fatalf("new: exit %d: %s", code, errOut)
	}
	project := filepath.Join(dir, "shop")
	appJS := filepath.Join(project, "app.js")
	b, _ := os.ReadFile(appJS)
	os.WriteFile(appJS, append([]byte("// the user's first line\n"), b...), 0o644)

	// The next release: app.js gets a last line, and a new file. The
	// template is copied as its tree (its layers flattened in), which has
	// the same version as the embedded one.
	tree, err := scaffold.BuiltinTree(templates.FS, "bitbucket")
	if err != nil {
		t.Fatal(err)
	}
	changed := fstest.MapFS{}
	fs.WalkDir(tree, ".", func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			data, _ := fs.ReadFile(tree, p)
			changed["bitbucket/"+p] = &fstest.MapFile{Data: data}
		}
		return err
	})
	if changed["bitbucket/app.js"] == nil {
		t.Fatal("the bitbucket template has no app.js")
	}
	changed["bitbucket/app.js"] = &fstest.MapFile{Data: append(append([]byte{}, changed["bitbucket/app.js"].Data...), "// added by the next release\n"...)}
	changed["bitbucket/SECURITY.md.tmpl"] = &fstest.MapFile{Data: []byte("# Security of [[ .AppName ]]\n")}

	f, out, errOut := testFactory(&fakePrompter{}, false)
	f.Templates, f.History = changed, templates.History()
	if code := execute(context.Background(), f, []string{"update", "--dir", project, "--allow-dirty"}); code != 0 {
		t.Fatalf("update: exit %d: %s%s", code, out, errOut)
	}
	got, _ := os.ReadFile(appJS)
	if !strings.HasPrefix(string(got), "// the user's first line\n") || !strings.HasSuffix(string(got), "// added by the next release\n") {
		t.Errorf("app.js after the update:\n%s", got)
	}
	if sec, _ := os.ReadFile(filepath.Join(project, "SECURITY.md")); string(sec) != "# Security of Shop\n" {
		t.Errorf("SECURITY.md = %q", sec)
	}
	for _, want := range []string{"merge     app.js", "add       SECURITY.md", "Your previous versions of the changed files are in .connectgen/backup/20261123T000000Z"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	backup, _ := os.ReadFile(filepath.Join(project, ".connectgen/backup/20261123T000000Z/app.js"))
	if !bytes.Equal(backup, append([]byte("// the user's first line\n"), b...)) {
		t.Errorf("backup of app.js:\n%s", backup)
	}
	// Once more: nothing left to do.
	f, out, _ = testFactory(&fakePrompter{}, false)
	f.Templates, f.History = changed, templates.History()
	if code := execute(context.Background(), f, []string{"update", "--dir", project, "--allow-dirty"}); code != 0 || !strings.Contains(out.String(), "is up to date") {
		t.Errorf("second update: exit %d: %s", code, out)
	}
}

// A conflicting edit is written with markers and exit 1.
func TestUpdateConflictExit(t *testing.T) {
	dir := t.TempDir()
	f, _, errOut := testFactory(&fakePrompter{}, false)
	if code := execute(context.Background(), f, []string{"new", "shop", "-t", "bitbucket", "--yes", "--dir", dir}); code != 0 {
		t.Fatalf("new: exit %d: %s", code, errOut)
	}
	project := filepath.Join(dir, "shop")
	tpl := filepath.Join(dir, "tpl")
	if err := exportTemplate(templates.FS, "bitbucket", tpl); err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{filepath.Join(project, "Procfile"), filepath.Join(tpl, "Procfile")} {
		b, _ := os.ReadFile(p)
		os.WriteFile(p, append(b, "worker: node "+filepath.Base(filepath.Dir(p))+".js\n"...), 0o644)
	}
	f, out, errOut := testFactory(&fakePrompter{}, false)
	code := execute(context.Background(), f, []string{"update", "--dir", project, "--to", tpl, "--allow-dirty"})
	if code != ExitFailure || !strings.Contains(errOut.String(), "1 files have conflicts to resolve (search for <<<<<<<): Procfile") {
		t.Fatalf("exit %d: %s%s", code, out, errOut)
	}
	b, _ := os.ReadFile(filepath.Join(project, "Procfile"))
	if !strings.Contains(string(b), "<<<<<<< yours\nworker: node shop.js\n") || !strings.Contains(string(b), "=======\nworker: node tpl.js\n>>>>>>> ") {
		t.Errorf("Procfile:\n%s", b)
	}
}

func TestUpdateUsageErrors(t *testing.T) {
	dir := t.TempDir()
	f, _, _ := testFactory(&fakePrompter{}, false)
	execute(context.Background(), f, []string{"new", "shop", "-t", "bitbucket", "--yes", "--dir", dir})
	project := filepath.Join(dir, "shop")
	for _, tc := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"--set", "colour"}, ExitUsage, `--set "colour" is not KEY=VALUE`},
		{[]string{"--set", "colour=red"}, ExitUsage, "--set colour: the template has no such value"},
		{[]string{"--set", "key=bad key"}, ExitUsage, "--set key: app key"},
		{[]string{"--to", "t000000000000"}, ExitUsage, "is neither a version of template bitbucket"},
		{[]string{"--dir", dir}, ExitFailure, "has no .connectgen.json"},
	} {
		f, _, errOut := testFactory(&fakePrompter{}, false)
		args := append([]string{"update", "--dir", project, "--allow-dirty"}, tc.args...)
		if code := execute(context.Background(), f, args); code != tc.code || !strings.Contains(errOut.String(), tc.want) {
			t.Errorf("%v: exit %d, %s; want %d and %q", tc.args, code, errOut, tc.code, tc.want)
		}
	}
}
