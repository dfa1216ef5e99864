package hostsim

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"mime"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/connectgen/connectgen/internal/connectjwt"
)

// The checks, in report order.
const (
	CheckDescriptor = 1
	CheckInstall    = 2
	CheckWebhooks   = 3
	CheckPages      = 4
	CheckAppCalls   = 5
	CheckSecurity   = 6
	CheckUninstall  = 7
)

var checkNames = map[int]string{
	CheckDescriptor: "descriptor",
	CheckInstall:    "install",
	CheckWebhooks:   "webhooks",
	CheckPages:      "pages",
	CheckAppCalls:   "app calls",
	CheckSecurity:   "security",
	CheckUninstall:  "uninstall",
}

// xssMarker is what check 6 puts into a page's context parameter; a page
// that shows it unescaped would run it.
const xssMarker = `<script>connectgen_xss()</script>`

// RunChecks installs the app, exercises it as Bitbucket would and reports
// the seven checks: descriptor, install, webhooks, pages, the app's own
// calls, security, uninstall. A check that cannot run because an earlier
// one failed is reported as skipped (not passed). The app ends up
// uninstalled when the run gets that far; call Install afterwards to leave
// it installed (same client key, a new secret), as `run --local` wants.
//
// The security check forges tokens against the webhook and page routes
// only: a forged uninstall that the app accepted would delete the
// installation the remaining checks need. The lifecycle routes are tested
// by the unsigned reinstall (check 6) and by check 7.
func (h *Host) RunChecks(ctx context.Context) *Report {
	start := time.Now()
	r := &Report{Product: h.Product(), AppURL: h.appURL, APIURL: h.apiURL}
	add := func(id int) *Check {
		c := &Check{ID: id, Name: checkNames[id]}
		r.Checks = append(r.Checks, c)
		return c
	}
	skipRest := func(from int, why string) {
		for id := from; id <= CheckUninstall; id++ {
			c := add(id)
			c.Skipped, c.Reason = true, "skipped: "+why
		}
	}
	defer func() { r.Duration = time.Since(start) }()

	c1 := add(CheckDescriptor)
	d, err := h.FetchDescriptor(ctx)
	var unreachable *UnreachableError
	if errors.As(err, &unreachable) {
		r.Unreachable = true
		c1.Reason = err.Error()
		skipRest(CheckInstall, "the app could not be reached")
		return r
	}
	if d == nil {
		c1.Reason = err.Error()
		skipRest(CheckInstall, "no descriptor")
		return r
	}
	h.checkDescriptor(c1, d, err)
	r.Product = h.Product()
	if r.Product.Cloud() {
		// Both RSA keys at once: the host's is needed for the install
		// now, check 6's forged one only later.
		go func() { _, _, _ = h.other.get() }() // a probe of another installation: its answer is recorded, its error is not wanted
	}
	if d.Key == "" || d.Lifecycle.Installed == "" {
		skipRest(CheckInstall, "the descriptor has no key or lifecycle.installed")
		return r
	}

	c2 := add(CheckInstall)
	callsBefore := h.callCount()
	inst, err := h.Install(ctx)
	if err != nil {
		c2.Reason = err.Error()
		skipRest(CheckWebhooks, "the app is not installed")
		return r
	}
	c2.Passed = true
	c2.Reason = fmt.Sprintf("installed as %s (baseApiUrl %s)", inst.ClientKey, inst.BaseAPIURL)

	h.checkWebhooks(ctx, add(CheckWebhooks), d)
	h.checkPages(ctx, add(CheckPages), d)
	c5 := add(CheckAppCalls)
	open := h.checkSecurity(ctx, add(CheckSecurity), d)
	// The app's calls are judged before the uninstall: after it, a call is
	// refused for want of an installation, which is check 7's business.
	h.checkAppCalls(c5, h.Calls()[callsBefore:])
	h.checkUninstall(ctx, add(CheckUninstall), d, open)
	return r
}

