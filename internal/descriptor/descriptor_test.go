package descriptor

import (
	"encoding/json"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
)

func TestCompareScopes(t *testing.T) {
	v := func(scopes string) *Result {
		if scopes == "" {
			return Validate("x.json", edit(t, "-/scopes"), Options{})
		}
		return Validate("x.json", edit(t, "/scopes="+scopes), Options{})
	}
	tests := []struct {
		name, prev, cur string
		added, removed  string
		all             bool
	}{
		{"same", `["account", "repository"]`, `["repository", "account"]`, "", "", false},
		{"added", `["account", "repository"]`, `["account", "repository", "pullrequest", "issue"]`, "issue pullrequest", "", false},
		{"write implies read", `["repository:write"]`, `["repository"]`, "", "repository:write", false},
		{"read to write", `["repository"]`, `["repository:write"]`, "repository:write", "", false},
		{"admin does not imply read", `["repository:admin"]`, `["repository:admin", "repository"]`, "repository", "", false},
		{"scopes dropped asks for all", `["account"]`, "", "", "", true},
		{"all to some", "", `["account"]`, "", "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := CompareScopes(v(tt.prev), v(tt.cur))
			if tt.all {
				if !c.AllScopes || len(c.Added) != len(knownScopes)-1 {
					t.Errorf("change %+v, want all scopes added but account", c)
				}
				return
			}
			if strings.Join(c.Added, " ") != tt.added || (tt.removed != "" && !strings.Contains(strings.Join(c.Removed, " "), tt.removed)) || c.AllScopes {
				t.Errorf("change %+v, want added %q removed %q", c, tt.added, tt.removed)
			}
		})
	}
}

func TestAddScopeIncrease(t *testing.T) {
	prev := Validate("old.json", edit(t, `/scopes=["account", "repository"]`), Options{})
	cur := Validate("new.json", edit(t, `/scopes=["account", "repository", "pullrequest:write"]`), Options{})
	c := CompareScopes(prev, cur)
	if c.String() != "+pullrequest +pullrequest:write" {
		t.Errorf("String() = %q", c.String())
	}
	cur.AddScopeIncrease(c, SeverityWarning)
	if len(cur.Findings) != 1 {
		t.Fatalf("findings:\n%s", dump(cur))
	}
	f := cur.Findings[0]
	if f.Rule != "scope-increase" || f.Severity != SeverityWarning || f.Pointer != "/scopes/2" ||
		!strings.Contains(f.Message, `adds "pullrequest", "pullrequest:write"`) || !strings.Contains(f.Message, "must approve") ||
		!strings.Contains(f.Message, "installations keep the previous descriptor") {
		t.Errorf("finding %+v", f)
	}
	if line := strings.Split(string(cur.Source), "\n")[f.Line-1]; !strings.HasPrefix(line[f.Column-1:], `"pullrequest:write"`) {
		t.Errorf("finding at %q", line[f.Column-1:])
	}
	// No increase, no finding.
	same := Validate("new.json", edit(t, `/scopes=["repository"]`), Options{})
	same.AddScopeIncrease(CompareScopes(prev, same), SeverityError)
	if len(same.Findings) != 0 {
		t.Errorf("findings for a decrease:\n%s", dump(same))
	}
}

// TestSchemaMatchesVocabulary keeps the editor completions in the schema
// and the vocabularies the Go rules check in step.
func TestSchemaMatchesVocabulary(t *testing.T) {
	var s struct {
		Schema     string         `json:"$schema"`
		Properties map[string]any `json:"properties"`
		Defs       map[string]struct {
			Properties map[string]struct {
				Examples []string `json:"examples"`
			} `json:"properties"`
		} `json:"$defs"`
	}
	if err := json.Unmarshal(SchemaFor(Bitbucket), &s); err != nil {
		t.Fatal(err)
	}
	if s.Schema != "https://json-schema.org/draft/2020-12/schema" {
		t.Errorf("$schema = %q", s.Schema)
	}
	events := s.Defs["webhook"].Properties["event"].Examples
	if strings.Join(events, " ") != "* "+strings.Join(knownEvents, " ") {
		t.Errorf("schema events %v differ from knownEvents", events)
	}
	scopes := s.Properties["scopes"].(map[string]any)["items"].(map[string]any)["examples"]
	if mustJSON(scopes) != mustJSON(knownScopes) {
		t.Errorf("schema scopes %v differ from knownScopes", scopes)
	}
	for kind, def := range map[string]string{"webItems": "webItem", "webPanels": "webPanel", "repoPages": "repoPage", "adminPages": "adminPage", "webCards": "webCard"} {
		got := s.Defs[def].Properties["location"].Examples
		if strings.Join(got, " ") != strings.Join(knownLocations[kind], " ") {
			t.Errorf("schema locations of %s %v differ from knownLocations", def, got)
		}
	}
	// Schema returns a copy: callers cannot change what Validate checks.
	b := SchemaFor(Bitbucket)
	b[0] = 'x'
	if SchemaFor(Bitbucket)[0] != '{' {
		t.Error("SchemaFor(Bitbucket) shares its bytes")
	}
}

