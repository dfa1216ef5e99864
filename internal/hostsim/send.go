package hostsim

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"strings"
)

// Answer is the app's answer to one request the host sent.
type Answer struct {
	Method string
	URL    string // as sent, without the jwt query parameter's value
	Status int
	// ContentType is the answer's Content-Type header.
	ContentType string
	Body        []byte
}

// OK says whether the answer is 2xx.
func (a Answer) OK() bool { return a.Status >= 200 && a.Status < 300 }

// Summary is the answer's status and the start of its body, for reasons.
func (a Answer) Summary() string {
	body := strings.Join(strings.Fields(string(a.Body)), " ")
	if len(body) > 120 {
		body = body[:120] + "…"
	}
	if body == "" {
		return fmt.Sprintf("%d", a.Status)
	}
	return fmt.Sprintf("%d %q", a.Status, body)
}

// Auth says how a request to the app is signed.
type Auth int

// The ways the host signs a request to the app.
const (
	AuthNone   Auth = iota
	AuthHeader      // Authorization: JWT …, for lifecycle events and webhooks
	AuthQuery       // ?jwt=…, for iframe URLs
)

// TokenFunc makes the token for a request: method and the URL as the app
// will see it.
type TokenFunc func(method, rawURL string) (string, error)

// Send sends a request to the app at path (relative to its base URL),
// signed as how says with the token tok makes, and reads the answer
// within the host's limits. An app that gives no HTTP answer is an
// *UnreachableError.
func (h *Host) Send(ctx context.Context, method, path string, header http.Header, body []byte, how Auth, tok TokenFunc) (Answer, error) {
	u := h.appURL + path
	shown := u
	if how == AuthQuery {
		t, err := tok(method, u)
		if err != nil {
			return Answer{}, err
		}
		sep := "?"
		if strings.Contains(u, "?") {
			sep = "&"
		}
		shown = u + sep + "jwt=…"
		u += sep + "jwt=" + t
	}
	var req *http.Request
	var err error
	if body != nil {
		req, err = http.NewRequestWithContext(ctx, method, u, bytes.NewReader(body))
	} else {
		req, err = http.NewRequestWithContext(ctx, method, u, nil)
	}
	if err != nil {
		return Answer{}, err
	}
	for k, v := range header {
		req.Header[k] = v
	}
	if body != nil && req.Header.Get("Content-Type") == "" {
		req.Header.Set("Content-Type", "application/json")
	}
	if how == AuthHeader {
		t, err := tok(method, h.appURL+path)
		if err != nil {
			return Answer{}, err
		}
		req.Header.Set("Authorization", "JWT "+t)
	}
	resp, err := h.client.Do(req)
	if err != nil {
		return Answer{Method: method, URL: shown}, &UnreachableError{URL: shown, Err: err}
	}
	defer resp.Body.Close()
	b, err := readLimited(resp.Body, h.opts.MaxBody)
	a := Answer{Method: method, URL: shown, Status: resp.StatusCode, ContentType: resp.Header.Get("Content-Type"), Body: b}
	h.logf("%s %s -> %d", method, shown, resp.StatusCode)
	if err != nil {
		return a, fmt.Errorf("%s %s: %w", method, shown, err)
	}
	return a, nil
}

// PageToken signs a page URL or a webhook for inst as the product does.
func (h *Host) PageToken(inst Installation) TokenFunc { return h.profile().PageToken(inst) }
