package hostsim

import (
	"fmt"
	"net/http"
	"strings"
)

// ForgeAppHeader stands in, on the local host, for the Forge platform's
// authentication of api.asApp().requestBitbucket(): a request to the
// client-key endpoint carries the calling Forge app's id (its app.id ARI)
// in this header. Bitbucket itself knows the caller from Forge's token.
const ForgeAppHeader = "X-Connectgen-Forge-App-Id"

// clientKeyPath matches GET /2.0/addon/{addon_key}/client-key.
func clientKeyPath(r *http.Request) (addonKey string, ok bool) {
	rest, ok := strings.CutPrefix(r.URL.Path, "/2.0/addon/")
	if !ok {
		return "", false
	}
	key, ok := strings.CutSuffix(rest, "/client-key")
	if !ok || key == "" || strings.Contains(key, "/") {
		return "", false
	}
	return key, true
}

// answerClientKey answers Bitbucket's Connect → Forge migration endpoint: the
// client key of the Connect installation linked, by the descriptor's
// forgeAppId, to the Forge app that asks. The endpoint is documented for
// Forge apps only (asApp().requestBitbucket) and goes away when Bitbucket
// ends Connect support. Its response body is not documented; the local
// host answers {"clientKey": "…"}, which the generated migration helper
// reads (it also accepts a bare string).
func (h *Host) answerClientKey(w http.ResponseWriter, r *http.Request, addonKey string, call Call) {
	answer := func(status int, reason string, body func()) {
		call.Status, call.OK, call.Reason = status, status == http.StatusOK, reason
		h.record(call)
		h.logf("API %s %s -> %d %s", r.Method, r.URL.Path, status, reason)
		body()
	}
	if r.Method != http.MethodGet {
		answer(http.StatusMethodNotAllowed, "", func() {
			h.profile().APIError(w, http.StatusMethodNotAllowed, "The client-key endpoint answers GET only.")
		})
		return
	}
	forgeApp := r.Header.Get(ForgeAppHeader)
	if forgeApp == "" {
		msg := fmt.Sprintf("the client-key endpoint is for Forge apps (api.asApp().requestBitbucket); on the local host, send the Forge app's id in %s", ForgeAppHeader)
		answer(http.StatusUnauthorized, msg, func() { h.profile().APIError(w, http.StatusUnauthorized, msg) })
		return
	}
	h.mu.Lock()
	inst, desc := h.inst, h.desc
	h.mu.Unlock()
	notFound := func(why string) {
		answer(http.StatusNotFound, why, func() {
			h.profile().APIError(w, http.StatusNotFound, "The Connect addon or the Forge app does not exist (local host: "+why+")")
		})
	}
	switch {
	case inst == nil || desc == nil:
		notFound("the Connect app is not installed")
	case addonKey != desc.Key:
		notFound(fmt.Sprintf("the installed Connect app is %q, not %q", desc.Key, addonKey))
	case desc.ForgeAppID == "":
		notFound("the descriptor has no forgeAppId; add it with connectgen forge link and re-install")
	case desc.ForgeAppID != forgeApp:
		notFound(fmt.Sprintf("the descriptor's forgeAppId is %s, the caller is %s", desc.ForgeAppID, forgeApp))
	default:
		answer(http.StatusOK, "", func() { writeJSON(w, http.StatusOK, map[string]string{"clientKey": inst.ClientKey}) })
	}
}
