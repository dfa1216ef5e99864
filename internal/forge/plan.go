package forge

import (
	"fmt"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"github.com/connectgen/connectgen/internal/descriptor"
	"github.com/connectgen/connectgen/internal/json5"
)

// Item is one part of the descriptor and where it goes in Forge.
type Item struct {
	// Category is module, location, scope, event, condition, lifecycle or key.
	Category string `json:"category"`
	// Connect names the item as the descriptor has it.
	Connect string   `json:"connect"`
	Pointer string   `json:"pointer"`
	Line    int      `json:"line"`
	Column  int      `json:"column"`
	Forge   []string `json:"forge"`
	Fields  string   `json:"fields,omitempty"`
	Fit     Fit      `json:"fit"`
	Instead string   `json:"instead,omitempty"`
	Source  string   `json:"source"`
}

// Module is one Forge module the starter app gets.
type Module struct {
	Type  string `json:"type"`
	Key   string `json:"key"`
	Title string `json:"title"`
	// From is the pointer of the Connect module it replaces.
	From string `json:"from"`
	// UseAsConfig and UseAsGetStarted are the Bitbucket page flags.
	UseAsConfig     bool `json:"useAsConfig,omitempty"`
	UseAsGetStarted bool `json:"useAsGetStarted,omitempty"`
	// FilePattern is a file viewer's regular expression.
	FilePattern string `json:"filePattern,omitempty"`
}

// Plan is the migration report of one descriptor, and the Forge app it
// leads to.
type Plan struct {
	Source      string `json:"source"`
	AppKey      string `json:"appKey"`
	AppName     string `json:"appName"`
	Description string `json:"description"`
	Items       []Item `json:"items"`
	// Summary counts the items by fit.
	Summary map[Fit]int `json:"summary"`

	Modules []Module `json:"forgeModules"`
	// Events are the Forge trigger events of the mapped webhooks.
	Events []string `json:"forgeEvents"`
	// Scopes are the Forge permission scopes: the mapped Connect scopes
	// and those the events need.
	Scopes []string `json:"forgeScopes"`
	// Installed and Uninstalled say whether lifecycle callbacks map to an
	// install trigger and a preUninstall function.
	Installed   bool `json:"installed"`
	Uninstalled bool `json:"uninstalled"`
	Licensing   bool `json:"licensing"`
}

// NotBitbucketError is the error for a Jira or Confluence descriptor.
type NotBitbucketError struct {
	Product string
	// Why says what gave the product away (descriptor.DetectProduct).
	Why string
}

func (e *NotBitbucketError) Error() string {
	why := ""
	if e.Why != "" {
		why = " (" + e.Why + ")"
	}
	return fmt.Sprintf("this looks like a %s descriptor%s; connectgen forge is Bitbucket only; for Jira and Confluence use Atlassian's connect-to-forge (npx @atlassian/connect-to-forge --type %s --url <descriptor URL>, from packages.atlassian.com)", title(e.Product), why, e.Product)
}