func (h *Host) checkDescriptor(c *Check, d *Descriptor, err error) {
	res := d.Validation
	for _, f := range res.Findings {
		loc := f.Pointer
		if loc == "" {
			loc = "/"
		}
		c.Details = append(c.Details, fmt.Sprintf("%s %s (%s, line %d): %s", f.Severity, f.Rule, loc, f.Line, f.Message))
	}
	if err != nil {
		c.Reason = fmt.Sprintf("%v: %s", err, firstFinding(d))
		return
	}
	c.Passed = true
	if d.Product.Cloud() {
		c.Reason = fmt.Sprintf("%s (key %s) is a %s app the host can install and sign for (%s): %d warning(s), %d note(s)",
			h.appURL+"/atlassian-connect.json", d.Key, d.Product.Title(), d.ProductReason, res.Warnings(), res.Notes())
		return
	}
	c.Reason = fmt.Sprintf("%s (key %s) is valid: %d warning(s), %d note(s)", h.appURL+"/atlassian-connect.json", d.Key, res.Warnings(), res.Notes())
}

func firstFinding(d *Descriptor) string {
	for _, f := range d.Validation.Findings {
		if f.Severity == "error" {
			return fmt.Sprintf("%s at %s: %s", f.Rule, f.Pointer, f.Message)
		}
	}
	return "no key"
}

func (h *Host) checkWebhooks(ctx context.Context, c *Check, d *Descriptor) {
	var failed []string
	n := 0
	for _, w := range d.Webhooks {
		evs := hookEvents(d, w)
		if len(evs) == 0 {
			c.Details = append(c.Details, fmt.Sprintf("%s %s: no granted scope lets any event through; nothing sent", w.Event, w.URL))
		}
		for _, ev := range evs {
			n++
			a, err := h.sendWebhook(ctx, ev, nil)
			switch {
			case err != nil:
				failed = append(failed, fmt.Sprintf("%s: %v", ev, err))
			case !a.OK():
				failed = append(failed, fmt.Sprintf("%s to %s answered %s", ev, a.URL, a.summary()))
			default:
				c.Details = append(c.Details, fmt.Sprintf("%s to %s: %d", ev, a.URL, a.Status))
			}
		}
	}
	c.Details = append(failed, c.Details...)
	if len(failed) > 0 {
		c.Reason = fmt.Sprintf("%d of %d webhook(s) not accepted: %s", len(failed), n, failed[0])
		return
	}
	c.Passed = true
	if n == 0 {
		c.Reason = "the app has no webhooks"
		return
	}
	c.Reason = fmt.Sprintf("%d signed webhook(s) accepted", n)
}

// maxPages bounds the distinct page URLs the checks load, so that a
// descriptor with thousands of modules cannot turn a run into tens of
// thousands of requests (each page is requested about ten times).
const maxPages = 50

// page is one distinct page URL of the app's modules.
type page struct {
	modules []string // kind key
	key     string   // the first module's key
	shown   string   // path without the parameters Jira adds to every page
	tmpl    string   // the module URL
	path    string   // relative to the app URL, context filled
}

func (h *Host) pages(d *Descriptor) (pages []*page, notes []string) {
	byPath := map[string]*page{}
	for _, m := range d.Modules {
		filled, unknown := h.fillURL(m.URL, nil)
		p, ok := appPath(filled, d.BaseURL)
		if !ok {
			notes = append(notes, fmt.Sprintf("%s %s: %s is not under baseUrl; Bitbucket opens it as a plain link, not loaded", m.Kind, m.Key, m.URL))
			continue
		}
		if len(unknown) > 0 {
			notes = append(notes, fmt.Sprintf("%s %s: no sample value for {%s}; filled with \"\" as Bitbucket does", m.Kind, m.Key, strings.Join(unknown, "}, {")))
		}
		pg := byPath[p]
		if pg == nil && len(pages) == maxPages {
			notes = append(notes, fmt.Sprintf("%s %s: not loaded; only the first %d distinct page URLs are", m.Kind, m.Key, maxPages))
			continue
		}
		if pg == nil {
			pg = &page{tmpl: m.URL, key: m.Key, shown: p, path: h.withPageParams(p, d.Key, m.Key)}
			byPath[p] = pg
			pages = append(pages, pg)
		}
		pg.modules = append(pg.modules, m.Kind+" "+m.Key)
	}
	return pages, notes
}

