package hostsim

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/connectgen/connectgen/internal/connectjwt"
)

// This file is the host as Jira and Confluence Cloud (spec
// jira-confluence-connect.md §3–§5): installs signed with RS256 through
// the host's key CDN, a shared secret in the payload, page URLs with
// Jira's standard parameters, Jira and Confluence webhooks, and a REST
// stand-in that wants the app's token with aud = the client key.

// CloudSample is the sample Jira or Confluence site: one user, one project
// with one issue, one space with one page. The REST stand-in serves it and
// module URLs are filled with it.
type CloudSample struct {
	apiURL                                   string
	AccountID, DisplayName, Email            string
	ProjectKey, ProjectID, IssueKey, IssueID string
	SpaceKey, SpaceID, PageID, PageTitle     string
}

func newCloudSample(apiURL string) *CloudSample {
	return &CloudSample{
		apiURL:      apiURL,
		AccountID:   "712020:5c1f0c1e-4b7e-4c2a-9d3f-0a1b2c3d4e5f",
		DisplayName: "Sample User",
		Email:       "sample.user@example.com",
		ProjectKey:  "SAMP", ProjectID: "10000", IssueKey: "SAMP-1", IssueID: "10001",
		SpaceKey: "SAMP", SpaceID: "65538", PageID: "98305", PageTitle: "Sample Page",
	}
}

// CloudSample returns the sample Jira or Confluence site.
func (h *Host) CloudSample() CloudSample { return *h.cloud }

// siteURL is the product's base URL as the install payload gives it:
// Confluence's carries its context path /wiki.
func (h *Host) siteURL() string {
	if h.Product() == Confluence {
		return h.apiURL + "/wiki"
	}
	return h.apiURL
}

// contextPath is Jira's "" and Confluence's "/wiki" (the cp page
// parameter, and what the REST stand-in strips before checking a qsh).
func (h *Host) contextPath() string {
	if h.Product() == Confluence {
		return "/wiki"
	}
	return ""
}

// cloudContextValues are the context parameters Jira and Confluence fill
// module URLs with.
func (c *CloudSample) contextValues() map[string]string {
	return map[string]string{
		"project.key": c.ProjectKey, "project.id": c.ProjectID, "project.type": "software",
		"issue.key": c.IssueKey, "issue.id": c.IssueID, "issuetype.id": "10002",
		"board.id": "1", "board.type": "scrum", "sprint.id": "1", "sprint.state": "active",
		"version.id": "10010", "component.id": "10020", "dashboard.id": "10030", "dashboardItem.id": "10040",
		"servicedesk.serviceDeskId": "1", "servicedesk.requestId": c.IssueID, "servicedesk.requestTypeId": "1",
		"space.key": c.SpaceKey, "space.id": c.SpaceID,
		"content.id": c.PageID, "content.type": "page", "content.version": "1", "content.plugin": "ari:cloud:confluence::content",
		"page.id": c.PageID, "page.type": "page", "page.version": "1", "page.title": c.PageTitle,
		"user.accountId": c.AccountID, "user.id": c.AccountID, "user.key": c.AccountID,
		"macro.id": "a1b2c3", "macro.hash": "a1b2c3", "macro.body": "", "output.type": "display",
	}
}

// contextValues are the values for module URLs of the product the host
// plays.
func (h *Host) contextValues() map[string]string {
	if h.Product().Cloud() {
		return h.cloud.contextValues()
	}
	return h.data.contextValues()
}

// userSub is the sub of the host's tokens: Bitbucket's user UUID, or the
// Atlassian account ID.
func (h *Host) userSub() string {
	if h.Product().Cloud() {
		return h.cloud.AccountID
	}
	return h.data.s.UserUUID
}

