package forgehost

import (
	"bufio"
	"bytes"
	"context"
	"crypto/rand"
	_ "embed"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/connectgen/connectgen/internal/descriptor"
	"github.com/connectgen/connectgen/internal/hostsim"
)

//go:embed runner.js
var runnerJS []byte

// Kinds of invocation: how Forge calls a function.
const (
	KindResolver     = "resolver"
	KindTrigger      = "trigger"
	KindLifecycle    = "lifecycle"
	KindScheduled    = "scheduledTrigger"
	KindPreUninstall = "preUninstall"
	KindMergeCheck   = "mergeCheck"
)

// Options configure a Host.
type Options struct {
	// Dir is the Forge app's folder (manifest.yml, src/, node_modules/).
	Dir string
	// Node is the node binary (see FindNode).
	Node string
	// Log receives one line per invocation, product call and log line
	// (default: discarded).
	Log io.Writer
	// StorageFile keeps Forge storage in a JSON file; "" keeps it in
	// memory.
	StorageFile string
	// API is the Bitbucket REST stand-in; nil starts one.
	API *hostsim.Host
	// Timeout, when > 0, replaces Forge's time limits (for tests of a
	// handler that hangs).
	Timeout time.Duration
}

// Invocation is one call of a function and what came of it.
type Invocation struct {
	ID       string          `json:"id"`
	Kind     string          `json:"kind"`
	Module   string          `json:"module"` // type:key
	Function string          `json:"function"`
	Handler  string          `json:"handler"`
	Key      string          `json:"resolverKey,omitempty"`
	Event    string          `json:"event,omitempty"`
	Payload  any             `json:"payload,omitempty"`
	Started  time.Time       `json:"started"`
	Duration time.Duration   `json:"durationNs"`
	Value    json.RawMessage `json:"value,omitempty"`
	// Error is what the handler threw, TimedOut that it ran past Limit,
	// NotSerialisable why its answer does not survive JSON, Refused a
	// limit the host applied before or after the call.
	Error           *JSError      `json:"error,omitempty"`
	TimedOut        bool          `json:"timedOut,omitempty"`
	Limit           time.Duration `json:"limitNs"`
	NotSerialisable string        `json:"notSerialisable,omitempty"`
	Refused         string        `json:"refused,omitempty"`
	Logs            []LogLine     `json:"logs"`
	Calls           []ProductCall `json:"calls"`
	Fetches         []Fetch       `json:"fetches"`
}

// JSError is an error thrown by a handler.
type JSError struct {
	Name    string `json:"name"`
	Message string `json:"message"`
	Stack   string `json:"stack"`
}

// LogLine is one console line of an invocation.
type LogLine struct {
	Level string `json:"level"`
	Text  string `json:"text"`
}

// ProductCall is one requestBitbucket call.
type ProductCall struct {
	As     string `json:"as"` // app or user
	Method string `json:"method"`
	Path   string `json:"path"`
	Status int    `json:"status"`
	// MissingScope is the scope the manifest lacks for this route.
	MissingScope string `json:"missingScope,omitempty"`
	// NoUser says why an asUser() call had no user to act for.
	NoUser string `json:"noUser,omitempty"`
}

// Fetch is one fetch call and the egress verdict.
type Fetch struct {
	URL     string `json:"url"`
	Status  int    `json:"status,omitempty"`
	Refused bool   `json:"refused,omitempty"`
}

// OK says whether the invocation returned without error.
func (inv *Invocation) OK() bool {
	return inv.Error == nil && !inv.TimedOut && inv.NotSerialisable == "" && inv.Refused == ""
}

// Host is a running local Forge host for one app.
type Host struct {
	opts     Options
	manifest *Manifest
	world    World
	tmp      string
	bundle   string

	appID, appUUID, installationID string
	systemToken, userToken, secret string

	api    *hostsim.Host
	ownAPI bool
	store  *Store
	srv    *http.Server
	url    string
	client *http.Client
	log    io.Writer

	mu      sync.Mutex
	proc    *nodeProc
	invs    map[string]*Invocation
	history []*Invocation
	seq     int
}

