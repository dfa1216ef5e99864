// Package hostcheck judges a Connect app with connectgen's local host
// (internal/hostsim): it installs the app, sends it webhooks and loads its
// pages as the product would, watches its own calls to the REST stand-in,
// forges tokens against it and uninstalls it, and reports seven checks.
// `connectgen simulate`, `run --local` and the host page use it.
package hostcheck

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"mime"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/connectgen/connectgen/internal/descriptor"
	"github.com/connectgen/connectgen/internal/hostsim"
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

// Run installs the app in h, exercises it as the product would and reports
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
func Run(ctx context.Context, h *hostsim.Host) *Report { return RunWith(ctx, h, Options{}) }

// Options adjust Run.
type Options struct {
	// Probing, when not nil, is called with true before the host sends
	// the app requests it must refuse (forged tokens, requests after the
	// uninstall) and with false after them, so that the app's own log
	// lines about them can be told apart (see ProbeLog).
	Probing func(active bool)
}

// RunWith is Run with options.
func RunWith(ctx context.Context, h *hostsim.Host, opts Options) *Report {
	probes := &prober{hook: opts.Probing}
	start := time.Now()
	r := &Report{Product: h.Product(), AppURL: h.AppURL(), APIURL: h.APIURL()}
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
	var unreachable *hostsim.UnreachableError
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
	checkDescriptor(h, c1, d, err)
	r.Product = h.Product()
	// Both RSA keys at once (for products that sign installs): the
	// host's is needed for the install now, check 6's forged one only
	// later.
	h.PrepareKeys()
	if d.Key == "" || d.Lifecycle.Installed == "" {
		skipRest(CheckInstall, "the descriptor has no key or lifecycle.installed")
		return r
	}

	c2 := add(CheckInstall)
	callsBefore := h.CallCount()
	inst, err := h.Install(ctx)
	if err != nil {
		c2.Reason = err.Error()
		skipRest(CheckWebhooks, "the app is not installed")
		return r
	}
	c2.Passed = true
	c2.Reason = fmt.Sprintf("installed as %s (baseApiUrl %s)", inst.ClientKey, inst.BaseAPIURL)

	checkWebhooks(ctx, h, add(CheckWebhooks), d)
	checkPages(ctx, h, add(CheckPages), d)
	c5 := add(CheckAppCalls)
	sec := checkSecurity(ctx, h, add(CheckSecurity), d, probes)
	// The app's calls are judged before the uninstall: after it, a call is
	// refused for want of an installation, which is check 7's business.
	// The calls the app made while serving check 6's <script> probe are
	// its answer to the probe, which check 6 judges.
	calls := h.Calls()
	checkAppCalls(c5, append(calls[callsBefore:sec.xssFrom:sec.xssFrom], calls[sec.xssTo:]...), calls[sec.xssFrom:sec.xssTo])
	checkUninstall(ctx, h, add(CheckUninstall), d, sec.open, probes)
	return r
}

func checkDescriptor(h *hostsim.Host, c *Check, d *hostsim.Descriptor, err error) {
	res := d.Validation
	for _, f := range res.Findings {
		loc := f.Pointer
		if loc == "" {
			loc = "/"
		}
		c.Details = append(c.Details, fmt.Sprintf("%s %s (%s, %s): %s", f.Severity, f.Rule, loc, position(d.Source, f), f.Message))
	}
	if err != nil {
		c.Reason = fmt.Sprintf("%v: %s", err, firstFinding(d))
		return
	}
	c.Passed = true
	if !d.Product.Info().Default {
		c.Reason = fmt.Sprintf("%s (key %s) is a %s app the host can install and sign for (%s): %s",
			h.AppURL()+"/atlassian-connect.json", d.Key, d.Product.Title(), d.ProductReason, findingCounts(res))
		return
	}
	c.Reason = fmt.Sprintf("%s (key %s) is valid: %s", h.AppURL()+"/atlassian-connect.json", d.Key, findingCounts(res))
}

