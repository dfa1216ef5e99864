package descriptor

import (
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
)

// fixturesDir is the folder of real descriptors the tests use; where each
// one comes from is in testdata/descriptors/README.md.
func fixturesDir(t testing.TB) string {
	t.Helper()
	return filepath.Join("testdata", "descriptors")
}

// TestFixtures gives every real descriptor of the fixtures the verdict its
// README gives. Each case lists every error and warning expected (as
// rule@pointer), so a rule that starts firing where it should not fails
// the test too.
func TestFixtures(t *testing.T) {
	dir := fixturesDir(t)
	tests := []struct {
		prefix   string
		valid    bool
		errors   []string
		warnings []string
		notes    []string
	}{
		// Atlassian's template: valid. Its http:// web item link is only a
		// warning; "*" with account and repository scopes gets repo:*
		// events, so no note.
		{"01-", true, nil, []string{"url-absolute-https@/modules/webItems/0/url"},
			[]string{"placeholder@/baseUrl"}},
		{"02-", true, nil, []string{"url-absolute-https@/modules/webItems/0/url"},
			[]string{"placeholder@/baseUrl"}},
		{"03-", true, nil, nil, []string{"placeholder@/baseUrl"}},
		// Valid, with a warning for the undocumented repository context.
		{"04-", true, nil, []string{"context-unknown@/contexts/1"}, nil},
		// Singular module keys are not documented module types; it also has
		// no lifecycle although it uses jwt.
		{"05-", false, []string{
			"lifecycle-installed-missing@/lifecycle",
			"unknown-property@/modules/adminPage", "unknown-property@/modules/generalPage",
			"unknown-property@/modules/helpPanel", "unknown-property@/modules/profileTab",
			"unknown-property@/modules/repoPage", "unknown-property@/modules/webItem",
			"unknown-property@/modules/webPanel",
		}, nil, []string{"scope-retired@/scopes/2"}},
		{"06-", false, []string{"configurepage-object@/modules/configurePage"}, nil, []string{"placeholder@/baseUrl"}},
		{"07a-", false, []string{"lifecycle-installed-missing@/lifecycle"}, nil, nil},
		{"07b-", false, []string{"context-personal@/contexts/0"}, nil, nil},
		{"08a-", false, []string{"baseurl-https@/baseUrl"}, nil, nil},
		{"08b-", false, []string{"baseurl-https@/baseUrl", "unknown-property@/links/privacy", "unknown-property@/links/terms"}, nil,
			[]string{"scope-retired@/scopes/3"}},
		{"09-", true, nil, nil, nil},
		{"10-", true, nil, nil, nil},
	}
	files, err := filepath.Glob(filepath.Join(dir, "*.json"))
	if err != nil {
		t.Fatal(err)
	}
	if len(files) != len(tests) {
		t.Errorf("%d fixture files, %d cases: a fixture has no verdict here", len(files), len(tests))
	}
	for _, tt := range tests {
		var file string
		for _, f := range files {
			if strings.HasPrefix(filepath.Base(f), tt.prefix) {
				file = f
			}
		}
		t.Run(strings.TrimSuffix(tt.prefix, "-"), func(t *testing.T) {
			if file == "" {
				t.Fatalf("no fixture starting with %q", tt.prefix)
			}
			src, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			r := Validate(filepath.Base(file), src, Options{})
			if got := r.Errors() == 0; got != tt.valid {
				t.Errorf("valid = %v, want %v; findings:\n%s", got, tt.valid, dump(r))
			}
			for sev, want := range map[Severity][]string{SeverityError: tt.errors, SeverityWarning: tt.warnings, SeverityNote: tt.notes} {
				got := rulesAt(r, sev)
				sort.Strings(want)
				if strings.Join(got, " ") != strings.Join(want, " ") {
					t.Errorf("%ss = %v, want %v\n%s", sev, got, want, dump(r))
				}
			}
		})
	}
}

func rulesAt(r *Result, sev Severity) []string {
	var out []string
	for _, f := range r.Findings {
		if f.Severity == sev {
			out = append(out, f.Rule+"@"+f.Pointer)
		}
	}
	sort.Strings(out)
	return out
}

func dump(r *Result) string {
	var b strings.Builder
	_ = WriteText(&b, []*Result{r}, false) // the test checks what follows, not this call
	return b.String()
}
