// Package conformance checks the local Bitbucket host against Bitbucket's
// published OpenAPI document: it calls every served route (successful
// calls and errors), validates each answer against the schema the
// document gives, and validates every entity of every webhook payload.
// The tests of bbworld and the bench figure both run it.
package conformance

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"sort"
	"strings"

	"github.com/connectgen/connectgen/internal/bbworld"
	"github.com/connectgen/connectgen/internal/openapicheck"
)

// App is the app key the cases' caller must have: app properties are
// written under it.
const App = "com.example.sample-app"

// Case is one request of the conformance run and the status it must get.
type Case struct {
	Method, Path, Body string
	Status             int
}

// Cases are the requests of the run, in order (later ones read what
// earlier ones wrote), on the sample world w.
func Cases(w *bbworld.World) []Case {
	r, _ := w.Repo(bbworld.RepoSlug)
	head := r.Commits[0].Hash
	app := App
	return []Case{
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
		{"GET", "/2.0/repositories/sample-workspace/sample-repo/commit/" + head, "", 200},
		{"GET", "/2.0/repositories/sample-workspace/sample-repo/commit/0000000", "", 404},
		{"GET", "/2.0/repositories/sample-workspace/sample-repo/diff/" + head, "", 200},
		{"GET", "/2.0/repositories/sample-workspace/sample-repo/diffstat/" + head, "", 200},
		{"GET", "/2.0/repositories/sample-workspace/sample-repo/src", "", 200},
		{"GET", "/2.0/repositories/sample-workspace/sample-repo/src/main/README.md", "", 200},
		{"GET", "/2.0/repositories/sample-workspace/sample-repo/src/main/nope.txt", "", 404},
		{"GET", "/2.0/repositories/sample-workspace/sample-repo/commit/" + head + "/statuses", "", 200},
		{"POST", "/2.0/repositories/sample-workspace/sample-repo/commit/" + head + "/statuses/build", `{"key":"my-build","state":"INPROGRESS","name":"My build","url":"https://ci.example/1"}`, 201},
		{"PUT", "/2.0/repositories/sample-workspace/sample-repo/commit/" + head + "/statuses/build/my-build", `{"state":"SUCCESSFUL","url":"https://ci.example/1"}`, 200},
		{"GET", "/2.0/repositories/sample-workspace/sample-repo/commit/" + head + "/statuses/build/my-build", "", 200},
		{"GET", "/2.0/repositories/sample-workspace/sample-repo/commit/" + head + "/statuses/build/nope", "", 404},
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
		{"GET", "/2.0/repositories/sample-workspace/sample-repo/pullrequests/1/commits", "", 200},
		{"GET", "/2.0/repositories/sample-workspace/sample-repo/commit/" + head + "/comments", "", 200},
		{"GET", "/2.0/user/permissions/repositories", "", 200},
		{"GET", "/2.0/repositories/sample-workspace/sample-repo/pullrequests/1/statuses", "", 200},
		{"PUT", "/2.0/repositories/sample-workspace/sample-repo/commit/" + head + "/reports/sec-1", `{"title":"Security scan","details":"2 findings","report_type":"SECURITY","result":"FAILED","reporter":"Scanner","data":[{"title":"Details","type":"LINK","value":{"text":"Scan","href":"https://scanner.example/1"}}]}`, 200},
		{"PUT", "/2.0/repositories/sample-workspace/sample-repo/commit/" + head + "/reports/sec-2", `{"title":"x","details":"y","report_type":"NOPE"}`, 400},
		{"GET", "/2.0/repositories/sample-workspace/sample-repo/commit/" + head + "/reports", "", 200},
		{"GET", "/2.0/repositories/sample-workspace/sample-repo/commit/" + head + "/reports/sec-1", "", 200},
		{"GET", "/2.0/repositories/sample-workspace/sample-repo/commit/" + head + "/reports/nope", "", 404},
		{"POST", "/2.0/repositories/sample-workspace/sample-repo/commit/" + head + "/reports/sec-1/annotations", `[{"external_id":"a1","annotation_type":"VULNERABILITY","summary":"SQL injection","path":"main.go","line":3,"severity":"HIGH","result":"FAILED"},{"external_id":"a2","annotation_type":"CODE_SMELL","summary":"Long function"}]`, 200},
		{"PUT", "/2.0/repositories/sample-workspace/sample-repo/commit/" + head + "/reports/sec-1/annotations/a3", `{"annotation_type":"BUG","summary":"Nil dereference","line":2}`, 200},
		{"GET", "/2.0/repositories/sample-workspace/sample-repo/commit/" + head + "/reports/sec-1/annotations", "", 200},
		{"GET", "/2.0/repositories/sample-workspace/sample-repo/commit/" + head + "/reports/sec-1/annotations/a1", "", 200},
		{"DELETE", "/2.0/repositories/sample-workspace/sample-repo/commit/" + head + "/reports/sec-1/annotations/a2", "", 204},
		{"GET", "/2.0/repositories/sample-workspace/sample-repo/commit/" + head + "/reports/sec-1/annotations/a2", "", 404},
		{"PUT", "/2.0/repositories/sample-workspace/sample-repo/commit/" + head + "/reports/tmp", `{"title":"Tmp","details":"to delete","report_type":"TEST"}`, 200},
		{"DELETE", "/2.0/repositories/sample-workspace/sample-repo/commit/" + head + "/reports/tmp", "", 204},
		{"PUT", "/2.0/repositories/sample-workspace/sample-repo/properties/" + app + "/settings", `{"enabled":true}`, 204},
		{"GET", "/2.0/repositories/sample-workspace/sample-repo/properties/" + app + "/settings", "", 200},
		{"GET", "/2.0/repositories/sample-workspace/sample-repo/properties/other-app/settings", "", 403},
		{"PUT", "/2.0/repositories/sample-workspace/sample-repo/commit/" + head + "/properties/" + app + "/seen", `{"by":"app"}`, 204},
		{"GET", "/2.0/repositories/sample-workspace/sample-repo/commit/" + head + "/properties/" + app + "/seen", "", 200},
		{"DELETE", "/2.0/repositories/sample-workspace/sample-repo/commit/" + head + "/properties/" + app + "/seen", "", 204},
		{"PUT", "/2.0/repositories/sample-workspace/sample-repo/pullrequests/1/properties/" + app + "/checked", `{"ok":1}`, 204},
		{"GET", "/2.0/repositories/sample-workspace/sample-repo/pullrequests/1/properties/" + app + "/checked", "", 200},
		{"DELETE", "/2.0/repositories/sample-workspace/sample-repo/pullrequests/1/properties/" + app + "/checked", "", 204},
		{"PUT", "/2.0/users/%7B6a8b1ee2-3f4d-4a51-9b2c-7d8e9f0a1b2c%7D/properties/" + app + "/prefs", `{"theme":"dark"}`, 204},
		{"GET", "/2.0/users/%7B6a8b1ee2-3f4d-4a51-9b2c-7d8e9f0a1b2c%7D/properties/" + app + "/prefs", "", 200},
		{"DELETE", "/2.0/users/%7B6a8b1ee2-3f4d-4a51-9b2c-7d8e9f0a1b2c%7D/properties/" + app + "/prefs", "", 204},
		{"DELETE", "/2.0/repositories/sample-workspace/sample-repo/properties/" + app + "/settings", "", 204},
		{"DELETE", "/2.0/repositories/sample-workspace/sample-repo/properties/" + app + "/settings", "", 404},
	}
}