// findingCounts counts the warnings and notes, naming the rules of the
// warnings: "1 warning(s) (baseurl-https), 0 note(s)".
func findingCounts(res *descriptor.Result) string {
	var rules []string
	seen := map[string]bool{}
	for _, f := range res.Findings {
		if f.Severity == descriptor.SeverityWarning && !seen[f.Rule] {
			seen[f.Rule] = true
			rules = append(rules, f.Rule)
		}
	}
	warnings := fmt.Sprintf("%d warning(s)", res.Warnings())
	if len(rules) > 0 {
		warnings += " (" + strings.Join(rules, ", ") + ")"
	}
	return fmt.Sprintf("%s, %d note(s)", warnings, res.Notes())
}

// minifiedLine is the length beyond which a line of the served
// descriptor is read as minified: a line number alone then says nothing.
const minifiedLine = 200

// position is where a finding is in the served descriptor: its line, and
// the column too when that line is a long (minified) one, where every
// finding would otherwise be "line 1".
func position(src []byte, f descriptor.Finding) string {
	if f.Line <= 0 {
		return "line ?"
	}
	lines := bytes.SplitN(src, []byte("\n"), f.Line+1)
	if f.Line <= len(lines) && len(lines[f.Line-1]) > minifiedLine && f.Column > 0 {
		return fmt.Sprintf("line %d, column %d", f.Line, f.Column)
	}
	return fmt.Sprintf("line %d", f.Line)
}

func firstFinding(d *hostsim.Descriptor) string {
	for _, f := range d.Validation.Findings {
		if f.Severity == "error" {
			return fmt.Sprintf("%s at %s: %s", f.Rule, f.Pointer, f.Message)
		}
	}
	return "no key"
}

