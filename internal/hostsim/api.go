package hostsim

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/connectgen/connectgen/internal/connectjwt"
)

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

// Call is one request the app made to the host's REST API and the host's
// verdict on its token.
type Call struct {
	At     time.Time `json:"at"`
	Method string    `json:"method"`
	Path   string    `json:"path"` // path and query, as requested
	Status int       `json:"status"`
	// OK says whether the call carried a valid app token; Reason says why
	// not.
	OK     bool   `json:"ok"`
	Reason string `json:"reason,omitempty"`
}

// Calls returns every call the app made to the REST API so far.
func (h *Host) Calls() []Call {
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]Call(nil), h.calls...)
}

func (h *Host) record(c Call) int {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.calls = append(h.calls, c)
	return len(h.calls)
}

func (h *Host) callCount() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return len(h.calls)
}

// apiHandler is the REST API: every request must carry the app's token;
// the routes then answer from the sample data.
func (h *Host) apiHandler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /2.0/user", func(w http.ResponseWriter, r *http.Request) { writeJSON(w, 200, h.data.user) })
	mux.HandleFunc("GET /2.0/workspaces/{workspace}", func(w http.ResponseWriter, r *http.Request) {
		if ws := r.PathValue("workspace"); ws != h.data.s.Workspace && ws != h.data.s.WorkspaceUUID {
			apiError(w, http.StatusNotFound, fmt.Sprintf("No workspace with identifier '%s'.", ws))
			return
		}
		writeJSON(w, 200, h.data.workspace)
	})
	mux.HandleFunc("GET /2.0/repositories/{workspace}/{repo}", func(w http.ResponseWriter, r *http.Request) {
		full := r.PathValue("workspace") + "/" + r.PathValue("repo")
		if full != h.data.s.Repository && r.PathValue("repo") != h.data.s.RepositoryUUID {
			apiError(w, http.StatusNotFound, fmt.Sprintf("Repository %s not found", full))
			return
		}
		writeJSON(w, 200, h.data.repo)
	})
	mux.HandleFunc("GET /2.0/repositories/{workspace}", func(w http.ResponseWriter, r *http.Request) {
		var values []any
		if r.PathValue("workspace") == h.data.s.Workspace {
			values = []any{h.data.repo}
		}
		writeJSON(w, 200, map[string]any{"pagelen": 10, "page": 1, "size": len(values), "values": values})
	})
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		apiError(w, http.StatusNotFound, fmt.Sprintf("The local Bitbucket host does not serve %s %s.", r.Method, r.URL.Path))
	})
	jiraMux, confluenceMux := h.cloudAPIHandler()
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// The key CDN is public, as Atlassian's is.
		if r.Method == http.MethodGet && strings.HasPrefix(r.URL.Path, KeysPath+"/") {
			h.serveKey(w, r)
			return
		}
		call := Call{At: h.now(), Method: r.Method, Path: r.URL.RequestURI()}
		if r.Body != nil {
			r.Body = http.MaxBytesReader(w, r.Body, h.opts.MaxBody)
		}
		// The client-key endpoint is called by the Forge app, not with
		// the Connect app's token.
		if key, ok := clientKeyPath(r); ok {
			h.answerClientKey(w, r, key, call)
			return
		}
		product := h.Product()
		errorf, mux := apiError, http.Handler(mux)
		switch product {
		case Jira:
			errorf, mux = jiraError, jiraMux
		case Confluence:
			errorf, mux = confluenceError, confluenceMux
		}
		if h.serveBearer(w, r, call, mux, errorf) {
			return
		}
		if reason := h.checkAppToken(r); reason != "" {
			call.Status, call.Reason = http.StatusUnauthorized, reason
			h.record(call)
			h.logf("API %s %s -> 401 %s", r.Method, r.URL.Path, reason)
			errorf(w, http.StatusUnauthorized, reason)
			return
		}
		// Bitbucket serves /2.0/user/ as /2.0/user (the retired template
		// called it with the slash).
		if product == Bitbucket && len(r.URL.Path) > 1 && strings.HasSuffix(r.URL.Path, "/") {
			r.URL.Path = strings.TrimRight(r.URL.Path, "/")
		}
		rec := &statusRecorder{ResponseWriter: w, status: 200}
		mux.ServeHTTP(rec, r)
		call.Status, call.OK = rec.status, true
		h.record(call)
		h.logf("API %s %s -> %d", r.Method, r.URL.Path, rec.status)
	})
}

