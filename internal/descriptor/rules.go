package descriptor

import (
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/connectgen/connectgen/internal/json5"
)

// Rules is every rule id Validate can report, with its usual severity, so
// that documentation and tests can be checked against the code.
var Rules = map[string]Severity{
	"json-syntax":                 SeverityError,
	"json-too-deep":               SeverityError,
	"json-too-large":              SeverityError,
	"json-duplicate-key":          SeverityWarning,
	"type":                        SeverityError,
	"required":                    SeverityError,
	"schema":                      SeverityError,
	"length":                      SeverityError,
	"unknown-property":            SeverityError,
	"key-pattern":                 SeverityError,
	"key-length":                  SeverityError,
	"module-key-pattern":          SeverityError,
	"module-key-length":           SeverityError,
	"module-key-duplicate":        SeverityError,
	"url-length":                  SeverityError,
	"placeholder":                 SeverityNote,
	"baseurl-https":               SeverityError,
	"authentication-type":         SeverityError,
	"lifecycle-installed-missing": SeverityError,
	"scope-unknown":               SeverityError,
	"scope-removed":               SeverityError,
	"scope-increase":              SeverityWarning,
	"webhook-event-unknown":       SeverityError,
	"webhook-scope-missing":       SeverityError,
	"webhook-wildcard-filtered":   SeverityNote,
	"context-personal":            SeverityError,
	"context-unknown":             SeverityWarning,
	"configurepage-object":        SeverityError,
	"location-unknown":            SeverityWarning,
	"url-context-param":           SeverityError,
	"url-absolute-https":          SeverityError,
	"forge-app-link":              SeverityError,
	"forge-app-id":                SeverityError,
	"forge-app-mismatch":          SeverityError,
	"scope-retired":               SeverityNote,
	"webhook-event-retired":       SeverityNote,
	// Jira and Confluence only.
	"module-product":         SeverityWarning,
	"api-migration-unknown":  SeverityError,
	"scope-product":          SeverityWarning,
	"signed-install-false":   SeverityWarning,
	"webhook-event-unlisted": SeverityWarning,
	"location-near-miss":     SeverityNote,
}

func sortFindings(fs []Finding) {
	sort.SliceStable(fs, func(i, j int) bool {
		a, b := fs[i], fs[j]
		if a.Line != b.Line {
			return a.Line < b.Line
		}
		if a.Column != b.Column {
			return a.Column < b.Column
		}
		return a.Rule < b.Rule
	})
}

func str(n *json5.Node) (string, bool) {
	if n == nil || n.Kind != json5.String {
		return "", false
	}
	return n.Str, true
}

// lifecycle checks that a jwt app has an installed callback. It runs before
// the schema so that a missing lifecycle is reported once, by this rule,
// with the reason it matters.
func (v *validation) lifecycle() {
	root := v.r.root
	authType := root.Get("authentication").Get("type")
	t, _ := str(authType)
	if !strings.EqualFold(t, "jwt") {
		return
	}
	why := "authentication is jwt, so without an installed callback the app never learns the shared secret it needs to verify " + v.product.Title() + "'s requests"
	lc := root.Get("lifecycle")
	switch {
	case lc == nil:
		if v.skipped == nil {
			v.skipped = map[string]bool{}
		}
		v.skipped["/lifecycle"] = true
		v.at(authType, "/lifecycle", "lifecycle-installed-missing", SeverityError, "the descriptor has no lifecycle: "+why,
			`add "lifecycle": {"installed": "/installed", "uninstalled": "/uninstalled"}`)
	case lc.Kind == json5.Object && lc.Get("installed") == nil:
		v.at(lc, "/lifecycle/installed", "lifecycle-installed-missing", SeverityError, "lifecycle has no installed callback: "+why,
			`add "installed": "/installed"`)
	}
}