// Start loads the app (manifest, bundle), starts the REST stand-in and
// the host's loopback server, and starts Node with the bundle. Errors
// that come from the app are *LoadError.
func Start(ctx context.Context, opts Options) (*Host, error) {
	m, err := LoadManifest(opts.Dir)
	if err != nil {
		return nil, err
	}
	code, err := Bundle(opts.Dir, m)
	if err != nil {
		return nil, err
	}
	if opts.Log == nil {
		opts.Log = io.Discard
	}
	h := &Host{opts: opts, manifest: m, log: opts.Log, invs: map[string]*Invocation{}, client: &http.Client{Timeout: 30 * time.Second, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
	h.appID = m.AppID
	h.appUUID = strings.TrimPrefix(m.AppID, "ari:cloud:ecosystem::app/")
	h.installationID = newUUID()
	h.systemToken = "forge-system-" + randomHex(16)
	h.userToken = "forge-user-" + randomHex(16)
	h.secret = randomHex(16)
	ok := false
	defer func() {
		if !ok {
			_ = h.Close() // the start's error is the one to report
		}
	}()
	if h.tmp, err = os.MkdirTemp("", "connectgen-forge-"); err != nil {
		return nil, err
	}
	h.bundle = filepath.Join(h.tmp, "bundle.cjs")
	if err := os.WriteFile(h.bundle, code, 0o600); err != nil {
		return nil, err
	}
	if err := os.WriteFile(filepath.Join(h.tmp, "runner.cjs"), runnerJS, 0o600); err != nil {
		return nil, err
	}
	if h.store, err = OpenStore(opts.StorageFile); err != nil {
		return nil, err
	}
	h.api = opts.API
	if h.api == nil {
		if h.api, err = hostsim.New(hostsim.Options{Product: hostsim.Bitbucket}); err != nil {
			return nil, err
		}
		h.ownAPI = true
	}
	h.api.SetBearerCheck(bearerCheck(m, h.systemToken, h.userToken))
	h.world = worldOf(h.api)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	h.url = "http://" + ln.Addr().String()
	h.srv = &http.Server{Handler: h.handler(), ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = h.srv.Serve(ln) }() // ends with Close
	if len(m.Functions) > 0 {
		if _, err := h.process(ctx); err != nil {
			return nil, err
		}
	}
	ok = true
	return h, nil
}

// Manifest returns the app's manifest.
func (h *Host) Manifest() *Manifest {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.manifest
}

// World returns the sample workspace, repository and user.
func (h *Host) World() World { return h.world }

// API returns the REST stand-in.
func (h *Host) API() *hostsim.Host { return h.api }

// Store returns Forge storage.
func (h *Host) Store() *Store { return h.store }

// InstallationID is the local installation's id (a UUID).
func (h *Host) InstallationID() string { return h.installationID }

// SystemToken is the app system token the REST stand-in accepts for this
// installation (what Forge sends a remote in x-forge-oauth-system).
func (h *Host) SystemToken() string { return h.systemToken }

// History returns every invocation so far, oldest first.
func (h *Host) History() []*Invocation {
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]*Invocation(nil), h.history...)
}

// Close stops Node, the servers and removes the bundle.
func (h *Host) Close() error {
	h.mu.Lock()
	p := h.proc
	h.proc = nil
	h.mu.Unlock()
	if p != nil {
		p.kill()
	}
	if h.srv != nil {
		_ = h.srv.Close() // nothing to report at shutdown
	}
	if h.ownAPI && h.api != nil {
		_ = h.api.Close() // nothing to report at shutdown
	}
	if h.tmp != "" {
		return os.RemoveAll(h.tmp)
	}
	return nil
}

func missingScopeMessage(method, path, scope string) string {
	return fmt.Sprintf("Your credentials lack one or more required privilege scopes: %s %s needs %s, which manifest.yml's permissions.scopes does not list", method, path, scope)
}