func checkWebhooks(ctx context.Context, h *hostsim.Host, c *Check, d *hostsim.Descriptor) {
	var failed []string
	n := 0
	for _, w := range d.Webhooks {
		evs := h.WebhookEvents(d, w)
		if len(evs) == 0 {
			c.Details = append(c.Details, fmt.Sprintf("%s %s: no granted scope lets any event through; nothing sent", w.Event, w.URL))
		}
		for _, ev := range evs {
			n++
			a, err := h.SendWebhookAs(ctx, ev, nil)
			switch {
			case err != nil:
				failed = append(failed, fmt.Sprintf("%s: %v", ev, err))
			case !a.OK():
				failed = append(failed, fmt.Sprintf("%s to %s answered %s", ev, a.URL, a.Summary()))
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
		c.NotTried = true
		c.Reason = "not tried: the app has no webhooks"
		if len(d.Webhooks) > 0 {
			c.Reason = "not tried: no granted scope lets an event through to the app's webhooks"
		}
		return
	}
	c.Reason = fmt.Sprintf("%d signed webhook(s) accepted", n)
}

func checkPages(ctx context.Context, h *hostsim.Host, c *Check, d *hostsim.Descriptor) {
	pages, notes := h.Pages(d)
	_, inst, err := h.Installed()
	if err != nil {
		c.Reason = err.Error()
		return
	}
	var failed []string
	for _, pg := range pages {
		a, err := h.Send(ctx, http.MethodGet, pg.Path, http.Header{"Accept": {"text/html"}}, nil, hostsim.AuthQuery, h.PageToken(inst))
		who := strings.Join(pg.Modules, ", ")
		switch {
		case err != nil:
			failed = append(failed, fmt.Sprintf("%s: %v", who, err))
		case !a.OK():
			failed = append(failed, fmt.Sprintf("%s: GET %s answered %s", who, a.URL, a.Summary()))
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
		c.NotTried = true
		c.Reason = "not tried: the app has no page modules the host loads"
		return
	}
	c.Reason = fmt.Sprintf("%d page(s) of %d module(s) answered 2xx HTML", len(pages), len(d.Modules))
}

func isHTML(ct string) bool {
	mt, _, err := mime.ParseMediaType(ct)
	return err == nil && mt == "text/html"
}

// checkAppCalls judges the app's own calls to the REST API; probeCalls,
// made while the app served check 6's <script> probe, are listed but not
// counted.
func checkAppCalls(c *Check, calls, probeCalls []hostsim.Call) {
	defer func() {
		for _, cl := range probeCalls {
			verdict := "valid app token"
			if !cl.OK {
				verdict = "refused (401): " + cl.Reason
			}
			c.Details = append(c.Details, fmt.Sprintf("%s %s: %d, %s; not counted: made while serving check 6's <script> probe", cl.Method, cl.Path, cl.Status, verdict))
		}
	}()
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
		c.NotTried = true
		c.Reason = "not tried: the app made no calls to the REST API during the checks"
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
	how    hostsim.Auth
}

func authRoutes(h *hostsim.Host, d *hostsim.Descriptor) []route {
	var routes []route
	seen := map[string]bool{}
	for _, w := range d.Webhooks {
		evs := h.WebhookEvents(d, w)
		p, ok := hostsim.AppPath(w.URL, d.BaseURL)
		if len(evs) == 0 || !ok || seen["POST "+p] {
			continue
		}
		seen["POST "+p] = true
		routes = append(routes, route{name: "webhook " + p, method: http.MethodPost, path: p, event: evs[0], how: hostsim.AuthHeader})
	}
	pages, _ := h.Pages(d)
	for _, pg := range pages {
		routes = append(routes, route{name: "page " + pg.Shown, method: http.MethodGet, path: pg.Path, how: hostsim.AuthQuery})
	}
	return routes
}

// hit sends r with the token tok makes ("" = no token).
func hit(ctx context.Context, h *hostsim.Host, r route, tok hostsim.TokenFunc) (hostsim.Answer, error) {
	how := r.how
	if tok == nil {
		how = hostsim.AuthNone
	}
	if r.event != "" {
		header, body := h.WebhookRequest(r.event)
		return h.Send(ctx, r.method, r.path, header, body, how, tok)
	}
	return h.Send(ctx, r.method, r.path, http.Header{"Accept": {"text/html"}}, nil, how, tok)
}

// security is what check 6 leaves the others: the routes that accepted a
// request without a token (they authenticate nothing, which check 6
// reports, so check 7 does not try them again), and the span of the REST
// calls the app made while serving the <script> probe (Calls()[xssFrom:
// xssTo]).
type security struct {
	open           map[string]bool
	xssFrom, xssTo int
}

func checkSecurity(ctx context.Context, h *hostsim.Host, c *Check, d *hostsim.Descriptor, probes *prober) (sec security) {
	sec.open = map[string]bool{}
	sec.xssFrom, sec.xssTo = h.CallCount(), h.CallCount()
	open := sec.open
	_, inst, err := h.Installed()
	if err != nil {
		c.Reason = err.Error()
		return sec
	}
	var failed []string
	fail := func(s string) { failed = append(failed, s) }
	routes := authRoutes(h, d)
	tried := 0
	probes.start()
	for _, rt := range routes {
		for _, f := range h.Forgeries() {
			var tok hostsim.TokenFunc
			if f.Name != hostsim.NoToken {
				tok = func(method, rawURL string) (string, error) { return f.Token(inst, method, rawURL) }
			}
			tried++
			a, err := hit(ctx, h, rt, tok)
			switch {
			case err != nil:
				c.Details = append(c.Details, fmt.Sprintf("%s with %s: no answer (%v), counted as refused", rt.name, f.Name, err))
			case a.OK():
				fail(fmt.Sprintf("%s accepted a request with %s (%d)", rt.name, f.Name, a.Status))
				if tok == nil {
					open[rt.name] = true
				}
			default:
				c.Details = append(c.Details, fmt.Sprintf("%s with %s: refused (%d)", rt.name, f.Name, a.Status))
			}
		}
	}

	// Reinstall: without a token anyone could replace the installation.
	reinstalls := h.LifecycleProbes(inst, d)
	checkReinstalls(ctx, h, d, inst, reinstalls, probes, fail, func(s string) { c.Details = append(c.Details, s) })
	probes.stop()
	forgedInstalls := 0
	for _, p := range reinstalls.Probes {
		if !p.Accept {
			forgedInstalls++
		}
	}

	// Escaping: every page whose query carries a context parameter gets
	// the marker there, correctly signed.
	xssTried := 0
	sec.xssFrom = h.CallCount()
	pages, _ := h.Pages(d)
	for _, pg := range pages {
		var params []string
		filled, _ := h.FillURL(pg.Tmpl, func(name string) (string, bool) {
			params = append(params, name)
			return xssMarker, true
		})
		if len(params) == 0 {
			continue
		}
		p, ok := hostsim.AppPath(filled, d.BaseURL)
		if !ok {
			continue
		}
		p = h.PageURL(p, d.Key, pg.Key)
		xssTried++
		a, err := h.Send(ctx, http.MethodGet, p, http.Header{"Accept": {"text/html"}}, nil, hostsim.AuthQuery, h.PageToken(inst))
		switch {
		case err != nil:
			fail(fmt.Sprintf("page %s with <script> in %s: %v", pg.Path, strings.Join(params, ", "), err))
		case strings.Contains(string(a.Body), xssMarker):
			fail(fmt.Sprintf("page %s echoed %s unescaped: %s came back as is (%d)", pathOnly(pg.Path), strings.Join(params, ", "), xssMarker, a.Status))
		default:
			c.Details = append(c.Details, fmt.Sprintf("page %s with <script> in %s: not echoed raw (%d)", pathOnly(pg.Path), strings.Join(params, ", "), a.Status))
		}
	}
	sec.xssTo = h.CallCount()
	escaping := fmt.Sprintf("%d page(s) escape <script>", xssTried)
	if xssTried == 0 {
		escaping = "escaping not tried: no page URL carries a context parameter in its query"
		c.Details = append(c.Details, "no page URL carries a context parameter in its query; escaping not tried")
	}
	c.Details = append(failed, c.Details...)
	if len(failed) > 0 {
		c.Reason = fmt.Sprintf("%d problem(s): %s", len(failed), strings.Join(failed, "; "))
		return sec
	}
	c.Passed = true
	c.Reason = fmt.Sprintf("%d forged request(s) refused (%d to %d route(s), %d reinstall(s)); %s; %s",
		tried+forgedInstalls, tried, len(routes), forgedInstalls, reinstalls.Rule, escaping)
	return sec
}

func pathOnly(p string) string {
	u, err := url.Parse(p)
	if err != nil {
		return p
	}
	return u.Path
}

func checkUninstall(ctx context.Context, h *hostsim.Host, c *Check, d *hostsim.Descriptor, open map[string]bool, probes *prober) {
	_, inst, err := h.Installed()
	if err != nil {
		c.Reason = err.Error()
		return
	}
	if d.Lifecycle.Uninstalled == "" {
		// lifecycle.uninstalled is optional: the product then removes
		// the app without telling it, and there is nothing to judge.
		c.Passed = true
		c.NotTried = true
		c.Reason = "not tried: the descriptor has no lifecycle.uninstalled URL (optional), so the app is not told when it is removed"
		return
	}
	if err := h.Uninstall(ctx); err != nil {
		c.Reason = err.Error()
		return
	}
	c.Details = append(c.Details, fmt.Sprintf("uninstall signed with %s: accepted", h.LifecycleProbes(inst, d).Signer))
	var routes []route
	for _, rt := range authRoutes(h, d) {
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
	probes.start()
	defer probes.stop()
	for _, rt := range routes {
		a, err := hit(ctx, h, rt, h.PageToken(inst))
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

// checkReinstalls is check 6's lifecycle part: the product's reinstall
// probes, each with the current installation's payload; the forged ones
// must be refused and the genuine one accepted (without a token anyone
// could replace the installation's shared secret).
func checkReinstalls(ctx context.Context, h *hostsim.Host, d *hostsim.Descriptor, inst hostsim.Installation, probes hostsim.LifecycleProbes, probing *prober, fail, detail func(string)) {
	for _, p := range probes.Probes {
		if p.Accept {
			probing.stop()
		} else {
			probing.start()
		}
		fetches := h.KeyFetches()
		a, err := h.PostLifecycle(ctx, d, inst, "installed", p.Token)
		switch {
		case err != nil:
			fail(fmt.Sprintf("reinstall %s: %v", p.Name, err))
		case p.Accept && !a.OK():
			fail(fmt.Sprintf("a reinstall %s was refused: %s%s", p.Name, a.Summary(), h.InstallHint(fetches)))
		case p.Accept:
			detail(fmt.Sprintf("reinstall %s: accepted (%d)", p.Name, a.Status))
		case a.OK():
			fail(fmt.Sprintf("a reinstall of %s %s was accepted (%d): anyone could replace the installation's shared secret", inst.ClientKey, p.Name, a.Status))
		default:
			detail(fmt.Sprintf("reinstall %s: refused (%d)", p.Name, a.Status))
		}
	}
}
