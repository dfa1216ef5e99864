package hostsim

import (
	"crypto/rand"
	"encoding/json"
	"fmt"
	"math/big"
	"net/http"
	"strings"
	"time"

	"github.com/connectgen/connectgen/internal/connectjwt"
	"github.com/connectgen/connectgen/internal/descriptor"
)

// This file is the host as Bitbucket Cloud (spec bitbucket-connect.md):
// an unsigned first install, lifecycle events, iframe URLs and webhooks
// signed HS256 with the shared secret (sub the user, aud the client key),
// Bitbucket's webhook payloads, and a 2.0 REST stand-in that wants the
// app's token in the Authorization header with sub = the client key.

var _ = registerProfile(Bitbucket, newBitbucketProfile)

type bitbucketProfile struct {
	h         *Host
	data      *sampleData
	clientKey string
}

func newBitbucketProfile(h *Host) Profile {
	n, err := rand.Int(rand.Reader, big.NewInt(9_000_000))
	if err != nil {
		// crypto/rand does not fail on the systems Go supports.
		panic(err)
	}
	return &bitbucketProfile{h: h, data: newSampleData(h.apiURL), clientKey: fmt.Sprintf("connection:%d", 1_000_000+n.Int64())}
}

func (p *bitbucketProfile) Product() Product { return Bitbucket }

// ClientKey is "connection:NNNNNNN", as Bitbucket gives unregistered apps.
func (p *bitbucketProfile) ClientKey() string { return p.clientKey }

func (p *bitbucketProfile) SiteURL() string { return p.h.apiURL }

func (p *bitbucketProfile) Labels() Labels {
	return Labels{Site: p.data.s.Workspace, Container: p.data.s.Repository, User: p.data.s.UserName}
}

// Sample returns the sample workspace, repository and user the Bitbucket
// REST stand-in serves and module URLs are filled with.
func (h *Host) Sample() Sample { return h.profiles[Bitbucket].(*bitbucketProfile).data.public() }

func (p *bitbucketProfile) InstallPayload(inst Installation, event string) []byte {
	s := p.data.s
	principal := map[string]any{
		"type":         "user",
		"uuid":         s.UserUUID,
		"account_id":   s.UserAccountID,
		"nickname":     "sample-user",
		"display_name": s.UserName,
		"links": map[string]any{
			"self": map[string]any{"href": p.h.apiURL + "/2.0/users/" + s.UserUUID},
			"html": map[string]any{"href": "https://bitbucket.org/" + s.UserUUID + "/"},
		},
	}
	b, _ := json.Marshal(map[string]any{
		"key":          inst.AppKey,
		"clientKey":    inst.ClientKey,
		"sharedSecret": inst.SharedSecret,
		// Bitbucket sends an RSA public key; ACE keeps it and never uses it
		// for Bitbucket, so a syntactically plausible one does.
		"publicKey":   "MIGfMA0GCSqGSIb3DQEBAQUAA4GNADCBiQKBgQDconnectgenlocalhostsimulatorpublickeyplaceholderAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAIDAQAB",
		"baseUrl":     inst.BaseURL,
		"baseApiUrl":  inst.BaseAPIURL,
		"productType": string(Bitbucket),
		"eventType":   event,
		"principal":   principal,
		"user":        principal,
	})
	return b
}

// InstallToken is nil: Bitbucket's first install is unsigned.
func (p *bitbucketProfile) InstallToken(Installation, *Descriptor) TokenFunc { return nil }

// LifecycleToken: Bitbucket signs later lifecycle events with the
// installation's shared secret, as it signs pages.
func (p *bitbucketProfile) LifecycleToken(inst Installation, _ *Descriptor) TokenFunc {
	return p.PageToken(inst)
}

func (p *bitbucketProfile) LifecycleProbes(inst Installation, d *Descriptor) LifecycleProbes {
	return LifecycleProbes{
		Probes: []LifecycleProbe{
			{Name: "without a token"},
			{Name: "signed with the current secret", Token: p.LifecycleToken(inst, d), Accept: true},
		},
		Rule:   "reinstall needs the current secret",
		Signer: "the shared secret",
	}
}

// PageToken signs a request from the host to the app as Bitbucket does:
// iss and aud the client key, sub the user, with the installation's
// secret.
func (p *bitbucketProfile) PageToken(inst Installation) TokenFunc {
	now := p.h.now()
	return func(method, rawURL string) (string, error) {
		c, err := connectjwt.NewClaims(inst.ClientKey, p.data.s.UserUUID, method, rawURL, p.h.appURL, now, TokenTTL)
		if err != nil {
			return "", err
		}
		c.Audience = connectjwt.Audience{inst.ClientKey}
		return connectjwt.Sign(inst.SharedSecret, c)
	}
}

func (p *bitbucketProfile) ForgedClaims(iss, method, rawURL string, at time.Time) (connectjwt.Claims, error) {
	c, err := connectjwt.NewClaims(iss, p.data.s.UserUUID, method, rawURL, p.h.appURL, at, TokenTTL)
	c.Audience = connectjwt.Audience{iss}
	return c, err
}