// nodeProc is the Node process running the bundle.
type nodeProc struct {
	cmd     *exec.Cmd
	stdin   io.WriteCloser
	stderr  *limitedBuffer
	done    chan struct{}
	exitErr error

	mu      sync.Mutex
	waiters map[string]chan runnerResult
}

type runnerMsg struct {
	Type            string          `json:"type"`
	ID              *string         `json:"id"`
	Level           string          `json:"level"`
	Text            string          `json:"text"`
	OK              bool            `json:"ok"`
	Value           json.RawMessage `json:"value"`
	Error           *JSError        `json:"error"`
	NotSerialisable string          `json:"notSerialisable"`
	Files           []string        `json:"files"`
}

type runnerResult struct {
	msg  runnerMsg
	size int
}

func (p *nodeProc) kill() {
	killGroup(p.cmd)    // node and anything it started
	_ = p.stdin.Close() // already gone when killed
	<-p.done
}

// process returns the running Node process, starting one when there is
// none (at Start, and after a timed-out invocation killed the last one).
func (h *Host) process(ctx context.Context) (*nodeProc, error) {
	h.mu.Lock()
	p := h.proc
	h.mu.Unlock()
	if p != nil {
		select {
		case <-p.done:
		default:
			return p, nil
		}
	}
	r, w, err := os.Pipe()
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(h.opts.Node, "--enable-source-maps", filepath.Join(h.tmp, "runner.cjs"))
	cmd.Dir = h.opts.Dir
	cmd.Env = append(os.Environ(),
		"CONNECTGEN_FORGE_HOST="+h.url,
		"CONNECTGEN_FORGE_SECRET="+h.secret,
		"CONNECTGEN_FORGE_BUNDLE="+h.bundle,
		"NODE_ENV=development",
	)
	cmd.ExtraFiles = []*os.File{w}
	inGroup(cmd)
	stderr := &limitedBuffer{max: 64 << 10}
	stdout := &lineWriter{f: func(s string) { h.logf("stdout: %s", s) }}
	cmd.Stdout = stdout
	cmd.Stderr = io.MultiWriter(stderr, &lineWriter{f: func(s string) { h.logf("stderr: %s", s) }})
	stdin, err := cmd.StdinPipe()
	if err != nil {
		_ = r.Close()
		_ = w.Close()
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		_ = r.Close()
		_ = w.Close()
		return nil, loadErrorf("node %s cannot start: %v", h.opts.Node, err)
	}
	_ = w.Close() // the child holds its copy
	p = &nodeProc{cmd: cmd, stdin: stdin, stderr: stderr, done: make(chan struct{}), waiters: map[string]chan runnerResult{}}
	ready := make(chan runnerMsg, 1)
	go func() {
		defer close(p.done)
		sc := bufio.NewScanner(r)
		sc.Buffer(make([]byte, 64<<10), 64<<20)
		for sc.Scan() {
			line := sc.Bytes()
			var msg runnerMsg
			if err := json.Unmarshal(line, &msg); err != nil {
				continue
			}
			switch msg.Type {
			case "ready":
				ready <- msg
			case "log":
				h.onLog(msg)
			case "result":
				if msg.ID == nil {
					continue
				}
				p.mu.Lock()
				ch := p.waiters[*msg.ID]
				delete(p.waiters, *msg.ID)
				p.mu.Unlock()
				if ch != nil {
					ch <- runnerResult{msg, len(line)}
				}
			}
		}
		_ = r.Close()
		p.exitErr = cmd.Wait()
	}()
	select {
	case msg := <-ready:
		if msg.Error != nil {
			p.kill()
			return nil, loadErrorf("the app's code throws when it is loaded: %s: %s\n%s", msg.Error.Name, msg.Error.Message, firstLines(msg.Error.Stack, 6))
		}
	case <-p.done:
		return nil, &LoadError{nodeExit(p.exitErr, stderr.String())}
	case <-time.After(30 * time.Second):
		p.kill()
		return nil, loadErrorf("node did not load the app's bundle within 30 s")
	case <-ctx.Done():
		p.kill()
		return nil, ctx.Err()
	}
	h.mu.Lock()
	h.proc = p
	h.mu.Unlock()
	return p, nil
}

