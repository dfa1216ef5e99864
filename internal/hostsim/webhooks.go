package hostsim

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"

	"github.com/connectgen/connectgen/internal/descriptor"
)

// grantedScopes: the scopes the app holds, by internal/descriptor's
// reading, which also decides which events a "*" webhook receives.
func grantedScopes(d *Descriptor) map[string]bool {
	return descriptor.GrantedScopes(d.Scopes, d.ScopesDeclared)
}

// hookEvents expands one webhook entry to the events the host sends it:
// the event itself, or for "*" one sample event per granted scope family.
func hookEvents(d *Descriptor, w Webhook) []string {
	if w.Event != "*" || d.Product.Cloud() {
		return []string{w.Event}
	}
	granted := grantedScopes(d)
	var evs []string
	for _, f := range descriptor.EventFamilies() {
		if granted[f.Scope] {
			evs = append(evs, f.Sample)
		}
	}
	return evs
}

// Events lists the webhook events the host can send the app, in
// descriptor order, "*" expanded to one sample event per granted scope
// family.
func (h *Host) Events() []string {
	d := h.Descriptor()
	if d == nil {
		return nil
	}
	seen := map[string]bool{}
	var out []string
	for _, w := range d.Webhooks {
		for _, e := range hookEvents(d, w) {
			if !seen[e] {
				seen[e] = true
				out = append(out, e)
			}
		}
	}
	return out
}

// hookFor returns the webhook entry that receives event: the entry for the
// event itself, else a "*" entry whose scopes let it through.
func hookFor(d *Descriptor, event string) (Webhook, bool) {
	for _, w := range d.Webhooks {
		if w.Event == event {
			return w, true
		}
	}
	granted := grantedScopes(d)
	for _, w := range d.Webhooks {
		if w.Event != "*" {
			continue
		}
		if scope := descriptor.EventScope(event); scope != "" && granted[scope] {
			return w, true
		}
	}
	return Webhook{}, false
}

// SendWebhook posts a realistic, signed payload for event to the app's
// webhook for it: body {"event": …, "data": {…}}, headers X-Event-Key,
// X-Request-UUID, X-Hook-UUID and Authorization: JWT. It returns the app's
// status and body; an error means the app is not installed, has no webhook
// for event, or gave no HTTP answer.
func (h *Host) SendWebhook(ctx context.Context, event string) (status int, body string, err error) {
	a, err := h.sendWebhook(ctx, event, nil)
	if err != nil {
		return a.Status, string(a.Body), err
	}
	return a.Status, string(a.Body), nil
}

func (h *Host) sendWebhook(ctx context.Context, event string, tok tokenFunc) (answer, error) {
	d, inst, err := h.installed()
	if err != nil {
		return answer{}, err
	}
	w, ok := hookFor(d, event)
	if !ok {
		return answer{}, fmt.Errorf("the app has no webhook for %s (or lacks the scope for it)", event)
	}
	p, ok := appPath(w.URL, d.BaseURL)
	if !ok {
		return answer{}, fmt.Errorf("webhook URL %q is not under the app's baseUrl %q", w.URL, d.BaseURL)
	}
	if tok == nil {
		tok = h.hostToken(inst, h.now())
	}
	header, body := h.webhookRequest(event)
	return h.send(ctx, http.MethodPost, p, header, body, authHeader, tok)
}

func (h *Host) webhookRequest(event string) (http.Header, []byte) {
	if h.Product().Cloud() {
		return h.cloudWebhookRequest(event)
	}
	header := http.Header{
		"X-Event-Key":      {event},
		"X-Request-Uuid":   {uuid4()},
		"X-Hook-Uuid":      {uuid4()},
		"X-Attempt-Number": {"1"},
		"User-Agent":       {"Bitbucket-Webhooks/2.0"},
		"Content-Type":     {"application/json"},
	}
	b, _ := json.Marshal(map[string]any{"event": event, "data": h.eventData(event)})
	return header, b
}