func (h *Host) checkPages(ctx context.Context, c *Check, d *Descriptor) {
	pages, notes := h.pages(d)
	_, inst, err := h.installed()
	if err != nil {
		c.Reason = err.Error()
		return
	}
	var failed []string
	for _, pg := range pages {
		a, err := h.send(ctx, http.MethodGet, pg.path, http.Header{"Accept": {"text/html"}}, nil, authQuery, h.hostToken(inst, h.now()))
		who := strings.Join(pg.modules, ", ")
		switch {
		case err != nil:
			failed = append(failed, fmt.Sprintf("%s: %v", who, err))
		case !a.OK():
			failed = append(failed, fmt.Sprintf("%s: GET %s answered %s", who, a.URL, a.summary()))
		case !isHTML(a.ContentType):
			failed = append(failed, fmt.Sprintf("%s: GET %s answered %d with Content-Type %q, want text/html", who, a.URL, a.Status, a.ContentType))
		default:
			c.Details = append(c.Details, fmt.Sprintf("%s: GET %s: %d HTML, %d bytes", who, a.URL, a.Status, len(a.Body)))
		}
	}
	c.Details = append(append(failed, c.Details...), notes...)
	if len(failed) > 0 {
		c.Reason = fmt.Sprintf("%d of %d page(s) failed: %s", len(failed), len(pages), failed[0])
		return
	}
	c.Passed = true
	if len(pages) == 0 {
		c.Reason = "the app has no page modules the host loads"
		return
	}
	c.Reason = fmt.Sprintf("%d page(s) of %d module(s) answered 2xx HTML", len(pages), len(d.Modules))
}

func isHTML(ct string) bool {
	mt, _, err := mime.ParseMediaType(ct)
	return err == nil && mt == "text/html"
}

func (h *Host) checkAppCalls(c *Check, calls []Call) {
	bad := 0
	for _, cl := range calls {
		if cl.OK {
			c.Details = append(c.Details, fmt.Sprintf("%s %s: %d, valid app token", cl.Method, cl.Path, cl.Status))
			continue
		}
		bad++
		c.Details = append(c.Details, fmt.Sprintf("%s %s: refused (401): %s", cl.Method, cl.Path, cl.Reason))
	}
	if bad > 0 {
		for _, cl := range calls {
			if !cl.OK {
				c.Reason = fmt.Sprintf("%d of %d call(s) to the REST API had no valid app token; first: %s %s: %s", bad, len(calls), cl.Method, cl.Path, cl.Reason)
				break
			}
		}
		return
	}
	c.Passed = true
	if len(calls) == 0 {
		c.Reason = "the app made no calls to the REST API during the checks"
		return
	}
	c.Reason = fmt.Sprintf("all %d call(s) to the REST API carried a valid app token", len(calls))
}

// route is an authenticated route of the app the security check attacks.
type route struct {
	name   string // for reasons: "webhook /webhook", "page /connect-example"
	method string
	path   string
	event  string // for webhooks
	how    auth
}

// forgery is one kind of bad token; it returns the token for a request,
// or "" for none.
type forgery struct {
	name string
	tok  func(inst Installation, method, rawURL string) (string, error)
}

func (h *Host) forgeries() []forgery {
	now := h.now()
	claims := func(inst Installation, iss, method, rawURL string, at time.Time) (connectjwt.Claims, error) {
		c, err := connectjwt.NewClaims(iss, h.userSub(), method, rawURL, h.appURL, at, TokenTTL)
		if !h.Product().Cloud() {
			c.Audience = connectjwt.Audience{iss}
		}
		return c, err
	}
	return []forgery{
		{"no token", func(Installation, string, string) (string, error) { return "", nil }},
		{"a bad signature", func(inst Installation, method, rawURL string) (string, error) {
			c, err := claims(inst, inst.ClientKey, method, rawURL, now)
			if err != nil {
				return "", err
			}
			return connectjwt.Sign(inst.SharedSecret+"-wrong", c)
		}},
		{"an expired token", func(inst Installation, method, rawURL string) (string, error) {
			c, err := claims(inst, inst.ClientKey, method, rawURL, now.Add(-10*time.Minute))
			if err != nil {
				return "", err
			}
			return connectjwt.Sign(inst.SharedSecret, c)
		}},
		{"a qsh for another URL", func(inst Installation, method, rawURL string) (string, error) {
			c, err := claims(inst, inst.ClientKey, method, h.appURL+"/another-url?x=1", now)
			if err != nil {
				return "", err
			}
			return connectjwt.Sign(inst.SharedSecret, c)
		}},
		{"alg none", func(inst Installation, method, rawURL string) (string, error) {
			c, err := claims(inst, inst.ClientKey, method, rawURL, now)
			if err != nil {
				return "", err
			}
			payload, err := json.Marshal(c)
			if err != nil {
				return "", err
			}
			enc := base64.RawURLEncoding
			return enc.EncodeToString([]byte(`{"alg":"none","typ":"JWT"}`)) + "." + enc.EncodeToString(payload) + ".", nil
		}},
		{"a token for another client key", func(inst Installation, method, rawURL string) (string, error) {
			c, err := claims(inst, "connection:999999999", method, rawURL, now)
			if err != nil {
				return "", err
			}
			return connectjwt.Sign("another-installations-secret-0123456789abcdef0123456789abcdef0", c)
		}},
	}
}

