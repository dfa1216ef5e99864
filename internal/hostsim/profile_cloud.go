package hostsim

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/connectgen/connectgen/internal/cloudworld"
	"github.com/connectgen/connectgen/internal/connectjwt"
	"github.com/connectgen/connectgen/internal/descriptor"
)

// This file is what the Jira and Confluence profiles share, the host as
// an Atlassian Cloud site (spec jira-confluence-connect.md §3–§5):
// installs signed with RS256 through the host's key CDN, a shared secret
// in the payload, page URLs with Jira's standard parameters, Jira and
// Confluence webhooks, and a REST stand-in that wants the app's token
// with aud = the client key. profile_jira.go and profile_confluence.go
// add each product's routes, error format and context.

// cloudProfile is the part of a Jira or Confluence profile they share.
type cloudProfile struct {
	h         *Host
	product   Product
	cloud     *CloudSample
	clientKey string
	// contextPath is Jira's "" and Confluence's "/wiki" (the cp page
	// parameter, and what the REST stand-in strips before checking a
	// qsh).
	contextPath string
	// props are the app and entity properties apps write, per
	// installation; conditions read them.
	props *cloudworld.World
}

func newCloudProfile(h *Host, product Product, contextPath string) *cloudProfile {
	c := newCloudSample(h.apiURL)
	props := cloudworld.New(cloudworld.Site{BaseURL: h.apiURL, IssueKey: c.IssueKey, IssueID: c.IssueID,
		ProjectKey: c.ProjectKey, ProjectID: c.ProjectID, PageID: c.PageID, SpaceKey: c.SpaceKey, AccountID: c.AccountID})
	return &cloudProfile{h: h, product: product, cloud: c, clientKey: uuid4(), contextPath: contextPath, props: props}
}

func (p *cloudProfile) Product() Product { return p.product }

// ClientKey is a UUID, as Jira and Confluence give.
func (p *cloudProfile) ClientKey() string { return p.clientKey }

func (p *cloudProfile) cloudSample() *CloudSample { return p.cloud }

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

// CloudSample returns the sample Jira or Confluence site: the one of the
// product the host plays, or of the first such profile.
func (h *Host) CloudSample() CloudSample {
	type sampled interface{ cloudSample() *CloudSample }
	if s, ok := h.profile().(sampled); ok {
		return *s.cloudSample()
	}
	for _, info := range descriptor.AllProducts() {
		if s, ok := h.profiles[info.Product].(sampled); ok {
			return *s.cloudSample()
		}
	}
	return CloudSample{}
}

// SiteURL is the product's base URL as the install payload gives it:
// Confluence's carries its context path /wiki.
func (p *cloudProfile) SiteURL() string { return p.h.apiURL + p.contextPath }

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

func (p *cloudProfile) ContextValues() map[string]string { return p.cloud.contextValues() }

// PageURL adds the parameters Jira and Confluence put on every iframe URL
// (ACE reads xdm_e, cp and lic) to an app path.
func (p *cloudProfile) PageURL(path, appKey, moduleKey string) string {
	q := url.Values{}
	q.Set("xdm_e", p.h.apiURL)
	q.Set("xdm_c", "channel-"+appKey+"__"+moduleKey)
	q.Set("cp", p.contextPath)
	q.Set("xdm_deprecated_addon_key_do_not_use", appKey)
	q.Set("lic", "none")
	q.Set("cv", "1001.0.0-SNAPSHOT")
	sep := "?"
	if strings.Contains(path, "?") {
		sep = "&"
	}
	return path + sep + q.Encode()
}