// eventData is the data of a webhook, shaped like Bitbucket's payload for
// the event's family: the actor and the repository, plus the push, pull
// request, issue, project or property.
func (h *Host) eventData(event string) map[string]any {
	d := h.data
	actor := map[string]any{
		"type": "user", "uuid": d.s.UserUUID, "account_id": d.s.UserAccountID,
		"display_name": d.s.UserName, "nickname": "sample-user",
	}
	repo := map[string]any{
		"type": "repository", "uuid": d.s.RepositoryUUID, "full_name": d.s.Repository,
		"name": "sample-repo", "is_private": true, "scm": "git",
		"workspace": map[string]any{"type": "workspace", "uuid": d.s.WorkspaceUUID, "slug": d.s.Workspace},
		"links":     map[string]any{"html": map[string]any{"href": "https://bitbucket.org/" + d.s.Repository}},
	}
	commit := map[string]any{
		"type": "commit", "hash": "7f3c1b2a9d8e6f5a4b3c2d1e0f9a8b7c6d5e4f3a",
		"message": "Update README\n", "date": "2026-01-02T03:04:05+00:00",
		"author": map[string]any{"raw": "Sample User <sample@example.com>", "user": actor},
	}
	data := map[string]any{"actor": actor, "repository": repo}
	family, _ := descriptor.EventFamilyOf(event)
	switch {
	case event == "repo:push":
		data["push"] = map[string]any{"changes": []any{map[string]any{
			"old":     map[string]any{"type": "branch", "name": "main", "target": map[string]any{"type": "commit", "hash": "1d2c3b4a5f6e7d8c9b0a1f2e3d4c5b6a7f8e9d0c"}},
			"new":     map[string]any{"type": "branch", "name": "main", "target": commit},
			"created": false, "forced": false, "closed": false, "truncated": false,
			"commits": []any{commit},
		}}}
	case family.Prefix == descriptor.FamilyPullRequest:
		data["pullrequest"] = map[string]any{
			"type": "pullrequest", "id": 1, "title": "Add a feature", "state": "OPEN",
			"author":      actor,
			"source":      map[string]any{"branch": map[string]any{"name": "feature"}, "commit": map[string]any{"hash": "7f3c1b2a9d8e"}, "repository": repo},
			"destination": map[string]any{"branch": map[string]any{"name": "main"}, "commit": map[string]any{"hash": "1d2c3b4a5f6e"}, "repository": repo},
			"created_on":  "2026-01-02T03:04:05.000000+00:00", "updated_on": "2026-01-02T03:04:05.000000+00:00",
		}
	case family.Prefix == descriptor.FamilyIssue:
		data["issue"] = map[string]any{
			"type": "issue", "id": 1, "title": "Something is broken", "state": "new",
			"kind": "bug", "priority": "major", "reporter": actor,
			"created_on": "2026-01-02T03:04:05.000000+00:00",
		}
	case family.Prefix == descriptor.FamilyProject:
		data["project"] = map[string]any{"type": "project", "key": "SAMP", "name": "Sample Project", "uuid": "{a1b2c3d4-0000-4000-8000-00000000beef}"}
		delete(data, "repository")
	case family.Prefix == descriptor.FamilyUser:
		data["property"] = map[string]any{"key": "sample-property", "value": "changed"}
		delete(data, "repository")
	default:
		// The other repository events (descriptor.FamilyRepo) carry only
		// the actor and the repository.
	}
	return data
}

func uuid4() string {
	var b [16]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails (Go 1.24 and later)
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}

// SignedURL returns the absolute URL Bitbucket would load for a module URL
// template such as /connect-example?repoPath={repository.full_name}: the
// app URL joined with its path relative to the descriptor's baseUrl,
// context parameters filled with the sample workspace, repository and
// user, and a fresh jwt query parameter signed for the installation.
func (h *Host) SignedURL(moduleURL string) (string, error) {
	d, inst, err := h.installed()
	if err != nil {
		return "", err
	}
	filled, _ := h.fillURL(moduleURL, nil)
	p, ok := appPath(filled, d.BaseURL)
	if !ok {
		return "", fmt.Errorf("module URL %q is not under the app's baseUrl %q", moduleURL, d.BaseURL)
	}
	u := h.appURL + h.withPageParams(p, d.Key, moduleKeyOf(d, moduleURL))
	t, err := h.hostToken(inst, h.now())(http.MethodGet, u)
	if err != nil {
		return "", err
	}
	sep := "?"
	if strings.Contains(u, "?") {
		sep = "&"
	}
	return u + sep + "jwt=" + t, nil
}

// moduleKeyOf is the key of the first module with URL moduleURL, for the
// xdm_c page parameter.
func moduleKeyOf(d *Descriptor, moduleURL string) string {
	for _, m := range d.Modules {
		if m.URL == moduleURL {
			return m.Key
		}
	}
	return "module"
}
