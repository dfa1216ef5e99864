package hostsim

import (
	"context"
	"crypto/rand"
	"errors"
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

// WebhookEvents expands one webhook entry to the events the host sends
// it, as the product does (Bitbucket: "*" is one sample event per granted
// scope family).
func (h *Host) WebhookEvents(d *Descriptor, w Webhook) []string {
	return h.profile().WebhookEvents(d, w)
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
		for _, e := range h.WebhookEvents(d, w) {
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
	a, err := h.SendWebhookAs(ctx, event, nil)
	if err != nil {
		return a.Status, string(a.Body), err
	}
	return a.Status, string(a.Body), nil
}

// SendWebhookAs sends event's webhook signed by tok (nil: the host's
// genuine token) and returns the app's answer without judging it.
func (h *Host) SendWebhookAs(ctx context.Context, event string, tok TokenFunc) (Answer, error) {
	d, inst, err := h.Installed()
	if err != nil {
		return Answer{}, err
	}
	if r, ok := h.profile().(eventRefuser); ok {
		if why := r.RefuseEvent(event); why != "" {
			return Answer{}, errors.New(why)
		}
	}
	w, ok := hookFor(d, event)
	if !ok {
		return Answer{}, fmt.Errorf("the app has no webhook for %s (or lacks the scope for it)", event)
	}
	p, ok := h.webhookPath(w, d)
	if !ok {
		return Answer{}, fmt.Errorf("webhook URL %q is not under the app's baseUrl %q", w.URL, d.BaseURL)
	}
	if tok == nil {
		tok = h.PageToken(inst)
	}
	header, body := h.WebhookRequest(event)
	return h.Send(ctx, http.MethodPost, p, header, body, AuthHeader, tok)
}

// eventRefuser is a Profile that refuses to send some events (Bitbucket:
// issue:*, since Issues were removed).
type eventRefuser interface {
	RefuseEvent(event string) string
}

// WebhookRequest is the headers and body of event's webhook, shaped as
// the product sends it.
func (h *Host) WebhookRequest(event string) (http.Header, []byte) {
	return h.profile().WebhookRequest(event)
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
	d, inst, err := h.Installed()
	if err != nil {
		return "", err
	}
	filled, _ := h.FillURL(moduleURL, nil)
	p, ok := AppPath(filled, d.BaseURL)
	if !ok {
		return "", fmt.Errorf("module URL %q is not under the app's baseUrl %q", moduleURL, d.BaseURL)
	}
	u := h.appURL + h.PageURL(p, d.Key, moduleKeyOf(d, moduleURL))
	t, err := h.PageToken(inst)(http.MethodGet, u)
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

// PageURL adds the parameters the product puts on every iframe URL to an
// app path.
func (h *Host) PageURL(path, appKey, moduleKey string) string {
	return h.profile().PageURL(path, appKey, moduleKey)
}

// ContextToken returns what AP.context.getToken gives a page of the app:
// an HS256 context token (qsh "context-qsh", valid 15 minutes) for the
// current installation, with the user and the product's sample context.
func (h *Host) ContextToken() (string, error) {
	_, inst, err := h.Installed()
	if err != nil {
		return "", err
	}
	return h.profile().ContextToken(inst)
}