// InstallPayload is the installed/uninstalled body Jira and Confluence
// send (lifecycle docs; serverVersion and pluginsVersion were removed in
// 2020).
func (cp *cloudProfile) InstallPayload(inst Installation, event string) []byte {
	p := cp.product
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

// LifecycleToken signs a lifecycle event as Jira and Confluence do: RS256
// with the host's key and its kid, iss the client key, aud the app's
// baseUrl as its descriptor says, sub the user, qsh over the request.
func (p *cloudProfile) LifecycleToken(inst Installation, d *Descriptor) TokenFunc {
	h, now := p.h, p.h.now()
	return func(method, rawURL string) (string, error) {
		key, kid, err := h.keys.get()
		if err != nil {
			return "", err
		}
		c, err := connectjwt.NewClaims(inst.ClientKey, p.cloud.AccountID, method, rawURL, h.appURL, now, TokenTTL)
		if err != nil {
			return "", err
		}
		c.Audience = connectjwt.Audience{d.BaseURL}
		return connectjwt.SignRS256(key, kid, c)
	}
}

// InstallToken: every install is signed with the host's RS256 key.
func (p *cloudProfile) InstallToken(inst Installation, d *Descriptor) TokenFunc {
	return p.LifecycleToken(inst, d)
}

// PageToken signs an iframe URL or a webhook as Jira does: HS256 with the
// shared secret, iss the client key, sub the user, no aud, the user in
// the context.
func (p *cloudProfile) PageToken(inst Installation) TokenFunc {
	now := p.h.now()
	return func(method, rawURL string) (string, error) {
		c, err := connectjwt.NewClaims(inst.ClientKey, p.cloud.AccountID, method, rawURL, p.h.appURL, now, TokenTTL)
		if err != nil {
			return "", err
		}
		c.Context = map[string]any{"user": map[string]any{"accountId": p.cloud.AccountID}}
		return connectjwt.Sign(inst.SharedSecret, c)
	}
}

// ForgedClaims: the claims of PageToken, without aud.
func (p *cloudProfile) ForgedClaims(iss, method, rawURL string, at time.Time) (connectjwt.Claims, error) {
	return connectjwt.NewClaims(iss, p.cloud.AccountID, method, rawURL, p.h.appURL, at, TokenTTL)
}

// contextToken signs a context token with ctx: the user and the product's
// sample context.
func (p *cloudProfile) contextToken(inst Installation, ctx map[string]any) (string, error) {
	ctx["user"] = map[string]any{"accountId": p.cloud.AccountID}
	return connectjwt.Sign(inst.SharedSecret, connectjwt.NewContextClaims(inst.ClientKey, p.cloud.AccountID, ctx, p.h.now(), 15*time.Minute))
}

// WebhookEvents: Jira and Confluence send an entry its own event.
func (p *cloudProfile) WebhookEvents(_ *Descriptor, w Webhook) []string { return []string{w.Event} }

func (p *cloudProfile) Labels() Labels {
	return Labels{Site: "Sample Site", User: p.cloud.DisplayName}
}

// cloudWebhookRequest is a Jira or Confluence webhook: the event's
// payload shaped as the product sends it.
func (p *cloudProfile) WebhookRequest(event string) (http.Header, []byte) {
	header := http.Header{
		"Content-Type":                   {"application/json"},
		"User-Agent":                     {"Atlassian Webhook HTTP Client"},
		"X-Atlassian-Webhook-Identifier": {uuid4()},
		"X-Atlassian-Webhook-Retry":      {"0"},
	}
	b, _ := json.Marshal(p.cloudEventData(event))
	return header, b
}

func (p *cloudProfile) jiraUser() map[string]any {
	c := p.cloud
	return map[string]any{
		"self":         p.h.apiURL + "/rest/api/3/user?accountId=" + url.QueryEscape(c.AccountID),
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

func (p *cloudProfile) jiraIssue() map[string]any {
	c := p.cloud
	return map[string]any{
		"id":   c.IssueID,
		"key":  c.IssueKey,
		"self": p.h.apiURL + "/rest/api/3/issue/" + c.IssueID,
		"fields": map[string]any{
			"summary":   "Something is broken",
			"issuetype": map[string]any{"id": "10002", "name": "Bug"},
			"status":    map[string]any{"id": "1", "name": "To Do", "statusCategory": map[string]any{"key": "new"}},
			"project":   map[string]any{"id": c.ProjectID, "key": c.ProjectKey, "name": "Sample Project"},
			"reporter":  p.jiraUser(),
			// Unassigned: the published IssueBean has no null assignee, so the
			// field is left out.
			"created": "2026-01-02T03:04:05.000+0000",
			"updated": "2026-01-02T03:04:05.000+0000",
		},
	}
}

func (p *cloudProfile) confluencePage() map[string]any {
	c := p.cloud
	return map[string]any{
		"id": c.PageID, "status": "current", "title": c.PageTitle, "spaceId": c.SpaceID,
		"parentId": nil, "authorId": c.AccountID, "ownerId": c.AccountID,
		"createdAt": "2026-01-02T03:04:05.000Z",
		"version":   map[string]any{"number": 1, "message": "", "minorEdit": false, "authorId": c.AccountID, "createdAt": "2026-01-02T03:04:05.000Z"},
		"body":      map[string]any{},
		"_links":    map[string]any{"webui": "/spaces/" + c.SpaceKey + "/pages/" + c.PageID, "base": p.h.apiURL + "/wiki"},
	}
}

func (p *cloudProfile) cloudEventData(event string) map[string]any {
	c := p.cloud
	ts := p.h.now().UnixMilli()
	switch {
	case strings.HasPrefix(event, "jira:issue_"):
		d := map[string]any{"timestamp": ts, "webhookEvent": event, "user": p.jiraUser(), "issue": p.jiraIssue()}
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
		return map[string]any{"timestamp": ts, "webhookEvent": event, "issue": p.jiraIssue(), "comment": map[string]any{
			"id": "10200", "self": p.h.apiURL + "/rest/api/2/issue/" + c.IssueID + "/comment/10200",
			"author": p.jiraUser(), "updateAuthor": p.jiraUser(), "body": "A sample comment",
			"created": "2026-01-02T03:04:05.000+0000", "updated": "2026-01-02T03:04:05.000+0000", "jsdPublic": true,
		}}
	case strings.HasPrefix(event, "page_") || strings.HasPrefix(event, "blog_") || strings.HasPrefix(event, "content_"):
		return map[string]any{"timestamp": ts, "userAccountId": c.AccountID, "accountType": "customer", "updateTrigger": "edit_page", "page": map[string]any{
			"id": json.Number(c.PageID), "title": c.PageTitle, "spaceKey": c.SpaceKey, "contentType": "page",
			"creatorAccountId": c.AccountID, "lastModifierAccountId": c.AccountID, "version": 1,
			"creationDate": ts, "modificationDate": ts, "self": p.h.apiURL + "/wiki/spaces/" + c.SpaceKey + "/pages/" + c.PageID,
		}}
	case strings.HasPrefix(event, "space_"):
		return map[string]any{"timestamp": ts, "userAccountId": c.AccountID, "space": map[string]any{
			"key": c.SpaceKey, "name": "Sample Space", "creatorAccountId": c.AccountID, "creationDate": ts,
		}}
	}
	return map[string]any{"timestamp": ts, "webhookEvent": event, "user": p.jiraUser()}
}

// audProblem says why claims do not name the installation the way Jira
// and Confluence want (aud = [clientKey]), or "".
func (p *cloudProfile) audProblem(claims connectjwt.Claims, clientKey string) string {
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
	return fmt.Sprintf("%s; %s identifies the installation by aud = [%q], the client key", why, p.product.Title(), clientKey)
}

// LifecycleProbes: every reinstall that is not signed with the host's key
// for this app and this client must be refused (none, HS256 with the
// current secret, another RSA key, another app's aud, another client's
// iss, an expired token, a qsh for another URL), and a correctly signed
// one accepted. Each carries the current installation's payload, so one
// wrongly accepted changes nothing the other checks need.
func (p *cloudProfile) LifecycleProbes(inst Installation, d *Descriptor) LifecycleProbes {
	h, now := p.h, p.h.now()
	rs := func(mod func(*connectjwt.Claims), another bool) TokenFunc {
		return func(method, rawURL string) (string, error) {
			_, kid, err := h.keys.get()
			if err != nil {
				return "", err
			}
			key := h.keys
			if another {
				key = h.other
			}
			priv, _, err := key.get()
			if err != nil {
				return "", err
			}
			c, err := connectjwt.NewClaims(inst.ClientKey, p.cloud.AccountID, method, rawURL, h.appURL, now, TokenTTL)
			if err != nil {
				return "", err
			}
			c.Audience = connectjwt.Audience{d.BaseURL}
			if mod != nil {
				mod(&c)
			}
			return connectjwt.SignRS256(priv, kid, c)
		}
	}
	return LifecycleProbes{
		Probes: []LifecycleProbe{
			{Name: "with no token"},
			{Name: "with an HS256 token signed with the current shared secret", Token: p.PageToken(inst)},
			{Name: "with an RS256 token signed with another key under the host's kid", Token: rs(nil, true)},
			{Name: "with an RS256 token for another app (aud https://another-app.example.com)", Token: rs(func(c *connectjwt.Claims) { c.Audience = connectjwt.Audience{"https://another-app.example.com"} }, false)},
			{Name: "with an RS256 token of another client (iss is not the payload's clientKey)", Token: rs(func(c *connectjwt.Claims) { c.Issuer = "b0c1d2e3-0000-4000-8000-another000client" }, false)},
			{Name: "with an expired RS256 token", Token: rs(func(c *connectjwt.Claims) { c.IssuedAt -= 600; c.ExpiresAt = now.Unix() - 420 }, false)},
			{Name: "with an RS256 token with a qsh for another URL", Token: rs(func(c *connectjwt.Claims) {
				c.QSH, _ = connectjwt.QSH(http.MethodPost, "/another-url", "")
			}, false)},
			{Name: "signed with the host's RS256 key", Token: p.LifecycleToken(inst, d), Accept: true},
		},
		Rule:   "installs need the host's RS256 signature for this app and client",
		Signer: "the host's RS256 key",
	}
}

// CheckToken: Jira and Confluence also take ?jwt=, want aud = [the client
// key], and compute the qsh without their context path (/wiki), as ACE's
// httpClient does.
func (p *cloudProfile) CheckToken(r *http.Request) (connectjwt.Claims, string) {
	token, claims, inst, why := p.h.readAppToken(r, true, "")
	if why != "" {
		return claims, why
	}
	if why := p.audProblem(claims, inst.ClientKey); why != "" {
		return claims, why
	}
	req := &connectjwt.Request{Method: r.Method, URL: p.h.apiURL + r.URL.RequestURI(), BaseURL: p.h.apiURL + p.contextPath, Received: true}
	if _, err := connectjwt.Verify(token, inst.SharedSecret, req, p.h.now()); err != nil {
		return claims, "the token is not valid: " + err.Error()
	}
	return claims, ""
}

// SignRequest: aud names the installation; Confluence's paths are
// relative to /wiki, and so is the qsh.
func (p *cloudProfile) SignRequest(inst Installation, method, path string) (string, string, error) {
	rel := strings.TrimPrefix(path, p.contextPath)
	c, err := connectjwt.NewClaims(inst.AppKey, "", method, rel, "", p.h.now(), TokenTTL)
	if err != nil {
		return "", "", err
	}
	c.Audience = connectjwt.Audience{inst.ClientKey}
	tok, err := connectjwt.Sign(inst.SharedSecret, c)
	return p.contextPath + rel, tok, err
}