// withPageParams adds the parameters Jira and Confluence put on every
// iframe URL (ACE reads xdm_e, cp and lic) to an app path.
func (h *Host) withPageParams(p, appKey, moduleKey string) string {
	if !h.Product().Cloud() {
		return p
	}
	q := url.Values{}
	q.Set("xdm_e", h.apiURL)
	q.Set("xdm_c", "channel-"+appKey+"__"+moduleKey)
	q.Set("cp", h.contextPath())
	q.Set("xdm_deprecated_addon_key_do_not_use", appKey)
	q.Set("lic", "none")
	q.Set("cv", "1001.0.0-SNAPSHOT")
	sep := "?"
	if strings.Contains(p, "?") {
		sep = "&"
	}
	return p + sep + q.Encode()
}

// cloudInstallPayload is the installed/uninstalled body Jira and
// Confluence send (lifecycle docs; serverVersion and pluginsVersion were
// removed in 2020).
func (h *Host) cloudInstallPayload(inst Installation, event string) []byte {
	p := h.Product()
	b, _ := json.Marshal(map[string]any{
		"key":                      inst.AppKey,
		"clientKey":                inst.ClientKey,
		"sharedSecret":             inst.SharedSecret,
		"baseUrl":                  inst.BaseURL,
		"displayUrl":               inst.BaseURL,
		"productType":              string(p),
		"description":              "Local " + p.Title() + " host (connectgen)",
		"serviceEntitlementNumber": "SEN-L0CAL",
		"eventType":                event,
		"oauthClientId":            "connectgen-local-" + inst.AppKey,
		"installationId":           "ari:cloud:ecosystem::installation/" + installationID(inst.ClientKey),
	})
	return b
}

func installationID(clientKey string) string {
	if len(clientKey) >= 8 {
		return clientKey
	}
	return "local-" + clientKey
}

// installToken signs a lifecycle event as Jira and Confluence do: RS256
// with the host's key and its kid, iss the client key, aud the app's
// baseUrl as its descriptor says, sub the user, qsh over the request.
// audience overrides aud (for the forgeries of check 6).
func (h *Host) installToken(inst Installation, d *Descriptor, now time.Time, audience string) tokenFunc {
	return func(method, rawURL string) (string, error) {
		key, kid, err := h.keys.get()
		if err != nil {
			return "", err
		}
		c, err := connectjwt.NewClaims(inst.ClientKey, h.cloud.AccountID, method, rawURL, h.appURL, now, TokenTTL)
		if err != nil {
			return "", err
		}
		if audience == "" {
			audience = d.BaseURL
		}
		c.Audience = connectjwt.Audience{audience}
		return connectjwt.SignRS256(key, kid, c)
	}
}

// cloudPageToken signs an iframe URL or a webhook as Jira does: HS256 with
// the shared secret, iss the client key, sub the user, no aud, the user in
// the context.
func (h *Host) cloudPageToken(inst Installation, now time.Time) tokenFunc {
	return func(method, rawURL string) (string, error) {
		c, err := connectjwt.NewClaims(inst.ClientKey, h.cloud.AccountID, method, rawURL, h.appURL, now, TokenTTL)
		if err != nil {
			return "", err
		}
		c.Context = map[string]any{"user": map[string]any{"accountId": h.cloud.AccountID}}
		return connectjwt.Sign(inst.SharedSecret, c)
	}
}

// ContextToken returns what AP.context.getToken gives a page of the app:
// an HS256 context token (qsh "context-qsh", valid 15 minutes) for the
// current installation, with the user and the sample issue, project or
// space in its context.
func (h *Host) ContextToken() (string, error) {
	_, inst, err := h.installed()
	if err != nil {
		return "", err
	}
	ctx := map[string]any{"user": map[string]any{"accountId": h.cloud.AccountID}}
	switch h.Product() {
	case Jira:
		ctx["jira"] = map[string]any{
			"issue":   map[string]any{"key": h.cloud.IssueKey, "id": h.cloud.IssueID},
			"project": map[string]any{"key": h.cloud.ProjectKey, "id": h.cloud.ProjectID},
		}
	case Confluence:
		ctx["confluence"] = map[string]any{
			"space":   map[string]any{"key": h.cloud.SpaceKey, "id": h.cloud.SpaceID},
			"content": map[string]any{"id": h.cloud.PageID, "type": "page", "version": "1"},
		}
	}
	sub := h.userSub()
	return connectjwt.Sign(inst.SharedSecret, connectjwt.NewContextClaims(inst.ClientKey, sub, ctx, h.now(), 15*time.Minute))
}