// checkAppToken returns why r does not carry a valid app token, or "".
// The token must be issued by the app key, signed with the installation's
// shared secret, unexpired and bound to this request. Bitbucket reads it
// only from the Authorization header and wants sub = the client key; Jira
// and Confluence also take ?jwt=, want aud = [the client key], and compute
// the qsh without their context path (/wiki), as ACE's httpClient does.
func (h *Host) checkAppToken(r *http.Request) string {
	cloud := h.Product().Cloud()
	auth := r.Header.Get("Authorization")
	token, isJWT := strings.CutPrefix(auth, "JWT ")
	switch {
	case isJWT:
	case auth != "":
		return fmt.Sprintf("the Authorization header is not \"JWT <token>\" (it starts %q)", firstWord(auth))
	case r.URL.Query().Has("jwt") && cloud:
		token = r.URL.Query().Get("jwt")
	case r.URL.Query().Has("jwt"):
		return "the token is in the query string; Bitbucket reads an app's token only from the header Authorization: JWT <token>"
	default:
		return "no token: the request has no Authorization: JWT header"
	}
	_, claims, err := connectjwt.Parse(token)
	if err != nil {
		return "the token cannot be read: " + err.Error()
	}
	h.mu.Lock()
	inst, desc := h.inst, h.desc
	h.mu.Unlock()
	if inst == nil {
		return "the app is not installed: the host has no shared secret to check the token with"
	}
	appKey := inst.AppKey
	if desc != nil {
		appKey = desc.Key
	}
	if claims.Issuer != appKey {
		return fmt.Sprintf("iss is %q; an app's token must be issued by its app key %q", claims.Issuer, appKey)
	}
	req := &connectjwt.Request{Method: r.Method, URL: r.URL.RequestURI()}
	if cloud {
		if why := h.audProblem(claims, inst.ClientKey); why != "" {
			return why
		}
		req.URL, req.BaseURL = h.apiURL+r.URL.RequestURI(), h.apiURL+h.contextPath()
	} else if claims.Subject != inst.ClientKey {
		return fmt.Sprintf("sub is %q; it must be the installation's client key %q", claims.Subject, inst.ClientKey)
	}
	if _, err := connectjwt.Verify(token, inst.SharedSecret, req, h.now()); err != nil {
		return "the token is not valid: " + err.Error()
	}
	return h.lifetimeProblem(claims)
}

// MaxAppTokenLifetime is the longest an app's token to the product's REST
// API may live: Atlassian wants app tokens short-lived, and ACE's
// httpClient signs them with exp = iat + 180 s (three minutes), for
// Bitbucket and Jira/Confluence alike.
const MaxAppTokenLifetime = 3 * time.Minute

// lifetimeProblem says why a (valid, unexpired) app token lives too long:
// exp more than MaxAppTokenLifetime after its iat, or after now.
func (h *Host) lifetimeProblem(c connectjwt.Claims) string {
	limit := int64(MaxAppTokenLifetime / time.Second)
	if life := c.ExpiresAt - c.IssuedAt; life > limit {
		return fmt.Sprintf("the token lives too long: exp is %s after iat; an app's token may live at most %s (exp = iat + %d s, as ACE signs it); sign it for a few minutes per request",
			time.Duration(life)*time.Second, MaxAppTokenLifetime, limit)
	}
	if left := c.ExpiresAt - h.now().Unix(); left > limit {
		return fmt.Sprintf("the token lives too long: exp is %s from now; an app's token may live at most %s (exp = iat + %d s, as ACE signs it); sign it for a few minutes per request",
			time.Duration(left)*time.Second, MaxAppTokenLifetime, limit)
	}
	return ""
}

func firstWord(s string) string {
	w, _, _ := strings.Cut(s, " ")
	if len(w) > 16 {
		w = w[:16]
	}
	return w
}

type statusRecorder struct {
	http.ResponseWriter
	status int
}

func (r *statusRecorder) WriteHeader(code int) {
	r.status = code
	r.ResponseWriter.WriteHeader(code)
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}

// apiError answers in Bitbucket's error format.
func apiError(w http.ResponseWriter, status int, msg string) {
	writeJSON(w, status, map[string]any{"type": "error", "error": map[string]any{"message": msg}})
}

// APIResponse is the REST API's answer to Request.
type APIResponse struct {
	Status      int
	ContentType string
	Body        []byte
}

// Request calls the host's REST API on the app's behalf, signed as the
// app signs its own calls (iss = app key, sub = client key, qsh over the
// request): what Bitbucket does for AP.request from an app's page. path
// is relative to the API root and may carry a query (/2.0/user,
// /2.0/repositories/ws/repo?fields=name). For Jira and Confluence the
// token has aud = the client key instead of sub, and a Confluence path
// is taken relative to /wiki (/rest/api/user/current and
// /wiki/rest/api/user/current are the same call).
func (h *Host) Request(ctx context.Context, method, path, contentType string, body []byte) (APIResponse, error) {
	if !strings.HasPrefix(path, "/") || strings.HasPrefix(path, "//") {
		return APIResponse{}, fmt.Errorf("API path %q must start with a single /", path)
	}
	inst, ok := h.Installation()
	if !ok {
		return APIResponse{}, fmt.Errorf("the app is not installed")
	}
	c, err := connectjwt.NewClaims(inst.AppKey, inst.ClientKey, method, path, "", h.now(), TokenTTL)
	if err != nil {
		return APIResponse{}, err
	}
	if h.Product().Cloud() {
		// Jira and Confluence: aud names the installation. Confluence's
		// paths are relative to /wiki, and so is the qsh.
		cp := h.contextPath()
		rel := strings.TrimPrefix(path, cp)
		if c, err = connectjwt.NewClaims(inst.AppKey, "", method, rel, "", h.now(), TokenTTL); err != nil {
			return APIResponse{}, err
		}
		c.Audience = connectjwt.Audience{inst.ClientKey}
		path = cp + rel
	}
	tok, err := connectjwt.Sign(inst.SharedSecret, c)
	if err != nil {
		return APIResponse{}, err
	}
	req, err := http.NewRequestWithContext(ctx, method, h.apiURL+path, bytes.NewReader(body))
	if err != nil {
		return APIResponse{}, err
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	req.Header.Set("Authorization", "JWT "+tok)
	resp, err := h.client.Do(req)
	if err != nil {
		return APIResponse{}, err
	}
	defer resp.Body.Close()
	b, err := readLimited(resp.Body, h.opts.MaxBody)
	return APIResponse{Status: resp.StatusCode, ContentType: resp.Header.Get("Content-Type"), Body: b}, err
}
