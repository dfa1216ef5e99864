package cloudworld

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"

	"github.com/connectgen/connectgen/internal/openapicheck"
)

const app = "com.example.cloud-app"

func testSite(base string) Site {
	return Site{BaseURL: base, IssueKey: "SAMP-1", IssueID: "10001", ProjectKey: "SAMP", ProjectID: "10000", PageID: "98305", SpaceKey: "SAMP", AccountID: "712020:abc"}
}

func server(t *testing.T, key string) (*World, *httptest.Server) {
	t.Helper()
	var w *World
	srv := httptest.NewServer(http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		if !w.ServeHTTP(rw, r, Caller{ClientKey: key, AppKey: app}) {
			http.NotFound(rw, r)
		}
	}))
	t.Cleanup(srv.Close)
	w = New(testSite(srv.URL))
	return w, srv
}

func call(t *testing.T, srv *httptest.Server, method, path, body string) (int, string, []byte) {
	t.Helper()
	req, err := http.NewRequest(method, srv.URL+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = resp.Body.Close() }() // read whole below
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, resp.Header.Get("Content-Type"), b
}

type confCase struct {
	method, path, body string
	status             int
}

var jiraCases = []confCase{
	{"PUT", "/rest/atlassian-connect/1/addons/" + app + "/properties/enabled", `true`, 201},
	{"PUT", "/rest/atlassian-connect/1/addons/" + app + "/properties/enabled", `true`, 200},
	{"GET", "/rest/atlassian-connect/1/addons/" + app + "/properties/enabled", "", 200},
	{"GET", "/rest/atlassian-connect/1/addons/" + app + "/properties", "", 200},
	{"GET", "/rest/atlassian-connect/1/addons/" + app + "/properties/nope", "", 404},
	{"DELETE", "/rest/atlassian-connect/1/addons/" + app + "/properties/enabled", "", 204},
	{"PUT", "/rest/api/3/issue/SAMP-1/properties/triage", `{"level":"high","tags":["a","b"]}`, 201},
	{"GET", "/rest/api/3/issue/10001/properties/triage", "", 200},
	{"GET", "/rest/api/3/issue/SAMP-1/properties", "", 200},
	{"PUT", "/rest/api/3/project/SAMP/properties/config", `{"on":true}`, 201},
	{"GET", "/rest/api/3/project/10000/properties/config", "", 200},
	{"GET", "/rest/api/3/project/SAMP/properties", "", 200},
	{"DELETE", "/rest/api/3/project/SAMP/properties/config", "", 204},
	{"PUT", "/rest/api/3/issue/SAMP-1/properties/tmp", `1`, 201},
	{"DELETE", "/rest/api/3/issue/SAMP-1/properties/tmp", "", 204},
}

var confluenceCases = []confCase{
	{"POST", "/wiki/rest/api/content/98305/property", `{"key":"reviewed","value":{"by":"app"}}`, 200},
	{"GET", "/wiki/rest/api/content/98305/property/reviewed", "", 200},
	{"PUT", "/wiki/rest/api/content/98305/property/reviewed", `{"value":{"by":"app2"},"version":{"number":2}}`, 200},
	{"PUT", "/wiki/rest/api/content/98305/property/reviewed", `{"value":{"by":"app3"},"version":{"number":2}}`, 409},
	{"GET", "/wiki/rest/api/content/98305/property", "", 200},
	{"DELETE", "/wiki/rest/api/content/98305/property/reviewed", "", 204},
	{"PUT", "/wiki/rest/api/space/SAMP/property/theme", `{"value":"dark"}`, 200},
	{"GET", "/wiki/rest/api/space/SAMP/property/theme", "", 200},
	{"DELETE", "/wiki/rest/api/space/SAMP/property/theme", "", 204},
}

func load(t *testing.T, file string) *openapicheck.Doc {
	t.Helper()
	d, err := openapicheck.Load(filepath.Join("..", "openapicheck", "testdata", file))
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// TestPropertiesConformance runs the property routes against Jira's and
// Confluence's published OpenAPI documents, and fails for a served route
// no case covers.
func TestPropertiesConformance(t *testing.T) {
	covered := map[string]bool{}
	for _, set := range []struct {
		file  string
		cases []confCase
	}{{"jira-platform-swagger.v3.json", jiraCases}, {"confluence-swagger.v3.json", confluenceCases}} {
		doc := load(t, set.file)
		_, srv := server(t, "client-1")
		for _, c := range set.cases {
			status, ct, body := call(t, srv, c.method, c.path, c.body)
			if status != c.status {
				t.Errorf("%s %s: %d, want %d: %s", c.method, c.path, status, c.status, body)
				continue
			}
			if err := doc.ValidateResponse(c.method, c.path, status, ct, body); err != nil && !(status >= 400 && strings.Contains(err.Error(), "not documented")) {
				t.Errorf("%s %s -> %d: %v\n%s", c.method, c.path, status, err, body)
			}
			if op, err := doc.Find(c.method, c.path); err == nil && status < 400 {
				covered[c.method+" "+op.Template] = true
			}
		}
	}
	for _, r := range Routes() {
		if !covered[r] {
			t.Errorf("route %s has no conformance case", r)
		}
	}
}

func TestPropertiesPerInstallationAndApp(t *testing.T) {
	w, srv := server(t, "client-1")
	call(t, srv, "PUT", "/rest/api/2/issue/SAMP-1/properties/k", `"v"`)
	if v, ok := w.Property(Caller{ClientKey: "client-1", AppKey: app}, Issue, "SAMP-1", "k"); !ok || string(v) != `"v"` {
		t.Errorf("the v2 path did not set the property: %s %v", v, ok)
	}
	if _, ok := w.Property(Caller{ClientKey: "client-2", AppKey: app}, Issue, "SAMP-1", "k"); ok {
		t.Error("another installation sees the property")
	}
	if status, _, body := call(t, srv, "GET", "/rest/atlassian-connect/1/addons/other-app/properties", ""); status != 401 {
		t.Errorf("another app's properties: %d %s", status, body)
	}
	if status, _, _ := call(t, srv, "GET", "/rest/api/3/issue/NOPE-9/properties", ""); status != 404 {
		t.Errorf("an unknown issue: %d", status)
	}
	if w.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", "/rest/api/3/myself", nil), Caller{}) {
		t.Error("a non-property path was served")
	}
}

