package hostsim

import (
	"net/http"
	"strings"
)

// BearerCheck decides on a REST API request that carries
// "Authorization: Bearer <token>", as Bitbucket does for a Forge app's
// calls (the app system token, or a user token). It returns 0 and "" to
// let the request through to the routes, or a status (401, 403) and the
// reason the host answers with. The local Forge host installs one; without
// it Bearer tokens are refused as before.
type BearerCheck func(r *http.Request, token string) (status int, reason string)

// SetBearerCheck makes the REST API accept Bearer tokens that check
// allows; a later call replaces the check.
func (h *Host) SetBearerCheck(check BearerCheck) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.bearer = check
}

// serveBearer answers r when it carries a Bearer token and a BearerCheck
// is installed; it reports whether it did.
func (h *Host) serveBearer(w http.ResponseWriter, r *http.Request, call Call, routes http.Handler, errorf func(http.ResponseWriter, int, string)) bool {
	h.mu.Lock()
	check := h.bearer
	h.mu.Unlock()
	token, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	if check == nil || !ok {
		return false
	}
	if status, reason := check(r, token); status != 0 {
		call.Status, call.Reason = status, reason
		h.record(call)
		h.logf("API %s %s -> %d %s", r.Method, r.URL.Path, status, reason)
		errorf(w, status, reason)
		return true
	}
	rec := &statusRecorder{ResponseWriter: w, status: 200}
	routes.ServeHTTP(rec, r)
	call.Status, call.OK = rec.status, true
	h.record(call)
	h.logf("API %s %s -> %d (Bearer)", r.Method, r.URL.Path, rec.status)
	return true
}