func TestSynthetic(t *testing.T) {
	for _, n := range []int{1, 100, 1000} {
		src := Synthetic(n)
		r := Validate("s.json", src, Options{})
		if len(r.Findings) != 0 {
			t.Fatalf("Synthetic(%d) has findings:\n%s", n, dump(r))
		}
		count := 0
		eachModule(r.Root().Get("modules"), func(moduleRef) { count++ })
		if count != n {
			t.Errorf("Synthetic(%d) has %d modules", n, count)
		}
	}
}

// The benchmarks measure growth with size: `make bench` compares the
// 1,000 and 10,000 module figures (linear is 10×).
func benchmarkValidate(b *testing.B, n int) {
	src := Synthetic(n)
	b.SetBytes(int64(len(src)))
	b.ReportAllocs()
	for b.Loop() {
		if r := Validate("bench.json", src, Options{}); len(r.Findings) != 0 {
			b.Fatal(r.Findings)
		}
	}
}

func BenchmarkValidate100Modules(b *testing.B)   { benchmarkValidate(b, 100) }
func BenchmarkValidate1000Modules(b *testing.B)  { benchmarkValidate(b, 1000) }
func BenchmarkValidate10000Modules(b *testing.B) { benchmarkValidate(b, 10000) }

// FuzzValidate checks that validation never panics or hangs and that every
// finding it reports is well formed: a known rule, a severity, a position
// inside the input and, where the value exists, a pointer that finds it.
func FuzzValidate(f *testing.F) {
	f.Add([]byte(base))
	f.Add(Synthetic(3))
	f.Add([]byte(`{"modules": {"webhooks": [{"event": "*"}], "configurePage": []}, "scopes": ["project:write"]}`))
	f.Add([]byte(`{key: '{{appKey}}', baseUrl: 'http://localhost', lifecycle: {installed: 'x}'}, contexts: ['personal'], x: NaN}`))
	files, _ := filepath.Glob(filepath.Join(fixturesDir(f), "*.json"))
	for _, p := range files {
		if b, err := os.ReadFile(p); err == nil {
			f.Add(b)
		}
	}
	// Pointers to things that are missing by definition.
	missing := map[string]bool{"lifecycle-installed-missing": true, "required": true, "placeholder": true}
	f.Fuzz(func(t *testing.T, src []byte) {
		r := Validate("f.json", src, Options{BaseURL: "https://x.example.com"})
		lines := len(lineIndex(src))
		for _, fd := range r.Findings {
			if _, ok := Rules[fd.Rule]; !ok {
				t.Fatalf("unknown rule %q", fd.Rule)
			}
			if fd.Severity != SeverityError && fd.Severity != SeverityWarning && fd.Severity != SeverityNote {
				t.Fatalf("severity %q", fd.Severity)
			}
			if fd.Line < 1 || fd.Column < 1 || fd.Line > lines || fd.Message == "" {
				t.Fatalf("finding %+v outside the input (%d lines)", fd, lines)
			}
			if r.Root() != nil && !missing[fd.Rule] && r.Root().Lookup(fd.Pointer) == nil && fd.Rule != "json-duplicate-key" {
				t.Fatalf("finding %+v: pointer finds nothing", fd)
			}
		}
		if !sort.SliceIsSorted(r.Findings, func(i, j int) bool {
			a, b := r.Findings[i], r.Findings[j]
			return a.Line < b.Line || (a.Line == b.Line && a.Column < b.Column)
		}) {
			// Equal positions may come in rule order; only decreasing
			// positions are wrong.
			for i := 1; i < len(r.Findings); i++ {
				a, b := r.Findings[i-1], r.Findings[i]
				if b.Line < a.Line || (b.Line == a.Line && b.Column < a.Column) {
					t.Fatalf("findings out of order: %+v before %+v", a, b)
				}
			}
		}
	})
}
