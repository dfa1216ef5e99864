package descriptor

import (
	"fmt"
	"strings"

	"github.com/connectgen/connectgen/internal/json5"
)

// The rules of Jira and Confluence descriptors that their schemas cannot
// express. They come from Atlassian's Connect reference for the two
// products (scopes, lifecycle, apiMigrations, modules); see the spec §3–4.

// cloudScopes are the Connect scopes of Jira and Confluence. Both products
// accept them in any case; SPACE_ADMIN is Confluence's, PROJECT_ADMIN
// Jira's.
var cloudScopes = []string{"NONE", "READ", "WRITE", "DELETE", "PROJECT_ADMIN", "SPACE_ADMIN", "ADMIN", "ACT_AS_USER", "ACCESS_EMAIL_ADDRESSES"}

// cloudImplied: "scopes are hierarchical": ADMIN implies the product's
// admin scope, which implies DELETE, which implies WRITE, which implies
// READ.
var cloudImplied = map[string][]string{
	"ADMIN":         {"PROJECT_ADMIN", "SPACE_ADMIN"},
	"PROJECT_ADMIN": {"DELETE"},
	"SPACE_ADMIN":   {"DELETE"},
	"DELETE":        {"WRITE"},
	"WRITE":         {"READ"},
}

// closeCloudScopes returns the scopes granted by scopes (in any case),
// in capitals, implications followed.
func closeCloudScopes(scopes []string) map[string]bool {
	up := make([]string, len(scopes))
	for i, s := range scopes {
		up[i] = strings.ToUpper(s)
	}
	return closeWith(up, cloudImplied)
}

// apiMigrations are the opt-ins Jira and Confluence know today.
var apiMigrations = []string{"signed-install", "context-qsh", "gdpr"}

func (v *validation) tunnelAdvice() string {
	return v.product.Info().TunnelAdvice
}

func (v *validation) sampleParam() string {
	return v.product.Info().SampleParam
}

// cloudUnknown decides how an unknown property of a Jira or Confluence
// descriptor is reported. The products ignore top-level properties and
// module kinds they do not know (ACE's validator only warns about
// "Unexpected attributes"), so those are warnings; apiMigrations and
// closed module objects are checked strictly.
func (v *validation) cloudUnknown(ptr, name, msg string) (rule string, sev Severity, out string) {
	host := v.product.Title()
	switch ptr {
	case "":
		return "unknown-property", SeverityWarning, msg + "; " + host + " ignores it"
	case "/modules":
		for _, p := range productOfKind(name) {
			if p != v.product {
				return "module-product", SeverityWarning, fmt.Sprintf("%s is a %s module, not one of %s's; %s ignores it", name, p.Title(), host, host)
			}
		}
		return "unknown-property", SeverityWarning, msg + "; " + host + " ignores module kinds it does not know"
	case "/apiMigrations":
		return "api-migration-unknown", SeverityError, fmt.Sprintf("unknown API migration %q; %s knows %s", name, host, strings.Join(apiMigrations, ", "))
	}
	return "unknown-property", SeverityError, msg + "; " + host + " refuses modules with properties it does not define"
}

func (v *validation) cloudScopes() {
	n := v.r.root.Get("scopes")
	if n == nil || n.Kind != json5.Array {
		return
	}
	host := v.product.Title()
	other := map[Product]string{Jira: "SPACE_ADMIN", Confluence: "PROJECT_ADMIN"}[v.product]
	for i, e := range n.Elems {
		s, ok := str(e)
		if !ok {
			continue
		}
		ptr := fmt.Sprintf("/scopes/%d", i)
		up := strings.ToUpper(s)
		switch {
		case up == other:
			v.at(e, ptr, "scope-product", SeverityWarning, fmt.Sprintf("scope %q is %s's, not %s's; %s grants nothing for it", s, map[string]string{"SPACE_ADMIN": "Confluence", "PROJECT_ADMIN": "Jira"}[up], host, host),
				fmt.Sprintf("use %q or remove it", map[string]string{"SPACE_ADMIN": "PROJECT_ADMIN", "PROJECT_ADMIN": "SPACE_ADMIN"}[up]))
		case isKnown(cloudScopes, up):
		default:
			sugg := didYouMean(up, cloudScopes)
			switch {
			case strings.Contains(s, ":"):
				sugg = "OAuth 2.0 and Forge scopes such as read:jira-work are not Connect scopes; a Connect app asks for " + strings.Join(cloudScopes[1:], ", ")
			case isKnown(knownScopes, s) && sugg == "":
				sugg = fmt.Sprintf("%q is a Bitbucket scope; %s's are %s", s, host, strings.Join(cloudScopes[1:], ", "))
			case sugg == "":
				sugg = "known scopes: " + strings.Join(cloudScopes, ", ")
			}
			v.at(e, ptr, "scope-unknown", SeverityError, fmt.Sprintf("unknown scope %q; %s refuses to install an app with an unknown scope", s, host), sugg)
		}
	}
}

