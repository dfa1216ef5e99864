package forgehost

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"regexp"
	"sort"
	"strings"
	"time"

	"github.com/connectgen/connectgen/internal/forge"
)

// Result is the verdict on one invocation of Simulate.
type Result struct {
	// Name is the function and what it was called for: "resolver#getUser",
	// "on-event ← avi:bitbucket:push:repository", "check-title ← on-merge".
	Name     string `json:"name"`
	Kind     string `json:"kind"`
	Module   string `json:"module"`
	Function string `json:"function"`
	Handler  string `json:"handler"`
	Passed   bool   `json:"passed"`
	// Reason says why it failed, or what it answered.
	Reason string `json:"reason"`
	// Verdict is a merge check's answer ({success, message}).
	Verdict json.RawMessage `json:"verdict,omitempty"`
	// Answer is a remote's whole JSON answer (forge run --local --remote).
	Answer     json.RawMessage `json:"answer,omitempty"`
	DurationMS int64           `json:"durationMs"`
	Logs       []LogLine       `json:"logs,omitempty"`
}

// Report is the outcome of Simulate.
type Report struct {
	App      string        `json:"app"`
	Results  []*Result     `json:"results"`
	Duration time.Duration `json:"-"`
}

// OK says whether every invocation passed.
func (r *Report) OK() bool {
	if len(r.Results) == 0 {
		return false
	}
	for _, x := range r.Results {
		if !x.Passed {
			return false
		}
	}
	return true
}

// Result returns the result named name, or nil.
func (r *Report) Result(name string) *Result {
	for _, x := range r.Results {
		if x.Name == name {
			return x
		}
	}
	return nil
}

// Simulate runs every function of the app once as Forge would call it:
// each key each resolver defines (with its module's extension context),
// each event of each trigger (Bitbucket's documented payloads, lifecycle
// events), each trigger of each merge check, each scheduled trigger and
// preUninstall. A call fails when its handler throws or times out, calls
// a Bitbucket route outside the manifest's scopes, fetches a host not in
// permissions.external.fetch, or answers with something that does not
// survive JSON.
func Simulate(ctx context.Context, h *Host) *Report {
	start := time.Now()
	m := h.Manifest()
	rep := &Report{App: m.AppID}
	add := func(name string, inv *Invocation) *Result {
		r := judge(name, inv)
		rep.Results = append(rep.Results, r)
		return r
	}
	// Resolvers: each resolver function once per key, with the first
	// module that uses it.
	seen := map[string]bool{}
	for _, typ := range m.ModuleTypes() {
		for _, mod := range m.Modules[typ] {
			if mod.Resolver == "" || seen[mod.Resolver] {
				continue
			}
			seen[mod.Resolver] = true
			keys, err := h.ResolverKeys(ctx, mod.Resolver)
			if err != nil {
				rep.Results = append(rep.Results, &Result{Name: mod.Resolver, Kind: KindResolver, Module: typ + ":" + mod.Key, Function: mod.Resolver, Handler: m.Functions[mod.Resolver], Reason: err.Error()})
				continue
			}
			for _, k := range keys {
				add(mod.Resolver+"#"+k, h.Invoke(ctx, Call{Kind: KindResolver, Module: mod, ResolverKey: k}))
			}
		}
	}
	for _, mod := range m.Modules["trigger"] {
		if mod.Function == "" {
			continue
		}
		for _, ev := range mod.Events {
			kind := KindTrigger
			if ev == EventInstalled || ev == EventUpgraded {
				kind = KindLifecycle
			}
			if scope := EventScope(ev); scope != "" && !m.HasScope(scope) {
				rep.Results = append(rep.Results, &Result{Name: mod.Function + " ← " + ev, Kind: kind, Module: "trigger:" + mod.Key, Function: mod.Function, Handler: m.Functions[mod.Function],
					Reason: fmt.Sprintf("%s needs the scope %s, which manifest.yml's permissions.scopes lacks: Forge does not deliver it (forge lint refuses the manifest)", ev, scope)})
				continue
			}
			add(mod.Function+" ← "+ev, h.Invoke(ctx, Call{Kind: kind, Module: mod, Event: ev, Payload: h.world.EventPayload(ev, h.appID)}))
		}
	}
	for _, mod := range m.Modules[forge.MergeCheck] {
		if mod.Function == "" {
			continue
		}
		for _, tr := range mod.Triggers {
			inv := h.Invoke(ctx, Call{Kind: KindMergeCheck, Module: mod, Event: tr, Payload: h.world.MergeCheckPayload(tr)})
			r := add(mod.Function+" ← "+tr, inv)
			judgeMergeCheck(r, inv)
		}
	}
	for _, mod := range m.Modules["scheduledTrigger"] {
		if mod.Function == "" {
			continue
		}
		payload := map[string]any{"context": map[string]any{"workspaceId": h.world.WorkspaceUUID, "moduleKey": mod.Key}}
		add(mod.Function+" ← "+mod.Interval+" schedule", h.Invoke(ctx, Call{Kind: KindScheduled, Module: mod, Payload: payload}))
	}
	for _, mod := range m.Modules["preUninstall"] {
		if mod.Function == "" {
			continue
		}
		payload := map[string]any{"context": map[string]any{"workspaceId": h.world.WorkspaceUUID}}
		add(mod.Function+" ← preUninstall", h.Invoke(ctx, Call{Kind: KindPreUninstall, Module: mod, Payload: payload}))
	}
	// Every other function: a web trigger gets a request, a function no
	// module names, or one of a module the host has no payload for, gets
	// an empty object.
	called := map[string]bool{}
	for _, r := range rep.Results {
		called[r.Function] = true
	}
	var rest []string
	for fn := range m.Functions {
		if !called[fn] {
			rest = append(rest, fn)
		}
	}
	sort.Strings(rest)
	for _, fn := range rest {
		mod, typ := Module{Type: "function", Key: fn}, ""
		for _, t := range m.ModuleTypes() {
			for _, x := range m.Modules[t] {
				if x.Function == fn && t != "function" && typ == "" {
					mod, typ = x, t
				}
			}
		}
		var payload any = map[string]any{}
		name := fn + " ← " + typ
		switch typ {
		case "webtrigger":
			payload = map[string]any{"method": "POST", "path": "/", "headers": map[string][]string{"content-type": {"application/json"}}, "body": "{}", "queryParameters": map[string][]string{}}
		case "":
			name = fn + " (no module calls it)"
		}
		add(name, h.Invoke(ctx, Call{Kind: KindOther, Module: mod, Function: fn, Payload: payload}))
	}
	rep.Duration = time.Since(start)
	return rep
}

