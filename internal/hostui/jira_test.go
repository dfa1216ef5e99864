package hostui

import (
	"encoding/json"
	"io"
	"strings"
	"testing"

	"github.com/connectgen/connectgen/internal/descriptor"
	"github.com/connectgen/connectgen/internal/hostsim"
)

// jiraBackend is fakeBackend playing Jira: Jira's module kinds and a
// context token.
type jiraBackend struct {
	fakeBackend
	token string
}

func (j *jiraBackend) App() AppInfo {
	a := j.fakeBackend.App()
	a.Product, a.Workspace, a.Repository = "jira", "Sample Site", "Sample Project (SAMP)"
	return a
}

func (j *jiraBackend) Pages() []hostsim.Module {
	return []hostsim.Module{
		{Kind: descriptor.KindGeneralPage, Key: "hello", Name: "Hello World", Location: "system.top.navigation.bar", URL: "/hello-world"},
		{Kind: descriptor.KindAdminPage, Key: "admin", Name: "Settings", URL: "/admin"},
		{Kind: descriptor.KindJiraProjectPage, Key: "project", Name: "Project page", URL: "/project?key={project.key}"},
		{Kind: descriptor.KindJiraIssueGlance, Key: "glance", Name: "Glance", URL: "/glance?issue={issue.key}"},
		{Kind: descriptor.KindPortalHeader, Key: "portal", Name: "Portal header", URL: "/portal"},
	}
}

func (j *jiraBackend) ContextToken() (string, error) { return j.token, nil }

// TestJiraPage: the page looks like Jira (its sidebar, one section per
// kind where Jira shows it), all.js names the local Jira host, AP.request
// paths are explained with Jira's API, and the context token endpoint
// answers only the host's own pages.
func TestJiraPage(t *testing.T) {
	jb := &jiraBackend{fakeBackend: fakeBackend{appURL: "http://127.0.0.1:3000", installed: true}, token: "ctx.token.sig"}
	h := Handler(jb)
	w := do(t, h, "GET", "/", "127.0.0.1:8000", nil, "")
	body := w.Body.String()
	for _, want := range []string{
		`<body data-product="jira">`, `Jira <small>local host`, "<li><span>Backlog</span></li>",
		"General pages <small>Apps</small>", "Admin pages <small>Administration</small>",
		"Project pages <small>Project</small>", "Issue glances <small>Issue SAMP-1</small>",
		"Portal headers <small>Help center</small>", "local Jira host",
	} {
		if !strings.Contains(body, want) {
			t.Errorf("the Jira page lacks %q", want)
		}
	}
	if strings.Contains(body, "Pull requests") {
		t.Error("the Jira page shows Bitbucket's sidebar")
	}
	w = do(t, h, "GET", HostScriptPath, "127.0.0.1:8000", nil, "")
	js, _ := io.ReadAll(w.Body)
	if !strings.Contains(string(js), "is not supported by the local Jira host") || strings.Contains(string(js), "local Bitbucket host") || !strings.Contains(string(js), "getToken: getToken") {
		t.Errorf("all.js for Jira does not name the Jira host or lacks getToken")
	}

	w = do(t, h, "POST", "/api/context-token", "127.0.0.1:8000", ownPage, "{}")
	var got map[string]string
	_ = json.NewDecoder(w.Body).Decode(&got) // the test checks what follows, not this call
	if got["token"] != "ctx.token.sig" {
		t.Errorf("context token answer %v", got)
	}
	if w := do(t, h, "POST", "/api/context-token", "127.0.0.1:8000", map[string]string{"Content-Type": "application/json"}, "{}"); w.Code != 403 {
		t.Errorf("context token without the host's header: %d", w.Code)
	}
	w = do(t, h, "POST", "/api/request", "127.0.0.1:8000", ownPage, `{"method":"GET","url":"https://evil.example/x"}`)
	if !strings.Contains(w.Body.String(), "AP.request needs a path of the Jira API, such as /rest/api/3/myself") {
		t.Errorf("AP.request with a URL: %s", w.Body)
	}

	// Bitbucket's backend has no context tokens: the endpoint says so.
	w = do(t, Handler(&fakeBackend{appURL: "http://127.0.0.1:3000"}), "POST", "/api/context-token", "127.0.0.1:8000", ownPage, "{}")
	if !strings.Contains(w.Body.String(), "AP.context.getToken is not supported by the local Bitbucket host") {
		t.Errorf("Bitbucket context token: %s", w.Body)
	}
}