func (h *Host) onLog(msg runnerMsg) {
	h.mu.Lock()
	var inv *Invocation
	if msg.ID != nil {
		inv = h.invs[*msg.ID]
	}
	if inv != nil && len(inv.Logs) < MaxLogLines {
		inv.Logs = append(inv.Logs, LogLine{Level: msg.Level, Text: msg.Text})
	}
	h.mu.Unlock()
	who := "app"
	if inv != nil {
		who = inv.Function
	}
	h.logf("%s %s: %s", who, msg.Level, msg.Text)
}

func (h *Host) logf(format string, a ...any) {
	_, _ = fmt.Fprintf(h.log, format+"\n", a...) // a log that fails to write loses a line, nothing more
}

// Call says which function to invoke and how.
type Call struct {
	Kind     string
	Module   Module
	Function string // function key; default the module's function
	// Payload is the event (triggers, merge checks) or the resolver
	// call's payload.
	Payload any
	// ResolverKey is the resolver definition to call (resolvers).
	ResolverKey string
	// Event names the event for triggers and lifecycle calls.
	Event string
}

// Invoke runs one function as Forge would and returns what came of it.
func (h *Host) Invoke(ctx context.Context, c Call) *Invocation {
	fn := c.Function
	if fn == "" {
		fn = c.Module.Function
		if c.Kind == KindResolver {
			fn = c.Module.Resolver
		}
	}
	h.mu.Lock()
	m := h.manifest
	h.seq++
	inv := &Invocation{
		ID:       fmt.Sprintf("inv-%d", h.seq),
		Kind:     c.Kind,
		Module:   c.Module.Type + ":" + c.Module.Key,
		Function: fn,
		Handler:  m.Functions[fn],
		Key:      c.ResolverKey,
		Event:    c.Event,
		Payload:  c.Payload,
		Started:  time.Now(),
		Limit:    h.limit(c),
		Logs:     []LogLine{},
		Calls:    []ProductCall{},
		Fetches:  []Fetch{},
	}
	h.invs[inv.ID] = inv
	h.history = append(h.history, inv)
	h.mu.Unlock()
	defer func() {
		inv.Duration = time.Since(inv.Started)
		h.logf("%s %s %s -> %s (%s)", inv.Kind, inv.Module, inv.Handler, inv.Verdict(), inv.Duration.Round(time.Millisecond))
	}()
	if inv.Handler == "" {
		inv.Refused = fmt.Sprintf("function %q is not in manifest.yml's modules.function", fn)
		return inv
	}
	args := h.args(c)
	appContext := map[string]any{
		"appId":           h.appUUID,
		"appVersion":      "1.0.0",
		"environmentId":   localEnvironmentID,
		"environmentType": "DEVELOPMENT",
		"invocationId":    inv.ID,
		"installationId":  h.installationID,
		"moduleKey":       c.Module.Key,
		"permissions":     map[string]any{"scopes": m.Scopes},
	}
	req, err := json.Marshal(map[string]any{
		"id": inv.ID, "handler": inv.Handler, "args": args, "appContext": appContext,
		"timeoutMs": inv.Limit.Milliseconds(),
	})
	if err != nil {
		inv.Refused = "the payload cannot be sent: " + err.Error()
		return inv
	}
	if len(req) > MaxPayload {
		inv.Refused = fmt.Sprintf("the invocation payload is %d bytes; Forge's limit is %d (5 MB)", len(req), MaxPayload)
		return inv
	}
	res, err := h.send(ctx, inv, req)
	switch {
	case errors.Is(err, errTimedOut):
		inv.TimedOut = true
		return inv
	case err != nil:
		inv.Refused = err.Error()
		return inv
	}
	switch {
	case res.msg.NotSerialisable != "":
		inv.NotSerialisable = strings.TrimPrefix(res.msg.NotSerialisable, "the resolver answer is not serialisable: ")
	case res.msg.Error != nil:
		inv.Error = res.msg.Error
	case res.size > MaxPayload:
		inv.Refused = fmt.Sprintf("the answer is %d bytes; Forge's limit is %d (5 MB)", res.size, MaxPayload)
	default:
		inv.Value = res.msg.Value
	}
	return inv
}