func (v *validation) cloudMigrations() {
	n := v.r.root.Get("apiMigrations")
	if n == nil || n.Kind != json5.Object {
		return
	}
	if si := n.Get("signed-install"); si != nil && si.Kind == json5.Bool && !si.Bool {
		v.at(si, "/apiMigrations/signed-install", "signed-install-false", SeverityWarning,
			"signed-install is false, but Atlassian signs every install and uninstall with RS256 since 2021 and atlassian-connect-express 11 refuses unsigned ones: false changes nothing",
			`set "signed-install": true, so the descriptor says what happens`)
	}
}

func (v *validation) cloudModules() {
	modules := v.r.root.Get("modules")
	if modules == nil || modules.Kind != json5.Object {
		return
	}
	v.uniqueModuleKeys(modules)
	eachModule(modules, func(m moduleRef) {
		kind := urlIframe
		switch m.kind {
		case "webhooks":
			kind = urlSecret
		case "webItems":
			kind = urlLink
			if t, _ := str(m.node.Get("target").Get("type")); strings.EqualFold(t, "dialog") || strings.EqualFold(t, "inlinedialog") {
				kind = urlIframe
			}
		}
		if u := m.node.Get("url"); u != nil {
			v.url(u, m.ptr+"/url", kind)
		}
		for _, field := range []string{"triggered", "create", "edit", "view"} {
			if u := m.node.Get(field).Get("url"); u != nil {
				v.url(u, m.ptr+"/"+field+"/url", urlSecret)
			}
		}
		if u := m.node.Get("target").Get("url"); u != nil {
			v.url(u, m.ptr+"/target/url", urlIframe)
		}
		if icon := m.node.Get("icon"); icon != nil {
			v.url(icon.Get("url"), m.ptr+"/icon/url", urlLink)
		}
		switch m.kind {
		case "webItems", "webPanels", "webSections", "generalPages":
			v.cloudLocation(m)
		}
	})
	v.cloudWebhooks(modules.Get("webhooks"))
}

// cloudWebhooks: Jira and Confluence deliver webhooks only to apps that
// hold the READ scope (or one that implies it).
func (v *validation) cloudWebhooks(hooks *json5.Node) {
	if hooks == nil || hooks.Kind != json5.Array || len(hooks.Elems) == 0 {
		return
	}
	v.cloudEvents(hooks)
	scopes, _ := v.r.Scopes()
	if closeCloudScopes(scopes)["READ"] {
		return
	}
	ev := hooks.Elems[0]
	v.at(ev, "/modules/webhooks/0", "webhook-scope-missing", SeverityError,
		fmt.Sprintf("the app declares webhooks but not the READ scope; %s delivers webhooks only to apps that may read what they describe", v.product.Title()),
		`add "READ" to scopes`)
}

// cloudEvents warns about webhook events that are not on the product's
// documented list. Not an error: the product accepts any event name and
// simply never delivers one it does not have, which is worth knowing
// before waiting for it.
func (v *validation) cloudEvents(hooks *json5.Node) {
	host := v.product.Title()
	own := ProductEvents(v.product)
	for i, h := range hooks.Elems {
		ev := h.Get("event")
		s, ok := str(ev)
		if !ok || s == "" || len([]rune(s)) > MaxEventLength || isKnown(own, s) {
			continue
		}
		msg := fmt.Sprintf("webhook event %q is not one of %s's; %s never sends it, so the webhook never fires", s, host, host)
		sugg := didYouMean(s, own)
		for _, e := range own {
			// Jira's issue events carry a "jira:" prefix that is
			// easily left out: issue_created is jira:issue_created.
			if strings.HasSuffix(e, ":"+s) {
				sugg = fmt.Sprintf("did you mean %q?", e)
				break
			}
		}
		for _, p := range []Product{Jira, Confluence, Bitbucket} {
			if p != v.product && isKnown(ProductEvents(p), s) {
				msg = fmt.Sprintf("webhook event %q is %s's, not %s's; %s never sends it, so the webhook never fires", s, p.Title(), host, host)
				break
			}
		}
		if sugg == "" {
			sugg = "see the webhook module page of " + host + "'s Connect reference for its events"
		}
		v.at(ev, fmt.Sprintf("/modules/webhooks/%d/event", i), "webhook-event-unlisted", SeverityWarning, msg, sugg)
	}
}

// cloudLocation notes a location that is a near miss of a well-known one
// of the product. Any other location passes: apps may add items to any
// web section, other apps' included.
func (v *validation) cloudLocation(m moduleRef) {
	n := m.node.Get("location")
	s, ok := str(n)
	if !ok || s == "" {
		return
	}
	if k := nearMiss(s, v.product.Info().Locations); k != "" {
		v.at(n, m.ptr+"/location", "location-near-miss", SeverityNote,
			fmt.Sprintf("location %q is close to the well-known %s location %q; if it is a typo, %s does not show the module there", s, v.product.Title(), k, v.product.Title()),
			fmt.Sprintf("did you mean %q?", k))
	}
}