func (h *Host) authRoutes(d *Descriptor) []route {
	var routes []route
	seen := map[string]bool{}
	for _, w := range d.Webhooks {
		evs := hookEvents(d, w)
		p, ok := appPath(w.URL, d.BaseURL)
		if len(evs) == 0 || !ok || seen["POST "+p] {
			continue
		}
		seen["POST "+p] = true
		routes = append(routes, route{name: "webhook " + p, method: http.MethodPost, path: p, event: evs[0], how: authHeader})
	}
	pages, _ := h.pages(d)
	for _, pg := range pages {
		routes = append(routes, route{name: "page " + pg.shown, method: http.MethodGet, path: pg.path, how: authQuery})
	}
	return routes
}

// hit sends r with the token tok makes ("" = no token).
func (h *Host) hit(ctx context.Context, r route, tok tokenFunc) (answer, error) {
	how := r.how
	if tok == nil {
		how = authNone
	}
	if r.event != "" {
		header, body := h.webhookRequest(r.event)
		return h.send(ctx, r.method, r.path, header, body, how, tok)
	}
	return h.send(ctx, r.method, r.path, http.Header{"Accept": {"text/html"}}, nil, how, tok)
}

// checkSecurity returns the routes that accepted a request without a
// token: they authenticate nothing, which check 6 reports, so check 7 does
// not try them again.
func (h *Host) checkSecurity(ctx context.Context, c *Check, d *Descriptor) (open map[string]bool) {
	open = map[string]bool{}
	_, inst, err := h.installed()
	if err != nil {
		c.Reason = err.Error()
		return open
	}
	var failed []string
	fail := func(s string) { failed = append(failed, s) }
	routes := h.authRoutes(d)
	tried := 0
	for _, rt := range routes {
		for _, f := range h.forgeries() {
			f := f
			var tok tokenFunc
			if f.name != "no token" {
				tok = func(method, rawURL string) (string, error) { return f.tok(inst, method, rawURL) }
			}
			tried++
			a, err := h.hit(ctx, rt, tok)
			switch {
			case err != nil:
				c.Details = append(c.Details, fmt.Sprintf("%s with %s: no answer (%v), counted as refused", rt.name, f.name, err))
			case a.OK():
				fail(fmt.Sprintf("%s accepted a request with %s (%d)", rt.name, f.name, a.Status))
				if tok == nil {
					open[rt.name] = true
				}
			default:
				c.Details = append(c.Details, fmt.Sprintf("%s with %s: refused (%d)", rt.name, f.name, a.Status))
			}
		}
	}

	// Reinstall: without a token anyone could replace the installation.
	detail := func(s string) { c.Details = append(c.Details, s) }
	if h.Product().Cloud() {
		h.checkCloudInstallSecurity(ctx, d, inst, fail, detail)
	} else {
		h.checkBitbucketReinstall(ctx, inst, fail, detail)
	}

	// Escaping: every page whose query carries a context parameter gets
	// the marker there, correctly signed.
	xssTried := 0
	pages, _ := h.pages(d)
	for _, pg := range pages {
		var params []string
		filled, _ := h.fillURL(pg.tmpl, func(name string) (string, bool) {
			params = append(params, name)
			return xssMarker, true
		})
		if len(params) == 0 {
			continue
		}
		p, ok := appPath(filled, d.BaseURL)
		if !ok {
			continue
		}
		p = h.withPageParams(p, d.Key, pg.key)
		xssTried++
		a, err := h.send(ctx, http.MethodGet, p, http.Header{"Accept": {"text/html"}}, nil, authQuery, h.hostToken(inst, h.now()))
		switch {
		case err != nil:
			fail(fmt.Sprintf("page %s with <script> in %s: %v", pg.path, strings.Join(params, ", "), err))
		case strings.Contains(string(a.Body), xssMarker):
			fail(fmt.Sprintf("page %s echoed %s unescaped: %s came back as is (%d)", pathOnly(pg.path), strings.Join(params, ", "), xssMarker, a.Status))
		default:
			c.Details = append(c.Details, fmt.Sprintf("page %s with <script> in %s: not echoed raw (%d)", pathOnly(pg.path), strings.Join(params, ", "), a.Status))
		}
	}
	if xssTried == 0 {
		c.Details = append(c.Details, "no page URL carries a context parameter in its query; escaping not tried")
	}
	c.Details = append(failed, c.Details...)
	if len(failed) > 0 {
		c.Reason = fmt.Sprintf("%d problem(s): %s", len(failed), strings.Join(failed, "; "))
		return open
	}
	c.Passed = true
	lifecycle := "reinstall needs the current secret"
	if h.Product().Cloud() {
		lifecycle = "installs need the host's RS256 signature for this app and client"
	}
	c.Reason = fmt.Sprintf("%d forged request(s) to %d route(s) refused; %s; %d page(s) escape <script>", tried, len(routes), lifecycle, xssTried)
	return open
}

