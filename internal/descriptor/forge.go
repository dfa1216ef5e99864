package descriptor

import (
	"encoding/json"
	"fmt"
	"net/url"
	"sort"
	"strings"

	"github.com/connectgen/connectgen/internal/json5"
)

// The Connect → Forge keys. Bitbucket has no "Connect on Forge" path: a
// Connect app is rebuilt as a separate Forge app and the descriptor points
// workspace admins to it with forgeAppLink (its installation link) and
// lets it find the Connect installation with forgeAppId (its app.id).
// Atlassian publishes no rule for either value; the shapes below are the
// ones of the documentation's example and of Forge's app.id (see the spec,
// forge-migration.md §1.1–1.2).
const (
	ForgeInstallHost   = "developer.atlassian.com"
	ForgeInstallPath   = "/console/install/"
	ForgeAppIDPrefix   = "ari:cloud:ecosystem::app/"
	forgeLinkShape     = "https://developer.atlassian.com/console/install/<app id>?signature=<signature>&product=bitbucket"
	forgeLinkHowTo     = "copy the link from the Forge developer console (your app > Distribution > share, product Bitbucket); it has the shape " + forgeLinkShape
	forgeAppIDHowTo    = "copy app.id from the Forge app's manifest.yml after `forge register`; it has the shape ari:cloud:ecosystem::app/<uuid>"
	maxForgeLinkLength = 2048
)

// isUUID reports whether s is a UUID in its 8-4-4-4-12 hex form.
func isUUID(s string) bool {
	if len(s) != 36 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if i == 8 || i == 13 || i == 18 || i == 23 {
			if c != '-' {
				return false
			}
			continue
		}
		if !isDigit(c) && !(c >= 'a' && c <= 'f') && !(c >= 'A' && c <= 'F') {
			return false
		}
	}
	return true
}

// CheckForgeAppLink returns what is wrong with a forgeAppLink value ("" when
// nothing is) and the Forge app id (a UUID) the link installs.
func CheckForgeAppLink(s string) (problem, appID string) {
	if strings.TrimSpace(s) != s || s == "" {
		return "forgeAppLink is empty or has leading or trailing spaces", ""
	}
	if len(s) > maxForgeLinkLength {
		return fmt.Sprintf("forgeAppLink is %d characters, more than %d", len(s), maxForgeLinkLength), ""
	}
	u, err := url.Parse(s)
	if err != nil || u.Scheme == "" || u.Host == "" {
		return fmt.Sprintf("forgeAppLink %q is not an absolute URL", s), ""
	}
	if u.Scheme != "https" {
		return fmt.Sprintf("forgeAppLink uses %s:; Forge installation links are https://", u.Scheme), ""
	}
	if u.User != nil || u.Port() != "" || !strings.EqualFold(u.Hostname(), ForgeInstallHost) {
		return fmt.Sprintf("forgeAppLink points to %s; Forge installation links are on %s", u.Host, ForgeInstallHost), ""
	}
	rest, ok := strings.CutPrefix(u.Path, ForgeInstallPath)
	if !ok {
		return fmt.Sprintf("forgeAppLink has the path %q; a Forge installation link's path is %s<app id>", u.Path, ForgeInstallPath), ""
	}
	rest = strings.TrimSuffix(rest, "/")
	if !isUUID(rest) {
		return fmt.Sprintf("forgeAppLink's app id %q is not a UUID (8-4-4-4-12 hex digits)", rest), ""
	}
	q := u.Query()
	if q.Get("signature") == "" {
		return "forgeAppLink has no signature parameter; only the link the developer console shares (with ?signature=…) lets admins install the app", rest
	}
	switch p := q.Get("product"); {
	case p == "":
		return "forgeAppLink has no product parameter; add &product=" + string(Bitbucket), rest
	case p != string(Bitbucket):
		return fmt.Sprintf("forgeAppLink installs into product %q; a Bitbucket app's link has product=bitbucket", p), rest
	}
	if u.Fragment != "" {
		return "forgeAppLink has a #fragment; the shared installation link has none", rest
	}
	return "", strings.ToLower(rest)
}

// CheckForgeAppID returns what is wrong with a forgeAppId value ("" when
// nothing is) and the UUID it names.
func CheckForgeAppID(s string) (problem, uuid string) {
	rest, ok := strings.CutPrefix(s, ForgeAppIDPrefix)
	if !ok {
		switch {
		case isUUID(s):
			return fmt.Sprintf("forgeAppId %q is a bare UUID; it must be the full ARI", s), s
		case strings.HasPrefix(s, "https://"):
			return "forgeAppId is a URL; it is the app's ARI (the installation link goes in forgeAppLink)", ""
		}
		return fmt.Sprintf("forgeAppId %q does not start with %s", s, ForgeAppIDPrefix), ""
	}
	if !isUUID(rest) {
		return fmt.Sprintf("forgeAppId's app id %q is not a UUID; it is still a placeholder, or was cut when copied", rest), ""
	}
	return "", strings.ToLower(rest)
}

