package bbworld

import (
	"errors"
	"strings"
	"testing"
)

// TestEventsHaveTheirEntities: every event's payload has the entities the
// "Event payloads" page lists for it (their schemas are checked by the
// conformance package), and says the same as the REST API.
func TestEventsHaveTheirEntities(t *testing.T) {
	w := New("http://127.0.0.1:1")
	for event, entities := range EventEntities {
		data, err := w.EventData("client-1", event)
		if err != nil {
			t.Errorf("%s: %v", event, err)
			continue
		}
		want := append([]string{"actor"}, entities...)
		if !strings.HasPrefix(event, "project:") && !strings.HasPrefix(event, "user:") {
			want = append(want, "repository")
		}
		for _, e := range want {
			if _, ok := data[e]; !ok {
				t.Errorf("%s has no %s", event, e)
			}
		}
	}
	data, _ := w.EventData("client-1", "pullrequest:approved")
	pr := data["pullrequest"].(map[string]any)
	if len(pr["reviewers"].([]any)) == 0 || len(pr["participants"].([]any)) < 2 {
		t.Errorf("the pull request has no reviewers or participants: %v", pr)
	}
	if data["repository"].(map[string]any)["project"].(map[string]any)["key"] != ProjectKey {
		t.Error("the repository has no project")
	}
	if data["approval"].(map[string]any)["user"].(map[string]any)["uuid"] != reviewer.UUID {
		t.Error("the approval is not the reviewer's")
	}
}

func TestIssueEventsRefused(t *testing.T) {
	w := New("http://127.0.0.1:1")
	_, err := w.EventData("c", "issue:created")
	var removed *ErrRemovedEvent
	if !errors.As(err, &removed) || !strings.Contains(err.Error(), "2026-08-20") {
		t.Errorf("issue:created: %v", err)
	}
	if _, err := w.EventData("c", "repo:nope"); err == nil {
		t.Error("an unknown event was built")
	}
}

// TestEventsCarryTheAppsWrites: a commit status event carries the status
// the app set last, a comment event the comment it added.
func TestEventsCarryTheAppsWrites(t *testing.T) {
	w, srv := newTestServer(t, nil)
	head := c3("sample-repo")
	do(t, srv, "POST", "/2.0/repositories/sample-workspace/sample-repo/commit/"+head+"/statuses/build", `{"key":"app-build","state":"FAILED","url":"https://ci.example/9"}`)
	do(t, srv, "POST", "/2.0/repositories/sample-workspace/sample-repo/pullrequests/1/comments", `{"content":{"raw":"the app's comment"}}`)
	data, _ := w.EventData("client-1", "repo:commit_status_updated")
	if cs := data["commit_status"].(map[string]any); cs["key"] != "app-build" || cs["state"] != "FAILED" {
		t.Errorf("commit_status %v", cs)
	}
	data, _ = w.EventData("client-1", "pullrequest:comment_created")
	if c := data["comment"].(map[string]any); c["content"].(map[string]any)["raw"] != "the app's comment" {
		t.Errorf("comment %v", c)
	}
}

// TestContextParameters: the parameters the fixed map left empty are
// resolved from the same objects the REST API returns.
func TestContextParameters(t *testing.T) {
	w := New("http://127.0.0.1:1")
	objs := w.ContextObjects("client-1")
	r := w.Repos[0]
	for name, want := range map[string]string{
		"repository.full_name":                "sample-workspace/sample-repo",
		"repository.uuid":                     RepoUUID,
		"repository.workspace.slug":           WorkspaceSlug,
		"repository.project.uuid":             ProjectUUID,
		"repository.project.key":              ProjectKey,
		"repository.mainbranch.name":          "main",
		"repository.owner.username":           WorkspaceSlug,
		"pullrequest.id":                      "1",
		"pullrequest.state":                   "OPEN",
		"pullrequest.source.commit.hash":      r.PullRequests[0].sourceHead,
		"pullrequest.destination.branch.name": "main",
		"pullrequest.author.account_id":       UserAccountID,
		"commit.hash":                         r.PullRequests[0].sourceHead,
		"branch.name":                         "feature/add-widget",
		"user.account_id":                     UserAccountID,
		"user.uuid":                           UserUUID,
		"user.nickname":                       UserNickname,
		"target_user.account_id":              reviewer.AccountID,
		"workspace.uuid":                      WorkspaceUUID,
		"file.path":                           "README.md",
		"repository.is_private":               "true",
	} {
		got, ok := ResolveContext(objs, name)
		if !ok || got != want {
			t.Errorf("{%s} = %q, %v; want %q", name, got, ok, want)
		}
	}
	for _, name := range []string{"repository.nope", "pullrequest.reviewers", "snippet.id", "user.username"} {
		if got, ok := ResolveContext(objs, name); ok {
			t.Errorf("{%s} resolved to %q; Bitbucket leaves it empty", name, got)
		}
	}
}

func TestContextValuesFlatten(t *testing.T) {
	w := New("http://127.0.0.1:1")
	v := w.ContextValues("c")
	objs := w.ContextObjects("c")
	if len(v) < 80 {
		t.Errorf("only %d context values", len(v))
	}
	for name, got := range v {
		if want, ok := ResolveContext(objs, name); !ok || want != got {
			t.Errorf("%s = %q; ResolveContext says %q, %v", name, got, want, ok)
		}
	}
	if v["repository.owner.username"] != WorkspaceSlug || v["pullrequest.state"] != "OPEN" || v["repository.links.html.href"] != "https://bitbucket.org/sample-workspace/sample-repo" {
		t.Errorf("values %v", v)
	}
}