func title(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

// InvalidError is the error for a descriptor that cannot be read as one.
type InvalidError struct {
	File    string
	Finding descriptor.Finding
}

func (e *InvalidError) Error() string {
	return fmt.Sprintf("%s:%d:%d: %s; fix it first (connectgen validate %s)", e.File, e.Finding.Line, e.Finding.Column, e.Finding.Message, e.File)
}

// NewPlan maps a validated descriptor. It refuses descriptors that are not
// JSON objects and Jira or Confluence descriptors; other validation
// findings do not stop it, since a migration report of an imperfect
// descriptor is still useful.
func NewPlan(res *descriptor.Result) (*Plan, error) {
	root := res.Root()
	if root == nil || root.Kind != json5.Object {
		f := descriptor.Finding{Line: 1, Column: 1, Message: "not a descriptor"}
		if len(res.Findings) > 0 {
			f = res.Findings[0]
		}
		return nil, &InvalidError{File: res.File, Finding: f}
	}
	if p, why := descriptor.DetectProduct(root); !p.Info().ForgeMigration {
		return nil, &NotBitbucketError{Product: string(p), Why: why}
	}
	s := func(key string) string { v, _ := strString(root.Get(key)); return v }
	p := &Plan{Source: res.File, AppKey: s("key"), AppName: s("name"), Description: s("description"), Items: []Item{}, Summary: map[Fit]int{}}
	b := &builder{p: p, scopes: map[string]bool{}, events: map[string]bool{}, moduleKeys: map[string]bool{}}
	b.keys(root)
	b.lifecycle(root.Get("lifecycle"))
	b.mapScopes(res)
	b.modules(root.Get("modules"), res)
	for _, it := range p.Items {
		p.Summary[it.Fit]++
	}
	for e := range b.events {
		p.Events = append(p.Events, e)
		b.scopes[forgeEventScopes[e]] = true
	}
	sort.Strings(p.Events)
	for sc := range b.scopes {
		p.Scopes = append(p.Scopes, sc)
	}
	sort.Strings(p.Scopes)
	return p, nil
}

func strString(n *json5.Node) (string, bool) {
	if n == nil || n.Kind != json5.String {
		return "", false
	}
	return n.Str, true
}

type builder struct {
	p          *Plan
	scopes     map[string]bool
	events     map[string]bool
	moduleKeys map[string]bool
}

func (b *builder) add(cat, connect, ptr string, n *json5.Node, r Row) {
	it := Item{Category: cat, Connect: connect, Pointer: ptr, Forge: r.Forge, Fields: r.Fields, Fit: r.Fit, Instead: r.Instead, Source: r.Source, Line: 1, Column: 1}
	if it.Forge == nil {
		it.Forge = []string{}
	}
	if n != nil {
		it.Line, it.Column = n.Pos.Line, n.Pos.Column
	}
	b.p.Items = append(b.p.Items, it)
}

func (b *builder) keys(root *json5.Node) {
	for _, r := range keyRows {
		m := root.Member(r.Connect)
		if m == nil {
			continue
		}
		connect := r.Connect
		switch r.Connect {
		case "authentication":
			t, _ := strString(m.Value.Get("type"))
			if !strings.EqualFold(t, "jwt") {
				continue
			}
			connect = "authentication: jwt"
		case "enableLicensing":
			if m.Value.Kind != json5.Bool || !m.Value.Bool {
				continue
			}
			b.p.Licensing = true
		}
		b.add("key", connect, "/"+r.Connect, m.Value, r)
	}
}

func (b *builder) lifecycle(lc *json5.Node) {
	if lc == nil || lc.Kind != json5.Object {
		return
	}
	for _, m := range lc.Members {
		r, ok := find(lifecycleRows, m.Key)
		if !ok {
			r = Row{Connect: m.Key, Fit: FitNone, Instead: "an unknown lifecycle callback: Bitbucket never calls it", Source: srcLifecycle}
		}
		switch m.Key {
		case "installed":
			b.p.Installed = true
		case "uninstalled":
			b.p.Uninstalled = true
		}
		b.add("lifecycle", "lifecycle."+m.Key, "/lifecycle/"+json5.PointerToken(m.Key), m.Value, r)
	}
}

func (b *builder) mapScopes(res *descriptor.Result) {
	n := res.Root().Get("scopes")
	if n == nil || n.Kind != json5.Array {
		return
	}
	for i, e := range n.Elems {
		s, ok := strString(e)
		if !ok {
			continue
		}
		r, ok := find(scopeRows, s)
		if !ok {
			r = Row{Connect: s, Fit: FitNone, Instead: "not a Bitbucket scope (connectgen validate says why); no Forge scope", Source: srcScopes}
		}
		for _, f := range r.Forge {
			b.scopes[f] = true
		}
		b.add("scope", s, "/scopes/"+strconv.Itoa(i), e, r)
	}
}

// each calls fn for every module object of a kind: the elements of a list
// and the single-object kinds themselves.
func each(kind string, v *json5.Node, fn func(ptr string, n *json5.Node)) {
	base := "/modules/" + json5.PointerToken(kind)
	switch v.Kind {
	case json5.Array:
		for i, e := range v.Elems {
			if e.Kind == json5.Object {
				fn(base+"/"+strconv.Itoa(i), e)
			}
		}
	case json5.Object:
		fn(base, v)
	}
}

func (b *builder) modules(mods *json5.Node, res *descriptor.Result) {
	if mods == nil || mods.Kind != json5.Object {
		return
	}
	for _, m := range mods.Members {
		kind := m.Key
		switch kind {
		case "webhooks":
			b.webhooks(m, res)
			continue
		case "proxy":
			r, _ := find(moduleRows, kind)
			if m.Value.Kind == json5.Object {
				for _, pm := range m.Value.Members {
					b.add("module", "proxy "+pm.Key, "/modules/proxy/"+json5.PointerToken(pm.Key), pm.Value, r)
				}
			}
			continue
		}
		each(kind, m.Value, func(ptr string, n *json5.Node) {
			key, _ := strString(n.Get("key"))
			name := kind
			if key != "" {
				name += " " + key
			}
			r, ok := find(moduleRows, kind)
			cat := "module"
			if loc, isLoc := strString(n.Get("location")); isLoc || len(descriptor.KnownLocations(kind)) > 0 {
				cat = "location"
				name += " @ " + loc
				if lr, found := find(locationRows, kind+"@"+loc); found {
					r, ok = lr, true
				} else if ok && len(descriptor.KnownLocations(kind)) > 0 {
					r.Instead = fmt.Sprintf("location %q has no Forge equivalent; %s", loc, r.Instead)
					r.Forge, r.Fit = nil, FitNone
				}
			}
			if !ok {
				r = Row{Connect: kind, Fit: FitNone, Instead: "not a Bitbucket module kind (connectgen validate says why)", Source: srcSchema}
				if plural, found := find(moduleRows, kind+"s"); found {
					r.Instead = fmt.Sprintf("not a Bitbucket module kind: did you mean %q? Bitbucket refuses the descriptor as it is", plural.Connect)
				}
			}
			if kind == "webItems" && isExternalLink(n) {
				u, _ := strString(n.Get("url"))
				r = Row{Connect: kind, Fit: FitNone, Instead: fmt.Sprintf("the item only links to %s: %s", u, noLinkItem), Source: srcSchema}
			}
			b.add(cat, name, ptr, n, r)
			b.conditions(n.Get("conditions"), ptr+"/conditions", name)
			if len(r.Forge) > 0 {
				b.module(kind, key, ptr, n, r.Forge[0])
			}
		})
	}
}

func (b *builder) conditions(n *json5.Node, ptr, module string) {
	if n == nil || n.Kind != json5.Array {
		return
	}
	for i, c := range n.Elems {
		name, _ := strString(c.Get("condition"))
		if name == "" {
			if _, ok := strString(c.Get("or")); ok || c.Get("or") != nil || c.Get("and") != nil {
				name = "and/or group"
			} else {
				name = "condition"
			}
		}
		b.add("condition", fmt.Sprintf("%s (on %s)", name, module), ptr+"/"+strconv.Itoa(i), c, conditionRow)
	}
}

var moduleKeyRE = regexp.MustCompile(`[^a-zA-Z0-9_-]+`)

// module records the Forge module that replaces a Connect one.
func (b *builder) module(kind, key, ptr string, n *json5.Node, forgeType string) {
	key = strings.Trim(moduleKeyRE.ReplaceAllString(key, "-"), "-")
	if key == "" {
		key = strings.ToLower(kind)
	}
	for base, i := key, 2; b.moduleKeys[key]; i++ {
		key = fmt.Sprintf("%s-%d", base, i)
	}
	b.moduleKeys[key] = true
	title, _ := strString(n.Get("name").Get("value"))
	if title == "" {
		title = b.p.AppName
	}
	if title == "" {
		title = key
	}
	if r := []rune(title); len(r) > 255 {
		title = string(r[:255])
	}
	mod := Module{Type: forgeType, Key: key, Title: title, From: ptr}
	switch kind {
	case "configurePage":
		mod.UseAsConfig = !b.hasFlag(func(m Module) bool { return m.UseAsConfig })
	case "postInstallRedirect":
		mod.UseAsGetStarted = !b.hasFlag(func(m Module) bool { return m.UseAsGetStarted })
	case "fileViews":
		mod.FilePattern = filePattern(n.Get("file_matches").Get("extensions"))
	}
	b.p.Modules = append(b.p.Modules, mod)
}

func (b *builder) hasFlag(f func(Module) bool) bool {
	for _, m := range b.p.Modules {
		if f(m) {
			return true
		}
	}
	return false
}

// filePattern turns file_matches.extensions into a file viewer's regular
// expression: ["md", "txt"] is .*\.(md|txt)$.
func filePattern(exts *json5.Node) string {
	var alts []string
	if exts != nil && exts.Kind == json5.Array {
		for _, e := range exts.Elems {
			if s, ok := strString(e); ok && s != "" {
				alts = append(alts, regexp.QuoteMeta(strings.TrimPrefix(s, ".")))
			}
		}
	}
	if len(alts) == 0 {
		return ".*"
	}
	return `.*\.(` + strings.Join(alts, "|") + `)$`
}

func (b *builder) webhooks(m *json5.Member, res *descriptor.Result) {
	hooks := m.Value
	if hooks.Kind != json5.Array {
		return
	}
	if r, ok := find(moduleRows, "webhooks"); ok && len(hooks.Elems) > 0 {
		b.add("module", "webhooks", "/modules/webhooks", hooks, r)
	}
	scopes, declared := res.Scopes()
	granted := descriptor.GrantedScopes(scopes, declared)
	for i, h := range hooks.Elems {
		ev := h.Get("event")
		s, ok := strString(ev)
		if !ok {
			continue
		}
		ptr := fmt.Sprintf("/modules/webhooks/%d/event", i)
		if s == "*" {
			b.wildcard(ev, ptr, granted)
			continue
		}
		r, ok := find(eventRows, s)
		if !ok {
			r = Row{Connect: s, Fit: FitNone, Instead: "not a Bitbucket event (connectgen validate says why)", Source: srcEvents}
		}
		for _, f := range r.Forge {
			b.events[f] = true
		}
		b.add("event", s, ptr, ev, r)
	}
}

// wildcard maps "*": every event of the families the Connect scopes let
// through, each reported on its own, so that the report says what "*"
// loses.
func (b *builder) wildcard(ev *json5.Node, ptr string, granted map[string]bool) {
	for _, e := range descriptor.KnownEvents() {
		need := descriptor.EventScope(e)
		if need != "" && !granted[need] {
			continue
		}
		r, ok := find(eventRows, e)
		if !ok {
			continue
		}
		for _, f := range r.Forge {
			b.events[f] = true
		}
		b.add("event", "* → "+e, ptr, ev, r)
	}
}

// Exceeds reports whether an item is at least as bad as the fit given
// (--fail-on); FitNone is the default threshold, "never" never exceeds.
func (p *Plan) Exceeds(threshold string) bool {
	if threshold == "never" {
		return false
	}
	limit := Fit(threshold).rank()
	for _, it := range p.Items {
		if it.Fit.rank() >= limit && it.Fit.rank() > 0 {
			return true
		}
	}
	return false
}

// FailOnValues are the accepted --fail-on thresholds.
var FailOnValues = []string{string(FitNone), string(FitWeak), string(FitPartial), "never"}

// isExternalLink reports whether a web item navigates to an absolute URL
// outside the app (not a dialog, not under {{localBaseUrl}}).
func isExternalLink(n *json5.Node) bool {
	u, _ := strString(n.Get("url"))
	if t, _ := strString(n.Get("target").Get("type")); t == "dialog" || t == "inlinedialog" {
		return false
	}
	return strings.HasPrefix(u, "http://") || strings.HasPrefix(u, "https://") || strings.HasPrefix(u, "//")
}
