package openapicheck

import (
	"errors"
	"path/filepath"
	"testing"
)

func bitbucket(t *testing.T) *Doc {
	t.Helper()
	d, err := Load(filepath.Join("testdata", "bitbucket-swagger.v3.json"))
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func TestFindAndValidate(t *testing.T) {
	d := bitbucket(t)
	if d.Prefix != "/2.0" {
		t.Fatalf("prefix %q", d.Prefix)
	}
	op, err := d.Find("GET", "/2.0/repositories/acme/%7Bb9a3%7D")
	if err != nil || op.Template != "/repositories/{workspace}/{repo_slug}" {
		t.Fatalf("Find = %+v, %v", op, err)
	}
	if _, err := d.Find("GET", "/2.0/no/such/thing"); !errors.Is(err, ErrNotDocumented) {
		t.Errorf("undocumented path: %v", err)
	}
	good := `{"type":"error","error":{"message":"nope"}}`
	if err := d.ValidateResponse("GET", "/2.0/repositories/acme/widgets", 404, "application/json", []byte(good)); err != nil {
		t.Errorf("a documented error body: %v", err)
	}
	// A repository whose uuid is a number is not a repository.
	bad := `{"type":"repository","uuid":42,"full_name":"acme/widgets"}`
	if err := d.ValidateResponse("GET", "/2.0/repositories/acme/widgets", 200, "application/json", []byte(bad)); err == nil {
		t.Error("a repository with a numeric uuid validated")
	}
	if err := d.ValidateSchema("account", map[string]any{"type": "user", "display_name": 7}); err == nil {
		t.Error("an account with a numeric display_name validated")
	}
	if err := d.ValidateSchema("nosuch", nil); err == nil {
		t.Error("an unknown schema validated")
	}
}

// TestProductDocumentsLoad: the Jira and Confluence documents load and
// route their Connect-facing paths.
func TestProductDocumentsLoad(t *testing.T) {
	for _, c := range []struct{ file, method, path, template string }{
		{"jira-platform-swagger.v3.json", "GET", "/rest/api/3/issue/DEV-1/properties/a", "/rest/api/3/issue/{issueIdOrKey}/properties/{propertyKey}"},
		{"jira-platform-swagger.v3.json", "PUT", "/rest/atlassian-connect/1/addons/my-app/properties/k", "/rest/atlassian-connect/1/addons/{addonKey}/properties/{propertyKey}"},
		{"confluence-swagger.v3.json", "GET", "/wiki/rest/api/content/123/property/k", "/wiki/rest/api/content/{id}/property/{key}"},
	} {
		d, err := Load(filepath.Join("testdata", c.file))
		if err != nil {
			t.Fatal(err)
		}
		op, err := d.Find(c.method, d.Prefix+c.path)
		if err != nil || op.Template != c.template {
			t.Errorf("%s: Find(%s %s) = %q, %v; want %s", c.file, c.method, c.path, op.Template, err, c.template)
		}
	}
}
