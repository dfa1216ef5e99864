package templates_test

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
	"github.com/connectgen/connectgen/templates"
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
	names := scaffold.Templates(templates.FS)
	if len(names) == 0 {
		t.Fatal("no templates embedded")
	}
	for _, name := range names {
		data := fixture
		data.Template = name
		files, err := scaffold.Render(templates.FS, name, data, scaffold.EditorFiles(name)...)
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

// TestGolden compares each rendered template with
// testdata/<template>.golden.txtar; go test ./templates -update rewrites
// them.
func TestGolden(t *testing.T) {
	names := scaffold.Templates(templates.FS)
	for _, want := range []string{"bitbucket", "confluence", "jira", "jira-service-desk"} {
		found := false
		for _, n := range names {
			found = found || n == want
		}
		if !found {
			t.Errorf("template %s is not embedded", want)
		}
	}
	for _, name := range names {
		t.Run(name, func(t *testing.T) { golden(t, name) })
	}
}

func golden(t *testing.T, name string) {
	data := fixture
	data.Template = name
	files, err := scaffold.Render(templates.FS, name, data, scaffold.EditorFiles(name)...)
	if err != nil {
		t.Fatal(err)
	}
	ar := &txtar.Archive{Comment: []byte("The " + name + " template rendered with the fixture values of templates_test.go.\n")}
	for _, f := range files {
		ar.Files = append(ar.Files, txtar.File{Name: f.Path, Data: f.Content})
	}
	got := txtar.Format(ar)
	golden := filepath.Join("testdata", name+".golden.txtar")
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

// TestDescriptorValidates checks each generated descriptor with the rules
// of connectgen validate for its product: no findings once the base URL is
// known, and only the note that the placeholder skipped the URL rules
// before. The product detected from the descriptor alone must be the
// template's too (config.json names it as well).
func TestDescriptorValidates(t *testing.T) {
	for name, product := range map[string]descriptor.Product{
		"bitbucket": descriptor.Bitbucket, "jira": descriptor.Jira,
		"confluence": descriptor.Confluence, "jira-service-desk": descriptor.Jira,
	} {
		t.Run(name, func(t *testing.T) { descriptorValidates(t, name, product) })
	}
}

func descriptorValidates(t *testing.T, name string, product descriptor.Product) {
	data := fixture
	data.Template = name
	files, err := scaffold.Render(templates.FS, name, data, scaffold.EditorFiles(name)...)
	if err != nil {
		t.Fatal(err)
	}
	var config []byte
	for _, f := range files {
		if f.Path == "config.json" {
			config = f.Content
		}
		// The editor's schema is the product's.
		if f.Path == ".vscode/atlassian-connect.schema.json" && !bytes.Equal(f.Content, descriptor.SchemaFor(product)) {
			t.Errorf("the editor schema is not %s's", product)
		}
	}
	if p, err := descriptor.ProductFromConfig(config); err != nil || p != product {
		t.Errorf("config.json product %q, %v; want %q", p, err, product)
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
	r := descriptor.Validate("atlassian-connect.json", src, descriptor.Options{BaseURL: "https://example.test", Product: product})
	for _, f := range r.Findings {
		t.Errorf("with a base URL: %s [%s] %s at %s", f.Severity, f.Rule, f.Message, f.Pointer)
	}
	r = descriptor.Validate("atlassian-connect.json", src, descriptor.Options{})
	if r.Product != product {
		t.Errorf("detected product %s (%s), want %s", r.Product, r.ProductReason, product)
	}
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
