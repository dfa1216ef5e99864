package hostsim

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/connectgen/connectgen/internal/connectjwt"
)

// maxPages bounds the distinct page URLs the host loads, so that a
// descriptor with thousands of modules cannot turn a check run into tens
// of thousands of requests (each page is requested about ten times).
const maxPages = 50

// Page is one distinct page URL of the app's modules.
type Page struct {
	Modules []string // "kind key" of each module with this URL
	Key     string   // the first module's key
	Shown   string   // path without the parameters the product adds to every page
	Tmpl    string   // the module URL
	Path    string   // relative to the app URL, context filled, page parameters added
}

// Pages returns the distinct page URLs of d's modules, at most maxPages,
// and notes on the modules not loaded or filled incompletely.
func (h *Host) Pages(d *Descriptor) (pages []*Page, notes []string) {
	byPath := map[string]*Page{}
	for _, m := range d.Modules {
		if shown, why := h.Visibility(m); !shown {
			notes = append(notes, fmt.Sprintf("%s %s: hidden by its conditions (%s); %s would not show it, so it is not loaded", m.Kind, m.Key, strings.Join(why, "; "), h.Product().Title()))
			continue
		}
		filled, unknown := h.FillURL(m.URL, nil)
		p, ok := AppPath(filled, d.BaseURL)
		if !ok {
			notes = append(notes, fmt.Sprintf("%s %s: %s is not under baseUrl; %s opens it as a plain link, not loaded", m.Kind, m.Key, m.URL, h.Product().Title()))
			continue
		}
		if len(unknown) > 0 {
			notes = append(notes, fmt.Sprintf("%s %s: no sample value for {%s}; filled with \"\" as %s does", m.Kind, m.Key, strings.Join(unknown, "}, {"), h.Product().Title()))
		}
		pg := byPath[p]
		if pg == nil && len(pages) == maxPages {
			notes = append(notes, fmt.Sprintf("%s %s: not loaded; only the first %d distinct page URLs are", m.Kind, m.Key, maxPages))
			continue
		}
		if pg == nil {
			pg = &Page{Tmpl: m.URL, Key: m.Key, Shown: p, Path: h.PageURL(p, d.Key, m.Key)}
			byPath[p] = pg
			pages = append(pages, pg)
		}
		pg.Modules = append(pg.Modules, m.Kind+" "+m.Key)
	}
	return pages, notes
}

// Forgery is one kind of bad page or webhook token: Token returns it for
// a request to the app, "" for none.
type Forgery struct {
	Name  string
	Token func(inst Installation, method, rawURL string) (string, error)
}

// NoToken is the name of the forgery that sends no token at all.
const NoToken = "no token"

// Forgeries are the bad tokens the security check sends to the app's
// pages and webhooks: none, a bad signature, expired, a qsh for another
// URL, alg none, another installation's.
func (h *Host) Forgeries() []Forgery {
	now := h.now()
	p := h.profile()
	claims := func(iss, method, rawURL string, at time.Time) (connectjwt.Claims, error) {
		return p.ForgedClaims(iss, method, rawURL, at)
	}
	return []Forgery{
		{NoToken, func(Installation, string, string) (string, error) { return "", nil }},
		{"a bad signature", func(inst Installation, method, rawURL string) (string, error) {
			c, err := claims(inst.ClientKey, method, rawURL, now)
			if err != nil {
				return "", err
			}
			return connectjwt.Sign(inst.SharedSecret+"-wrong", c)
		}},
		{"an expired token", func(inst Installation, method, rawURL string) (string, error) {
			c, err := claims(inst.ClientKey, method, rawURL, now.Add(-10*time.Minute))
			if err != nil {
				return "", err
			}
			return connectjwt.Sign(inst.SharedSecret, c)
		}},
		{"a qsh for another URL", func(inst Installation, method, rawURL string) (string, error) {
			c, err := claims(inst.ClientKey, method, h.appURL+"/another-url?x=1", now)
			if err != nil {
				return "", err
			}
			return connectjwt.Sign(inst.SharedSecret, c)
		}},
		{"alg none", func(inst Installation, method, rawURL string) (string, error) {
			c, err := claims(inst.ClientKey, method, rawURL, now)
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
			c, err := claims("connection:999999999", method, rawURL, now)
			if err != nil {
				return "", err
			}
			return connectjwt.Sign("another-installations-secret-0123456789abcdef0123456789abcdef0", c)
		}},
	}
}