// KindOther is a function the host calls with a generic payload.
const KindOther = "other"

// ResolverKeys returns the keys a resolver function defines (through
// @forge/resolver).
func (h *Host) ResolverKeys(ctx context.Context, fn string) ([]string, error) {
	handler := h.Manifest().Functions[fn]
	req, err := json.Marshal(map[string]any{"id": "keys-" + fn, "handler": handler, "listResolverKeys": true, "timeoutMs": 5000})
	if err != nil {
		return nil, err
	}
	inv := &Invocation{ID: "keys-" + fn, Limit: 10 * time.Second}
	res, err := h.send(ctx, inv, req)
	if err != nil {
		return nil, err
	}
	if res.msg.Error != nil {
		return nil, fmt.Errorf("%s", res.msg.Error.Message)
	}
	var v struct {
		Keys []string `json:"keys"`
	}
	if err := json.Unmarshal(res.msg.Value, &v); err != nil {
		return nil, err
	}
	if v.Keys == nil {
		return nil, fmt.Errorf("handler %s is not made with @forge/resolver (new Resolver().getDefinitions()), so its keys cannot be listed", handler)
	}
	sort.Strings(v.Keys)
	return v.Keys, nil
}

var srcFrame = regexp.MustCompile(`\(?((?:[^()\s]*/)?src/[^()\s]+:\d+:\d+)\)?`)

// judge turns an invocation into a verdict, the platform's refusals
// first: they are the cause when a handler then throws.
func judge(name string, inv *Invocation) *Result {
	r := &Result{Name: name, Kind: inv.Kind, Module: inv.Module, Function: inv.Function, Handler: inv.Handler, DurationMS: inv.Duration.Milliseconds(), Logs: inv.Logs}
	for _, c := range inv.Calls {
		if c.NoUser != "" {
			r.Reason = fmt.Sprintf("requestBitbucket %s %s: %s", c.Method, c.Path, c.NoUser)
			return r
		}
		if c.MissingScope != "" {
			r.Reason = fmt.Sprintf("requestBitbucket %s %s needs the scope %s, which manifest.yml's permissions.scopes lacks (answered %d)", c.Method, c.Path, c.MissingScope, c.Status)
			return r
		}
	}
	for _, f := range inv.Fetches {
		if f.Refused {
			host := f.URL
			if i := strings.Index(host, "://"); i >= 0 {
				host = host[i+3:]
			}
			host, _, _ = strings.Cut(host, "/")
			r.Reason = fmt.Sprintf("fetch %s was refused: %s is not in manifest.yml's permissions.external.fetch.backend", f.URL, host)
			return r
		}
	}
	switch {
	case inv.TimedOut:
		r.Reason = fmt.Sprintf("timed out: still running after %s (Forge stops a %s at %s)", inv.Limit, inv.Kind, inv.Limit)
		return r
	case inv.Refused != "":
		r.Reason = inv.Refused
		return r
	case inv.NotSerialisable != "":
		r.Reason = "the answer is not serialisable: " + inv.NotSerialisable + "; Forge sends answers as JSON"
		return r
	case inv.Error != nil:
		r.Reason = fmt.Sprintf("threw %s: %s", inv.Error.Name, inv.Error.Message)
		if m := srcFrame.FindStringSubmatch(inv.Error.Stack); m != nil {
			loc := m[1]
			if i := strings.LastIndex(loc, "src/"); i >= 0 {
				loc = loc[i:]
			}
			r.Reason += " (at " + loc + ")"
		}
		return r
	}
	r.Passed = true
	r.Reason = "returned"
	if len(inv.Value) > 0 && string(inv.Value) != "null" {
		v := string(inv.Value)
		if len(v) > 80 {
			v = v[:77] + "..."
		}
		r.Reason = "returned " + v
	}
	// A handler that catches its own failure still says so on the
	// console: point at it.
	errs := 0
	for _, l := range inv.Logs {
		if l.Level == "error" {
			errs++
		}
	}
	if errs > 0 {
		r.Reason += fmt.Sprintf(" (console.error %d×: --verbose shows it)", errs)
	}
	return r
}