// rules are the checks a schema cannot express; Jira's and Confluence's
// own are in cloud.go.
func (v *validation) rules() {
	v.placeholders()
	v.baseURL()
	if v.product.Info().CloudRules {
		v.cloudScopes()
		v.cloudMigrations()
		v.cloudModules()
	} else {
		v.scopes()
		v.contexts()
		v.modules()
		v.forgeKeys()
		v.retired()
	}
	if lc := v.r.root.Get("lifecycle"); lc != nil && lc.Kind == json5.Object {
		for _, m := range lc.Members {
			v.url(m.Value, "/lifecycle/"+json5.PointerToken(m.Key), urlSecret)
		}
	}
}

func (v *validation) placeholders() {
	if key := v.r.root.Get("key"); key != nil {
		if s, _ := str(key); strings.Contains(s, tokenAppKey) {
			v.at(key, "/key", "placeholder", SeverityNote,
				"key is the placeholder {{appKey}}, which atlassian-connect-express replaces with AC_APP_KEY; key-pattern and key-length were checked only for the placeholder", "")
		}
	}
}

func (v *validation) baseURL() {
	n := v.r.root.Get("baseUrl")
	s, ok := str(n)
	if !ok || s == "" {
		return
	}
	if strings.Contains(s, tokenBaseURL) {
		v.at(n, "/baseUrl", "placeholder", SeverityNote,
			"baseUrl is the placeholder {{localBaseUrl}}, which atlassian-connect-express replaces when it serves the descriptor; the https check (baseurl-https) was skipped",
			"give the base URL the app will serve (connectgen validate --base-url URL) to run it")
		return
	}
	scheme, host := splitURL(s)
	switch {
	case scheme == "" || host == "":
		v.at(n, "/baseUrl", "baseurl-https", SeverityError, fmt.Sprintf("baseUrl %q is not an absolute URL", s),
			"use the app's public https:// address, or {{localBaseUrl}} with atlassian-connect-express")
	case scheme == "https":
	case scheme == "http" && IsLoopback(host):
		v.at(n, "/baseUrl", "baseurl-https", SeverityWarning,
			fmt.Sprintf("baseUrl uses http: fine for local development on %s, but %s installs only https apps", host, v.product.Title()),
			v.tunnelAdvice())
	case scheme == "http":
		v.at(n, "/baseUrl", "baseurl-https", SeverityError, "baseUrl must use https; "+v.product.Title()+" refuses apps served over http",
			fmt.Sprintf("use %q", "https"+s[len("http"):]))
	default:
		v.at(n, "/baseUrl", "baseurl-https", SeverityError, fmt.Sprintf("baseUrl uses the scheme %s:; it must be an https:// URL", scheme), "")
	}
}

// splitURL returns the scheme (lower case) and host of an absolute URL;
// both are "" for a relative one. It is deliberately more lenient than
// net/url: URLs here hold context parameters such as {repository.uuid}.
func splitURL(s string) (scheme, host string) {
	i := 0
	for i < len(s) && (isAlpha(s[i]) || (i > 0 && (isDigit(s[i]) || s[i] == '+' || s[i] == '-' || s[i] == '.'))) {
		i++
	}
	if i == 0 || i >= len(s) || s[i] != ':' {
		return "", ""
	}
	scheme, rest := strings.ToLower(s[:i]), s[i+1:]
	if !strings.HasPrefix(rest, "//") {
		return scheme, ""
	}
	auth := rest[2:]
	if j := strings.IndexAny(auth, "/?#"); j >= 0 {
		auth = auth[:j]
	}
	if j := strings.LastIndexByte(auth, '@'); j >= 0 {
		auth = auth[j+1:]
	}
	if strings.HasPrefix(auth, "[") {
		if j := strings.IndexByte(auth, ']'); j >= 0 {
			return scheme, strings.ToLower(auth[:j+1])
		}
	}
	if j := strings.LastIndexByte(auth, ':'); j >= 0 {
		auth = auth[:j]
	}
	return scheme, strings.ToLower(auth)
}

