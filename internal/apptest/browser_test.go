package apptest

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/connectgen/connectgen/internal/browsertest"
	"github.com/connectgen/connectgen/internal/connectjwt"
	"github.com/connectgen/connectgen/internal/installlink"
	"github.com/connectgen/connectgen/internal/testenv"
)

// TestBrowserInstallPages opens the generated app's landing page and its
// install redirect page (/welcome) in headless Chromium, as a user coming
// from the install button would, and checks what the pages show, their
// status codes and that nothing is loaded from outside this machine
// (the Atlaskit CSS is served by the app itself).
//
// The app runs with an https base URL, as it would behind a tunnel, so the
// landing page's link can be compared byte for byte with the one
// internal/installlink builds; the browser itself talks to 127.0.0.1.
func TestBrowserInstallPages(t *testing.T) {
	testenv.Need(t, "npm", "chromium")
	dir := filepath.Join(t.TempDir(), "a-quick-addon")
	if err := NewProject(dir); err != nil {
		t.Fatal(err)
	}
	checkInstallPages(t, dir)
}

// checkInstallPages runs the app in dir and checks its landing and
// /welcome pages in the browser, which it returns.
func checkInstallPages(t *testing.T, dir string) *browsertest.Browser {
	const base = "https://app.example.test"
	local := StartApp(t, dir, "AC_LOCAL_BASE_URL="+base)
	b := browsertest.New(t)

	// The landing page: name, description and the install button.
	status := navigate(t, b, local+"/")
	if status != http.StatusOK {
		t.Fatalf("GET / in the browser: status %d", status)
	}
	var name, desc, text, href, background string
	var hasHref bool
	b.Run(20*time.Second,
		chromedp.Text("#app-name", &name, chromedp.ByQuery),
		chromedp.Text("#app-description", &desc, chromedp.ByQuery),
		chromedp.Text("a#install-button", &text, chromedp.ByQuery),
		chromedp.AttributeValue("a#install-button", "href", &href, &hasHref, chromedp.ByQuery),
		chromedp.Evaluate(`getComputedStyle(document.querySelector('a#install-button')).backgroundColor`, &background),
	)
	b.Screenshot("landing")
	if name != Values.AppName || desc != Values.Description {
		t.Errorf("landing page shows name %q and description %q, want %q and %q", name, desc, Values.AppName, Values.Description)
	}
	if strings.TrimSpace(text) != "Connect to Bitbucket" {
		t.Errorf("install button text %q", text)
	}
	want, err := installlink.Build(installlink.Options{
		DescriptorURI: base + "/atlassian-connect.json",
		RedirectURI:   base + "/welcome",
		BaseURL:       base,
	})
	if err != nil {
		t.Fatal(err)
	}
	if !hasHref || href != want {
		t.Errorf("install button links to\n %q\nwant\n %q", href, want)
	}
	if u, err := url.Parse(href); err != nil {
		t.Errorf("install link %q: %v", href, err)
	} else if q := u.Query(); q.Get("descriptor_uri") != base+"/atlassian-connect.json" || q.Get("redirect_uri") != base+"/welcome" || len(q) != 2 {
		t.Errorf("install link query decodes to %v", q)
	}
	// Unstyled, a link has no background: the reduced UI pack gives the
	// primary button one, which shows the app served the CSS.
	if background == "" || background == "rgba(0, 0, 0, 0)" {
		t.Errorf("install button has no background (%q): Atlaskit's CSS did not load", background)
	}
	for _, css := range []string{"/vendor/css-reset/bundle.css", "/vendor/reduced-ui-pack/bundle.css"} {
		if !slices.Contains(b.Requests(), local+css) {
			t.Errorf("the landing page did not load %s from the app; requests: %v", css, b.Requests())
		}
	}

	// Install the app as Bitbucket does the first time: no JWT.
	const clientKey = "connection:123456"
	const secret = "shared-secret-for-the-browser-test-0123456789"
	installFirst(t, local, clientKey, secret)

	welcome := func(q url.Values) string { return local + "/welcome?" + q.Encode() }
	textOf := func(sel string) string {
		var s string
		b.Run(10*time.Second, chromedp.Text(sel, &s, chromedp.ByQuery))
		return strings.TrimSpace(s)
	}
	exists := func(sel string) bool {
		var ok bool
		b.Run(10*time.Second, chromedp.Evaluate(`document.querySelector(`+jsString(sel)+`) !== null`, &ok))
		return ok
	}

	t.Run("success clientKey", func(t *testing.T) {
		if s := navigate(t, b, welcome(url.Values{"clientKey": {clientKey}})); s != http.StatusOK {
			t.Errorf("status %d", s)
		}
		b.Screenshot("welcome-clientKey")
		if got := textOf("#result"); got != "Installed" {
			t.Errorf("#result %q", got)
		}
		if got := textOf("#client-key"); got != clientKey {
			t.Errorf("#client-key %q", got)
		}
		if exists("#verified") {
			t.Error("the page says the confirmation was verified, but it had no jwt")
		}
	})

	t.Run("success client_key", func(t *testing.T) {
		if s := navigate(t, b, welcome(url.Values{"client_key": {"connection:42"}})); s != http.StatusOK {
			t.Errorf("status %d", s)
		}
		b.Screenshot("welcome-client_key")
		if got := textOf("#client-key"); got != "connection:42" {
			t.Errorf("#client-key %q", got)
		}
	})

	t.Run("success with a good jwt", func(t *testing.T) {
		u := welcome(url.Values{"clientKey": {clientKey}})
		token := redirectToken(t, secret, clientKey, u, base)
		if s := navigate(t, b, u+"&jwt="+token); s != http.StatusOK {
			t.Errorf("status %d", s)
		}
		b.Screenshot("welcome-jwt")
		if got := textOf("#client-key"); got != clientKey {
			t.Errorf("#client-key %q", got)
		}
		if !exists("#verified") {
			t.Error("a valid jwt is not reported as verified")
		}
	})

	t.Run("bad jwt", func(t *testing.T) {
		for _, tc := range []struct{ name, secret, key, signed string }{
			{"wrong secret", "another-secret", clientKey, ""},
			{"another request", secret, clientKey, welcome(url.Values{"clientKey": {clientKey}, "x": {"1"}})},
			{"unknown client", secret, "connection:999", ""},
		} {
			u := welcome(url.Values{"clientKey": {tc.key}})
			signed := tc.signed
			if signed == "" {
				signed = u
			}
			token := redirectToken(t, tc.secret, tc.key, signed, base)
			if s := navigate(t, b, u+"&jwt="+token); s != http.StatusUnauthorized {
				t.Errorf("%s: status %d, want 401", tc.name, s)
			}
			b.Screenshot("welcome-bad-jwt-" + strings.ReplaceAll(tc.name, " ", "-"))
			if exists("#client-key") {
				t.Errorf("%s: the page shows the client key although the jwt is bad", tc.name)
			}
			var body string
			b.Run(10*time.Second, chromedp.Text("body", &body, chromedp.ByQuery))
			if !strings.Contains(body, "not valid") {
				t.Errorf("%s: the 401 page does not say the confirmation is not valid: %q", tc.name, body)
			}
		}
	})

	// The description is attacker-controlled (anyone can craft the
	// redirect): it must show as text, never as markup.
	const hostile = `<img src="/pwned.png" onerror="document.title='pwned'"><b id="injected">bold</b>`
	t.Run("known error", func(t *testing.T) {
		if s := navigate(t, b, welcome(url.Values{"error": {"access_denied"}, "error_description": {hostile}})); s != http.StatusOK {
			t.Errorf("status %d", s)
		}
		b.Screenshot("welcome-access_denied")
		if got := textOf("#result"); got != "Installation cancelled" {
			t.Errorf("#result %q", got)
		}
		if got := textOf("#explanation"); !strings.Contains(got, "access was denied") {
			t.Errorf("#explanation %q", got)
		}
		if got := textOf("#error-code"); got != "access_denied" {
			t.Errorf("#error-code %q", got)
		}
		if got := textOf("#error-description"); got != hostile {
			t.Errorf("#error-description shows %q, want the text %q", got, hostile)
		}
		var title string
		b.Run(10*time.Second, chromedp.Title(&title))
		if exists("#injected") || exists("#error-description img") || title == "pwned" {
			t.Error("error_description was rendered as HTML")
		}
		if slices.Contains(b.Requests(), local+"/pwned.png") {
			t.Error("the page requested the image from error_description")
		}
	})

	for _, code := range []string{"invalid_descriptor", "invalid_request", "server_error"} {
		t.Run("known error "+code, func(t *testing.T) {
			navigate(t, b, welcome(url.Values{"error": {code}}))
			if got := textOf("#result"); got == "The app was not installed" || got == "" {
				t.Errorf("%s gets the generic title %q", code, got)
			}
			if exists("#error-description") {
				t.Error("an absent error_description is shown")
			}
		})
	}

	t.Run("unknown error", func(t *testing.T) {
		if s := navigate(t, b, welcome(url.Values{"error": {"quota_exceeded"}, "error_description": {"Too many apps & more"}})); s != http.StatusOK {
			t.Errorf("status %d", s)
		}
		b.Screenshot("welcome-unknown-error")
		if got := textOf("#result"); got != "The app was not installed" {
			t.Errorf("#result %q", got)
		}
		if got := textOf("#error-code"); got != "quota_exceeded" {
			t.Errorf("#error-code %q", got)
		}
		if got := textOf("#error-description"); got != "Too many apps & more" {
			t.Errorf("#error-description %q", got)
		}
	})

	t.Run("neither", func(t *testing.T) {
		if s := navigate(t, b, local+"/welcome"); s != http.StatusBadRequest {
			t.Errorf("status %d, want 400", s)
		}
		b.Screenshot("welcome-neither")
		if got := textOf("#result"); got != "Nothing to show" {
			t.Errorf("#result %q", got)
		}
		var body string
		b.Run(10*time.Second, chromedp.Text("body", &body, chromedp.ByQuery))
		if !strings.Contains(body, "clientKey") || !strings.Contains(body, "error") {
			t.Errorf("the 400 page does not explain what is missing: %q", body)
		}
	})

	if ext := b.ExternalRequests(); len(ext) > 0 {
		t.Errorf("the pages made requests outside this machine: %v", ext)
	}
	if len(b.Requests()) < 10 {
		t.Errorf("only %d requests were recorded; the recorder is not working: %v", len(b.Requests()), b.Requests())
	}
	return b
}

