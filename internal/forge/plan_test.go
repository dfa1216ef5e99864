package forge

import (
	"bytes"
	"encoding/json"
	"errors"
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

var update = flag.Bool("update", false, "rewrite the golden reports in testdata/golden")

// fixtureDir holds the real descriptors the project keeps (see its README).
const fixtureDir = "../descriptor/testdata/descriptors"

func fixtures(t testing.TB) []string {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(fixtureDir, "*.json"))
	if err != nil || len(files) < 12 {
		t.Fatalf("want the 12 real descriptors in %s, found %d (%v)", fixtureDir, len(files), err)
	}
	return files
}

func planOf(t testing.TB, name string, src []byte) *Plan {
	t.Helper()
	p, err := NewPlan(descriptor.Validate(name, src, descriptor.Options{}))
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return p
}

// templateDescriptor renders the bitbucket template and returns its
// descriptor, as connectgen new writes it.
func templateDescriptor(t testing.TB) []byte {
	t.Helper()
	files, err := scaffold.Render(templates.FS, "bitbucket", scaffold.Data{
		Name: "a-quick-addon", Key: "a-quick-addon", AppName: "A Quick Addon", Description: "A Bitbucket Cloud Connect app",
		VendorName: "Example Vendor", VendorURL: "https://example.com", Template: "bitbucket", Version: "test",
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range files {
		if f.Path == "atlassian-connect.json" {
			return f.Content
		}
	}
	t.Fatal("the bitbucket template has no atlassian-connect.json")
	return nil
}

// allDescriptors are the generated template's descriptor and every real
// descriptor, by file name.
func allDescriptors(t testing.TB) map[string][]byte {
	t.Helper()
	inputs := map[string][]byte{"template-bitbucket.json": templateDescriptor(t)}
	for _, f := range fixtures(t) {
		inputs[filepath.Base(f)] = readFile(t, f)
	}
	return inputs
}

func golden(t *testing.T, path string, got []byte) {
	t.Helper()
	if *update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./internal/forge -update to write it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from the report (go test ./internal/forge -update rewrites it):\n--- got\n%s", path, got)
	}
}

// TestGoldenReports compares the text and JSON reports of every real
// descriptor and of the generated template's descriptor with the files in
// testdata/golden.
func TestGoldenReports(t *testing.T) {
	inputs := allDescriptors(t)
	for name, src := range inputs {
		t.Run(name, func(t *testing.T) {
			p := planOf(t, name, src)
			var text, js, md bytes.Buffer
			if err := p.WriteText(&text); err != nil {
				t.Fatal(err)
			}
			if err := p.WriteJSON(&js); err != nil {
				t.Fatal(err)
			}
			if err := p.WriteMarkdown(&md); err != nil {
				t.Fatal(err)
			}
			base := filepath.Join("testdata", "golden", strings.TrimSuffix(name, ".json"))
			golden(t, base+".txt", text.Bytes())
			golden(t, base+".report.json", js.Bytes())
			golden(t, base+".md", md.Bytes())
		})
	}
}

// TestPlanTemplate spells out what the report of the generated app says,
// so that the golden files are not the only check.
func TestPlanTemplate(t *testing.T) {
	p := planOf(t, "atlassian-connect.json", templateDescriptor(t))
	byConnect := map[string]Item{}
	for _, it := range p.Items {
		byConnect[it.Connect] = it
	}
	want := map[string]Fit{
		"repository":          FitGood,
		"account":             FitGood,
		"* → repo:push":       FitGood,
		"* → repo:fork":       FitNone,
		"lifecycle.installed": FitPartial,
	}
	for c, fit := range want {
		if it, ok := byConnect[c]; !ok || it.Fit != fit {
			t.Errorf("%s: got %+v, want fit %s", c, it, fit)
		}
	}
	if _, ok := byConnect["* → pullrequest:created"]; ok {
		t.Error(`"*" expanded to pull request events although the app has no pullrequest scope`)
	}
	if !p.Exceeds("none") || p.Exceeds("never") {
		t.Errorf("Exceeds: the template loses events, so --fail-on none fails and never does not")
	}
	wantScopes := []string{"read:repository:bitbucket", "read:user:bitbucket", "read:workspace:bitbucket"}
	if strings.Join(p.Scopes, ",") != strings.Join(wantScopes, ",") {
		t.Errorf("scopes %v, want %v", p.Scopes, wantScopes)
	}
	var types []string
	for _, m := range p.Modules {
		types = append(types, m.Type)
	}
	// The web item opens an app page (not an outside link), so it becomes a
	// menu page too.
	if got := strings.Join(types, ","); got != RepoMainMenuPage+","+RepoMainMenuPage+","+RepoCodeOverviewCard {
		t.Errorf("modules %s", got)
	}
}

func TestFailOn(t *testing.T) {
	base := `{"key": "k", "name": "n", "description": "d", "baseUrl": "https://x.example.com", "authentication": {"type": "none"}, "scopes": %s, "modules": {}}`
	cases := []struct {
		scopes              string
		none, weak, partial bool
	}{
		{`["repository"]`, false, false, false},
		{`["team:write"]`, false, false, true},
		{`["account:write"]`, false, true, true},
		{`["email"]`, true, true, true},
	}
	for _, c := range cases {
		src := []byte(strings.Replace(base, "%s", c.scopes, 1))
		p := planOf(t, "x.json", src)
		if p.Exceeds("none") != c.none || p.Exceeds("weak") != c.weak || p.Exceeds("partial") != c.partial || p.Exceeds("never") {
			t.Errorf("%s: none=%v weak=%v partial=%v", c.scopes, p.Exceeds("none"), p.Exceeds("weak"), p.Exceeds("partial"))
		}
	}
}

func TestPlanRefuses(t *testing.T) {
	jira := []byte(`{"key": "j", "name": "J", "baseUrl": "https://j.example.com", "authentication": {"type": "jwt"}, "scopes": ["READ", "WRITE"], "modules": {"jiraIssueGlances": [{"key": "g"}]}}`)
	_, err := NewPlan(descriptor.Validate("j.json", jira, descriptor.Options{}))
	var nb *NotBitbucketError
	if !errors.As(err, &nb) || nb.Product != "jira" || !strings.Contains(err.Error(), "Bitbucket only; for Jira and Confluence use Atlassian's connect-to-forge") {
		t.Errorf("jira descriptor: %v", err)
	}
	conf := []byte(`{"key": "c", "modules": {"dynamicContentMacros": [{"key": "m"}]}, "scopes": ["READ"]}`)
	if _, err := NewPlan(descriptor.Validate("c.json", conf, descriptor.Options{})); !errors.As(err, &nb) || nb.Product != "confluence" {
		t.Errorf("confluence descriptor: %v", err)
	}
	_, err = NewPlan(descriptor.Validate("bad.json", []byte(`{"key": `), descriptor.Options{}))
	var inv *InvalidError
	if !errors.As(err, &inv) || !strings.Contains(err.Error(), "bad.json:1:") {
		t.Errorf("broken JSON: %v", err)
	}
}

// TestPlanJSON checks the JSON report is one object with the fields
// documented.
func TestPlanJSON(t *testing.T) {
	p := planOf(t, "atlassian-connect.json", templateDescriptor(t))
	var b bytes.Buffer
	if err := p.WriteJSON(&b); err != nil {
		t.Fatal(err)
	}
	var v struct {
		AppKey  string         `json:"appKey"`
		Items   []Item         `json:"items"`
		Summary map[string]int `json:"summary"`
		Dates   map[string]string
		Modules []Module `json:"forgeModules"`
	}
	if err := json.Unmarshal(b.Bytes(), &v); err != nil {
		t.Fatal(err)
	}
	if v.AppKey != "a-quick-addon" || len(v.Items) != len(p.Items) || v.Summary["none"] == 0 || v.Dates["bitbucketConnectSupportEnds"] != "2027-01-31" || len(v.Modules) != 3 {
		t.Errorf("JSON report: %+v", v)
	}
}

func readFile(t testing.TB, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestStarterGolden compares the starter app of the generated template's
// descriptor, file by file, with testdata/golden/starter-template.txtar.
func TestStarterGolden(t *testing.T) {
	p := planOf(t, "atlassian-connect.json", templateDescriptor(t))
	for _, tc := range []struct {
		opts          GenerateOptions
		golden, about string
	}{
		{GenerateOptions{Version: "test"}, "starter-template.txtar", "forge new"},
		{remoteOptions(p), "starter-template-remote.txtar", "forge new --remote --base-url https://connect.example.com"},
	} {
		files, err := Generate(p, tc.opts)
		if err != nil {
			t.Fatal(err)
		}
		ar := &txtar.Archive{Comment: []byte("The starter Forge app connectgen " + tc.about + " writes for the bitbucket template's descriptor.\n")}
		for _, f := range files {
			ar.Files = append(ar.Files, txtar.File{Name: f.Path, Data: f.Content})
		}
		golden(t, filepath.Join("testdata", "golden", tc.golden), txtar.Format(ar))
	}
}