func TestConditions(t *testing.T) {
	w, srv := server(t, "client-1")
	c := Caller{ClientKey: "client-1", AppKey: app}
	parse := func(s string) []Condition {
		cs, err := ParseConditions(json.RawMessage(s))
		if err != nil {
			t.Fatal(err)
		}
		return cs
	}
	exists := parse(`[{"condition":"entity_property_exists","params":{"entity":"addon","propertyKey":"enabled"}}]`)
	if v := w.Evaluate(c, exists); v.Shown || len(v.Reasons) != 1 || !strings.Contains(v.Reasons[0], "entity_property_exists") {
		t.Errorf("before the property is set: %+v", v)
	}
	call(t, srv, "PUT", "/rest/atlassian-connect/1/addons/"+app+"/properties/enabled", `{"on":true,"tags":["x","y"]}`)
	if v := w.Evaluate(c, exists); !v.Shown {
		t.Errorf("after the property is set: %+v", v)
	}
	for cond, want := range map[string]bool{
		`[{"condition":"entity_property_equal_to","params":{"entity":"addon","propertyKey":"enabled","objectName":"on","value":"true"}}]`:                true,
		`[{"condition":"entity_property_equal_to","params":{"entity":"addon","propertyKey":"enabled","objectName":"on","value":"false"}}]`:               false,
		`[{"condition":"entity_property_contains_any","params":{"entity":"addon","propertyKey":"enabled","objectName":"tags","value":"[\"y\",\"z\"]"}}]`: true,
		`[{"condition":"entity_property_contains_all","params":{"entity":"addon","propertyKey":"enabled","objectName":"tags","value":"[\"y\",\"z\"]"}}]`: false,
		`[{"condition":"entity_property_exists","params":{"entity":"issue","propertyKey":"triage"}}]`:                                                    false,
		`[{"condition":"entity_property_exists","params":{"entity":"issue","propertyKey":"triage"},"invert":true}]`:                                      true,
		`[{"or":[{"condition":"user_is_admin","invert":true},{"condition":"user_is_logged_in"}]}]`:                                                       true,
		`[{"and":[{"condition":"user_is_logged_in"},{"condition":"is_issue_assigned_to_current_user"}]}]`:                                                false,
	} {
		if v := w.Evaluate(c, parse(cond)); v.Shown != want {
			t.Errorf("%s: shown %v, want %v (%+v)", cond, v.Shown, want, v)
		}
	}
	if v := w.Evaluate(c, parse(`[{"condition":"some_future_condition"}]`)); !v.Shown || len(v.Unevaluated) != 1 {
		t.Errorf("an unknown condition: %+v", v)
	}
}

// Routes lists the property routes served, as "METHOD /template": the
// conformance test fails for one without a case.
func Routes() []string {
	return []string{
		"GET /rest/atlassian-connect/1/addons/{addonKey}/properties",
		"GET /rest/atlassian-connect/1/addons/{addonKey}/properties/{propertyKey}",
		"PUT /rest/atlassian-connect/1/addons/{addonKey}/properties/{propertyKey}",
		"DELETE /rest/atlassian-connect/1/addons/{addonKey}/properties/{propertyKey}",
		"GET /rest/api/3/issue/{issueIdOrKey}/properties",
		"GET /rest/api/3/issue/{issueIdOrKey}/properties/{propertyKey}",
		"PUT /rest/api/3/issue/{issueIdOrKey}/properties/{propertyKey}",
		"DELETE /rest/api/3/issue/{issueIdOrKey}/properties/{propertyKey}",
		"GET /rest/api/3/project/{projectIdOrKey}/properties",
		"GET /rest/api/3/project/{projectIdOrKey}/properties/{propertyKey}",
		"PUT /rest/api/3/project/{projectIdOrKey}/properties/{propertyKey}",
		"DELETE /rest/api/3/project/{projectIdOrKey}/properties/{propertyKey}",
		"GET /wiki/rest/api/content/{id}/property",
		"POST /wiki/rest/api/content/{id}/property",
		"GET /wiki/rest/api/content/{id}/property/{key}",
		"PUT /wiki/rest/api/content/{id}/property/{key}",
		"DELETE /wiki/rest/api/content/{id}/property/{key}",
		"GET /wiki/rest/api/space/{spaceKey}/property/{key}",
		"PUT /wiki/rest/api/space/{spaceKey}/property/{key}",
		"DELETE /wiki/rest/api/space/{spaceKey}/property/{key}",
	}
}