// TestBrowserLandingHTTP: on a plain http base URL (the app on this machine)
// the button is still built from the base URL, and the page says that
// Bitbucket needs https.
func TestBrowserLandingHTTP(t *testing.T) {
	testenv.Need(t, "npm", "chromium")
	dir := filepath.Join(t.TempDir(), "a-quick-addon")
	if err := NewProject(dir); err != nil {
		t.Fatal(err)
	}
	local := StartApp(t, dir)
	b := browsertest.New(t)
	if s := navigate(t, b, local+"/"); s != http.StatusOK {
		t.Fatalf("status %d", s)
	}
	var href, note string
	var ok bool
	b.Run(20*time.Second,
		chromedp.AttributeValue("a#install-button", "href", &href, &ok, chromedp.ByQuery),
		chromedp.Text("#https-note", &note, chromedp.ByQuery),
	)
	b.Screenshot("landing-http")
	u, err := url.Parse(href)
	if err != nil || u.Scheme != "https" || u.Host != "bitbucket.org" || u.Path != "/site/addons/authorize" {
		t.Fatalf("install link %q", href)
	}
	if q := u.Query(); q.Get("descriptor_uri") != local+"/atlassian-connect.json" || q.Get("redirect_uri") != local+"/welcome" {
		t.Errorf("install link query %v", q)
	}
	if !strings.Contains(note, "HTTPS") {
		t.Errorf("no https note: %q", note)
	}
	if ext := b.ExternalRequests(); len(ext) > 0 {
		t.Errorf("the page made requests outside this machine: %v", ext)
	}
}

