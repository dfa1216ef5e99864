// Package cloudworld is the stateful part of the local Jira and
// Confluence hosts: app (add-on) properties and entity properties (Jira
// issues and projects, Confluence pages and spaces) kept per installation
// and served at the products' REST paths, and the evaluation of module
// conditions (entity_property_exists and the rest) against them, so a
// page the product would hide is reported hidden instead of opened.
package cloudworld

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Site names the sample entities whose properties the host keeps.
type Site struct {
	// BaseURL is the product's origin (self links); Confluence's REST
	// paths are under /wiki.
	BaseURL                     string
	IssueKey, IssueID           string
	ProjectKey, ProjectID       string
	PageID, SpaceKey, AccountID string
}

// World holds every installation's properties.
type World struct {
	Site Site
	mu   sync.Mutex
	// props: client key → entity ("issue 10001", "addon my-app") → key → value.
	props map[string]map[string]map[string]*property
}

type property struct {
	value   json.RawMessage
	version int
	when    time.Time
}

// New returns an empty world for site.
func New(site Site) *World {
	return &World{Site: site, props: map[string]map[string]map[string]*property{}}
}

// Caller is the installation making a call.
type Caller struct{ ClientKey, AppKey string }

// Entity kinds whose properties are kept.
const (
	Addon   = "addon"
	Issue   = "issue"
	Project = "project"
	Content = "content"
	Space   = "space"
)

// route is one property route: its pattern (named groups entity and
// key), the entity kind, and the product's error format.
type route struct {
	re         *regexp.Regexp
	kind       string
	confluence bool
}

var routes = []route{
	{regexp.MustCompile(`^(?:/wiki)?/rest/atlassian-connect/1/addons/(?P<entity>[^/]+)/properties(?:/(?P<key>[^/]+))?$`), Addon, false},
	{regexp.MustCompile(`^/rest/api/[23]/issue/(?P<entity>[^/]+)/properties(?:/(?P<key>[^/]+))?$`), Issue, false},
	{regexp.MustCompile(`^/rest/api/[23]/project/(?P<entity>[^/]+)/properties(?:/(?P<key>[^/]+))?$`), Project, false},
	{regexp.MustCompile(`^/wiki/rest/api/content/(?P<entity>[^/]+)/property(?:/(?P<key>[^/]+))?$`), Content, true},
	{regexp.MustCompile(`^/wiki/rest/api/space/(?P<entity>[^/]+)/property(?:/(?P<key>[^/]+))?$`), Space, true},
}

// entityID resolves an entity reference (key or id) to its canonical
// name, or "" for one the site does not have.
func (w *World) entityID(kind, ref string, c Caller) string {
	s := w.Site
	switch kind {
	case Addon:
		if ref == c.AppKey {
			return Addon + " " + ref
		}
	case Issue:
		if ref == s.IssueKey || ref == s.IssueID {
			return Issue + " " + s.IssueID
		}
	case Project:
		if ref == s.ProjectKey || ref == s.ProjectID {
			return Project + " " + s.ProjectID
		}
	case Content:
		if ref == s.PageID {
			return Content + " " + s.PageID
		}
	case Space:
		if ref == s.SpaceKey {
			return Space + " " + s.SpaceKey
		}
	}
	return ""
}

// ServeHTTP answers a property call and reports whether the path was one;
// for any other path it writes nothing and returns false.
func (w *World) ServeHTTP(rw http.ResponseWriter, r *http.Request, c Caller) bool {
	path := r.URL.EscapedPath()
	for _, rt := range routes {
		m := rt.re.FindStringSubmatch(path)
		if m == nil {
			continue
		}
		ref, key := unescape(m[1]), unescape(m[2])
		w.serve(rw, r, c, rt, ref, key)
		return true
	}
	return false
}

