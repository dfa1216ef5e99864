package bbworld

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func TestScopesEnforcedPerRoute(t *testing.T) {
	_, srv := newTestServer(t, []string{"account"})
	resp, body := do(t, srv, "GET", "/2.0/repositories/sample-workspace/sample-repo", "")
	if resp.StatusCode != 403 || !strings.Contains(string(body), "needs the scope repository") {
		t.Errorf("repository without the scope: %d %s", resp.StatusCode, body)
	}
	if resp, body := do(t, srv, "GET", "/2.0/user", ""); resp.StatusCode != 200 {
		t.Errorf("/2.0/user with account: %d %s", resp.StatusCode, body)
	}
	_, srv = newTestServer(t, []string{"repository"})
	resp, body = do(t, srv, "GET", "/2.0/repositories/sample-workspace/sample-repo/pullrequests", "")
	if resp.StatusCode != 403 || !strings.Contains(string(body), "needs the scope pullrequest") {
		t.Errorf("pull requests with repository only: %d %s", resp.StatusCode, body)
	}
	// pullrequest implies repository.
	_, srv = newTestServer(t, []string{"pullrequest"})
	if resp, body := do(t, srv, "GET", "/2.0/repositories/sample-workspace/sample-repo", ""); resp.StatusCode != 200 {
		t.Errorf("repository with pullrequest: %d %s", resp.StatusCode, body)
	}
	doc := bitbucketDoc(t)
	var v any
	if err := json.Unmarshal(body, &v); err != nil {
		t.Fatal(err)
	}
	_, srv = newTestServer(t, []string{"account"})
	_, body = do(t, srv, "GET", "/2.0/repositories/sample-workspace/sample-repo", "")
	if err := json.Unmarshal(body, &v); err != nil {
		t.Fatal(err)
	}
	if err := doc.ValidateSchema("error", v); err != nil {
		t.Errorf("the scope refusal is not a Bitbucket error: %v", err)
	}
}

func TestUnservedAndUnknownPaths(t *testing.T) {
	_, srv := newTestServer(t, nil)
	resp, body := do(t, srv, "GET", "/2.0/repositories/sample-workspace/sample-repo/pipelines", "")
	if resp.StatusCode != 501 || !strings.Contains(string(body), "GET /2.0/repositories/{workspace}/{repo_slug}/pipelines is not served by the local host") {
		t.Errorf("documented, unserved: %d %s", resp.StatusCode, body)
	}
	resp, body = do(t, srv, "GET", "/2.0/no/such/api", "")
	if resp.StatusCode != 404 || !strings.Contains(string(body), "There is no API hosted at this URL") {
		t.Errorf("not in the API: %d %s", resp.StatusCode, body)
	}
	resp, body = do(t, srv, "PATCH", "/2.0/user", "")
	if resp.StatusCode != 405 {
		t.Errorf("PATCH /2.0/user: %d %s", resp.StatusCode, body)
	}
	resp, body = do(t, srv, "GET", "/2.0/user/", "")
	if resp.StatusCode != 200 {
		t.Errorf("/2.0/user/: %d %s", resp.StatusCode, body)
	}
	// Issues are gone from the API (2026-08-20) but still documented.
	resp, _ = do(t, srv, "GET", "/2.0/repositories/sample-workspace/sample-repo/issues", "")
	if resp.StatusCode != 501 {
		t.Errorf("issues: %d", resp.StatusCode)
	}
}

// TestWritesPerInstallation: what one installation writes is served back
// to it and listed for the host page, and is not seen by another.
func TestWritesPerInstallation(t *testing.T) {
	var w *World
	key := "client-a"
	srv := httptest.NewServer(http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		w.ServeAPI(rw, r, Caller{ClientKey: key, AppKey: testApp})
	}))
	defer srv.Close()
	w = New(srv.URL)
	head := c3("sample-repo")
	base := "/2.0/repositories/sample-workspace/sample-repo"
	for _, c := range []confCase{
		{"POST", base + "/commit/" + head + "/statuses/build", `{"key":"k1","state":"FAILED","url":"https://ci.example/k1"}`, 201},
		{"PUT", base + "/commit/" + head + "/reports/r1", `{"title":"Lint","details":"3 problems","report_type":"BUG"}`, 200},
		{"POST", base + "/commit/" + head + "/reports/r1/annotations", `[{"external_id":"x","annotation_type":"BUG","summary":"unused variable"}]`, 200},
		{"POST", base + "/pullrequests/1/comments", `{"content":{"raw":"from the app"}}`, 201},
		{"PUT", base + "/properties/" + testApp + "/p", `{"n":1}`, 204},
	} {
		if resp, body := do(t, srv, c.method, c.path, c.body); resp.StatusCode != c.status {
			t.Fatalf("%s %s: %d %s", c.method, c.path, resp.StatusCode, body)
		}
	}
	wr := w.Writes("client-a")
	if len(wr.Statuses) != 1 || wr.Statuses[0].Key != "k1" || len(wr.Reports) != 1 || len(wr.Reports[0].Annotations) != 1 ||
		len(wr.Comments) != 1 || len(wr.Properties) != 1 {
		t.Errorf("writes of client-a: %+v", wr)
	}
	_, body := do(t, srv, "GET", base+"/pullrequests/1", "")
	if !strings.Contains(string(body), `"comment_count":3`) {
		t.Errorf("the pull request does not count the app's comment: %.300s", body)
	}
	key = "client-b"
	_, body = do(t, srv, "GET", base+"/commit/"+head+"/statuses", "")
	if strings.Contains(string(body), "k1") {
		t.Errorf("client-b sees client-a's status: %s", body)
	}
	if wb := w.Writes("client-b"); len(wb.Statuses)+len(wb.Reports)+len(wb.Comments)+len(wb.Properties) != 0 {
		t.Errorf("client-b has writes: %+v", wb)
	}
}