// installHint explains a refused signed install: ACE verifies it with the
// public key it fetches from $CONNECT_KEYS_CDN_URL/<kid>.
func (h *Host) installHint(fetchesBefore int) string {
	if h.keyFetches() > fetchesBefore {
		return ""
	}
	return fmt.Sprintf("; the app never fetched the host's public key: %s verifies the signed install with the key at $CONNECT_KEYS_CDN_URL/<kid>, so start the app with CONNECT_KEYS_CDN_URL=%s (ACE 11), and fix the host's port with --host-addr if needed",
		h.Product().Title(), h.KeysURL())
}

// checkCloudInstallSecurity is check 6's lifecycle part for Jira and
// Confluence: every reinstall that is not signed with the host's key for
// this app and this client is refused (none, HS256 with the current
// secret, another RSA key, another app's aud, another client's iss, an
// expired token), and a correctly signed one is accepted. Each carries the
// current installation's payload, so one wrongly accepted changes nothing
// the other checks need.
func (h *Host) checkCloudInstallSecurity(ctx context.Context, d *Descriptor, inst Installation, fail func(string), detail func(string)) {
	now := h.now()
	other, _, err := h.other.get()
	if err != nil {
		fail(err.Error())
		return
	}
	_, kid, err := h.keys.get()
	if err != nil {
		fail(err.Error())
		return
	}
	rs := func(mod func(*connectjwt.Claims), key func() any) tokenFunc {
		return func(method, rawURL string) (string, error) {
			c, err := connectjwt.NewClaims(inst.ClientKey, h.cloud.AccountID, method, rawURL, h.appURL, now, TokenTTL)
			if err != nil {
				return "", err
			}
			c.Audience = connectjwt.Audience{d.BaseURL}
			if mod != nil {
				mod(&c)
			}
			if key != nil {
				return connectjwt.SignRS256(other, kid, c)
			}
			own, _, err := h.keys.get()
			if err != nil {
				return "", err
			}
			return connectjwt.SignRS256(own, kid, c)
		}
	}
	anotherKey := func() any { return other }
	forged := []struct {
		name string
		tok  tokenFunc
	}{
		{"no token", nil},
		{"an HS256 token signed with the current shared secret", h.hostToken(inst, now)},
		{"an RS256 token signed with another key under the host's kid", rs(nil, anotherKey)},
		{"an RS256 token for another app (aud https://another-app.example.com)", rs(func(c *connectjwt.Claims) { c.Audience = connectjwt.Audience{"https://another-app.example.com"} }, nil)},
		{"an RS256 token of another client (iss is not the payload's clientKey)", rs(func(c *connectjwt.Claims) { c.Issuer = "b0c1d2e3-0000-4000-8000-another000client" }, nil)},
		{"an expired RS256 token", rs(func(c *connectjwt.Claims) { c.IssuedAt -= 600; c.ExpiresAt = now.Unix() - 420 }, nil)},
		{"an RS256 token with a qsh for another URL", rs(func(c *connectjwt.Claims) {
			c.QSH, _ = connectjwt.QSH(http.MethodPost, "/another-url", "")
		}, nil)},
	}
	for _, f := range forged {
		a, err := h.postLifecycle(ctx, d, inst, "installed", f.tok)
		switch {
		case err != nil:
			fail(fmt.Sprintf("reinstall with %s: %v", f.name, err))
		case a.OK():
			fail(fmt.Sprintf("a reinstall of %s with %s was accepted (%d): anyone could replace the installation's shared secret", inst.ClientKey, f.name, a.Status))
		default:
			detail(fmt.Sprintf("reinstall with %s: refused (%d)", f.name, a.Status))
		}
	}
	fetches := h.keyFetches()
	a, err := h.postLifecycle(ctx, d, inst, "installed", h.lifecycleToken(inst, d))
	switch {
	case err != nil:
		fail(fmt.Sprintf("reinstall signed with the host's key: %v", err))
	case !a.OK():
		fail(fmt.Sprintf("a reinstall signed with the host's RS256 key was refused: %s%s", a.summary(), h.installHint(fetches)))
	default:
		detail(fmt.Sprintf("reinstall signed with the host's RS256 key: accepted (%d)", a.Status))
	}
}

