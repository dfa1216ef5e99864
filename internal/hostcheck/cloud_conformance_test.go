package hostcheck

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/connectgen/connectgen/internal/hostsim"
	"github.com/connectgen/connectgen/internal/openapicheck"
)

// notInStoredDocument are routes newer than the stored copies of Jira's
// and Confluence's OpenAPI documents (internal/openapicheck/testdata,
// 2022 and 2021): they cannot be checked against them.
var notInStoredDocument = map[string]string{
	"GET /rest/api/3/search/jql":  "Jira's enhanced search (2024) is newer than the stored document",
	"POST /rest/api/3/search/jql": "Jira's enhanced search (2024) is newer than the stored document",
	"GET /rest/api/2/search/jql":  "Jira's enhanced search (2024) is newer than the stored document",
	"POST /rest/api/2/search/jql": "Jira's enhanced search (2024) is newer than the stored document",
	"GET /wiki/api/v2/pages/{id}": "Confluence's API v2 has its own document, not stored here",
}

type cloudCase struct {
	method, path, body string
	status             int
}

// TestCloudRoutesConformance calls every route of the Jira and Confluence
// stand-ins and validates each answer against the product's published
// OpenAPI document (Jira's v2 paths against the v3 operation of the same
// resource); a route with no case fails the test.
func TestCloudRoutesConformance(t *testing.T) {
	for _, c := range []struct {
		product hostsim.Product
		doc     string
		cases   []cloudCase
	}{
		{hostsim.Jira, "jira-platform-swagger.v3.json", []cloudCase{
			{"GET", "/rest/api/3/myself", "", 200},
			{"GET", "/rest/api/2/myself", "", 200},
			{"GET", "/rest/api/3/issue/SAMP-1", "", 200},
			{"GET", "/rest/api/2/issue/10001", "", 200},
			{"GET", "/rest/api/3/issue/NOPE-1", "", 404},
			{"POST", "/rest/api/3/permissions/check", `{"projectPermissions":[{"permissions":["BROWSE_PROJECTS"],"projects":[10000]}]}`, 200},
			{"POST", "/rest/api/2/permissions/check", `{"globalPermissions":["ADMINISTER"]}`, 200},
			{"PUT", "/rest/atlassian-connect/1/addons/cond-app/properties/p", `{"a":1}`, 201},
			{"GET", "/rest/atlassian-connect/1/addons/cond-app/properties/p", "", 200},
			{"GET", "/rest/atlassian-connect/1/addons/cond-app/properties", "", 200},
			{"DELETE", "/rest/atlassian-connect/1/addons/cond-app/properties/p", "", 204},
			{"PUT", "/rest/api/3/issue/SAMP-1/properties/p", `1`, 201},
			{"GET", "/rest/api/2/issue/SAMP-1/properties/p", "", 200},
			{"GET", "/rest/api/3/issue/SAMP-1/properties", "", 200},
			{"DELETE", "/rest/api/3/issue/SAMP-1/properties/p", "", 204},
			{"PUT", "/rest/api/3/project/SAMP/properties/p", `true`, 201},
			{"GET", "/rest/api/3/project/SAMP/properties/p", "", 200},
			{"GET", "/rest/api/2/project/10000/properties", "", 200},
			{"DELETE", "/rest/api/3/project/SAMP/properties/p", "", 204},
		}},
		{hostsim.Confluence, "confluence-swagger.v3.json", []cloudCase{
			{"GET", "/wiki/rest/api/user/current", "", 200},
			{"GET", "/wiki/rest/api/user?accountId=712020:5c1f0c1e-4b7e-4c2a-9d3f-0a1b2c3d4e5f", "", 200},
			{"POST", "/wiki/rest/api/content/98305/permission/check", `{"subject":{"type":"user","identifier":"x"},"operation":"read"}`, 200},
			{"POST", "/wiki/rest/api/content/98305/property", `{"key":"p","value":{"a":1}}`, 200},
			{"GET", "/wiki/rest/api/content/98305/property/p", "", 200},
			{"PUT", "/wiki/rest/api/content/98305/property/p", `{"value":{"a":2},"version":{"number":2}}`, 200},
			{"GET", "/wiki/rest/api/content/98305/property", "", 200},
			{"DELETE", "/wiki/rest/api/content/98305/property/p", "", 204},
			{"PUT", "/wiki/rest/api/space/SAMP/property/s", `{"value":"x"}`, 200},
			{"GET", "/wiki/rest/api/space/SAMP/property/s", "", 200},
			{"DELETE", "/wiki/rest/api/space/SAMP/property/s", "", 204},
			{"PUT", "/wiki/rest/atlassian-connect/1/addons/cond-app/properties/p", `{"a":1}`, 201},
			{"GET", "/wiki/rest/atlassian-connect/1/addons/cond-app/properties/p", "", 200},
			{"GET", "/wiki/rest/atlassian-connect/1/addons/cond-app/properties", "", 200},
			{"GET", "/wiki/rest/api/space/SAMP/property", "", 200},
		}},
	} {
		doc, err := openapicheck.Load(filepath.Join("..", "openapicheck", "testdata", c.doc))
		if err != nil {
			t.Fatal(err)
		}
		_, h := installCondApp(t, c.product)
		reached := map[string]bool{}
		for _, k := range c.cases {
			r, err := h.Request(context.Background(), k.method, k.path, "application/json", []byte(k.body))
			if err != nil {
				t.Fatal(err)
			}
			if r.Status != k.status {
				t.Errorf("%s %s %s: %d, want %d: %.300s", c.product, k.method, k.path, r.Status, k.status, r.Body)
				continue
			}
			docPath := strings.Replace(k.path, "/rest/api/2/", "/rest/api/3/", 1)
			// The Confluence add-on property paths are Jira's, under /wiki.
			docPath = strings.Replace(docPath, "/wiki/rest/atlassian-connect/", "/rest/atlassian-connect/", 1)
			d := doc
			if docPath != k.path && strings.HasPrefix(k.path, "/wiki/rest/atlassian-connect/") {
				if d, err = openapicheck.Load(filepath.Join("..", "openapicheck", "testdata", "jira-platform-swagger.v3.json")); err != nil {
					t.Fatal(err)
				}
			}
			err = d.ValidateResponse(k.method, docPath, r.Status, r.ContentType, r.Body)
			if err != nil && !(r.Status >= 400 && strings.Contains(err.Error(), "not documented")) {
				t.Errorf("%s %s %s -> %d: %v\n%.300s", c.product, k.method, k.path, r.Status, err, r.Body)
			}
			if r.Status < 400 {
				reached[k.method+" "+k.path] = true
			}
		}
		for _, pat := range h.RoutePatterns(c.product) {
			if _, skip := notInStoredDocument[pat]; skip {
				continue
			}
			if !patternReached(pat, reached) {
				t.Errorf("%s route %q has no conformance case", c.product, pat)
			}
		}
	}
}

// patternReached reports whether a successful case matched the ServeMux
// pattern ("GET /rest/api/{v}/issue/{issue}/properties" or a pattern
// without a method).
func patternReached(pattern string, reached map[string]bool) bool {
	method, path, hasMethod := strings.Cut(pattern, " ")
	if !hasMethod {
		method, path = "", pattern
	}
	ps := strings.Split(path, "/")
	for k := range reached {
		m, p, _ := strings.Cut(k, " ")
		p, _, _ = strings.Cut(p, "?")
		if method != "" && m != method {
			continue
		}
		rs := strings.Split(p, "/")
		if len(rs) != len(ps) {
			continue
		}
		ok := true
		for i := range ps {
			if !strings.HasPrefix(ps[i], "{") && ps[i] != rs[i] {
				ok = false
				break
			}
		}
		if ok {
			return true
		}
	}
	return false
}
