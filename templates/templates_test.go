package templates

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rogpeppe/go-internal/txtar"

	"github.com/connectgen/connectgen/internal/descriptor"
	"github.com/connectgen/connectgen/scaffold"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

var fixture = scaffold.Data{
	Name:        "a-quick-addon",
	Key:         "a-quick-addon",
	AppName:     "A Quick Addon",
	Description: "A Bitbucket Cloud Connect app",
	VendorName:  "Example Vendor",
	VendorURL:   "https://example.com",
	Version:     "v0.0.0-golden",
}

// TestRenderEveryTemplate renders every embedded template, so that nothing
// fails on a user's machine that a test could have rendered first, and
// checks that no template delimiter survived into the output.
func TestRenderEveryTemplate(t *testing.T) {
	names := scaffold.Templates(FS)
	if len(names) == 0 {
		t.Fatal("no templates embedded")
	}
	for _, name := range names {
		data := fixture
		data.Template = name
		files, err := scaffold.Render(FS, name, data, EditorFiles()...)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		for _, f := range files {
			if bytes.Contains(f.Content, []byte("[[")) || bytes.Contains(f.Content, []byte("]]")) {
				t.Errorf("%s/%s: unrendered [[ or ]] in the output", name, f.Path)
			}
			if strings.HasSuffix(f.Path, ".tmpl") {
				t.Errorf("%s/%s: .tmpl suffix left on an output path", name, f.Path)
			}
		}
	}
}

// TestGolden compares the rendered bitbucket project with
// testdata/bitbucket.golden.txtar; go test ./templates -update rewrites it.
func TestGolden(t *testing.T) {
	data := fixture
	data.Template = "bitbucket"
	files, err := scaffold.Render(FS, "bitbucket", data, EditorFiles()...)
	if err != nil {
		t.Fatal(err)
	}
	ar := &txtar.Archive{Comment: []byte("The bitbucket template rendered with the fixture values of templates_test.go.\n")}
	for _, f := range files {
		ar.Files = append(ar.Files, txtar.File{Name: f.Path, Data: f.Content})
	}
	got := txtar.Format(ar)
	golden := filepath.Join("testdata", "bitbucket.golden.txtar")
	if *update {
		if err := os.WriteFile(golden, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("%v (run go test ./templates -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		wantAr := txtar.Parse(want)
		wantFiles := map[string]string{}
		for _, f := range wantAr.Files {
			wantFiles[f.Name] = string(f.Data)
		}
		for _, f := range ar.Files {
			if w, ok := wantFiles[f.Name]; !ok {
				t.Errorf("new file %s", f.Name)
			} else if w != string(f.Data) {
				t.Errorf("%s differs from the golden copy", f.Name)
			}
			delete(wantFiles, f.Name)
		}
		for name := range wantFiles {
			t.Errorf("file %s is gone", name)
		}
		t.Log("if the change is intended, run: go test ./templates -update")
	}
}

// TestDescriptorValidates checks the generated descriptor with the rules
// of connectgen validate: no findings once the base URL is known, and only
// the note that the placeholder skipped the URL rules before.
func TestDescriptorValidates(t *testing.T) {
	data := fixture
	data.Template = "bitbucket"
	files, err := scaffold.Render(FS, "bitbucket", data)
	if err != nil {
		t.Fatal(err)
	}
	var src []byte
	for _, f := range files {
		if f.Path == "atlassian-connect.json" {
			src = f.Content
		}
	}
	if src == nil {
		t.Fatal("no atlassian-connect.json rendered")
	}
	r := descriptor.Validate("atlassian-connect.json", src, descriptor.Options{BaseURL: "https://example.test"})
	for _, f := range r.Findings {
		t.Errorf("with a base URL: %s [%s] %s at %s", f.Severity, f.Rule, f.Message, f.Pointer)
	}
	r = descriptor.Validate("atlassian-connect.json", src, descriptor.Options{})
	checkOnlyPlaceholderNote(t, r)
}

// checkOnlyPlaceholderNote fails unless r has exactly one finding: the
// note that {{localBaseUrl}} skipped the URL rules. It fails when that
// note is missing too, not only when something else appears.
func checkOnlyPlaceholderNote(t errorfer, r *descriptor.Result) {
	t.Helper()
	if len(r.Findings) == 1 && r.Findings[0].Rule == "placeholder" && r.Findings[0].Severity == descriptor.SeverityNote && r.Findings[0].Pointer == "/baseUrl" {
		return
	}
	t.Errorf("without a base URL: %d findings, want exactly the placeholder note at /baseUrl", len(r.Findings))
	for _, f := range r.Findings {
		t.Errorf("  %s [%s] %s at %s", f.Severity, f.Rule, f.Message, f.Pointer)
	}
}

// errorfer is the part of *testing.T the checks use, so that a test can
// see them fail.
type errorfer interface {
	Helper()
	Errorf(format string, args ...any)
}

type recorder struct{ failed bool }

func (r *recorder) Helper()               {}
func (r *recorder) Errorf(string, ...any) { r.failed = true }

// TestPlaceholderNoteCheckCanFail: the check above fails for a descriptor
// without the note (a real base URL) and for one with another finding.
func TestPlaceholderNoteCheckCanFail(t *testing.T) {
	for name, src := range map[string]string{
		"no note":       `{"key": "k", "name": "n", "baseUrl": "https://example.test", "authentication": {"type": "none"}}`,
		"a second note": `{"key": "k", "name": "n", "baseUrl": "{{localBaseUrl}}", "authentication": {"type": "none"}, "modules": {"webItems": [{"key": "w", "name": {"value": "W"}, "url": "http://example.test/x", "location": "org.bitbucket.repository.navigation"}]}}`,
	} {
		rec := &recorder{}
		r := descriptor.Validate("d.json", []byte(src), descriptor.Options{})
		checkOnlyPlaceholderNote(rec, r)
		if !rec.failed {
			t.Errorf("%s: the check passed %d findings %v", name, len(r.Findings), r.Findings)
		}
	}
}