// cloudWebhookRequest is a Jira or Confluence webhook: the event's
// payload shaped as the product sends it.
func (h *Host) cloudWebhookRequest(event string) (http.Header, []byte) {
	header := http.Header{
		"Content-Type":                   {"application/json"},
		"User-Agent":                     {"Atlassian Webhook HTTP Client"},
		"X-Atlassian-Webhook-Identifier": {uuid4()},
		"X-Atlassian-Webhook-Retry":      {"0"},
	}
	b, _ := json.Marshal(h.cloudEventData(event))
	return header, b
}

func (h *Host) jiraUser() map[string]any {
	c := h.cloud
	return map[string]any{
		"self":         h.apiURL + "/rest/api/3/user?accountId=" + url.QueryEscape(c.AccountID),
		"accountId":    c.AccountID,
		"accountType":  "atlassian",
		"emailAddress": c.Email,
		"avatarUrls":   map[string]any{"48x48": "https://avatar-management.example/sample-user.png"},
		"displayName":  c.DisplayName,
		"active":       true,
		"timeZone":     "Etc/UTC",
		"locale":       "en_US",
	}
}

func (h *Host) jiraIssue() map[string]any {
	c := h.cloud
	return map[string]any{
		"id":   c.IssueID,
		"key":  c.IssueKey,
		"self": h.apiURL + "/rest/api/3/issue/" + c.IssueID,
		"fields": map[string]any{
			"summary":   "Something is broken",
			"issuetype": map[string]any{"id": "10002", "name": "Bug"},
			"status":    map[string]any{"id": "1", "name": "To Do", "statusCategory": map[string]any{"key": "new"}},
			"project":   map[string]any{"id": c.ProjectID, "key": c.ProjectKey, "name": "Sample Project"},
			"reporter":  h.jiraUser(),
			"assignee":  nil,
			"created":   "2026-01-02T03:04:05.000+0000",
			"updated":   "2026-01-02T03:04:05.000+0000",
		},
	}
}

func (h *Host) confluencePage() map[string]any {
	c := h.cloud
	return map[string]any{
		"id": c.PageID, "status": "current", "title": c.PageTitle, "spaceId": c.SpaceID,
		"parentId": nil, "authorId": c.AccountID, "ownerId": c.AccountID,
		"createdAt": "2026-01-02T03:04:05.000Z",
		"version":   map[string]any{"number": 1, "message": "", "minorEdit": false, "authorId": c.AccountID, "createdAt": "2026-01-02T03:04:05.000Z"},
		"body":      map[string]any{},
		"_links":    map[string]any{"webui": "/spaces/" + c.SpaceKey + "/pages/" + c.PageID, "base": h.apiURL + "/wiki"},
	}
}