// Result is what a run found.
type Result struct {
	// Requests and Conformant count the calls made and those whose answer
	// validated.
	Requests, Conformant int
	// Routes are the served routes; Covered those a successful call
	// reached and that answered conformantly.
	Routes, Covered []string
	// Uncovered are served routes no case reached successfully.
	Uncovered []string
	// Failures describe each call that got the wrong status or did not
	// validate.
	Failures []string
}

// RunREST makes every case against the server at baseURL (which serves
// w with an installation of App holding every scope the cases need) and
// validates the answers against doc.
func RunREST(doc *openapicheck.Doc, w *bbworld.World, baseURL string, client *http.Client) (Result, error) {
	var res Result
	res.Routes = bbworld.Routes()
	ok := map[string]bool{}
	bad := map[string]bool{}
	noRedirect := *client
	noRedirect.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	for _, c := range Cases(w) {
		res.Requests++
		req, err := http.NewRequest(c.Method, baseURL+c.Path, strings.NewReader(c.Body))
		if err != nil {
			return res, err
		}
		if c.Body != "" {
			req.Header.Set("Content-Type", "application/json")
		}
		resp, err := noRedirect.Do(req)
		if err != nil {
			return res, err
		}
		body, err := io.ReadAll(resp.Body)
		_ = resp.Body.Close() // the body was read whole; nothing is lost
		if err != nil {
			return res, err
		}
		route := ""
		p, _, _ := strings.Cut(strings.TrimPrefix(c.Path, "/2.0"), "?")
		if m, found, _ := bbworld.FindOperation(c.Method, p); found {
			route = c.Method + " " + m.Template
		}
		if err := check(doc, c, resp, body); err != nil {
			res.Failures = append(res.Failures, err.Error())
			bad[route] = true
			continue
		}
		res.Conformant++
		if c.Status < 400 {
			ok[route] = true
		}
	}
	for _, r := range res.Routes {
		switch {
		case ok[r] && !bad[r]:
			res.Covered = append(res.Covered, r)
		case !ok[r]:
			res.Uncovered = append(res.Uncovered, r)
		}
	}
	return res, nil
}