func (w *World) serve(rw http.ResponseWriter, r *http.Request, c Caller, rt route, ref, key string) {
	fail := func(status int, msg string) {
		if rt.confluence {
			writeJSON(rw, status, map[string]any{"statusCode": status, "message": msg})
			return
		}
		if rt.kind == Addon {
			writeJSON(rw, status, map[string]any{"statusCode": status, "message": msg})
			return
		}
		writeJSON(rw, status, map[string]any{"errorMessages": []string{msg}, "errors": map[string]any{}})
	}
	if rt.kind == Addon && ref != c.AppKey {
		fail(http.StatusUnauthorized, fmt.Sprintf("An app can only access its own properties: the URL names %q, the calling app is %q.", ref, c.AppKey))
		return
	}
	entity := w.entityID(rt.kind, ref, c)
	if entity == "" {
		fail(http.StatusNotFound, fmt.Sprintf("No %s %q on the local host.", rt.kind, ref))
		return
	}
	if len(key) > 255 {
		fail(http.StatusBadRequest, "The property key cannot be longer than 255 characters.")
		return
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.props[c.ClientKey] == nil {
		w.props[c.ClientKey] = map[string]map[string]*property{}
	}
	props := w.props[c.ClientKey][entity]
	if props == nil {
		props = map[string]*property{}
		w.props[c.ClientKey][entity] = props
	}
	self := w.Site.BaseURL + r.URL.EscapedPath()
	switch {
	case key == "" && r.Method == http.MethodGet:
		keys := sortedKeys(props)
		if rt.confluence {
			results := []any{}
			for _, k := range keys {
				results = append(results, w.confluenceProp(rt, ref, k, props[k]))
			}
			writeJSON(rw, 200, map[string]any{"results": results, "start": 0, "limit": 10, "size": len(results),
				"_links": map[string]any{"base": w.Site.BaseURL + "/wiki", "context": "/wiki", "self": self}})
			return
		}
		out := []any{}
		for _, k := range keys {
			out = append(out, map[string]any{"key": k, "self": strings.TrimSuffix(self, "/") + "/" + k})
		}
		writeJSON(rw, 200, map[string]any{"keys": out})
	case key == "" && r.Method == http.MethodPost && rt.confluence:
		var in struct {
			Key   string          `json:"key"`
			Value json.RawMessage `json:"value"`
		}
		if err := readJSON(r, &in); err != nil || in.Key == "" {
			fail(http.StatusBadRequest, "The body must be a JSON object with key and value.")
			return
		}
		if _, exists := props[in.Key]; exists {
			fail(http.StatusConflict, fmt.Sprintf("A property with key %q already exists.", in.Key))
			return
		}
		props[in.Key] = &property{value: in.Value, version: 1, when: time.Now().UTC()}
		writeJSON(rw, 200, w.confluenceProp(rt, ref, in.Key, props[in.Key]))
	case key == "":
		fail(http.StatusMethodNotAllowed, "Method not allowed.")
	case r.Method == http.MethodGet:
		p, ok := props[key]
		if !ok {
			fail(http.StatusNotFound, fmt.Sprintf("Property with key %q not found.", key))
			return
		}
		if rt.confluence {
			writeJSON(rw, 200, w.confluenceProp(rt, ref, key, p))
			return
		}
		writeJSON(rw, 200, map[string]any{"key": key, "value": p.value})
	case r.Method == http.MethodPut || (r.Method == http.MethodPost && rt.confluence):
		var value json.RawMessage
		if rt.confluence {
			var in struct {
				Value   json.RawMessage `json:"value"`
				Version *struct {
					Number int `json:"number"`
				} `json:"version"`
			}
			if err := readJSON(r, &in); err != nil || in.Value == nil {
				fail(http.StatusBadRequest, "The body must be a JSON object with value (and version.number to update).")
				return
			}
			old, exists := props[key]
			if exists && r.Method == http.MethodPut && (in.Version == nil || in.Version.Number != old.version+1) {
				fail(http.StatusConflict, fmt.Sprintf("Version must be incremented on update: the property is at version %d, send version.number %d.", old.version, old.version+1))
				return
			}
			value = in.Value
		} else if err := readJSON(r, &value); err != nil {
			fail(http.StatusBadRequest, "The property value is not valid JSON: "+err.Error())
			return
		}
		if len(value) > 32768 {
			fail(http.StatusBadRequest, "The property value cannot be longer than 32768 bytes.")
			return
		}
		old, existed := props[key]
		p := &property{value: value, version: 1, when: time.Now().UTC()}
		if existed {
			p.version = old.version + 1
		}
		props[key] = p
		switch {
		case rt.confluence:
			writeJSON(rw, 200, w.confluenceProp(rt, ref, key, p))
		case rt.kind == Addon && existed:
			writeJSON(rw, 200, map[string]any{"statusCode": 200, "message": "Property updated."})
		case rt.kind == Addon:
			writeJSON(rw, 201, map[string]any{"statusCode": 201, "message": "Property created."})
		case existed:
			writeJSON(rw, 200, map[string]any{})
		default:
			writeJSON(rw, 201, map[string]any{})
		}
	case r.Method == http.MethodDelete:
		if _, ok := props[key]; !ok {
			fail(http.StatusNotFound, fmt.Sprintf("Property with key %q not found.", key))
			return
		}
		delete(props, key)
		rw.WriteHeader(http.StatusNoContent)
	default:
		fail(http.StatusMethodNotAllowed, "Method not allowed.")
	}
}

func (w *World) confluenceProp(rt route, ref, key string, p *property) map[string]any {
	base := "/wiki/rest/api/content/" + ref + "/property/" + key
	if rt.kind == Space {
		base = "/wiki/rest/api/space/" + ref + "/property/" + key
	}
	return map[string]any{
		"id": strconv.Itoa(1000 + len(key)*7 + p.version), "key": key, "value": p.value,
		"version":     map[string]any{"when": p.when.Format(time.RFC3339), "message": "", "number": p.version, "minorEdit": false},
		"_links":      map[string]any{"self": w.Site.BaseURL + base, "base": w.Site.BaseURL + "/wiki", "context": "/wiki"},
		"_expandable": map[string]any{"content": "/wiki/rest/api/content/" + w.Site.PageID, "space": "/wiki/rest/api/space/" + w.Site.SpaceKey},
	}
}

// Property returns an installation's property of an entity ("issue",
// "project", "content", "space", "addon"; ref its key or id), and false
// when it is not set.
func (w *World) Property(c Caller, kind, ref, key string) (json.RawMessage, bool) {
	entity := w.entityID(kind, ref, c)
	w.mu.Lock()
	defer w.mu.Unlock()
	p, ok := w.props[c.ClientKey][entity][key]
	if !ok {
		return nil, false
	}
	return p.value, true
}

// Written lists an installation's properties for the host page:
// "entity key" → value.
func (w *World) Written(clientKey string) map[string]json.RawMessage {
	w.mu.Lock()
	defer w.mu.Unlock()
	out := map[string]json.RawMessage{}
	for entity, props := range w.props[clientKey] {
		for k, p := range props {
			out[entity+" "+k] = p.value
		}
	}
	return out
}

func readJSON(r *http.Request, v any) error {
	b, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	if err != nil {
		return err
	}
	return json.Unmarshal(b, v)
}

func writeJSON(rw http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		http.Error(rw, err.Error(), http.StatusInternalServerError)
		return
	}
	rw.Header().Set("Content-Type", "application/json;charset=UTF-8")
	rw.WriteHeader(status)
	_, _ = rw.Write(b) // the client went away
}

func sortedKeys[V any](m map[string]V) []string {
	ks := make([]string, 0, len(m))
	for k := range m {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	return ks
}
