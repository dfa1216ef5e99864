package hostui

import (
	"bytes"
	"context"
	"embed"
	"encoding/json"
	"fmt"
	"html/template"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/connectgen/connectgen/internal/descriptor"
	"github.com/connectgen/connectgen/internal/hostsim"
)

//go:embed ui
var uiFS embed.FS

// HostScriptPath is where the host serves its host script. Start the app
// with AC_HOST_SCRIPT_URL=<host URL>/atlassian-connect/all.js so that ACE's
// views load it (Bitbucket serves its own at the same path).
const HostScriptPath = "/atlassian-connect/all.js"

// pageTmpl parses the page templates on first use, not at start-up: every
// connectgen command links this package.
var pageTmpl = sync.OnceValue(func() *template.Template {
	return template.Must(template.New("").Funcs(template.FuncMap{"kindLabel": kindLabel, "moduleURL": ModuleURL}).
		ParseFS(uiFS, "ui/*.html.tmpl"))
})

// Limits on what the browser may send: AP.request bodies are small JSON or
// form posts, and the host answers one person clicking.
const (
	maxAPIBody     = 1 << 20
	maxRequestJSON = 2*maxAPIBody + 4096
	actionTimeout  = 30 * time.Second
)

type handler struct {
	b   Backend
	mux *http.ServeMux
}

// Handler serves the local host's pages, its host script and the JSON
// endpoints the pages call. It answers only requests addressed to a
// loopback host name (a guard against DNS rebinding) and accepts the JSON
// endpoints only from its own pages.
func Handler(b Backend) http.Handler {
	h := &handler{b: b, mux: http.NewServeMux()}
	h.mux.HandleFunc("GET /{$}", h.index)
	h.mux.HandleFunc("GET /module/{kind}/{key}", h.module)
	h.mux.HandleFunc("GET "+HostScriptPath, h.hostScript)
	h.mux.HandleFunc("GET /static/host.js", serveFile("ui/host.js", "text/javascript; charset=utf-8"))
	h.mux.HandleFunc("GET /static/host.css", serveFile("ui/host.css", "text/css; charset=utf-8"))
	h.mux.HandleFunc("POST /api/request", h.apiRequest)
	h.mux.HandleFunc("POST /api/webhook", h.apiWebhook)
	h.mux.HandleFunc("POST /api/reinstall", h.apiLifecycle(Backend.Reinstall))
	h.mux.HandleFunc("POST /api/uninstall", h.apiLifecycle(Backend.Uninstall))
	h.mux.HandleFunc("POST /api/context-token", h.apiContextToken)
	return h
}

var allJS = sync.OnceValue(func() string {
	b, err := uiFS.ReadFile("ui/all.js")
	if err != nil {
		panic(err) // embedded at build time
	}
	return string(b)
})

// hostScript serves all.js, its messages naming the product the host
// plays ("the local Jira host").
func (h *handler) hostScript(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/javascript; charset=utf-8")
	_, _ = io.WriteString(w, strings.ReplaceAll(allJS(), "local Bitbucket host", "local "+h.b.App().ProductName()+" host")) // the browser went away; nothing to tell it
}

// apiContextToken answers AP.context.getToken with the backend's context
// token; a backend without them (Bitbucket's) says so.
func (h *handler) apiContextToken(w http.ResponseWriter, r *http.Request) {
	var in struct{}
	if !readJSON(w, r, &in) {
		return
	}
	ct, ok := h.b.(ContextTokener)
	if !ok {
		writeJSON(w, http.StatusOK, map[string]string{"error": "AP.context.getToken is not supported by the local " + h.b.App().ProductName() + " host"})
		return
	}
	tok, err := ct.ContextToken()
	if err != nil {
		writeJSON(w, http.StatusOK, map[string]string{"error": err.Error()})
		return
	}
	writeJSON(w, http.StatusOK, map[string]string{"token": tok})
}

func (h *handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if !descriptor.IsLoopback(r.Host) {
		http.Error(w, "the local host answers only on loopback addresses", http.StatusMisdirectedRequest)
		return
	}
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.Header().Set("Referrer-Policy", "no-referrer")
	h.mux.ServeHTTP(w, r)
}

func serveFile(name, contentType string) http.HandlerFunc {
	body, err := uiFS.ReadFile(name)
	if err != nil {
		panic(err) // embedded at build time: missing means a broken build
	}
	return func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", contentType)
		_, _ = w.Write(body) // the browser went away; nothing to tell it
	}
}

type section struct {
	Label string
	Area  string
	Pages []hostsim.Module
}

