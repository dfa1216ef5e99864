package forgehost

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"sort"
	"strings"
	"time"

	"github.com/connectgen/connectgen/internal/descriptor"
	"github.com/connectgen/connectgen/internal/forge"
	"github.com/connectgen/connectgen/internal/forgefit"
	"github.com/connectgen/connectgen/internal/hostsim"
)

// Forge Remote limits (limits-invocation): a remote answers an event
// within 5 s, a UI call within 25 s.
const (
	RemoteEventLimit = 5 * time.Second
	RemoteUILimit    = 25 * time.Second
	// FIT lifetimes, internal/forgefit/forge-remote-contract.md.
	fitUILifetime      = 25 * time.Second
	fitBackendLifetime = 60 * time.Second
)

// Kinds of remote checks.
const (
	KindRemoteLifecycle = "lifecycle"
	KindRemoteEvent     = "event"
	KindRemoteRetry     = "retry"
	KindRemoteCheck     = "mergeCheck"
	KindRemoteUI        = "ui"
	KindForged          = "forged"
	KindRemoteCalls     = "product"
)

// RemoteOptions configure a RemoteCaller.
type RemoteOptions struct {
	// Dir is the Forge app whose manifest names the remote and its
	// endpoints (connectgen forge new --remote writes one).
	Dir string
	// RemoteURL replaces the remote's baseUrl (a local server).
	RemoteURL string
	// HostAddr is where the caller serves its JWKS
	// (http://HOST-ADDR/.well-known/jwks.json); default a free loopback
	// port.
	HostAddr string
	// UICalls are the functionKeys sent to UI resolver endpoints
	// (default: whoami, the Connect template's example).
	UICalls []string
	// API is the Bitbucket REST stand-in; nil starts one.
	API *hostsim.Host
	Log io.Writer
}

// RemoteCaller plays Forge towards a Forge Remote: it signs FITs with its
// own key, serves the JWKS, and sends the remote what Forge sends.
type RemoteCaller struct {
	opts     RemoteOptions
	manifest *Manifest
	signer   *forgefit.Signer
	srv      *http.Server
	jwksURL  string
	api      *hostsim.Host
	ownAPI   bool
	world    World
	client   *http.Client

	installationID, systemToken, userToken string
}

