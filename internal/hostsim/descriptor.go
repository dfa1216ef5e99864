package hostsim

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"net/http"
	"net/url"
	"strings"

	"github.com/connectgen/connectgen/internal/descriptor"
)

// Descriptor is what the host reads from the app's descriptor.
type Descriptor struct {
	Key       string   `json:"key"`
	Name      string   `json:"name"`
	BaseURL   string   `json:"baseUrl"`
	Scopes    []string `json:"scopes"`
	Lifecycle struct {
		Installed   string `json:"installed"`
		Uninstalled string `json:"uninstalled"`
	} `json:"lifecycle"`
	// ForgeAppLink and ForgeAppID point to the Forge app that replaces
	// the Connect app (see connectgen forge link).
	ForgeAppLink string    `json:"forgeAppLink,omitempty"`
	ForgeAppID   string    `json:"forgeAppId,omitempty"`
	Webhooks     []Webhook `json:"-"`
	Modules      []Module  `json:"-"`
	// ScopesDeclared is false when the descriptor has no scopes array,
	// which Bitbucket reads as "all scopes".
	ScopesDeclared bool `json:"-"`
	// Source is the descriptor as served.
	Source []byte `json:"-"`
	// Validation is the result of connectgen's descriptor rules.
	Validation *descriptor.Result `json:"-"`
	// Product is what the descriptor is for (Options.Product when given),
	// and ProductReason what showed it.
	Product       Product `json:"-"`
	ProductReason string  `json:"-"`
}

// Webhook is one entry of modules.webhooks.
type Webhook struct {
	Event string `json:"event"`
	URL   string `json:"url"`
}

// Module is one page module of the descriptor: a module the user sees in
// an iframe (or, for web items, opens) and that Bitbucket loads with a
// signed URL.
type Module struct {
	Kind     string `json:"kind"` // one of descriptor's Kind constants: repoPage, webItem, …
	Key      string `json:"key"`
	Name     string `json:"name"`
	Location string `json:"location,omitempty"`
	URL      string `json:"url"` // as in the descriptor, context parameters unfilled
}

// FetchDescriptor fetches the app's descriptor, validates it with
// connectgen's descriptor rules (base URL = the app URL, so http on
// loopback is only a warning) and keeps it for the other methods. A
// descriptor with errors is returned and kept together with an error, so
// callers can show the findings.
func (h *Host) FetchDescriptor(ctx context.Context) (*Descriptor, error) {
	u := h.appURL + "/" + descriptor.FileName
	_, body, err := descriptor.Read(ctx, u, descriptor.ReadOptions{Client: h.client, MaxSize: int(min(h.opts.MaxBody, math.MaxInt32))})
	var fe *descriptor.FetchError
	var tl *descriptor.TooLargeError
	switch {
	case errors.As(err, &tl):
		return nil, fmt.Errorf("GET %s: the answer is larger than %d bytes", u, tl.Limit)
	case errors.As(err, &fe) && fe.Status != 0:
		h.logf("GET %s -> %d", u, fe.Status)
		return nil, fmt.Errorf("GET %s answered %d %s, want 200 with the descriptor", u, fe.Status, http.StatusText(fe.Status))
	case errors.As(err, &fe):
		return nil, &UnreachableError{URL: u, Err: fe.Err}
	case err != nil:
		return nil, fmt.Errorf("GET %s: %w", u, err)
	}
	h.logf("GET %s -> 200", u)
	d, err := parseDescriptor(u, body, h.appURL, h.opts.Product)
	if d != nil {
		h.mu.Lock()
		h.desc = d
		h.mu.Unlock()
	}
	return d, err
}