// forgeKeys checks forgeAppLink and forgeAppId and that they name the same
// Forge app.
func (v *validation) forgeKeys() {
	root := v.r.root
	var linkID, arID string
	var idNode *json5.Node
	if n := root.Get("forgeAppLink"); n != nil {
		if s, ok := str(n); ok {
			var problem string
			problem, linkID = CheckForgeAppLink(s)
			if problem != "" {
				linkID = ""
				v.at(n, "/forgeAppLink", "forge-app-link", SeverityError, problem, forgeLinkHowTo)
			}
		}
	}
	if n := root.Get("forgeAppId"); n != nil {
		if s, ok := str(n); ok {
			idNode = n
			problem, id := CheckForgeAppID(s)
			if problem != "" {
				sugg := forgeAppIDHowTo
				if isUUID(s) {
					sugg = fmt.Sprintf("use %q", ForgeAppIDPrefix+s)
				}
				v.at(n, "/forgeAppId", "forge-app-id", SeverityError, problem, sugg)
			} else {
				arID = id
			}
		}
	}
	if linkID != "" && arID != "" && linkID != arID {
		v.at(idNode, "/forgeAppId", "forge-app-mismatch", SeverityError,
			fmt.Sprintf("forgeAppId names the Forge app %s but forgeAppLink installs %s; both must be the same Forge app", arID, linkID),
			"copy both from the same app: app.id from its manifest.yml, the link from its Distribution page")
	}
}

// retiredScopes and retiredEventFamilies are parts of Bitbucket that are
// gone although descriptors may still name them: Issues and Wikis were
// removed from Bitbucket Cloud in August 2026. Bitbucket still accepts the
// names, so these are notes: they grant and deliver nothing.
var retiredScopes = map[string]string{
	"issue":       "Issues were removed from Bitbucket Cloud in August 2026",
	"issue:write": "Issues were removed from Bitbucket Cloud in August 2026",
	"wiki":        "Wikis were removed from Bitbucket Cloud on 2026-08-20",
}

var retiredEventFamilies = map[string]string{
	"issue:": "Issues were removed from Bitbucket Cloud in August 2026",
}

// RetiredScope says why a scope no longer grants anything, or "".
func RetiredScope(s string) string { return retiredScopes[s] }

// RetiredEvent says why a webhook event is no longer sent, or "".
func RetiredEvent(e string) string {
	for p, why := range retiredEventFamilies {
		if strings.HasPrefix(e, p) {
			return why
		}
	}
	return ""
}

func (v *validation) retired() {
	if n := v.r.root.Get("scopes"); n != nil && n.Kind == json5.Array {
		for i, e := range n.Elems {
			if s, ok := str(e); ok {
				if why := RetiredScope(s); why != "" {
					v.at(e, fmt.Sprintf("/scopes/%d", i), "scope-retired", SeverityNote,
						fmt.Sprintf("scope %q grants nothing any more: %s", s, why), "remove it; the Forge app has no equivalent scope")
				}
			}
		}
	}
	if n := v.r.root.Get("modules").Get("webhooks"); n != nil && n.Kind == json5.Array {
		for i, h := range n.Elems {
			ev := h.Get("event")
			if s, ok := str(ev); ok {
				if why := RetiredEvent(s); why != "" {
					v.at(ev, fmt.Sprintf("/modules/webhooks/%d/event", i), "webhook-event-retired", SeverityNote,
						fmt.Sprintf("event %q is never sent any more: %s", s, why), "remove the webhook")
				}
			}
		}
	}
}

// The vocabulary other packages map (internal/forge): what this package
// knows a Bitbucket descriptor may hold.

// KnownScopes returns the scopes Bitbucket accepts, in documentation order.
func KnownScopes() []string { return append([]string(nil), knownScopes...) }

// KnownEvents returns the webhook events Bitbucket documents.
func KnownEvents() []string { return append([]string(nil), knownEvents...) }

// KnownLocations returns the known locations of a module kind (nil for
// kinds without locations).
func KnownLocations(kind string) []string { return append([]string(nil), knownLocations[kind]...) }

// ModuleKinds returns the module kinds the schema accepts under "modules",
// sorted.
func ModuleKinds() []string { return schemaKeys("$defs", "modules", "properties") }

// LifecycleHooks returns the lifecycle callbacks the schema accepts, sorted.
func LifecycleHooks() []string { return schemaKeys("properties", "lifecycle", "properties") }

// RootKeys returns the top-level keys the schema accepts, sorted.
func RootKeys() []string { return schemaKeys("properties") }

// schemaKeys returns the keys of the object at path in the embedded schema.
func schemaKeys(path ...string) []string {
	var doc any
	if err := json.Unmarshal(schemaJSON, &doc); err != nil {
		panic("descriptor: embedded schema: " + err.Error())
	}
	for _, p := range path {
		m, _ := doc.(map[string]any)
		doc = m[p]
	}
	m, _ := doc.(map[string]any)
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// SingleObjectModules are the module kinds that are one object, not a list.
var singleObjectModules = []string{"configurePage", "oauthConsumer", "postInstallRedirect", "proxy"}

// IsSingleObjectModule reports whether kind is one object, not a list.
func IsSingleObjectModule(kind string) bool { return isKnown(singleObjectModules, kind) }
