package forgehost

import (
	"context"
	_ "embed"
	"encoding/json"
	"fmt"
	"net/http"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/connectgen/connectgen/internal/forge"
)

//go:embed ui/forge.html
var pageHTML []byte

// Server is forge run --local's loopback API (and, with Page, its
// browser page): it lists the modules by location, invokes resolvers,
// fires events, merge checks and schedules, and shows each call's
// result, console output, Bitbucket calls, storage and verdict.
type Server struct {
	Host *Host
	// Remote, when set, receives the calls of modules that name an
	// endpoint instead of a function.
	Remote *RemoteCaller
	// Page serves the browser page at /.
	Page bool

	mu      sync.Mutex // one call at a time, as a developer clicks
	remotes []*Result
}

// ModuleView is one module as the page lists it.
type ModuleView struct {
	Type     string   `json:"type"`
	Location string   `json:"location"`
	Key      string   `json:"key"`
	Title    string   `json:"title,omitempty"`
	Function string   `json:"function,omitempty"`
	Resolver string   `json:"resolver,omitempty"`
	Keys     []string `json:"keys,omitempty"`
	Events   []string `json:"events,omitempty"`
	Triggers []string `json:"triggers,omitempty"`
	Endpoint string   `json:"endpoint,omitempty"`
	Note     string   `json:"note,omitempty"`
	// UIKit says the page can render the module (render: native);
	// Context is what its resolver and useProductContext see.
	UIKit   bool           `json:"uiKit,omitempty"`
	Context map[string]any `json:"context,omitempty"`
}

// Modules lists the app's modules by location (module type), with the
// resolver keys each UI module can call.
func (s *Server) Modules(ctx context.Context) []ModuleView {
	m := s.Host.Manifest()
	var out []ModuleView
	keys := map[string][]string{}
	for _, t := range m.ModuleTypes() {
		if t == "function" || t == "endpoint" {
			continue
		}
		for _, mod := range m.Modules[t] {
			v := ModuleView{Type: t, Location: locationOf(t), Key: mod.Key, Title: mod.Title, Function: mod.Function, Resolver: mod.Resolver, Events: mod.Events, Triggers: mod.Triggers}
			if _, ok := m.Resources[mod.Resource]; ok && mod.Render == "native" {
				v.UIKit = true
				v.Context = s.Host.World().ExtensionContext(mod)
			}
			if mod.Endpoint != "" || mod.ResolverEndpoint != "" {
				v.Endpoint = mod.Endpoint + mod.ResolverEndpoint
				if s.Remote == nil {
					v.Note = "calls a Forge Remote: start forge run --local with --remote URL"
				}
				if mod.ResolverEndpoint != "" {
					v.Keys = []string{"whoami"}
				}
			}
			if mod.Resolver != "" {
				if _, ok := keys[mod.Resolver]; !ok {
					k, err := s.Host.ResolverKeys(ctx, mod.Resolver)
					if err != nil {
						v.Note = err.Error()
					}
					keys[mod.Resolver] = k
				}
				v.Keys = keys[mod.Resolver]
			}
			if t == "scheduledTrigger" {
				v.Triggers = []string{"run now (" + mod.Interval + ")"}
			}
			out = append(out, v)
		}
	}
	// Pages by location first, then the backend modules.
	backend := func(v ModuleView) bool { return strings.HasPrefix(v.Location, "Backend") }
	sort.SliceStable(out, func(i, j int) bool {
		if bi, bj := backend(out[i]), backend(out[j]); bi != bj {
			return bj
		}
		return out[i].Location < out[j].Location
	})
	return out
}

// locationOf names where a module shows in Bitbucket, for the page.
func locationOf(t string) string {
	switch {
	case t == "trigger", t == "scheduledTrigger", t == "preUninstall":
		return "Backend: " + t
	case t == forge.MergeCheck:
		return "Pull request: merge checks"
	case strings.HasPrefix(t, productPrefix+"repoPullRequest"):
		return "Pull request: " + strings.TrimPrefix(t, productPrefix+"repoPullRequest")
	case strings.HasPrefix(t, productPrefix+"repoCode"):
		return "Repository source: " + strings.TrimPrefix(t, productPrefix+"repoCode")
	case strings.HasPrefix(t, productPrefix+"repo"):
		return "Repository: " + strings.TrimPrefix(t, productPrefix+"repo")
	case strings.HasPrefix(t, productPrefix+"project"):
		return "Project: " + strings.TrimPrefix(t, productPrefix+"project")
	case strings.HasPrefix(t, productPrefix+"workspace"):
		return "Workspace: " + strings.TrimPrefix(t, productPrefix+"workspace")
	}
	return t
}

// Request is one call the page (or a script) asks for.
type Request struct {
	Module  string          `json:"module"` // type:key
	Key     string          `json:"key,omitempty"`
	Event   string          `json:"event,omitempty"`
	Trigger string          `json:"trigger,omitempty"`
	Payload json.RawMessage `json:"payload,omitempty"`
}