// PageURL: Bitbucket adds nothing to an app's page URL but the token.
func (p *bitbucketProfile) PageURL(path, _, _ string) string { return path }

func (p *bitbucketProfile) ContextValues() map[string]string { return p.data.contextValues() }

func (p *bitbucketProfile) ContextToken(inst Installation) (string, error) {
	ctx := map[string]any{"user": map[string]any{"accountId": p.data.s.UserAccountID}}
	return connectjwt.Sign(inst.SharedSecret, connectjwt.NewContextClaims(inst.ClientKey, p.data.s.UserUUID, ctx, p.h.now(), 15*time.Minute))
}

// WebhookEvents expands "*" to one sample event per granted scope family.
func (p *bitbucketProfile) WebhookEvents(d *Descriptor, w Webhook) []string {
	if w.Event != "*" {
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

func (p *bitbucketProfile) WebhookRequest(event string) (http.Header, []byte) {
	header := http.Header{
		"X-Event-Key":      {event},
		"X-Request-Uuid":   {uuid4()},
		"X-Hook-Uuid":      {uuid4()},
		"X-Attempt-Number": {"1"},
		"User-Agent":       {"Bitbucket-Webhooks/2.0"},
		"Content-Type":     {"application/json"},
	}
	b, _ := json.Marshal(map[string]any{"event": event, "data": p.eventData(event)})
	return header, b
}

// Routes is the Bitbucket 2.0 REST stand-in.
func (p *bitbucketProfile) Routes() []Route {
	d := p.data
	return []Route{
		{"GET /2.0/user", func(w http.ResponseWriter, r *http.Request) { writeJSON(w, 200, d.user) }},
		{"GET /2.0/workspaces/{workspace}", func(w http.ResponseWriter, r *http.Request) {
			if ws := r.PathValue("workspace"); ws != d.s.Workspace && ws != d.s.WorkspaceUUID {
				apiError(w, http.StatusNotFound, fmt.Sprintf("No workspace with identifier '%s'.", ws))
				return
			}
			writeJSON(w, 200, d.workspace)
		}},
		{"GET /2.0/repositories/{workspace}/{repo}", func(w http.ResponseWriter, r *http.Request) {
			full := r.PathValue("workspace") + "/" + r.PathValue("repo")
			if full != d.s.Repository && r.PathValue("repo") != d.s.RepositoryUUID {
				apiError(w, http.StatusNotFound, fmt.Sprintf("Repository %s not found", full))
				return
			}
			writeJSON(w, 200, d.repo)
		}},
		{"GET /2.0/repositories/{workspace}", func(w http.ResponseWriter, r *http.Request) {
			var values []any
			if r.PathValue("workspace") == d.s.Workspace {
				values = []any{d.repo}
			}
			writeJSON(w, 200, map[string]any{"pagelen": 10, "page": 1, "size": len(values), "values": values})
		}},
	}
}

// RewriteRequest: Bitbucket serves /2.0/user/ as /2.0/user (the retired
// template called it with the slash).
func (p *bitbucketProfile) RewriteRequest(r *http.Request) {
	if len(r.URL.Path) > 1 && strings.HasSuffix(r.URL.Path, "/") {
		r.URL.Path = strings.TrimRight(r.URL.Path, "/")
	}
}

func (p *bitbucketProfile) APIError(w http.ResponseWriter, status int, msg string) {
	apiError(w, status, msg)
}

// apiError answers in Bitbucket's error format.
func apiError(w http.ResponseWriter, status int, msg string) {
	writeJSON(w, status, map[string]any{"type": "error", "error": map[string]any{"message": msg}})
}

// CheckToken: Bitbucket reads an app's token only from the Authorization
// header and wants sub = the client key; the qsh is over the path and
// query.
func (p *bitbucketProfile) CheckToken(r *http.Request) (connectjwt.Claims, string) {
	token, claims, inst, why := p.h.readAppToken(r, false, "the token is in the query string; Bitbucket reads an app's token only from the header Authorization: JWT <token>")
	if why != "" {
		return claims, why
	}
	if claims.Subject != inst.ClientKey {
		return claims, fmt.Sprintf("sub is %q; it must be the installation's client key %q", claims.Subject, inst.ClientKey)
	}
	if _, err := connectjwt.Verify(token, inst.SharedSecret, &connectjwt.Request{Method: r.Method, URL: r.URL.RequestURI()}, p.h.now()); err != nil {
		return claims, "the token is not valid: " + err.Error()
	}
	return claims, ""
}

// SignRequest signs as the app does: iss = app key, sub = client key, qsh
// over the request.
func (p *bitbucketProfile) SignRequest(inst Installation, method, path string) (string, string, error) {
	c, err := connectjwt.NewClaims(inst.AppKey, inst.ClientKey, method, path, "", p.h.now(), TokenTTL)
	if err != nil {
		return "", "", err
	}
	tok, err := connectjwt.Sign(inst.SharedSecret, c)
	return path, tok, err
}

// Sample names the sample data the host serves and fills module URLs with.
type Sample struct {
	Workspace      string `json:"workspace"`      // slug
	WorkspaceUUID  string `json:"workspaceUuid"`  // {…}
	Repository     string `json:"repository"`     // full name, workspace/slug
	RepositoryUUID string `json:"repositoryUuid"` // {…}
	UserUUID       string `json:"userUuid"`
	UserAccountID  string `json:"userAccountId"`
	UserName       string `json:"userName"` // display name
}

// sampleData is the in-memory Bitbucket the REST API serves: one user,
// one workspace, one repository, shaped like Bitbucket's 2.0 API answers.
type sampleData struct {
	s         Sample
	user      map[string]any
	workspace map[string]any
	repo      map[string]any
}

func newSampleData(apiURL string) *sampleData {
	s := Sample{
		Workspace:      "sample-workspace",
		WorkspaceUUID:  "{5f2e2e58-63a0-4b1c-9a39-0d2a3c2b7a10}",
		Repository:     "sample-workspace/sample-repo",
		RepositoryUUID: "{0e2d4d5c-7c39-4d4e-8f7a-5e4b3a2c1d00}",
		UserUUID:       "{6a8b1ee2-3f4d-4a51-9b2c-7d8e9f0a1b2c}",
		UserAccountID:  "557058:4f4f1c0e-6d0b-4e6e-9a0a-3c3d3e3f4041",
		UserName:       "Sample User",
	}
	link := func(p string) map[string]any { return map[string]any{"href": apiURL + p} }
	user := map[string]any{
		"type":         "user",
		"uuid":         s.UserUUID,
		"account_id":   s.UserAccountID,
		"nickname":     "sample-user",
		"display_name": s.UserName,
		"created_on":   "2020-01-02T03:04:05.000000+00:00",
		"links": map[string]any{
			"self":   link("/2.0/users/" + s.UserUUID),
			"html":   map[string]any{"href": "https://bitbucket.org/" + s.UserUUID + "/"},
			"avatar": map[string]any{"href": "https://avatar-management.example/sample-user.png"},
		},
	}
	workspace := map[string]any{
		"type":       "workspace",
		"uuid":       s.WorkspaceUUID,
		"slug":       s.Workspace,
		"name":       "Sample Workspace",
		"is_private": true,
		"created_on": "2020-01-02T03:04:05.000000+00:00",
		"links": map[string]any{
			"self": link("/2.0/workspaces/" + s.Workspace),
			"html": map[string]any{"href": "https://bitbucket.org/" + s.Workspace + "/"},
		},
	}
	repo := map[string]any{
		"type":        "repository",
		"uuid":        s.RepositoryUUID,
		"full_name":   s.Repository,
		"name":        "sample-repo",
		"slug":        "sample-repo",
		"is_private":  true,
		"scm":         "git",
		"language":    "go",
		"description": "A repository of the local Bitbucket host",
		"size":        123456,
		"created_on":  "2021-02-03T04:05:06.000000+00:00",
		"updated_on":  "2026-01-02T03:04:05.000000+00:00",
		"mainbranch":  map[string]any{"type": "branch", "name": "main"},
		"owner":       user,
		"workspace":   map[string]any{"type": "workspace", "uuid": s.WorkspaceUUID, "slug": s.Workspace, "name": "Sample Workspace"},
		"project":     map[string]any{"type": "project", "key": "SAMP", "name": "Sample Project", "uuid": "{a1b2c3d4-0000-4000-8000-00000000beef}"},
		"links": map[string]any{
			"self": link("/2.0/repositories/" + s.Repository),
			"html": map[string]any{"href": "https://bitbucket.org/" + s.Repository},
		},
	}
	return &sampleData{s: s, user: user, workspace: workspace, repo: repo}
}

func (d *sampleData) public() Sample { return d.s }

// contextValues are the values of the context parameters module URLs may
// hold. Parameters not listed are filled with "" (and reported).
func (d *sampleData) contextValues() map[string]string {
	ws, slug, _ := strings.Cut(d.s.Repository, "/")
	return map[string]string{
		"repository.full_name":   d.s.Repository,
		"repository.uuid":        d.s.RepositoryUUID,
		"repository.name":        slug,
		"repository.slug":        slug,
		"repository.owner.uuid":  d.s.UserUUID,
		"workspace.slug":         ws,
		"workspace.uuid":         d.s.WorkspaceUUID,
		"user.uuid":              d.s.UserUUID,
		"user.account_id":        d.s.UserAccountID,
		"user.username":          "sample-user",
		"user.nickname":          "sample-user",
		"target_user.uuid":       d.s.UserUUID,
		"target_user.account_id": d.s.UserAccountID,
		"pullrequest.id":         "1",
		"commit.hash":            "7f3c1b2a9d8e6f5a4b3c2d1e0f9a8b7c6d5e4f3a",
		"branch.name":            "main",
		"file.path":              "README.md",
		"file.name":              "README.md",
	}
}

// eventData is the data of a webhook, shaped like Bitbucket's payload for
// the event's family: the actor and the repository, plus the push, pull
// request, issue, project or property.
func (p *bitbucketProfile) eventData(event string) map[string]any {
	d := p.data
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