func (h *Host) cloudEventData(event string) map[string]any {
	c := h.cloud
	ts := h.now().UnixMilli()
	switch {
	case strings.HasPrefix(event, "jira:issue_"):
		d := map[string]any{"timestamp": ts, "webhookEvent": event, "user": h.jiraUser(), "issue": h.jiraIssue()}
		d["issue_event_type_name"] = strings.TrimPrefix(event, "jira:")
		if event == "jira:issue_updated" {
			d["issue_event_type_name"] = "issue_generic"
			d["changelog"] = map[string]any{"id": "10100", "items": []any{map[string]any{
				"field": "summary", "fieldtype": "jira", "fieldId": "summary",
				"from": nil, "fromString": "Something is wrong", "to": nil, "toString": "Something is broken",
			}}}
		}
		return d
	case strings.HasPrefix(event, "comment_"):
		return map[string]any{"timestamp": ts, "webhookEvent": event, "issue": h.jiraIssue(), "comment": map[string]any{
			"id": "10200", "self": h.apiURL + "/rest/api/2/issue/" + c.IssueID + "/comment/10200",
			"author": h.jiraUser(), "updateAuthor": h.jiraUser(), "body": "A sample comment",
			"created": "2026-01-02T03:04:05.000+0000", "updated": "2026-01-02T03:04:05.000+0000", "jsdPublic": true,
		}}
	case strings.HasPrefix(event, "page_") || strings.HasPrefix(event, "blog_") || strings.HasPrefix(event, "content_"):
		return map[string]any{"timestamp": ts, "userAccountId": c.AccountID, "accountType": "customer", "updateTrigger": "edit_page", "page": map[string]any{
			"id": json.Number(c.PageID), "title": c.PageTitle, "spaceKey": c.SpaceKey, "contentType": "page",
			"creatorAccountId": c.AccountID, "lastModifierAccountId": c.AccountID, "version": 1,
			"creationDate": ts, "modificationDate": ts, "self": h.apiURL + "/wiki/spaces/" + c.SpaceKey + "/pages/" + c.PageID,
		}}
	case strings.HasPrefix(event, "space_"):
		return map[string]any{"timestamp": ts, "userAccountId": c.AccountID, "space": map[string]any{
			"key": c.SpaceKey, "name": "Sample Space", "creatorAccountId": c.AccountID, "creationDate": ts,
		}}
	}
	return map[string]any{"timestamp": ts, "webhookEvent": event, "user": h.jiraUser()}
}