type pageData struct {
	App       AppInfo
	AppOrigin string
	AppError  string
	Sections  []section
	Events    []string
	ScriptURL string
	// Writes are what the app wrote through the REST API.
	Writes []WriteGroup
	// Hidden says, by "kind/key", why the product would hide a module now.
	Hidden map[string]string

	// The module view only.
	Page     *hostsim.Module
	FrameURL string
	Error    string
}

func (h *handler) data(r *http.Request) *pageData {
	app := h.b.App()
	d := &pageData{App: app, Events: h.b.Events(), ScriptURL: "http://" + r.Host + HostScriptPath}
	origin, err := loopbackOrigin(app.BaseURL)
	if err != nil {
		d.AppError = fmt.Sprintf("app base URL %q: %v", app.BaseURL, err)
	}
	d.AppOrigin = origin
	if wl, ok := h.b.(WritesLister); ok {
		d.Writes = wl.Writes()
	}
	pages := h.b.Pages()
	if v, ok := h.b.(Visibler); ok {
		for _, p := range pages {
			if shown, why := v.Visibility(p); !shown {
				if d.Hidden == nil {
					d.Hidden = map[string]string{}
				}
				d.Hidden[p.Kind+"/"+p.Key] = strings.Join(why, "; ")
			}
		}
	}
	for _, k := range kinds {
		s := section{Label: k.label, Area: area(k.kind, app.Product, k.area)}
		for _, p := range pages {
			if p.Kind == k.kind {
				s.Pages = append(s.Pages, p)
			}
		}
		if len(s.Pages) > 0 {
			d.Sections = append(d.Sections, s)
		}
	}
	return d
}

// securityHeaders keeps the host's pages to this server and the app: no
// inline script, no other origin for scripts, styles, fetches or frames.
func securityHeaders(w http.ResponseWriter, appOrigin string) {
	frame := "'none'"
	if appOrigin != "" {
		frame = appOrigin
	}
	w.Header().Set("Content-Security-Policy", "default-src 'none'; script-src 'self'; style-src 'self'; "+
		"img-src 'self' data:; connect-src 'self'; frame-src "+frame+"; base-uri 'none'; form-action 'none'; frame-ancestors 'none'")
	w.Header().Set("X-Frame-Options", "DENY")
}

func (h *handler) render(w http.ResponseWriter, status int, name string, d *pageData) {
	var buf bytes.Buffer
	if err := pageTmpl().ExecuteTemplate(&buf, name, d); err != nil {
		http.Error(w, "rendering "+name+": "+err.Error(), http.StatusInternalServerError)
		return
	}
	securityHeaders(w, d.AppOrigin)
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	_, _ = w.Write(buf.Bytes()) // the browser went away; nothing to tell it
}

func (h *handler) index(w http.ResponseWriter, r *http.Request) {
	h.render(w, http.StatusOK, "index.html.tmpl", h.data(r))
}

func (h *handler) module(w http.ResponseWriter, r *http.Request) {
	d := h.data(r)
	kind, key := r.PathValue("kind"), r.PathValue("key")
	for _, p := range h.b.Pages() {
		if p.Kind == kind && p.Key == key {
			d.Page = &p
			break
		}
	}
	if d.Page == nil {
		d.Error = fmt.Sprintf("The app has no %s with the key %q.", kindLabel(kind), key)
		h.render(w, http.StatusNotFound, "module.html.tmpl", d)
		return
	}
	if d.AppError != "" {
		d.Error = d.AppError
		h.render(w, http.StatusBadGateway, "module.html.tmpl", d)
		return
	}
	if v, ok := h.b.(Visibler); ok {
		if shown, why := v.Visibility(*d.Page); !shown {
			d.Error = hiddenMessage(d.App.ProductName(), why)
			h.render(w, http.StatusOK, "module.html.tmpl", d)
			return
		}
	}
	signed, err := h.b.SignedURL(*d.Page)
	if err == nil {
		// The frame may only show the app: the page's CSP allows no other
		// frame origin, and AP messages are accepted from that origin only.
		var origin string
		if origin, err = loopbackOrigin(signed); err == nil && origin != d.AppOrigin {
			err = fmt.Errorf("the signed URL %s is not on the app's origin %s", signed, d.AppOrigin)
		}
	}
	if err != nil {
		d.Error = "Signing the module's URL failed: " + err.Error()
		h.render(w, http.StatusBadGateway, "module.html.tmpl", d)
		return
	}
	d.FrameURL = signed
	h.render(w, http.StatusOK, "module.html.tmpl", d)
}