// judgeMergeCheck wants a merge check's answer to be
// { success: boolean, message?: string }.
func judgeMergeCheck(r *Result, inv *Invocation) {
	if !r.Passed {
		return
	}
	var v struct {
		Success *bool   `json:"success"`
		Message *string `json:"message"`
	}
	if err := json.Unmarshal(inv.Value, &v); err != nil || v.Success == nil {
		r.Passed = false
		r.Reason = "a merge check must answer { success: true|false, message }, got " + string(inv.Value)
		return
	}
	r.Verdict = inv.Value
	verdict := "check passed"
	if !*v.Success {
		verdict = "check failed"
	}
	if v.Message != nil && *v.Message != "" {
		verdict += ": " + *v.Message
	}
	r.Reason = "verdict: " + verdict
}

// WriteText writes one line per invocation (PASS or FAIL, the function
// and what it was called for, the reason), failed calls' logs indented
// below, then a summary.
func (r *Report) WriteText(w io.Writer, verbose bool) error {
	var b strings.Builder
	fmt.Fprintf(&b, "Local Forge host (Bitbucket) -> app %s\n", r.App)
	passed := 0
	for _, x := range r.Results {
		status := "FAIL"
		if x.Passed {
			status = "PASS"
			passed++
		}
		fmt.Fprintf(&b, "%s %-13s %-44s %s (%d ms)\n", status, x.Kind, x.Name, x.Reason, x.DurationMS)
		if verbose || !x.Passed {
			for _, l := range x.Logs {
				fmt.Fprintf(&b, "       %s: %s\n", l.Level, l.Text)
			}
		}
	}
	verdict := "all passed"
	if !r.OK() {
		verdict = fmt.Sprintf("%d failed", len(r.Results)-passed)
	}
	if len(r.Results) == 0 {
		verdict = "no function to run: manifest.yml names none"
	}
	fmt.Fprintf(&b, "%d of %d passed, %s (%s)\n", passed, len(r.Results), verdict, r.Duration.Round(time.Millisecond))
	_, err := io.WriteString(w, b.String())
	return err
}

// WriteJSON writes the report as JSON.
func (r *Report) WriteJSON(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(struct {
		*Report
		OK bool `json:"ok"`
	}{r, r.OK()})
}

// SendEvent sends one event to the triggers that listen for it (or, for
// "preUninstall", to the preUninstall modules) and reports each handler.
// No listener is a failed result.
func SendEvent(ctx context.Context, h *Host, event string) *Report {
	start := time.Now()
	m := h.Manifest()
	rep := &Report{App: m.AppID}
	if event == "preUninstall" {
		for _, mod := range m.Modules["preUninstall"] {
			payload := map[string]any{"context": map[string]any{"workspaceId": h.world.WorkspaceUUID}}
			rep.Results = append(rep.Results, judge(mod.Function+" ← preUninstall", h.Invoke(ctx, Call{Kind: KindPreUninstall, Module: mod, Payload: payload})))
		}
	} else {
		for _, mod := range m.Modules["trigger"] {
			for _, ev := range mod.Events {
				if ev != event || mod.Function == "" {
					continue
				}
				kind := KindTrigger
				if ev == EventInstalled || ev == EventUpgraded {
					kind = KindLifecycle
				}
				rep.Results = append(rep.Results, judge(mod.Function+" ← "+ev, h.Invoke(ctx, Call{Kind: kind, Module: mod, Event: ev, Payload: h.world.EventPayload(ev, h.appID)})))
			}
		}
	}
	if len(rep.Results) == 0 {
		rep.Results = append(rep.Results, &Result{Name: event, Kind: KindTrigger, Reason: "no trigger in manifest.yml listens for " + event})
	}
	rep.Duration = time.Since(start)
	return rep
}