// navigate opens u in the tab and returns the HTTP status of the page.
func navigate(t *testing.T, b *browsertest.Browser, u string) int64 {
	t.Helper()
	ctx, cancel := context.WithTimeout(b.Context(), 20*time.Second)
	defer cancel()
	resp, err := chromedp.RunResponse(ctx, chromedp.Navigate(u))
	if err != nil {
		t.Fatalf("opening %s: %v", u, err)
	}
	if resp == nil {
		t.Fatalf("opening %s: no response", u)
	}
	return resp.Status
}

// installFirst posts the first installed event of clientKey, as Bitbucket does
// (spec §3): no JWT, the shared secret in the body.
func installFirst(t *testing.T, local, clientKey, secret string) {
	t.Helper()
	body, _ := json.Marshal(map[string]any{
		"key":          Values.Key,
		"clientKey":    clientKey,
		"sharedSecret": secret,
		"publicKey":    "MIGf-test",
		"baseUrl":      "https://bitbucket.org",
		"baseApiUrl":   "https://api.bitbucket.org",
		"productType":  "bitbucket",
		"eventType":    "installed",
		"user":         map[string]any{"uuid": "{u-1}", "display_name": "Test User", "account_id": "557058:1", "type": "user"},
		"principal":    map[string]any{"uuid": "{u-1}", "display_name": "Test User", "account_id": "557058:1", "type": "user"},
	})
	resp, err := http.Post(local+"/installed", "application/json", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusNoContent {
		t.Fatalf("POST /installed: status %d, want 204", resp.StatusCode)
	}
}

// redirectToken is the jwt Bitbucket adds to the redirect of a registered
// app: HS256 with the installation's secret, iss = client key, qsh over
// the redirect request (signedURL, relative to the app's base URL).
func redirectToken(t *testing.T, secret, clientKey, signedURL, base string) string {
	t.Helper()
	u, err := url.Parse(signedURL)
	if err != nil {
		t.Fatal(err)
	}
	c, err := connectjwt.NewClaims(clientKey, "{u-1}", "GET", u.RequestURI(), base, time.Now(), 3*time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	token, err := connectjwt.Sign(secret, c)
	if err != nil {
		t.Fatal(err)
	}
	return token
}

func jsString(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

// TestBrowserLandingRegistered: with APP_REGISTERED=true the button names
// the app by its key, as Bitbucket requires of registered apps since 2020.
func TestBrowserLandingRegistered(t *testing.T) {
	testenv.Need(t, "npm", "chromium")
	dir := filepath.Join(t.TempDir(), "a-quick-addon")
	if err := NewProject(dir); err != nil {
		t.Fatal(err)
	}
	const base = "https://registered.example.test"
	local := StartApp(t, dir, "AC_LOCAL_BASE_URL="+base, "APP_REGISTERED=true")
	b := browsertest.New(t)
	if s := navigate(t, b, local+"/"); s != http.StatusOK {
		t.Fatalf("status %d", s)
	}
	var href string
	var ok bool
	b.Run(20*time.Second, chromedp.AttributeValue("a#install-button", "href", &href, &ok, chromedp.ByQuery))
	b.Screenshot("landing-registered")
	want, err := installlink.Build(installlink.Options{AddonKey: Values.Key, RedirectURI: base + "/welcome", BaseURL: base})
	if err != nil {
		t.Fatal(err)
	}
	if href != want {
		t.Errorf("install button links to\n %q\nwant\n %q", href, want)
	}
	if ext := b.ExternalRequests(); len(ext) > 0 {
		t.Errorf("the page made requests outside this machine: %v", ext)
	}
}