// parseDescriptor validates and decodes a descriptor for product ("":
// the one internal/descriptor reads from the descriptor), with that
// product's rules.
func parseDescriptor(file string, src []byte, baseURL string, product Product) (*Descriptor, error) {
	res := descriptor.Validate(file, src, descriptor.Options{BaseURL: baseURL, Product: descriptor.Product(product)})
	product, why := Product(res.Product), res.ProductReason
	if product == "" {
		product = descriptor.DefaultProduct()
	}
	d := &Descriptor{Source: src, Validation: res, Product: product, ProductReason: why}
	// ACE serves JSON; a descriptor that is only JSON5 is already an
	// error finding, and without JSON there is nothing to install.
	if err := json.Unmarshal(src, d); err != nil {
		return nil, fmt.Errorf("the descriptor is not JSON: %w", err)
	}
	if product.Info().CloudRules {
		// Jira and Confluence grant what the scopes array says.
		var sc struct {
			Scopes *[]string `json:"scopes"`
		}
		// src decoded as JSON above; only the scopes' shape can fail,
		// which the validation reports.
		_ = json.Unmarshal(src, &sc)
		if sc.Scopes != nil {
			d.Scopes, d.ScopesDeclared = *sc.Scopes, true
		}
	} else {
		d.Scopes, d.ScopesDeclared = res.Scopes()
	}
	var raw struct {
		Modules map[string]json.RawMessage `json:"modules"`
	}
	// Modules of the wrong shape are validation findings; the host
	// loads what it can read.
	_ = json.Unmarshal(src, &raw)
	var hooks []Webhook
	if json.Unmarshal(raw.Modules["webhooks"], &hooks) == nil {
		for _, w := range hooks {
			if w.Event != "" && w.URL != "" {
				d.Webhooks = append(d.Webhooks, w)
			}
		}
	}
	kinds := product.Info().PageKinds
	for _, pk := range kinds {
		m := raw.Modules[pk.List]
		if len(m) == 0 {
			continue
		}
		var entries []json.RawMessage
		if pk.Single {
			entries = []json.RawMessage{m}
		} else if json.Unmarshal(m, &entries) != nil {
			continue
		}
		for _, e := range entries {
			var mod struct {
				Key      string `json:"key"`
				URL      string `json:"url"`
				Location string `json:"location"`
				Name     struct {
					Value string `json:"value"`
				} `json:"name"`
				Target struct {
					URL string `json:"url"`
				} `json:"target"`
			}
			if json.Unmarshal(e, &mod) != nil {
				continue
			}
			if mod.URL == "" {
				mod.URL = mod.Target.URL
			}
			if mod.URL == "" {
				continue
			}
			name := mod.Name.Value
			if name == "" {
				// JSM's portal headers and footers have no name.
				name = mod.Key
			}
			d.Modules = append(d.Modules, Module{Kind: pk.Kind, Key: mod.Key, Name: name, Location: mod.Location, URL: mod.URL})
		}
	}
	if n := res.Errors(); n > 0 {
		return d, fmt.Errorf("the descriptor has %d error(s)", n)
	}
	if d.Key == "" {
		return d, errors.New("the descriptor has no key")
	}
	return d, nil
}

// Modules lists the app's page modules (web items, repo pages, web panels,
// admin pages, the configure page, general pages, profile tabs, web cards,
// file views), by kind in that order and then in descriptor order. It is
// empty until the descriptor was fetched.
func (h *Host) Modules() []Module {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.desc == nil {
		return nil
	}
	return append([]Module(nil), h.desc.Modules...)
}

// AppPath returns the path (and query) of rawURL relative to the
// descriptor's baseUrl: relative URLs as they are, absolute ones only when
// they lie under baseUrl. ok is false for a URL elsewhere (a web item
// linking out), which the host does not load.
func AppPath(rawURL, baseURL string) (string, bool) {
	if strings.HasPrefix(rawURL, "/") && !strings.HasPrefix(rawURL, "//") {
		return rawURL, true
	}
	if !strings.Contains(rawURL, "://") && !strings.HasPrefix(rawURL, "//") {
		// "page?x=1" is relative to baseUrl too.
		return "/" + rawURL, true
	}
	base := strings.TrimRight(baseURL, "/")
	if base != "" && strings.HasPrefix(rawURL, base) {
		rest := rawURL[len(base):]
		if rest == "" || rest[0] == '/' || rest[0] == '?' {
			if !strings.HasPrefix(rest, "/") {
				rest = "/" + rest
			}
			return rest, true
		}
	}
	return "", false
}

// FillURL replaces the context parameters of a module URL with the sample
// values, escaped for where they stand (path or query). override, when
// not nil, gives the value for a query parameter whose value holds a
// context parameter. unknown lists the parameters the host has no value
// for; Bitbucket leaves such parameters empty, and so does the host.
func (h *Host) FillURL(tmpl string, override func(name string) (string, bool)) (filled string, unknown []string) {
	values := h.profile().ContextValues()
	path, query, hasQuery := strings.Cut(tmpl, "?")
	fill := func(s string, esc func(string) string) string {
		return descriptor.ReplaceContextParams(s, func(name string) string {
			v, ok := values[name]
			if !ok {
				unknown = append(unknown, name)
			}
			return esc(v)
		})
	}
	out := fill(path, url.PathEscape)
	if !hasQuery {
		return out, unknown
	}
	pairs := strings.Split(query, "&")
	for i, p := range pairs {
		k, v, hasEq := strings.Cut(p, "=")
		if !hasEq {
			pairs[i] = fill(k, url.QueryEscape)
			continue
		}
		if override != nil && descriptor.HasContextParam(v) {
			if ov, ok := override(k); ok {
				pairs[i] = k + "=" + url.QueryEscape(ov)
				continue
			}
		}
		pairs[i] = k + "=" + fill(v, url.QueryEscape)
	}
	return out + "?" + strings.Join(pairs, "&"), unknown
}

// readLimited reads at most max bytes and fails beyond.
func readLimited(r io.Reader, max int64) ([]byte, error) {
	b, err := io.ReadAll(io.LimitReader(r, max+1))
	if err != nil {
		return nil, err
	}
	if int64(len(b)) > max {
		return nil, fmt.Errorf("the answer is larger than %d bytes", max)
	}
	return b, nil
}

// UnreachableError means the app gave no HTTP answer at all.
type UnreachableError struct {
	URL string
	Err error
}

func (e *UnreachableError) Error() string {
	return fmt.Sprintf("cannot reach the app at %s: %v", e.URL, e.Err)
}

func (e *UnreachableError) Unwrap() error { return e.Err }
