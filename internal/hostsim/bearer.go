package hostsim

import "net/http"

// BearerCheck decides on a REST API request that carries
// "Authorization: Bearer <token>", as Bitbucket does for a Forge app's
// calls (the app system token, or a user token). It returns 0 and "" to
// let the request through to the routes, or a status (401, 403) and the
// reason the host answers with. The local Forge host installs one; without
// it a Bearer token goes to the profile's app token check, which refuses it.
type BearerCheck func(r *http.Request, token string) (status int, reason string)

// SetBearerCheck makes the REST API accept Bearer tokens that check
// allows; a later call replaces the check.
func (h *Host) SetBearerCheck(check BearerCheck) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.bearer = check
}
