package bbworld

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/connectgen/connectgen/internal/descriptor"
)

const testApp = "com.example.sample-app"

// confCase is one request of the conformance run; every served route has
// at least one (TestEveryRouteHasAConformanceCase).
type confCase struct {
	method, path, body string
	status             int
}

func c3(r string) string { return hash(r + "3") }

var confCases = []confCase{
	{"GET", "/2.0/user", "", 200},
	{"GET", "/2.0/users/%7B3c9f1a7e-2b4d-4e6f-8a1b-5c7d9e0f1a2b%7D", "", 200},
	{"GET", "/2.0/users/%7B00000000-0000-4000-8000-000000000000%7D", "", 404},
	{"GET", "/2.0/workspaces", "", 200},
	{"GET", "/2.0/workspaces/sample-workspace", "", 200},
	{"GET", "/2.0/workspaces/%7B5f2e2e58-63a0-4b1c-9a39-0d2a3c2b7a10%7D", "", 200},
	{"GET", "/2.0/workspaces/nope", "", 404},
	{"GET", "/2.0/user/workspaces", "", 200},
	{"GET", "/2.0/workspaces/sample-workspace/permissions", "", 200},
	{"GET", "/2.0/workspaces/sample-workspace/members", "", 200},
	{"GET", "/2.0/user/permissions/workspaces", "", 200},
	{"GET", "/2.0/workspaces/sample-workspace/projects", "", 200},
	{"GET", "/2.0/workspaces/sample-workspace/projects/SAMP", "", 200},
	{"GET", "/2.0/workspaces/sample-workspace/projects/NOPE", "", 404},
	{"GET", "/2.0/repositories/sample-workspace", "", 200},
	{"GET", "/2.0/repositories/sample-workspace/sample-repo", "", 200},
	{"GET", "/2.0/repositories/sample-workspace/%7B9b7c3e21-4d5a-4f60-8e1b-2c3d4e5f6a70%7D", "", 200},
	{"GET", "/2.0/repositories/sample-workspace/nope", "", 404},
	{"GET", "/2.0/repositories/sample-workspace/sample-repo/refs/branches", "", 200},
	{"GET", "/2.0/repositories/sample-workspace/sample-repo/refs/branches/feature%2Fadd-widget", "", 200},
	{"GET", "/2.0/repositories/sample-workspace/sample-repo/refs/branches/nope", "", 404},
	{"GET", "/2.0/repositories/sample-workspace/sample-repo/commits", "", 200},
	{"GET", "/2.0/repositories/sample-workspace/sample-repo/commits/main", "", 200},
	{"GET", "/2.0/repositories/sample-workspace/sample-repo/commit/" + c3("sample-repo"), "", 200},
	{"GET", "/2.0/repositories/sample-workspace/sample-repo/commit/0000000", "", 404},
	{"GET", "/2.0/repositories/sample-workspace/sample-repo/diff/" + c3("sample-repo"), "", 200},
	{"GET", "/2.0/repositories/sample-workspace/sample-repo/diffstat/" + c3("sample-repo"), "", 200},
	{"GET", "/2.0/repositories/sample-workspace/sample-repo/src", "", 200},
	{"GET", "/2.0/repositories/sample-workspace/sample-repo/src/main/README.md", "", 200},
	{"GET", "/2.0/repositories/sample-workspace/sample-repo/src/main/nope.txt", "", 404},
	{"GET", "/2.0/repositories/sample-workspace/sample-repo/commit/" + c3("sample-repo") + "/statuses", "", 200},
	{"POST", "/2.0/repositories/sample-workspace/sample-repo/commit/" + c3("sample-repo") + "/statuses/build", `{"key":"my-build","state":"INPROGRESS","name":"My build","url":"https://ci.example/1"}`, 201},
	{"PUT", "/2.0/repositories/sample-workspace/sample-repo/commit/" + c3("sample-repo") + "/statuses/build/my-build", `{"state":"SUCCESSFUL","url":"https://ci.example/1"}`, 200},
	{"GET", "/2.0/repositories/sample-workspace/sample-repo/commit/" + c3("sample-repo") + "/statuses/build/my-build", "", 200},
	{"GET", "/2.0/repositories/sample-workspace/sample-repo/commit/" + c3("sample-repo") + "/statuses/build/nope", "", 404},
	{"GET", "/2.0/repositories/sample-workspace/sample-repo/pullrequests", "", 200},
	{"GET", "/2.0/repositories/sample-workspace/sample-service/pullrequests?state=MERGED", "", 200},
	{"GET", "/2.0/repositories/sample-workspace/sample-repo/pullrequests/1", "", 200},
	{"GET", "/2.0/repositories/sample-workspace/sample-service/pullrequests/1", "", 200},
	{"GET", "/2.0/repositories/sample-workspace/sample-repo/pullrequests/9", "", 404},
	{"GET", "/2.0/repositories/sample-workspace/sample-repo/pullrequests/1/diff", "", 302},
	{"GET", "/2.0/repositories/sample-workspace/sample-repo/pullrequests/1/diffstat", "", 302},
	{"POST", "/2.0/repositories/sample-workspace/sample-repo/pullrequests/1/comments", `{"content":{"raw":"Looks good to the app"},"inline":{"path":"widget.go","to":3}}`, 201},
	{"POST", "/2.0/repositories/sample-workspace/sample-repo/pullrequests/1/comments", `{"content":{}}`, 400},
	{"GET", "/2.0/repositories/sample-workspace/sample-repo/pullrequests/1/comments", "", 200},
	{"GET", "/2.0/repositories/sample-workspace/sample-repo/pullrequests/1/comments/101", "", 200},
	{"GET", "/2.0/repositories/sample-workspace/sample-repo/pullrequests/1/comments/999", "", 404},
	{"GET", "/2.0/repositories/sample-workspace/sample-repo/pullrequests/1/activity", "", 200},
	{"GET", "/2.0/repositories/sample-workspace/sample-repo/pullrequests/1/statuses", "", 200},
	{"PUT", "/2.0/repositories/sample-workspace/sample-repo/commit/" + c3("sample-repo") + "/reports/sec-1", `{"title":"Security scan","details":"2 findings","report_type":"SECURITY","result":"FAILED","reporter":"Scanner","data":[{"title":"Details","type":"LINK","value":{"text":"Scan","href":"https://scanner.example/1"}}]}`, 200},
	{"PUT", "/2.0/repositories/sample-workspace/sample-repo/commit/" + c3("sample-repo") + "/reports/sec-2", `{"title":"x","details":"y","report_type":"NOPE"}`, 400},
	{"GET", "/2.0/repositories/sample-workspace/sample-repo/commit/" + c3("sample-repo") + "/reports", "", 200},
	{"GET", "/2.0/repositories/sample-workspace/sample-repo/commit/" + c3("sample-repo") + "/reports/sec-1", "", 200},
	{"GET", "/2.0/repositories/sample-workspace/sample-repo/commit/" + c3("sample-repo") + "/reports/nope", "", 404},
	{"POST", "/2.0/repositories/sample-workspace/sample-repo/commit/" + c3("sample-repo") + "/reports/sec-1/annotations", `[{"external_id":"a1","annotation_type":"VULNERABILITY","summary":"SQL injection","path":"main.go","line":3,"severity":"HIGH","result":"FAILED"},{"external_id":"a2","annotation_type":"CODE_SMELL","summary":"Long function"}]`, 200},
	{"PUT", "/2.0/repositories/sample-workspace/sample-repo/commit/" + c3("sample-repo") + "/reports/sec-1/annotations/a3", `{"annotation_type":"BUG","summary":"Nil dereference","line":2}`, 200},
	{"GET", "/2.0/repositories/sample-workspace/sample-repo/commit/" + c3("sample-repo") + "/reports/sec-1/annotations", "", 200},
	{"GET", "/2.0/repositories/sample-workspace/sample-repo/commit/" + c3("sample-repo") + "/reports/sec-1/annotations/a1", "", 200},
	{"DELETE", "/2.0/repositories/sample-workspace/sample-repo/commit/" + c3("sample-repo") + "/reports/sec-1/annotations/a2", "", 204},
	{"GET", "/2.0/repositories/sample-workspace/sample-repo/commit/" + c3("sample-repo") + "/reports/sec-1/annotations/a2", "", 404},
	{"PUT", "/2.0/repositories/sample-workspace/sample-repo/commit/" + c3("sample-repo") + "/reports/tmp", `{"title":"Tmp","details":"to delete","report_type":"TEST"}`, 200},
	{"DELETE", "/2.0/repositories/sample-workspace/sample-repo/commit/" + c3("sample-repo") + "/reports/tmp", "", 204},
	{"PUT", "/2.0/repositories/sample-workspace/sample-repo/properties/" + testApp + "/settings", `{"enabled":true}`, 204},
	{"GET", "/2.0/repositories/sample-workspace/sample-repo/properties/" + testApp + "/settings", "", 200},
	{"GET", "/2.0/repositories/sample-workspace/sample-repo/properties/other-app/settings", "", 403},
	{"PUT", "/2.0/repositories/sample-workspace/sample-repo/commit/" + c3("sample-repo") + "/properties/" + testApp + "/seen", `{"by":"app"}`, 204},
	{"GET", "/2.0/repositories/sample-workspace/sample-repo/commit/" + c3("sample-repo") + "/properties/" + testApp + "/seen", "", 200},
	{"DELETE", "/2.0/repositories/sample-workspace/sample-repo/commit/" + c3("sample-repo") + "/properties/" + testApp + "/seen", "", 204},
	{"PUT", "/2.0/repositories/sample-workspace/sample-repo/pullrequests/1/properties/" + testApp + "/checked", `{"ok":1}`, 204},
	{"GET", "/2.0/repositories/sample-workspace/sample-repo/pullrequests/1/properties/" + testApp + "/checked", "", 200},
	{"DELETE", "/2.0/repositories/sample-workspace/sample-repo/pullrequests/1/properties/" + testApp + "/checked", "", 204},
	{"PUT", "/2.0/users/%7B6a8b1ee2-3f4d-4a51-9b2c-7d8e9f0a1b2c%7D/properties/" + testApp + "/prefs", `{"theme":"dark"}`, 204},
	{"GET", "/2.0/users/%7B6a8b1ee2-3f4d-4a51-9b2c-7d8e9f0a1b2c%7D/properties/" + testApp + "/prefs", "", 200},
	{"DELETE", "/2.0/users/%7B6a8b1ee2-3f4d-4a51-9b2c-7d8e9f0a1b2c%7D/properties/" + testApp + "/prefs", "", 204},
	{"DELETE", "/2.0/repositories/sample-workspace/sample-repo/properties/" + testApp + "/settings", "", 204},
	{"DELETE", "/2.0/repositories/sample-workspace/sample-repo/properties/" + testApp + "/settings", "", 404},
}