var errTimedOut = errors.New("timed out")

// send writes one request to Node and waits for its answer, the limit,
// or the end of ctx; a request that runs past its limit kills Node (it
// cannot be stopped otherwise), which is restarted for the next one.
func (h *Host) send(ctx context.Context, inv *Invocation, req []byte) (runnerResult, error) {
	p, err := h.process(ctx)
	if err != nil {
		return runnerResult{}, err
	}
	ch := make(chan runnerResult, 1)
	p.mu.Lock()
	p.waiters[inv.ID] = ch
	p.mu.Unlock()
	if _, err := p.stdin.Write(append(req, '\n')); err != nil {
		return runnerResult{}, nodeExit(err, p.stderr.String())
	}
	timer := time.NewTimer(inv.Limit)
	defer timer.Stop()
	select {
	case res := <-ch:
		return res, nil
	case <-timer.C:
		h.restart(p)
		return runnerResult{}, errTimedOut
	case <-ctx.Done():
		h.restart(p)
		return runnerResult{}, ctx.Err()
	case <-p.done:
		return runnerResult{}, nodeExit(p.exitErr, p.stderr.String())
	}
}

func (h *Host) restart(p *nodeProc) {
	h.mu.Lock()
	if h.proc == p {
		h.proc = nil
	}
	h.mu.Unlock()
	p.kill()
}

// args are the handler's arguments, as Forge passes them.
func (h *Host) args(c Call) []any {
	installContext := "ari:cloud:" + string(descriptor.Bitbucket) + "::workspace/" + strings.Trim(h.world.WorkspaceUUID, "{}")
	backend := map[string]any{
		"installContext": installContext,
		"installation":   map[string]any{"id": h.installationID},
	}
	if c.Kind == KindResolver {
		backend["principal"] = map[string]any{"accountId": h.world.AccountID}
		payload := c.Payload
		if payload == nil {
			payload = map[string]any{}
		}
		return []any{
			map[string]any{"call": map[string]any{"functionKey": c.ResolverKey, "payload": payload}, "context": h.world.ExtensionContext(c.Module)},
			backend,
		}
	}
	return []any{c.Payload, backend}
}

// Verdict is the invocation's outcome in a few words.
func (inv *Invocation) Verdict() string {
	switch {
	case inv.TimedOut:
		return fmt.Sprintf("timed out after %s (Forge's limit for a %s)", inv.Limit, inv.Kind)
	case inv.Refused != "":
		return "refused: " + inv.Refused
	case inv.NotSerialisable != "":
		return "answer not serialisable: " + inv.NotSerialisable
	case inv.Error != nil:
		return "threw " + inv.Error.Name + ": " + inv.Error.Message
	}
	return "returned"
}

// handler serves what the runner asks of Forge.
func (h *Host) handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("/forge/product/{remote}/{provider}/{path...}", h.serveProduct)
	mux.HandleFunc("POST /forge/kvs/{path...}", h.serveKVS)
	mux.HandleFunc("/forge/egress", h.serveEgress)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("x-connectgen-secret") != h.secret {
			http.Error(w, "not the local Forge host's runner", http.StatusForbidden)
			return
		}
		mux.ServeHTTP(w, r)
	})
}

func (h *Host) invocation(r *http.Request) *Invocation {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.invs[r.Header.Get("x-connectgen-invocation")]
}