func pathOnly(p string) string {
	u, err := url.Parse(p)
	if err != nil {
		return p
	}
	return u.Path
}

func (h *Host) checkUninstall(ctx context.Context, c *Check, d *Descriptor, open map[string]bool) {
	_, inst, err := h.installed()
	if err != nil {
		c.Reason = err.Error()
		return
	}
	if d.Lifecycle.Uninstalled == "" {
		c.Reason = "the descriptor has no lifecycle.uninstalled URL: the app never learns it was removed"
		return
	}
	if err := h.Uninstall(ctx); err != nil {
		c.Reason = err.Error()
		return
	}
	if h.Product().Cloud() {
		c.Details = append(c.Details, "uninstall signed with the host's RS256 key: accepted")
	} else {
		c.Details = append(c.Details, "uninstall signed with the shared secret: accepted")
	}
	var routes []route
	for _, rt := range h.authRoutes(d) {
		if open[rt.name] {
			c.Details = append(c.Details, fmt.Sprintf("%s not tried: it accepts requests without a token (check 6)", rt.name))
			continue
		}
		routes = append(routes, rt)
	}
	if len(routes) == 0 {
		c.Passed = true
		c.Reason = "uninstalled; the app has no authenticated route to try afterwards"
		return
	}
	var failed []string
	for _, rt := range routes {
		a, err := h.hit(ctx, rt, h.hostToken(inst, h.now()))
		switch {
		case err != nil:
			c.Details = append(c.Details, fmt.Sprintf("%s after the uninstall: no answer (%v), counted as refused", rt.name, err))
		case a.OK():
			failed = append(failed, fmt.Sprintf("after the uninstall, %s still accepted a request signed for %s (%d)", rt.name, inst.ClientKey, a.Status))
		default:
			c.Details = append(c.Details, fmt.Sprintf("%s after the uninstall: refused (%d)", rt.name, a.Status))
		}
	}
	c.Details = append(failed, c.Details...)
	if len(failed) > 0 {
		c.Reason = strings.Join(failed, "; ")
		return
	}
	c.Passed = true
	c.Reason = fmt.Sprintf("uninstalled; afterwards %d route(s) refused requests signed for %s", len(routes), inst.ClientKey)
}

// checkBitbucketReinstall is check 6's lifecycle part for Bitbucket: a
// reinstall without a token is refused; signed with the current secret,
// as Bitbucket updates an app, it is accepted.
func (h *Host) checkBitbucketReinstall(ctx context.Context, inst Installation, fail, detail func(string)) {
	if a, err := h.reinstall(ctx, false); err != nil {
		fail(fmt.Sprintf("reinstall without a token: %v", err))
	} else if a.OK() {
		fail(fmt.Sprintf("a reinstall of %s without a token was accepted (%d): anyone could replace the installation's shared secret", inst.ClientKey, a.Status))
	} else {
		detail(fmt.Sprintf("reinstall without a token: refused (%d)", a.Status))
	}
	if a, err := h.reinstall(ctx, true); err != nil {
		fail(fmt.Sprintf("reinstall signed with the current secret: %v", err))
	} else if !a.OK() {
		fail(fmt.Sprintf("a reinstall signed with the current shared secret was refused: %s", a.summary()))
	} else {
		detail(fmt.Sprintf("reinstall signed with the current secret: accepted (%d)", a.Status))
	}
}
