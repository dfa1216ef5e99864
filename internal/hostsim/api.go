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

// CallCount is the number of calls the app made to the REST API so far.
func (h *Host) CallCount() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return len(h.calls)
}

// requestRewriter is a Profile that adjusts a request before its routes
// see it (Bitbucket serves /2.0/user/ as /2.0/user).
type requestRewriter interface {
	RewriteRequest(r *http.Request)
}

// apiHandler is the REST API: the key CDN and the client-key endpoint are
// open; every other call must pass authenticate (a Bearer token by the
// installed BearerCheck, else the profile's app token check) and is then
// answered by the profile's route table.
func (h *Host) apiHandler() http.Handler {
	muxes := map[Product]http.Handler{}
	for prod, p := range h.profiles {
		mux := http.NewServeMux()
		for _, rt := range p.Routes() {
			mux.HandleFunc(rt.Pattern, rt.Handler)
		}
		p, title := p, prod.Title()
		mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
			p.APIError(w, http.StatusNotFound, fmt.Sprintf("The local %s host does not serve %s %s.", title, r.Method, r.URL.Path))
		})
		muxes[prod] = mux
	}
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
		p := h.profile()
		if status, reason := h.authenticate(r, p); reason != "" {
			call.Status, call.Reason = status, reason
			h.record(call)
			h.logf("API %s %s -> %d %s", r.Method, r.URL.Path, status, reason)
			p.APIError(w, status, reason)
			return
		}
		if rw, ok := p.(requestRewriter); ok {
			rw.RewriteRequest(r)
		}
		rec := &statusRecorder{ResponseWriter: w, status: 200}
		muxes[p.Product()].ServeHTTP(rec, r)
		call.Status, call.OK = rec.status, true
		h.record(call)
		h.logf("API %s %s -> %d", r.Method, r.URL.Path, rec.status)
	})
}

// authenticate returns why r is refused and the status to answer with, or
// "": a request with a Bearer token is decided by the installed
// BearerCheck (a Forge app's call), any other by the profile's app token
// check and the token's lifetime.
func (h *Host) authenticate(r *http.Request, p Profile) (status int, reason string) {
	h.mu.Lock()
	check := h.bearer
	h.mu.Unlock()
	if token, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer "); ok && check != nil {
		return check(r, token)
	}
	claims, reason := p.CheckToken(r)
	if reason == "" {
		reason = h.lifetimeProblem(claims)
	}
	return http.StatusUnauthorized, reason
}

// readAppToken reads r's app token and checks what every product checks:
// it is in Authorization: JWT (or, with queryOK, in ?jwt=; else
// queryRefusal says why not), it can be read, the app is installed and
// the token is issued by the app key. reason says why the token is
// refused, or is "".
func (h *Host) readAppToken(r *http.Request, queryOK bool, queryRefusal string) (token string, claims connectjwt.Claims, inst Installation, reason string) {
	auth := r.Header.Get("Authorization")
	token, isJWT := strings.CutPrefix(auth, "JWT ")
	switch {
	case isJWT:
	case auth != "":
		return "", claims, inst, fmt.Sprintf("the Authorization header is not \"JWT <token>\" (it starts %q)", firstWord(auth))
	case r.URL.Query().Has("jwt") && queryOK:
		token = r.URL.Query().Get("jwt")
	case r.URL.Query().Has("jwt"):
		return "", claims, inst, queryRefusal
	default:
		return "", claims, inst, "no token: the request has no Authorization: JWT header"
	}
	_, claims, err := connectjwt.Parse(token)
	if err != nil {
		return "", claims, inst, "the token cannot be read: " + err.Error()
	}
	h.mu.Lock()
	in, desc := h.inst, h.desc
	h.mu.Unlock()
	if in == nil {
		return "", claims, inst, "the app is not installed: the host has no shared secret to check the token with"
	}
	appKey := in.AppKey
	if desc != nil {
		appKey = desc.Key
	}
	if claims.Issuer != appKey {
		return "", claims, *in, fmt.Sprintf("iss is %q; an app's token must be issued by its app key %q", claims.Issuer, appKey)
	}
	return token, claims, *in, ""
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
	// The status is sent; a client gone away is nothing to answer.
	_ = json.NewEncoder(w).Encode(v)
}

// APIResponse is the REST API's answer to Request.
type APIResponse struct {
	Status      int
	ContentType string
	Body        []byte
}

// Request calls the host's REST API on the app's behalf, signed as the
// app signs its own calls: what the product does for AP.request from an
// app's page. path is relative to the API root and may carry a query
// (/2.0/user, /2.0/repositories/ws/repo?fields=name). Bitbucket's token
// has sub = the client key; Jira's and Confluence's aud = the client key,
// and a Confluence path is taken relative to /wiki
// (/rest/api/user/current and /wiki/rest/api/user/current are the same
// call).
func (h *Host) Request(ctx context.Context, method, path, contentType string, body []byte) (APIResponse, error) {
	if !strings.HasPrefix(path, "/") || strings.HasPrefix(path, "//") {
		return APIResponse{}, fmt.Errorf("API path %q must start with a single /", path)
	}
	inst, ok := h.Installation()
	if !ok {
		return APIResponse{}, fmt.Errorf("the app is not installed")
	}
	path, tok, err := h.profile().SignRequest(inst, method, path)
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