func check(doc *openapicheck.Doc, c Case, resp *http.Response, body []byte) error {
	if resp.StatusCode != c.Status {
		return fmt.Errorf("%s %s: status %d, want %d: %.300s", c.Method, c.Path, resp.StatusCode, c.Status, body)
	}
	ct := resp.Header.Get("Content-Type")
	if rawFile(c, ct) {
		return nil
	}
	err := doc.ValidateResponse(c.Method, c.Path, resp.StatusCode, ct, body)
	if err != nil && resp.StatusCode >= 400 && strings.Contains(err.Error(), "is not documented") {
		// An error status the operation does not list: the body must
		// still be Bitbucket's error.
		var v any
		if jerr := json.Unmarshal(body, &v); jerr != nil {
			return fmt.Errorf("%s %s -> %d: the error body is not JSON: %v", c.Method, c.Path, resp.StatusCode, jerr)
		}
		err = doc.ValidateSchema("error", v)
	}
	if err != nil {
		return fmt.Errorf("%s %s -> %d does not conform: %v", c.Method, c.Path, resp.StatusCode, err)
	}
	return nil
}

// rawFile: the document gives GET …/src/{commit}/{path} only a JSON
// directory listing, while its description says a file's path answers the
// raw file, as Bitbucket does; that answer is checked for its content
// type only.
func rawFile(c Case, contentType string) bool {
	m, ok, _ := bbworld.FindOperation(c.Method, strings.TrimPrefix(c.Path, "/2.0"))
	return ok && c.Status == 200 && m.Template == "/repositories/{workspace}/{repo_slug}/src/{commit}/{path}" &&
		strings.HasPrefix(contentType, "text/plain") && !strings.HasSuffix(c.Path, "/")
}

// EntityResult counts the payload entities checked.
type EntityResult struct {
	Events, Entities, Conformant int
	Failures                     []string
}

// entitySchemas names the schema each payload entity is checked against.
var entitySchemas = map[string]string{
	"actor": "account", "repository": "repository", "fork": "repository", "pullrequest": "pullrequest",
	"commit": "commit", "commit_status": "commitstatus", "project": "project", "previous_owner": "account",
}

// RunEntities builds every event's payload for installation clientKey
// and validates each entity (and each nested account, branch and commit
// of approvals and pushes) against doc.
func RunEntities(doc *openapicheck.Doc, w *bbworld.World, clientKey string) EntityResult {
	var res EntityResult
	events := make([]string, 0, len(bbworld.EventEntities))
	for e := range bbworld.EventEntities {
		events = append(events, e)
	}
	sort.Strings(events)
	for _, event := range events {
		data, err := w.EventData(clientKey, event)
		if err != nil {
			res.Failures = append(res.Failures, fmt.Sprintf("%s: %v", event, err))
			continue
		}
		res.Events++
		want := append([]string{"actor"}, bbworld.EventEntities[event]...)
		if _, ok := data["repository"]; ok {
			want = append(want, "repository")
		}
		checkOne := func(what, schema string, v any) {
			res.Entities++
			if err := doc.ValidateSchema(schema, v); err != nil {
				res.Failures = append(res.Failures, fmt.Sprintf("%s: %s: %v", event, what, err))
				return
			}
			if m, ok := v.(map[string]any); ok && m["type"] != nil && m["links"] == nil {
				res.Failures = append(res.Failures, fmt.Sprintf("%s: %s has a type but no links", event, what))
				return
			}
			res.Conformant++
		}
		for _, e := range want {
			v, ok := data[e]
			if !ok {
				res.Failures = append(res.Failures, fmt.Sprintf("%s has no %s", event, e))
				continue
			}
			m, _ := v.(map[string]any)
			switch e {
			case "comment":
				schema := "pullrequest_comment"
				if event == "repo:commit_comment_created" {
					schema = "commit_comment"
				}
				checkOne(e, schema, v)
			case "approval", "changes_request":
				if m["date"] == nil {
					res.Failures = append(res.Failures, fmt.Sprintf("%s: %s has no date", event, e))
				}
				checkOne(e+".user", "account", m["user"])
			case "push":
				changes, _ := m["changes"].([]any)
				for _, ch := range changes {
					chm, _ := ch.(map[string]any)
					for _, side := range []string{"old", "new"} {
						if chm[side] != nil {
							checkOne("push change "+side, "branch", chm[side])
						}
					}
					commits, _ := chm["commits"].([]any)
					for _, c := range commits {
						checkOne("pushed commit", "commit", c)
						if a, _ := c.(map[string]any)["author"].(map[string]any); a["type"] != "author" {
							res.Failures = append(res.Failures, fmt.Sprintf("%s: a commit author has type %v", event, a["type"]))
						}
					}
					if chm["links"] == nil {
						res.Failures = append(res.Failures, fmt.Sprintf("%s: a push change has no links", event))
					}
				}
			default:
				if s, ok := entitySchemas[e]; ok {
					checkOne(e, s, v)
				}
			}
		}
	}
	return res
}