func newTestServer(t *testing.T, scopes []string) (*World, *httptest.Server) {
	t.Helper()
	var w *World
	srv := httptest.NewServer(http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		w.ServeAPI(rw, r, Caller{ClientKey: "client-1", AppKey: testApp, Granted: descriptor.GrantedScopes(scopes, scopes != nil)})
	}))
	t.Cleanup(srv.Close)
	w = New(srv.URL)
	return w, srv
}

func do(t *testing.T, srv *httptest.Server, method, path, body string) (*http.Response, []byte) {
	t.Helper()
	req, err := http.NewRequest(method, srv.URL+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp, b
}

// TestRESTConformance runs every case and validates each answer against
// Bitbucket's OpenAPI document: the documented schema for the status, or
// the error schema for an error status the operation does not list.
func TestRESTConformance(t *testing.T) {
	doc := bitbucketDoc(t)
	_, srv := newTestServer(t, []string{"account", "project", "repository:write", "pullrequest:write"})
	for _, c := range confCases {
		resp, body := do(t, srv, c.method, c.path, c.body)
		if resp.StatusCode != c.status {
			t.Errorf("%s %s: status %d, want %d: %s", c.method, c.path, resp.StatusCode, c.status, body)
			continue
		}
		ct := resp.Header.Get("Content-Type")
		if rawFile(c.method, c.path, resp.StatusCode, ct) {
			continue
		}
		err := doc.ValidateResponse(c.method, c.path, resp.StatusCode, ct, body)
		if err != nil && resp.StatusCode >= 400 && strings.Contains(err.Error(), "is not documented") {
			var v any
			if jerr := json.Unmarshal(body, &v); jerr != nil {
				err = jerr
			} else {
				err = doc.ValidateSchema("error", v)
			}
		}
		if err != nil {
			t.Errorf("%s %s -> %d does not conform: %v\n%.600s", c.method, c.path, resp.StatusCode, err, body)
		}
	}
}

// TestEveryRouteHasAConformanceCase lists the served routes and fails for
// one no conformance case calls successfully.
func TestEveryRouteHasAConformanceCase(t *testing.T) {
	covered := map[string]bool{}
	for _, c := range confCases {
		if c.status >= 400 {
			continue
		}
		p, _, _ := strings.Cut(strings.TrimPrefix(c.path, "/2.0"), "?")
		if m, ok, _ := FindOperation(c.method, p); ok {
			covered[c.method+" "+m.Template] = true
		}
	}
	routes := Routes()
	if len(routes) < 40 {
		t.Errorf("only %d routes served", len(routes))
	}
	for _, r := range routes {
		if !covered[r] {
			t.Errorf("route %s has no conformance case", r)
		}
		method, tmpl, _ := strings.Cut(r, " ")
		found := false
		for _, op := range Operations() {
			if op.Method == method && op.Template == tmpl {
				found = true
			}
		}
		if !found {
			t.Errorf("route %s is not an operation of the OpenAPI document", r)
		}
	}
}

// rawFile: the document gives GET …/src/{commit}/{path} only a JSON
// directory listing, while its description says a file's path answers the
// raw file, as Bitbucket does; that answer is checked for its content
// type only.
func rawFile(method, path string, status int, contentType string) bool {
	m, ok, _ := FindOperation(method, strings.TrimPrefix(path, "/2.0"))
	return ok && status == 200 && m.Template == "/repositories/{workspace}/{repo_slug}/src/{commit}/{path}" &&
		strings.HasPrefix(contentType, "text/plain") && !strings.HasSuffix(path, "/")
}