// fromOwnPage refuses JSON endpoint calls that did not come from this
// host's own pages. The custom header makes any cross-origin fetch need a
// CORS preflight, which this server never grants; the Origin check covers
// browsers that send one.
func fromOwnPage(w http.ResponseWriter, r *http.Request) bool {
	if r.Header.Get("X-Connectgen-Host") != "1" {
		writeJSON(w, http.StatusForbidden, map[string]string{"error": "missing X-Connectgen-Host header: only the host's own pages may call this"})
		return false
	}
	if o := r.Header.Get("Origin"); o != "" && o != "http://"+r.Host {
		writeJSON(w, http.StatusForbidden, map[string]string{"error": "cross-origin call refused"})
		return false
	}
	if mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); mt != "application/json" {
		writeJSON(w, http.StatusUnsupportedMediaType, map[string]string{"error": "send application/json"})
		return false
	}
	return true
}

func readJSON(w http.ResponseWriter, r *http.Request, v any) bool {
	if !fromOwnPage(w, r) {
		return false
	}
	dec := json.NewDecoder(io.LimitReader(r.Body, maxRequestJSON))
	if err := dec.Decode(v); err != nil {
		writeJSON(w, http.StatusBadRequest, map[string]string{"error": "bad request body: " + err.Error()})
		return false
	}
	return true
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v) // the browser went away; nothing to tell it
}

// requestReply is what host.js hands back to the frame for an AP.request.
// A failure to get any HTTP answer is Error with Status 0.
type requestReply struct {
	Status      int    `json:"status"`
	StatusText  string `json:"statusText"`
	ContentType string `json:"contentType,omitempty"`
	Body        string `json:"body"`
	Error       string `json:"error,omitempty"`
}

func (h *handler) apiRequest(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Method      string `json:"method"`
		URL         string `json:"url"`
		ContentType string `json:"contentType"`
		Body        string `json:"body"`
	}
	if !readJSON(w, r, &in) {
		return
	}
	method := strings.ToUpper(in.Method)
	if method == "" {
		method = http.MethodGet
	}
	switch method {
	case http.MethodGet, http.MethodPost, http.MethodPut, http.MethodDelete, http.MethodPatch, http.MethodHead:
	default:
		writeJSON(w, http.StatusOK, requestReply{Error: fmt.Sprintf("AP.request: method %q is not supported", in.Method)})
		return
	}
	if err := checkAPIPath(in.URL, h.b.App()); err != nil {
		writeJSON(w, http.StatusOK, requestReply{Error: err.Error()})
		return
	}
	if len(in.Body) > maxAPIBody {
		writeJSON(w, http.StatusOK, requestReply{Error: fmt.Sprintf("AP.request: body over %d bytes", maxAPIBody)})
		return
	}
	req := APIRequest{Method: method, Path: in.URL}
	if in.Body != "" {
		req.Body = []byte(in.Body)
		req.ContentType = in.ContentType
	}
	ctx, cancel := context.WithTimeout(r.Context(), actionTimeout)
	defer cancel()
	resp, err := h.b.Request(ctx, req)
	if err != nil {
		writeJSON(w, http.StatusOK, requestReply{Error: err.Error()})
		return
	}
	writeJSON(w, http.StatusOK, requestReply{
		Status:      resp.Status,
		StatusText:  http.StatusText(resp.Status),
		ContentType: resp.ContentType,
		Body:        string(resp.Body),
	})
}

func (h *handler) apiWebhook(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Event string `json:"event"`
	}
	if !readJSON(w, r, &in) {
		return
	}
	known := false
	for _, e := range h.b.Events() {
		known = known || e == in.Event
	}
	if !known {
		writeJSON(w, http.StatusBadRequest, map[string]string{"error": fmt.Sprintf("the app is not subscribed to %q", in.Event)})
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), actionTimeout)
	defer cancel()
	res, err := h.b.SendWebhook(ctx, in.Event)
	if err != nil {
		writeJSON(w, http.StatusOK, map[string]any{"event": in.Event, "error": err.Error()})
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"event": in.Event, "status": res.Status, "statusText": http.StatusText(res.Status), "body": res.Body})
}

func (h *handler) apiLifecycle(do func(Backend, context.Context) error) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		var in struct{}
		if !readJSON(w, r, &in) {
			return
		}
		ctx, cancel := context.WithTimeout(r.Context(), actionTimeout)
		defer cancel()
		err := do(h.b, ctx)
		app := h.b.App()
		out := map[string]any{"installed": app.Installed, "clientKey": app.ClientKey}
		if err != nil {
			out["error"] = err.Error()
		}
		writeJSON(w, http.StatusOK, out)
	}
}

// ModuleURL returns the path of the host's view of p, for printing.
func ModuleURL(p hostsim.Module) string {
	return "/module/" + url.PathEscape(p.Kind) + "/" + url.PathEscape(p.Key)
}