func (h *Host) serveProduct(w http.ResponseWriter, r *http.Request) {
	remote, provider := r.PathValue("remote"), r.PathValue("provider")
	path := "/" + r.PathValue("path")
	if r.URL.RawQuery != "" {
		path += "?" + r.URL.RawQuery
	}
	inv := h.invocation(r)
	if remote != string(descriptor.Bitbucket) {
		w.Header().Set("forge-proxy-error", "INVALID_REMOTE")
		http.Error(w, "the local Forge host plays Bitbucket only; request"+remote+" is not available", http.StatusBadRequest)
		return
	}
	token := h.systemToken
	if provider == "user" {
		token = h.userToken
		// Only a user's own calls (resolvers) carry a user: events,
		// merge checks, schedules and preUninstall run as the app.
		if inv != nil && inv.Kind != KindResolver {
			why := fmt.Sprintf("asUser() has no user in a %s (Forge invokes it without one): call requestBitbucket with asApp()", inv.Kind)
			h.mu.Lock()
			inv.Calls = append(inv.Calls, ProductCall{As: provider, Method: r.Method, Path: path, Status: http.StatusUnauthorized, NoUser: why})
			h.mu.Unlock()
			w.Header().Set("forge-proxy-error", why)
			http.Error(w, why, http.StatusUnauthorized)
			return
		}
	}
	call := ProductCall{As: provider, Method: r.Method, Path: path}
	if provider == "none" {
		call.As = "app"
	}
	if scope := RouteScope(r.Method, "/"+r.PathValue("path")); scope != "" && !h.Manifest().HasScope(scope) {
		call.MissingScope = scope
	}
	status, err := h.forward(w, r, h.api.APIURL()+path, map[string]string{
		"Authorization":        "Bearer " + token,
		hostsim.ForgeAppHeader: h.appID,
	})
	call.Status = status
	if err != nil {
		h.logf("requestBitbucket %s %s: %v", r.Method, path, err)
	}
	if inv != nil {
		h.mu.Lock()
		inv.Calls = append(inv.Calls, call)
		h.mu.Unlock()
	}
}

// forward sends r to target with extra headers and copies the answer.
func (h *Host) forward(w http.ResponseWriter, r *http.Request, target string, extra map[string]string) (int, error) {
	body, err := io.ReadAll(io.LimitReader(r.Body, MaxPayload+1))
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadGateway)
		return http.StatusBadGateway, err
	}
	out, err := http.NewRequestWithContext(r.Context(), r.Method, target, bytes.NewReader(body))
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadGateway)
		return http.StatusBadGateway, err
	}
	for k, vs := range r.Header {
		lk := strings.ToLower(k)
		if strings.HasPrefix(lk, "x-connectgen-") || lk == "host" || lk == "content-length" {
			continue
		}
		out.Header[k] = vs
	}
	for k, v := range extra {
		out.Header.Set(k, v)
	}
	resp, err := h.client.Do(out)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadGateway)
		return http.StatusBadGateway, err
	}
	defer func() { _ = resp.Body.Close() }() // read to the end below
	for k, vs := range resp.Header {
		w.Header()[k] = vs
	}
	w.WriteHeader(resp.StatusCode)
	_, err = io.Copy(w, resp.Body)
	return resp.StatusCode, err
}

func (h *Host) serveKVS(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(io.LimitReader(r.Body, MaxPayload+1))
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	out, kerr := h.store.handle(h.installationID, "/"+r.PathValue("path"), body)
	w.Header().Set("Content-Type", "application/json")
	if kerr != nil {
		if inv := h.invocation(r); inv != nil && kerr.Code != "KEY_NOT_FOUND" {
			h.mu.Lock()
			inv.Logs = append(inv.Logs, LogLine{Level: "host", Text: "storage " + r.PathValue("path") + ": " + kerr.Message})
			h.mu.Unlock()
		}
		w.WriteHeader(kerr.Status)
		_ = json.NewEncoder(w).Encode(kerr) // the runner reads it; a broken pipe is its to report
		return
	}
	if out == nil {
		w.WriteHeader(http.StatusOK)
		return
	}
	_ = json.NewEncoder(w).Encode(out) // as above
}

// bitbucketAPIHost is Bitbucket's API host: on this machine, fetch to it
// reaches the REST stand-in (the data migration's Connect JWT calls).
const bitbucketAPIHost = "api.bitbucket.org"

