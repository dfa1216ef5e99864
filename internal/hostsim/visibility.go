package hostsim

import (
	"encoding/json"

	"github.com/connectgen/connectgen/internal/descriptor"
)

// conditionEvaluator is a Profile that evaluates module conditions (Jira
// and Confluence, against the properties apps wrote).
type conditionEvaluator interface {
	Visibility(m Module) (shown bool, why []string)
}

// Visibility says whether the product would show module m now: its
// conditions evaluated for the installation and the sample context. why
// names each condition that hides it, and conditions the host does not
// evaluate. A product without condition support here shows every module.
func (h *Host) Visibility(m Module) (shown bool, why []string) {
	if len(m.Conditions) == 0 {
		return true, nil
	}
	if e, ok := h.profile().(conditionEvaluator); ok {
		return e.Visibility(m)
	}
	return true, nil
}

// propertyLister is a Profile that keeps properties apps write.
type propertyLister interface {
	Properties() map[string]json.RawMessage
}

// Properties lists the properties the installation wrote (Jira and
// Confluence: "issue 10001 key" → value), for the host page.
func (h *Host) Properties() map[string]json.RawMessage {
	if l, ok := h.profile().(propertyLister); ok {
		return l.Properties()
	}
	return nil
}

// webhookURLFiller is a Profile that fills variables in webhook URLs
// (Jira's /issue-updated?key={issue.key}).
type webhookURLFiller interface {
	FillsWebhookURLs() bool
}

// webhookPath is the app path a webhook is posted to: Jira and Confluence
// substitute the variables of its URL ({issue.key}, {page.id}…) with the
// event's entities, as they do module URLs; Bitbucket posts the URL as
// written.
func (h *Host) webhookPath(w Webhook, d *Descriptor) (string, bool) {
	u := w.URL
	if f, ok := h.profile().(webhookURLFiller); ok && f.FillsWebhookURLs() && descriptor.HasContextParam(u) {
		u, _ = h.FillURL(u, nil)
	}
	return AppPath(u, d.BaseURL)
}

// RoutePatterns lists the REST stand-in's route patterns of product
// ("GET /rest/api/3/myself", "/2.0/" for Bitbucket's sample world), for
// tests that hold every route to a conformance case.
func (h *Host) RoutePatterns(product Product) []string {
	p, ok := h.profiles[product]
	if !ok {
		return nil
	}
	var out []string
	for _, rt := range p.Routes() {
		out = append(out, rt.Pattern)
	}
	return out
}

// RefuseEvent says why the product would not send event (Bitbucket:
// issue:*, since Issues were removed on 2026-08-20), or "".
func (h *Host) RefuseEvent(event string) string {
	if r, ok := h.profile().(eventRefuser); ok {
		return r.RefuseEvent(event)
	}
	return ""
}
