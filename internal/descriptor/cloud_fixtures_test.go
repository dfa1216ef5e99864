package descriptor

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestJiraConfluenceFixtures gives every real Jira and Confluence
// descriptor of testdata/jira-confluence the verdict its README gives,
// with the product detected from the descriptor. Each case lists every
// error and warning expected (as rule@pointer).
func TestJiraConfluenceFixtures(t *testing.T) {
	dir := filepath.Join("testdata", "jira-confluence")
	tests := []struct {
		file     string
		product  Product
		valid    bool
		errors   []string
		warnings []string
	}{
		{"01-dynatrace-atlassian-connect-jira.json", Jira, true, nil, nil},
		{"02-gfse-specif-to-confluence-importer.json", Confluence, true, nil, []string{"unknown-property@/version"}},
		{"03-cadmiumkitty-taxonomies-for-confluence.json", Confluence, false, []string{"key-pattern@/key", "baseurl-https@/baseUrl"}, nil},
		{"04-atlassian-connect-express-test.json", Jira, false, []string{"required@/modules/webItems/0", "webhook-scope-missing@/modules/webhooks/0"},
			[]string{"unknown-property@/version", "webhook-event-unlisted@/modules/webhooks/0/event", "webhook-event-unlisted@/modules/webhooks/1/event"}},
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	if n := len(entries) - 1; n != len(tests) { // README.md
		t.Errorf("%d descriptors in %s, %d verdicts here", n, dir, len(tests))
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			src, err := os.ReadFile(filepath.Join(dir, tt.file))
			if err != nil {
				t.Fatal(err)
			}
			r := Validate(tt.file, src, Options{})
			if r.Product != tt.product {
				t.Errorf("product %s (%s), want %s", r.Product, r.ProductReason, tt.product)
			}
			var errs, warns []string
			for _, f := range r.Findings {
				switch f.Severity {
				case SeverityError:
					errs = append(errs, f.Rule+"@"+f.Pointer)
				case SeverityWarning:
					warns = append(warns, f.Rule+"@"+f.Pointer)
				}
				// Every location of these apps is a real one, which
				// must not be taken for a typo.
				if f.Rule == "location-near-miss" {
					t.Errorf("note %s at %s: %s", f.Rule, f.Pointer, f.Message)
				}
			}
			if got, want := strings.Join(errs, " "), strings.Join(tt.errors, " "); got != want {
				t.Errorf("errors %q, want %q", got, want)
			}
			if got, want := strings.Join(warns, " "), strings.Join(tt.warnings, " "); got != want {
				t.Errorf("warnings %q, want %q", got, want)
			}
			if (r.Errors() == 0) != tt.valid {
				t.Errorf("valid = %v, want %v", r.Errors() == 0, tt.valid)
			}
		})
	}
}