// cloudAPIHandler answers the Jira or Confluence REST stand-in once the
// token was checked.
func (h *Host) cloudAPIHandler() (jira, confluence http.Handler) {
	jm := http.NewServeMux()
	jm.HandleFunc("GET /rest/api/3/myself", func(w http.ResponseWriter, r *http.Request) { writeJSON(w, 200, h.jiraUser()) })
	jm.HandleFunc("GET /rest/api/3/issue/{key}", func(w http.ResponseWriter, r *http.Request) {
		if k := r.PathValue("key"); k != h.cloud.IssueKey && k != h.cloud.IssueID {
			jiraError(w, http.StatusNotFound, "Issue does not exist or you do not have permission to see it.")
			return
		}
		writeJSON(w, 200, h.jiraIssue())
	})
	search := func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, 200, map[string]any{"issues": []any{h.jiraIssue()}, "isLast": true})
	}
	jm.HandleFunc("GET /rest/api/3/search/jql", search)
	jm.HandleFunc("POST /rest/api/3/search/jql", search)
	// ACE's addon.authorizeJira asks this; the sample user has every
	// permission it asks for, on the sample project and issue.
	jm.HandleFunc("POST /rest/api/3/permissions/check", func(w http.ResponseWriter, r *http.Request) {
		var in struct {
			GlobalPermissions  []string `json:"globalPermissions"`
			ProjectPermissions []struct {
				Permissions []string `json:"permissions"`
			} `json:"projectPermissions"`
		}
		if err := json.NewDecoder(r.Body).Decode(&in); err != nil {
			jiraError(w, http.StatusBadRequest, "The request body is not JSON: "+err.Error())
			return
		}
		projects := []any{}
		for _, pp := range in.ProjectPermissions {
			for _, perm := range pp.Permissions {
				projects = append(projects, map[string]any{"permission": perm, "projects": []int{10000}, "issues": []int{10001}})
			}
		}
		global := in.GlobalPermissions
		if global == nil {
			global = []string{}
		}
		writeJSON(w, 200, map[string]any{"globalPermissions": global, "projectPermissions": projects})
	})
	jm.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		jiraError(w, http.StatusNotFound, fmt.Sprintf("The local Jira host does not serve %s %s.", r.Method, r.URL.Path))
	})
	cm := http.NewServeMux()
	cm.HandleFunc("GET /wiki/rest/api/user/current", func(w http.ResponseWriter, r *http.Request) {
		c := h.cloud
		writeJSON(w, 200, map[string]any{
			"type": "known", "accountId": c.AccountID, "accountType": "atlassian", "email": c.Email,
			"publicName": c.DisplayName, "displayName": c.DisplayName,
			"profilePicture": map[string]any{"path": "/wiki/aa-avatar/sample.png", "width": 48, "height": 48, "isDefault": false},
			"_links":         map[string]any{"self": h.apiURL + "/wiki/rest/api/user?accountId=" + url.QueryEscape(c.AccountID), "base": h.apiURL + "/wiki"},
		})
	})
	// ACE's addon.authorizeConfluence asks these two.
	cm.HandleFunc("GET /wiki/rest/api/user", func(w http.ResponseWriter, r *http.Request) {
		c := h.cloud
		if id := r.URL.Query().Get("accountId"); id != c.AccountID {
			confluenceError(w, http.StatusNotFound, "No user with accountId "+id)
			return
		}
		writeJSON(w, 200, map[string]any{
			"type": "known", "accountId": c.AccountID, "accountType": "atlassian", "displayName": c.DisplayName, "publicName": c.DisplayName,
			"operations": []any{
				map[string]any{"operation": "read", "targetType": "page"}, map[string]any{"operation": "update", "targetType": "page"},
				map[string]any{"operation": "read", "targetType": "space"},
			},
		})
	})
	cm.HandleFunc("POST /wiki/rest/api/content/{id}/permission/check", func(w http.ResponseWriter, r *http.Request) {
		if r.PathValue("id") != h.cloud.PageID {
			confluenceError(w, http.StatusNotFound, "No content with id "+r.PathValue("id"))
			return
		}
		writeJSON(w, 200, map[string]any{"hasPermission": true})
	})
	cm.HandleFunc("GET /wiki/api/v2/pages/{id}", func(w http.ResponseWriter, r *http.Request) {
		if r.PathValue("id") != h.cloud.PageID {
			confluenceError(w, http.StatusNotFound, "Page not found: "+r.PathValue("id"))
			return
		}
		writeJSON(w, 200, h.confluencePage())
	})
	cm.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		confluenceError(w, http.StatusNotFound, fmt.Sprintf("The local Confluence host does not serve %s %s.", r.Method, r.URL.Path))
	})
	return jm, cm
}

// jiraError answers in Jira's error format.
func jiraError(w http.ResponseWriter, status int, msg string) {
	writeJSON(w, status, map[string]any{"errorMessages": []string{msg}, "errors": map[string]any{}})
}

// confluenceError answers in Confluence's error format.
func confluenceError(w http.ResponseWriter, status int, msg string) {
	writeJSON(w, status, map[string]any{"statusCode": status, "message": msg})
}

// audProblem says why claims do not name the installation the way Jira
// and Confluence want (aud = [clientKey]), or "".
func (h *Host) audProblem(claims connectjwt.Claims, clientKey string) string {
	for _, a := range claims.Audience {
		if a == clientKey {
			return ""
		}
	}
	why := "aud is missing"
	if len(claims.Audience) > 0 {
		why = fmt.Sprintf("aud is %q", []string(claims.Audience))
	}
	if claims.Subject == clientKey {
		why += " (sub = the client key is how Bitbucket names the installation, not Jira or Confluence)"
	}
	return fmt.Sprintf("%s; %s identifies the installation by aud = [%q], the client key", why, h.Product().Title(), clientKey)
}