// NewRemoteCaller reads the manifest, starts the REST stand-in and serves
// the JWKS; the remote can then be started with FORGE_JWKS_URL = JWKSURL.
func NewRemoteCaller(opts RemoteOptions) (*RemoteCaller, error) {
	m, err := LoadManifest(opts.Dir)
	if err != nil {
		return nil, err
	}
	if len(m.remoteModules()) == 0 {
		return nil, loadErrorf("%s has no module with an endpoint (a trigger, merge check or UI resolver that calls a remote): write one with connectgen forge new --remote", ManifestFile)
	}
	if opts.RemoteURL == "" {
		if len(m.Remotes) == 0 || m.Remotes[0].BaseURL == "" {
			return nil, loadErrorf("%s has no remotes[].baseUrl; give the remote's address with --remote URL", ManifestFile)
		}
		opts.RemoteURL = m.Remotes[0].BaseURL
	}
	opts.RemoteURL = strings.TrimRight(opts.RemoteURL, "/")
	if opts.Log == nil {
		opts.Log = io.Discard
	}
	if len(opts.UICalls) == 0 {
		opts.UICalls = []string{"whoami"}
	}
	if opts.HostAddr == "" {
		opts.HostAddr = "127.0.0.1:0"
	}
	if err := hostsim.CheckHostAddr(opts.HostAddr); err != nil {
		return nil, loadErrorf("--host-addr: %v", err)
	}
	signer, err := forgefit.NewSigner()
	if err != nil {
		return nil, err
	}
	c := &RemoteCaller{opts: opts, manifest: m, signer: signer, client: &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
	c.installationID = newUUID()
	c.systemToken = "forge-system-" + randomHex(16)
	c.userToken = "forge-user-" + randomHex(16)
	ln, err := net.Listen("tcp", opts.HostAddr)
	if err != nil {
		return nil, fmt.Errorf("the JWKS cannot be served on %s: %w", opts.HostAddr, err)
	}
	c.jwksURL = "http://" + ln.Addr().String() + forgefit.JWKSPath
	c.srv = &http.Server{Handler: signer, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = c.srv.Serve(ln) }() // ends with Close
	c.api = opts.API
	if c.api == nil {
		if c.api, err = hostsim.New(hostsim.Options{Product: hostsim.Bitbucket}); err != nil {
			c.Close()
			return nil, err
		}
		c.ownAPI = true
	}
	c.api.SetBearerCheck(bearerCheck(m, c.systemToken, c.userToken))
	c.world = worldOf(c.api)
	return c, nil
}

// JWKSURL is where the caller serves its public key.
func (c *RemoteCaller) JWKSURL() string { return c.jwksURL }

// API returns the REST stand-in.
func (c *RemoteCaller) API() *hostsim.Host { return c.api }

// Close stops the JWKS server and the REST stand-in.
func (c *RemoteCaller) Close() {
	if c.srv != nil {
		_ = c.srv.Close() // nothing to report at shutdown
	}
	if c.ownAPI && c.api != nil {
		_ = c.api.Close() // as above
	}
}

// remoteModules are the modules that call an endpoint.
func (m *Manifest) remoteModules() []Module {
	// Forge's order: installed first, then events, merge checks, pages.
	rank := func(t string) int {
		switch t {
		case "trigger":
			return 0
		case forge.MergeCheck:
			return 1
		}
		return 2
	}
	types := m.ModuleTypes()
	sort.SliceStable(types, func(i, j int) bool { return rank(types[i]) < rank(types[j]) })
	var out []Module
	for _, t := range types {
		for _, mod := range m.Modules[t] {
			if mod.Endpoint != "" || mod.ResolverEndpoint != "" {
				out = append(out, mod)
			}
		}
	}
	return out
}

// ErrUnreachable says the remote gave no HTTP answer at all (exit 2).
var ErrUnreachable = errors.New("the remote is unreachable")

type delivery struct {
	path   string
	body   any
	claims forgefit.Claims
	token  *string // nil: a valid FIT; else this token ("" for none)
	limit  time.Duration
}

type answer struct {
	status int
	body   []byte
	err    error
	took   time.Duration
}

func (c *RemoteCaller) send(ctx context.Context, d delivery) answer {
	b, err := json.Marshal(d.body)
	if err != nil {
		return answer{err: err}
	}
	ctx, cancel := context.WithTimeout(ctx, d.limit)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.opts.RemoteURL+d.path, bytes.NewReader(b))
	if err != nil {
		return answer{err: err}
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("x-b3-traceid", randomHex(8))
	req.Header.Set("x-b3-spanid", randomHex(8))
	req.Header.Set("x-forge-oauth-system", c.systemToken)
	if d.claims.Context != nil {
		req.Header.Set("x-forge-oauth-user", c.userToken)
	}
	switch {
	case d.token == nil:
		tok, err := c.signer.Sign(d.claims.Map())
		if err != nil {
			return answer{err: err}
		}
		req.Header.Set("Authorization", "Bearer "+tok)
	case *d.token != "":
		req.Header.Set("Authorization", "Bearer "+*d.token)
	}
	start := time.Now()
	resp, err := c.client.Do(req)
	if err != nil {
		return answer{err: err, took: time.Since(start)}
	}
	defer func() { _ = resp.Body.Close() }() // read below
	body, err := io.ReadAll(io.LimitReader(resp.Body, MaxPayload))
	_, _ = fmt.Fprintf(c.opts.Log, "remote POST %s -> %d (%s)\n", d.path, resp.StatusCode, time.Since(start).Round(time.Millisecond))
	return answer{status: resp.StatusCode, body: body, err: err, took: time.Since(start)}
}

func (c *RemoteCaller) claims(mod Module, lifetime time.Duration, ui bool) forgefit.Claims {
	cl := forgefit.Claims{
		AppID:          c.manifest.AppID,
		InstallationID: c.installationID,
		APIBaseURL:     c.api.APIURL(),
		WorkspaceID:    c.world.WorkspaceUUID,
		ModuleType:     mod.Type,
		ModuleKey:      mod.Key,
		Lifetime:       lifetime,
		Now:            time.Now(),
	}
	if ui {
		cl.Context = c.world.ExtensionContext(mod)
		cl.Principal = c.world.AccountID
	}
	return cl
}

func (c *RemoteCaller) path(mod Module) string {
	key := mod.Endpoint
	if key == "" {
		key = mod.ResolverEndpoint
	}
	return c.manifest.Endpoints[key].Path
}

// Run sends the remote every call and every forged token and reports one
// line per check. It returns ErrUnreachable when the remote gave no
// answer at all.
func (c *RemoteCaller) Run(ctx context.Context) (*Report, error) {
	start := time.Now()
	rep := &Report{App: c.manifest.AppID + " via " + c.opts.RemoteURL}
	answered := false
	add := func(kind, name, module string, pass bool, reason string, took time.Duration) *Result {
		r := &Result{Name: name, Kind: kind, Module: module, Passed: pass, Reason: reason, DurationMS: took.Milliseconds()}
		rep.Results = append(rep.Results, r)
		return r
	}
	expect2xx := func(a answer, limit time.Duration, what string) (bool, string) {
		switch {
		case errors.Is(a.err, context.DeadlineExceeded) || (a.err != nil && strings.Contains(a.err.Error(), "Client.Timeout")):
			answered = true
			return false, fmt.Sprintf("no answer within %s (Forge's limit for %s)", limit, what)
		case a.err != nil:
			return false, "no answer: " + a.err.Error()
		}
		answered = true
		if a.status < 200 || a.status > 299 {
			return false, fmt.Sprintf("answered %d %s; want 2xx", a.status, snippet(a.body))
		}
		return true, fmt.Sprintf("answered %d %s", a.status, snippet(a.body))
	}
	type target struct {
		mod  Module
		body any
		ui   bool
	}
	var forgeTargets []target
	var firstEvent *delivery
	var firstEventMod Module
	for _, mod := range c.manifest.remoteModules() {
		switch {
		case mod.Type == "trigger" && mod.Endpoint != "":
			for _, ev := range mod.Events {
				body := c.world.EventPayload(ev, c.manifest.AppID)
				kind, limit := KindRemoteEvent, RemoteEventLimit
				if ev == EventInstalled || ev == EventUpgraded {
					kind = KindRemoteLifecycle
				}
				d := delivery{path: c.path(mod), body: body, claims: c.claims(mod, fitBackendLifetime, false), limit: limit}
				a := c.send(ctx, d)
				ok, why := expect2xx(a, limit, "an event")
				add(kind, kind+" "+ev, mod.Type+":"+mod.Key, ok, why, a.took)
				if kind == KindRemoteEvent && firstEvent == nil {
					dd := d
					firstEvent, firstEventMod = &dd, mod
				}
				if len(forgeTargets) == 0 || forgeTargets[len(forgeTargets)-1].mod.Key != mod.Key {
					forgeTargets = append(forgeTargets, target{mod: mod, body: body})
				}
			}
		case mod.Type == forge.MergeCheck && mod.Endpoint != "":
			for _, tr := range mod.Triggers {
				body := c.world.MergeCheckPayload(tr)
				a := c.send(ctx, delivery{path: c.path(mod), body: body, claims: c.claims(mod, fitBackendLifetime, false), limit: RemoteUILimit})
				ok, why := expect2xx(a, RemoteUILimit, "a merge check")
				if ok {
					var v struct {
						Success *bool  `json:"success"`
						Message string `json:"message"`
					}
					if json.Unmarshal(a.body, &v) != nil || v.Success == nil {
						ok, why = false, "a merge check must answer { success: true|false, message }, got "+snippet(a.body)
					} else {
						verdict := "check passed"
						if !*v.Success {
							verdict = "check failed"
						}
						if v.Message != "" {
							verdict += ": " + v.Message
						}
						why = "verdict: " + verdict
					}
				}
				add(KindRemoteCheck, "merge check "+tr, mod.Type+":"+mod.Key, ok, why, a.took)
				forgeTargets = append(forgeTargets, target{mod: mod, body: body})
			}
		case mod.ResolverEndpoint != "":
			for _, key := range c.opts.UICalls {
				cl := c.claims(mod, fitUILifetime, true)
				body := map[string]any{"call": map[string]any{"functionKey": key, "payload": map[string]any{}}, "context": cl.Context}
				a := c.send(ctx, delivery{path: c.path(mod), body: body, claims: cl, limit: RemoteUILimit})
				ok, why := expect2xx(a, RemoteUILimit, "a UI call")
				if ok && !json.Valid(a.body) {
					ok, why = false, "the answer is not JSON: "+snippet(a.body)
				}
				add(KindRemoteUI, "ui "+key+" ("+mod.Key+")", mod.Type+":"+mod.Key, ok, why, a.took)
				forgeTargets = append(forgeTargets, target{mod: mod, body: body, ui: true})
			}
		}
		if ctx.Err() != nil {
			return rep, ctx.Err()
		}
	}
	if !answered {
		return rep, fmt.Errorf("%w: %s gave no HTTP answer (is it running, with FORGE_JWKS_URL=%s?)", ErrUnreachable, c.opts.RemoteURL, c.jwksURL)
	}
	if firstEvent != nil {
		r := c.retryCheck(ctx, *firstEvent)
		r.Module = firstEventMod.Type + ":" + firstEventMod.Key
		if r.Passed || strings.Contains(r.Reason, "answered") {
			answered = true
		}
		rep.Results = append(rep.Results, r)
	}
	// Forged tokens, each to one call of every endpoint.
	if len(forgeTargets) > 0 {
		first := forgeTargets[0]
		forged, err := c.signer.Forgeries(c.claims(first.mod, fitBackendLifetime, first.ui))
		if err != nil {
			return rep, err
		}
		seen := map[string]bool{}
		var uniq []target
		for _, t := range forgeTargets {
			if p := c.path(t.mod); !seen[p] {
				seen[p] = true
				uniq = append(uniq, t)
			}
		}
		for i := range forged {
			f := forged[i]
			var bad []string
			var took time.Duration
			for _, t := range uniq {
				// Each endpoint gets the forgery built for its own module.
				fs, err := c.signer.Forgeries(c.claims(t.mod, fitBackendLifetime, t.ui))
				if err != nil {
					return rep, err
				}
				tok := fs[i].Token
				a := c.send(ctx, delivery{path: c.path(t.mod), body: t.body, token: &tok, limit: RemoteUILimit})
				took += a.took
				if a.err != nil {
					bad = append(bad, c.path(t.mod)+": no answer ("+a.err.Error()+")")
				} else if a.status != http.StatusUnauthorized {
					bad = append(bad, fmt.Sprintf("%s answered %d %s", c.path(t.mod), a.status, snippet(a.body)))
				}
			}
			if len(bad) > 0 {
				add(KindForged, "forged: "+f.Name, "", false, "accepted or not refused with 401: "+strings.Join(bad, "; "), took)
			} else {
				add(KindForged, "forged: "+f.Name, "", true, fmt.Sprintf("refused with 401 by %d endpoint(s)", len(uniq)), took)
			}
		}
	}
	// The remote's own calls to Bitbucket.
	var refused []string
	n := 0
	for _, call := range c.api.Calls() {
		n++
		if !call.OK {
			refused = append(refused, fmt.Sprintf("%s %s -> %d %s", call.Method, call.Path, call.Status, call.Reason))
		}
	}
	sort.Strings(refused)
	if len(refused) > 0 {
		add(KindRemoteCalls, descriptor.Bitbucket.Title()+" calls", "", false, strings.Join(refused, "; "), 0)
	} else {
		add(KindRemoteCalls, descriptor.Bitbucket.Title()+" calls", "", true, fmt.Sprintf("%d call(s) with the app system token, all accepted", n), 0)
	}
	rep.Duration = time.Since(start)
	return rep, nil
}

func snippet(b []byte) string {
	s := strings.TrimSpace(string(b))
	if len(s) > 120 {
		s = s[:117] + "..."
	}
	if s == "" {
		return "(empty body)"
	}
	return s
}

// bearerCheck is the REST stand-in's check of a Forge app's Bearer
// tokens: the installation's system or user token, and the route's scope
// in the manifest.
func bearerCheck(m *Manifest, system, user string) hostsim.BearerCheck {
	return func(r *http.Request, token string) (int, string) {
		if token != system && token != user {
			return http.StatusUnauthorized, "the Bearer token is not an app system token or user token of this installation (the local Forge host issues them; a token from elsewhere, or an old one, is refused)"
		}
		if scope := RouteScope(r.Method, r.URL.Path); scope != "" && !m.HasScope(scope) {
			return http.StatusForbidden, missingScopeMessage(r.Method, r.URL.Path, scope)
		}
		return 0, ""
	}
}

func worldOf(api *hostsim.Host) World {
	s := api.Sample()
	return World{
		WorkspaceUUID:  s.WorkspaceUUID,
		WorkspaceSlug:  s.Workspace,
		RepositoryUUID: s.RepositoryUUID,
		ProjectUUID:    "{a1b2c3d4-0000-4000-8000-00000000beef}",
		AccountID:      s.UserAccountID,
		UserUUID:       s.UserUUID,
		PullRequestID:  1,
	}
}

// Call sends one call to a module's endpoint, as forge run --local does
// for a remote's module: what is an event (triggers), a merge check
// trigger, or a UI call's functionKey (with payload).
func (c *RemoteCaller) Call(ctx context.Context, mod Module, what string, payload any) *Result {
	r := &Result{Name: mod.Key + " ← " + what, Module: mod.Type + ":" + mod.Key, Function: "remote " + c.path(mod)}
	var d delivery
	switch {
	case mod.Type == "trigger":
		r.Kind = KindRemoteEvent
		d = delivery{body: c.world.EventPayload(what, c.manifest.AppID), claims: c.claims(mod, fitBackendLifetime, false), limit: RemoteEventLimit}
	case mod.Type == forge.MergeCheck:
		r.Kind = KindRemoteCheck
		d = delivery{body: c.world.MergeCheckPayload(what), claims: c.claims(mod, fitBackendLifetime, false), limit: RemoteUILimit}
	default:
		r.Kind = KindRemoteUI
		cl := c.claims(mod, fitUILifetime, true)
		if payload == nil {
			payload = map[string]any{}
		}
		d = delivery{body: map[string]any{"call": map[string]any{"functionKey": what, "payload": payload}, "context": cl.Context}, claims: cl, limit: RemoteUILimit}
	}
	d.path = c.path(mod)
	a := c.send(ctx, d)
	r.DurationMS = a.took.Milliseconds()
	switch {
	case a.err != nil:
		r.Reason = "no answer: " + a.err.Error()
	case a.status < 200 || a.status > 299:
		r.Reason = fmt.Sprintf("answered %d %s", a.status, snippet(a.body))
	default:
		r.Passed = true
		r.Reason = fmt.Sprintf("answered %d %s", a.status, snippet(a.body))
		if json.Valid(a.body) {
			r.Answer = a.body
			if r.Kind == KindRemoteCheck {
				r.Verdict = a.body
			}
		}
	}
	return r
}

// retryCheck delivers an event Forge gives up on (the request is sent and
// the connection closed before any answer: a timed-out delivery), then
// the same event again with retryContext, as Forge retries it. The remote
// must handle it once: the retry is answered {duplicate: true}. A remote
// that never saw the first delivery may handle the first retry; then a
// second retry must be the duplicate.
func (c *RemoteCaller) retryCheck(ctx context.Context, d delivery) *Result {
	r := &Result{Name: "event retried after a timeout", Kind: KindRemoteRetry}
	// Another occurrence of the event than the one delivered before: a
	// different actor.
	body := map[string]any{}
	for k, v := range d.body.(map[string]any) {
		body[k] = v
	}
	body["actor"] = map[string]any{"type": "user", "accountId": "557058:" + newUUID(), "uuid": "{" + newUUID() + "}"}
	d.body = body
	start := time.Now()
	if err := c.abandon(ctx, d); err != nil {
		r.Reason = "the first delivery could not be sent: " + err.Error()
		return r
	}
	// Forge retries after its 5 s limit; the remote has long had the
	// first delivery by then. A short pause stands for it here.
	select {
	case <-time.After(300 * time.Millisecond):
	case <-ctx.Done():
		r.Reason = ctx.Err().Error()
		return r
	}
	duplicate := func(n int) (bool, answer) {
		retry := map[string]any{}
		for k, v := range body {
			retry[k] = v
		}
		retry["retryContext"] = map[string]any{"retryCount": n, "retryReason": "TIMEOUT"}
		d2 := d
		d2.body = retry
		a := c.send(ctx, d2)
		var v struct {
			Duplicate bool `json:"duplicate"`
		}
		return a.err == nil && a.status/100 == 2 && json.Unmarshal(a.body, &v) == nil && v.Duplicate, a
	}
	dup1, a1 := duplicate(1)
	r.DurationMS = time.Since(start).Milliseconds()
	switch {
	case a1.err != nil:
		r.Reason = "the retry got no answer: " + a1.err.Error()
		return r
	case a1.status/100 != 2:
		r.Reason = fmt.Sprintf("the retry was answered %d %s; want 2xx", a1.status, snippet(a1.body))
		return r
	case dup1:
		r.Passed, r.Reason = true, "handled once: the timed-out delivery was handled, the retry answered "+snippet(a1.body)
		return r
	}
	dup2, a2 := duplicate(2)
	r.DurationMS = time.Since(start).Milliseconds()
	if dup2 {
		r.Passed, r.Reason = true, "handled once: the timed-out delivery never arrived, the first retry was handled and the second answered "+snippet(a2.body)
		return r
	}
	r.Reason = "the retried delivery was handled again: the retries were answered " + snippet(a1.body) + " and " + snippet(a2.body) + ", without duplicate: true; deduplicate deliveries by the event without its retryContext"
	return r
}

// abandon sends d and closes the connection before any answer, as Forge
// does with a delivery that runs past its time limit.
func (c *RemoteCaller) abandon(ctx context.Context, d delivery) error {
	b, err := json.Marshal(d.body)
	if err != nil {
		return err
	}
	tok, err := c.signer.Sign(d.claims.Map())
	if err != nil {
		return err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.opts.RemoteURL+d.path, bytes.NewReader(b))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+tok)
	req.Header.Set("x-forge-oauth-system", c.systemToken)
	req.Header.Set("x-b3-traceid", randomHex(8))
	req.Header.Set("x-b3-spanid", randomHex(8))
	host := req.URL.Host
	if req.URL.Port() == "" {
		if req.URL.Scheme == "https" {
			return fmt.Errorf("the timed-out delivery is sent over plain http only; give the remote's local http URL")
		}
		host += ":80"
	}
	var dialer net.Dialer
	conn, err := dialer.DialContext(ctx, "tcp", host)
	if err != nil {
		return err
	}
	if err := req.Write(conn); err != nil {
		_ = conn.Close() // the write's error is the one to report
		return err
	}
	_, _ = fmt.Fprintf(c.opts.Log, "remote POST %s -> (abandoned: a timed-out delivery)\n", d.path)
	return conn.Close()
}