func isAlpha(c byte) bool { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') }
func isDigit(c byte) bool { return c >= '0' && c <= '9' }

func (v *validation) scopes() {
	n := v.r.root.Get("scopes")
	if n == nil || n.Kind != json5.Array {
		return
	}
	for i, e := range n.Elems {
		s, ok := str(e)
		if !ok {
			continue
		}
		ptr := fmt.Sprintf("/scopes/%d", i)
		if r, removed := removedScopes[s]; removed {
			v.at(e, ptr, "scope-removed", SeverityError, fmt.Sprintf("scope %q was removed on %s; Bitbucket fails the installation of an app that asks for it", s, r.since), r.instead)
			continue
		}
		if !isKnown(knownScopes, s) {
			sugg := didYouMean(s, knownScopes)
			if sugg == "" {
				sugg = "known scopes: " + strings.Join(knownScopes, ", ")
			}
			v.at(e, ptr, "scope-unknown", SeverityError, fmt.Sprintf("unknown scope %q; Bitbucket fails the installation of an app with an unknown scope", s), sugg)
		}
	}
}

func (v *validation) contexts() {
	n := v.r.root.Get("contexts")
	if n == nil || n.Kind != json5.Array {
		return
	}
	for i, e := range n.Elems {
		s, ok := str(e)
		if !ok {
			continue
		}
		ptr := fmt.Sprintf("/contexts/%d", i)
		switch {
		case s == "personal":
			v.at(e, ptr, "context-personal", SeverityError, "the personal context was removed on 2023-01-01; apps are installed in workspaces (account)", `use "contexts": ["account"]`)
		case !isKnown(knownContexts, s):
			sugg := didYouMean(s, knownContexts)
			if sugg == "" {
				sugg = `"account" is the only documented context`
			}
			v.at(e, ptr, "context-unknown", SeverityWarning, fmt.Sprintf("context %q is not documented; Bitbucket documents only account", s), sugg)
		}
	}
}

// URL kinds decide how bad an absolute http:// URL is.
const (
	// urlIframe is loaded in an iframe of an https page: the browser blocks
	// http content there (mixed content).
	urlIframe = iota
	// urlLink is navigated to or shown as an image: http works but is
	// insecure.
	urlLink
	// urlSecret carries the shared secret or signed requests (lifecycle,
	// webhooks): http exposes them.
	urlSecret
)

// moduleURLKind says how each module kind uses its url.
var moduleURLKind = map[string]int{
	"webhooks":            urlSecret,
	"webItems":            urlLink,
	"linkers":             urlLink,
	"postInstallRedirect": urlLink,
}

type moduleRef struct {
	kind string
	ptr  string
	node *json5.Node
}

// eachModule calls fn for every module object, in source order: the
// elements of array kinds and the single-object kinds themselves.
func eachModule(modules *json5.Node, fn func(moduleRef)) {
	for _, m := range modules.Members {
		ptr := "/modules/" + json5.PointerToken(m.Key)
		switch m.Value.Kind {
		case json5.Array:
			for i, e := range m.Value.Elems {
				if e.Kind == json5.Object {
					fn(moduleRef{m.Key, ptr + "/" + strconv.Itoa(i), e})
				}
			}
		case json5.Object:
			if m.Key == "proxy" {
				continue
			}
			fn(moduleRef{m.Key, ptr, m.Value})
		}
	}
}

func (v *validation) modules() {
	modules := v.r.root.Get("modules")
	if modules == nil || modules.Kind != json5.Object {
		return
	}
	v.uniqueModuleKeys(modules)
	eachModule(modules, func(m moduleRef) {
		if locs, ok := knownLocations[m.kind]; ok {
			v.location(m, locs)
		}
		kind, ok := moduleURLKind[m.kind]
		if !ok {
			kind = urlIframe
		}
		if m.kind == "webItems" {
			if t, _ := str(m.node.Get("target").Get("type")); t == "dialog" || t == "inlinedialog" {
				kind = urlIframe
			}
		}
		if u := m.node.Get("url"); u != nil {
			v.url(u, m.ptr+"/url", kind)
		}
		if icon := m.node.Get("icon"); icon != nil {
			v.url(icon.Get("url"), m.ptr+"/icon/url", urlLink)
		}
	})
	if proxy := modules.Get("proxy"); proxy != nil && proxy.Kind == json5.Object {
		for _, m := range proxy.Members {
			ptr := "/modules/proxy/" + json5.PointerToken(m.Key)
			v.url(m.Value.Get("destination"), ptr+"/destination", urlSecret)
		}
	}
	v.webhooks(modules.Get("webhooks"))
}

// uniqueModuleKeys reports a module key used twice, in any two modules.
func (v *validation) uniqueModuleKeys(modules *json5.Node) {
	type firstUse struct {
		ptr  string
		line int
	}
	seen := map[string]firstUse{}
	eachModule(modules, func(m moduleRef) {
		k := m.node.Get("key")
		s, ok := str(k)
		if !ok || s == "" {
			return
		}
		if first, dup := seen[s]; dup {
			v.at(k, m.ptr+"/key", "module-key-duplicate", SeverityError,
				fmt.Sprintf("module key %q is already used by %s (line %d); module keys must be unique across all modules", s, where(first.ptr), first.line), "rename one of them")
		} else {
			seen[s] = firstUse{m.ptr, k.Pos.Line}
		}
	})
}

func (v *validation) location(m moduleRef, locs []string) {
	n := m.node.Get("location")
	s, ok := str(n)
	if !ok || s == "" || isKnown(locs, s) {
		return
	}
	msg := fmt.Sprintf("location %q is not a known location for %s", s, m.kind)
	if kinds := locationKinds(s); len(kinds) > 0 {
		msg += fmt.Sprintf(" (it is one for %s)", strings.Join(kinds, ", "))
	}
	msg += "; Bitbucket may not show the module"
	sugg := didYouMean(s, locs)
	if sugg == "" {
		sugg = fmt.Sprintf("known locations for %s: %s", m.kind, strings.Join(locs, ", "))
	}
	v.at(n, m.ptr+"/location", "location-unknown", SeverityWarning, msg, sugg)
}

// url checks a module or lifecycle URL: well-formed context parameters and,
// when absolute, https.
func (v *validation) url(n *json5.Node, ptr string, kind int) {
	s, ok := str(n)
	if !ok || s == "" {
		return
	}
	// Placeholders are not context parameters; a URL built on
	// {{localBaseUrl}} is as https as the base URL is.
	bare := s
	for _, t := range []string{tokenBaseURL, tokenEnvironment, tokenAppKey} {
		bare = strings.ReplaceAll(bare, t, "")
	}
	if param, problem := contextParamProblem(bare); problem != "" {
		v.at(n, ptr, "url-context-param", SeverityError,
			fmt.Sprintf("%s has a malformed context parameter %q: %s", where(ptr), param, problem),
			"write context parameters as {name} or {name.name}, e.g. "+v.sampleParam()+"; encode a literal brace as %7B or %7D")
	}
	if strings.HasPrefix(s, tokenBaseURL) {
		return
	}
	scheme, host := splitURL(s)
	switch {
	case scheme == "" || scheme == "https":
	case scheme == "http" && IsLoopback(host):
		v.at(n, ptr, "url-absolute-https", SeverityWarning, fmt.Sprintf("%s uses http on %s: fine for local development only", where(ptr), host), "use a URL relative to baseUrl")
	case scheme == "http" && kind == urlLink:
		v.at(n, ptr, "url-absolute-https", SeverityWarning, fmt.Sprintf("%s is an http:// link; %s is served over https", where(ptr), v.product.Title()), fmt.Sprintf("use %q", "https"+s[len("http"):]))
	case scheme == "http" && kind == urlIframe:
		v.at(n, ptr, "url-absolute-https", SeverityError, fmt.Sprintf("%s is an http:// URL; browsers block http content inside %s's https pages", where(ptr), v.product.Title()), fmt.Sprintf("use %q or a URL relative to baseUrl", "https"+s[len("http"):]))
	case scheme == "http":
		v.at(n, ptr, "url-absolute-https", SeverityError, fmt.Sprintf("%s is an http:// URL; signed requests and secrets would travel unencrypted", where(ptr)), fmt.Sprintf("use %q or a URL relative to baseUrl", "https"+s[len("http"):]))
	default:
		v.at(n, ptr, "url-absolute-https", SeverityError, fmt.Sprintf("%s uses the scheme %s:; module URLs are https:// or relative to baseUrl", where(ptr), scheme), "")
	}
}

// contextParamProblem finds the first malformed context parameter in a URL
// and says what is wrong with it; problem is "" when all are well formed.
func contextParamProblem(s string) (param, problem string) {
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '}':
			return "}", "a '}' without its '{'"
		case '{':
			end := strings.IndexByte(s[i+1:], '}')
			if end < 0 {
				return truncateParam(s[i:]), "the '{' is never closed"
			}
			inner := s[i+1 : i+1+end]
			if strings.IndexByte(inner, '{') >= 0 {
				return truncateParam(s[i : i+end+2]), "a '{' inside a context parameter"
			}
			if !validParamName(inner) {
				return truncateParam(s[i : i+end+2]), "a context parameter is a dotted name of letters, digits and '_'"
			}
			i += end + 1
		}
	}
	return "", ""
}