func (h *Host) serveEgress(w http.ResponseWriter, r *http.Request) {
	target := r.Header.Get("x-connectgen-target")
	inv := h.invocation(r)
	f := Fetch{URL: target}
	defer func() {
		if inv != nil {
			h.mu.Lock()
			inv.Fetches = append(inv.Fetches, f)
			h.mu.Unlock()
		}
	}()
	u, err := url.Parse(target)
	if err != nil || u.Host == "" {
		f.Refused = true
		w.Header().Set("x-connectgen-egress", "refused")
		w.WriteHeader(http.StatusForbidden)
		return
	}
	if !h.Manifest().FetchAllowed(u) {
		f.Refused = true
		h.logf("fetch %s refused: %s is not in permissions.external.fetch.backend", target, u.Host)
		w.Header().Set("x-connectgen-egress", "refused")
		w.WriteHeader(http.StatusForbidden)
		return
	}
	if u.Hostname() == bitbucketAPIHost {
		target = h.api.APIURL() + u.RequestURI()
	}
	f.Status, err = h.forward(w, r, target, nil)
	if err != nil {
		h.logf("fetch %s: %v", target, err)
	}
}

// FetchAllowed says whether permissions.external.fetch.backend lets fetch
// reach u: an entry is a URL (scheme and host must match), a host, a
// *.domain wildcard, or a remote's key (its baseUrl's host).
func (m *Manifest) FetchAllowed(u *url.URL) bool {
	host := strings.ToLower(u.Hostname())
	for _, a := range m.FetchBackend {
		for _, r := range m.Remotes {
			if r.Key == a {
				a = r.BaseURL
			}
		}
		scheme := ""
		if s, rest, ok := strings.Cut(a, "://"); ok {
			scheme, a = strings.ToLower(s), rest
		}
		a, _, _ = strings.Cut(a, "/")
		pattern := strings.ToLower(a)
		if h, _, err := net.SplitHostPort(pattern); err == nil {
			pattern = h
		}
		if scheme != "" && scheme != u.Scheme {
			continue
		}
		if pattern == host {
			return true
		}
		if suffix, ok := strings.CutPrefix(pattern, "*."); ok && strings.HasSuffix(host, "."+suffix) {
			return true
		}
	}
	return false
}

func newUUID() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b) // crypto/rand does not fail on Linux
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:])
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b) // as above
	return hex.EncodeToString(b)
}

func firstLines(s string, n int) string {
	lines := strings.Split(s, "\n")
	if len(lines) > n {
		lines = lines[:n]
	}
	return strings.Join(lines, "\n")
}

// limitedBuffer keeps the last max bytes written.
type limitedBuffer struct {
	mu  sync.Mutex
	buf []byte
	max int
}

func (b *limitedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.buf = append(b.buf, p...)
	if len(b.buf) > b.max {
		b.buf = b.buf[len(b.buf)-b.max:]
	}
	return len(p), nil
}

func (b *limitedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return string(b.buf)
}

// lineWriter calls f for each complete line written.
type lineWriter struct {
	mu  sync.Mutex
	buf []byte
	f   func(string)
}

func (l *lineWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.buf = append(l.buf, p...)
	for {
		i := bytes.IndexByte(l.buf, '\n')
		if i < 0 {
			break
		}
		l.f(string(l.buf[:i]))
		l.buf = l.buf[i+1:]
	}
	return len(p), nil
}

// Reload reads manifest.yml and bundles the app again, then restarts Node
// with the new bundle: what forge run --local does when a file changes.
// On an error the host keeps running the previous code.
func (h *Host) Reload(ctx context.Context) error {
	m, err := LoadManifest(h.opts.Dir)
	if err != nil {
		return err
	}
	code, err := Bundle(h.opts.Dir, m)
	if err != nil {
		return err
	}
	if err := os.WriteFile(h.bundle, code, 0o600); err != nil {
		return err
	}
	h.mu.Lock()
	h.manifest = m
	old := h.proc
	h.proc = nil
	h.mu.Unlock()
	h.api.SetBearerCheck(bearerCheck(m, h.systemToken, h.userToken))
	if old != nil {
		old.kill()
	}
	if len(m.Functions) == 0 {
		return nil
	}
	_, err = h.process(ctx)
	return err
}