// Do runs one request and returns the verdict.
func (s *Server) Do(ctx context.Context, req Request) (*Result, *Invocation, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	typ, key, _ := strings.Cut(req.Module, ":")
	if i := strings.LastIndex(req.Module, ":"); i > 0 {
		typ, key = req.Module[:i], req.Module[i+1:]
	}
	var mod *Module
	for _, m := range s.Host.Manifest().Modules[typ] {
		if m.Key == key {
			mm := m
			mod = &mm
		}
	}
	if mod == nil {
		return nil, nil, fmt.Errorf("no module %s in manifest.yml", req.Module)
	}
	var payload any
	if len(req.Payload) > 0 {
		if err := json.Unmarshal(req.Payload, &payload); err != nil {
			return nil, nil, fmt.Errorf("the payload is not JSON: %w", err)
		}
	}
	w := s.Host.World()
	if mod.Endpoint != "" || mod.ResolverEndpoint != "" {
		if s.Remote == nil {
			return nil, nil, fmt.Errorf("%s calls the endpoint %s%s: start forge run --local with --remote URL", req.Module, mod.Endpoint, mod.ResolverEndpoint)
		}
		what := req.Event + req.Trigger + req.Key
		r := s.Remote.Call(ctx, *mod, what, payload)
		s.remotes = append(s.remotes, r)
		return r, nil, nil
	}
	var c Call
	switch {
	case mod.Resolver != "":
		c = Call{Kind: KindResolver, Module: *mod, ResolverKey: req.Key, Payload: payload}
	case typ == "trigger":
		kind := KindTrigger
		if req.Event == EventInstalled || req.Event == EventUpgraded {
			kind = KindLifecycle
		}
		if payload == nil {
			payload = w.EventPayload(req.Event, s.Host.appID)
		}
		c = Call{Kind: kind, Module: *mod, Event: req.Event, Payload: payload}
	case typ == forge.MergeCheck:
		if payload == nil {
			payload = w.MergeCheckPayload(req.Trigger)
		}
		c = Call{Kind: KindMergeCheck, Module: *mod, Event: req.Trigger, Payload: payload}
	case typ == "scheduledTrigger":
		c = Call{Kind: KindScheduled, Module: *mod, Payload: map[string]any{"context": map[string]any{"workspaceId": w.WorkspaceUUID, "moduleKey": mod.Key}}}
	case typ == "preUninstall":
		c = Call{Kind: KindPreUninstall, Module: *mod, Payload: map[string]any{"context": map[string]any{"workspaceId": w.WorkspaceUUID}}}
	default:
		return nil, nil, fmt.Errorf("%s has no function to call", req.Module)
	}
	inv := s.Host.Invoke(ctx, c)
	name := inv.Function
	if req.Key != "" {
		name += "#" + req.Key
	} else if c.Event != "" {
		name += " ← " + c.Event
	}
	r := judge(name, inv)
	if c.Kind == KindMergeCheck {
		judgeMergeCheck(r, inv)
	}
	return r, inv, nil
}

// ServeHTTP serves the API (and the page).
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	// The page and API are for this machine's browser only: refuse a
	// request another site's page makes (DNS rebinding, CSRF).
	if host := r.Host; !strings.HasPrefix(host, "127.0.0.1:") && !strings.HasPrefix(host, "localhost:") && !strings.HasPrefix(host, "[::1]:") {
		http.Error(w, "the local Forge host answers loopback requests only", http.StatusForbidden)
		return
	}
	switch {
	case r.URL.Path == "/" && s.Page && r.Method == http.MethodGet:
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Header().Set("Content-Security-Policy", "default-src 'self'; script-src 'self' 'unsafe-inline'; style-src 'unsafe-inline'")
		_, _ = w.Write(pageHTML) // a broken connection is the browser's to report
	case strings.HasPrefix(r.URL.Path, "/ui/") && s.Page && r.Method == http.MethodGet:
		mux := http.NewServeMux()
		mux.HandleFunc("GET /ui/frame/{module}", s.serveUIFrame)
		mux.HandleFunc("GET /ui/bundle/{module}", s.serveUIBundle)
		mux.ServeHTTP(w, r)
	case r.URL.Path == "/api/state" && r.Method == http.MethodGet:
		h := s.Host
		values, secrets := h.Store().Snapshot(h.InstallationID())
		hist := h.History()
		if len(hist) > 50 {
			hist = hist[len(hist)-50:]
		}
		writeJSONTo(w, http.StatusOK, map[string]any{
			"app": h.Manifest().AppID, "installation": h.InstallationID(), "api": h.API().APIURL(),
			"modules": s.Modules(r.Context()), "storage": values, "secrets": secrets, "history": hist, "remote": s.remotes,
		})
	case r.URL.Path == "/api/call" && r.Method == http.MethodPost:
		if r.Header.Get("Content-Type") != "application/json" {
			http.Error(w, "send JSON (Content-Type: application/json)", http.StatusUnsupportedMediaType)
			return
		}
		var req Request
		if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, MaxPayload)).Decode(&req); err != nil {
			http.Error(w, "the request is not JSON: "+err.Error(), http.StatusBadRequest)
			return
		}
		ctx, cancel := context.WithTimeout(r.Context(), 16*time.Minute)
		defer cancel()
		res, inv, err := s.Do(ctx, req)
		if err != nil {
			writeJSONTo(w, http.StatusBadRequest, map[string]string{"error": err.Error()})
			return
		}
		writeJSONTo(w, http.StatusOK, map[string]any{"result": res, "invocation": inv})
	default:
		http.NotFound(w, r)
	}
}

func writeJSONTo(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v) // as above
}