func truncateParam(s string) string {
	if len(s) > 60 {
		return s[:60] + "…"
	}
	return s
}

func validParamName(s string) bool {
	if s == "" {
		return false
	}
	for _, seg := range strings.Split(s, ".") {
		if seg == "" || isDigit(seg[0]) {
			return false
		}
		for j := 0; j < len(seg); j++ {
			c := seg[j]
			if !isAlpha(c) && !isDigit(c) && c != '_' {
				return false
			}
		}
	}
	return true
}

func (v *validation) webhooks(hooks *json5.Node) {
	if hooks == nil || hooks.Kind != json5.Array {
		return
	}
	scopes, declared := v.r.Scopes()
	granted := closeScopes(scopes)
	for i, h := range hooks.Elems {
		ev := h.Get("event")
		s, ok := str(ev)
		if !ok || s == "" || len([]rune(s)) > MaxEventLength {
			continue
		}
		ptr := fmt.Sprintf("/modules/webhooks/%d/event", i)
		if s == "*" {
			if !declared {
				continue
			}
			// "*" is how most apps subscribe; it is worth a note only when
			// the scopes let no event through at all, so a deliberate
			// choice such as account + repository stays quiet.
			var missing, families []string
			anyGranted := false
			for _, f := range eventFamilies {
				if granted[f.Scope] {
					anyGranted = true
				} else if !isKnown(missing, f.Scope) {
					missing = append(missing, f.Scope)
					families = append(families, f.Prefix+"*")
				}
			}
			if !anyGranted {
				v.at(ev, ptr, "webhook-wildcard-filtered", SeverityNote,
					fmt.Sprintf("event \"*\" delivers only what the scopes allow, and these allow none: without %s the app receives no %s events", quoteList(missing), strings.Join(families, ", ")),
					"add the scopes of the events the app needs, or list the events it handles")
			}
			continue
		}
		if !isKnown(knownEvents, s) {
			sugg := didYouMean(s, knownEvents)
			if sugg == "" {
				sugg = "see Bitbucket's list of webhook events, or use \"*\""
			}
			v.at(ev, ptr, "webhook-event-unknown", SeverityError, fmt.Sprintf("unknown webhook event %q", s), sugg)
			continue
		}
		if need := EventScope(s); declared && need != "" && !granted[need] {
			v.at(ev, ptr, "webhook-scope-missing", SeverityError,
				fmt.Sprintf("event %q needs the scope %q, which scopes does not grant; Bitbucket fails the installation", s, need),
				fmt.Sprintf("add %q to scopes", need))
		}
	}
}

func quoteList(ss []string) string {
	q := make([]string, len(ss))
	for i, s := range ss {
		q[i] = fmt.Sprintf("%q", s)
	}
	return strings.Join(q, ", ")
}
