package hostui

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/connectgen/connectgen/internal/apptest"
	"github.com/connectgen/connectgen/internal/hostsim"
	"github.com/connectgen/connectgen/internal/testenv"
)

// TestGeneratedAppInBrowser is issue 7's "must show": the generated app,
// on real Node and ACE, inside the host page in headless Chromium.
func TestGeneratedAppInBrowser(t *testing.T) {
	testenv.Need(t, "npm", "chromium")
	// The browser first: its cleanup, which removes the temporary files,
	// then runs after the app (started later) has been stopped.
	b := newBrowser(t)
	dir := t.TempDir()
	if err := apptest.NewProject(dir); err != nil {
		t.Fatal(err)
	}
	// The host listens first, so the app can be started with its script URL.
	hostURL, serve := listenHost(t)
	appURL := apptest.StartApp(t, dir, "NODE_ENV=test", "AC_HOST_SCRIPT_URL="+hostURL+HostScriptPath)
	h, err := hostsim.New(hostsim.Options{AppURL: appURL})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = h.Close() }) // cleanup at the end of the test; nothing to check
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if _, err := h.Install(ctx); err != nil {
		t.Fatal(err)
	}
	serve(HostBackend(h))
	user := h.Sample().UserName
	if user == "" || h.Sample().Repository == "" {
		t.Fatalf("the host has no sample user or repository: %+v", h.Sample())
	}

	b.Run(60*time.Second,
		chromedp.Navigate(hostURL+"/"),
		chromedp.WaitVisible(`.sidebar a[data-key="example-repo-page"]`, chromedp.ByQuery),
	)
	b.Screenshot("host-page")

	frame := openModule(b, "example-repo-page")
	if got := frameText(b, frame, "server-display-name"); got != user {
		t.Errorf("server-side display name = %q, want %q", got, user)
	}
	if got := frameText(b, frame, "client-display-name"); got != user {
		t.Errorf("AP.request display name = %q, want %q", got, user)
	}
	if got := frameText(b, frame, "repo-path"); got != h.Sample().Repository {
		t.Errorf("repo path = %q", got)
	}
	b.Screenshot("repo-page")

	var status, text string
	b.Run(60*time.Second,
		chromedp.Click(`button[data-event="repo:push"]`, chromedp.ByQuery),
		chromedp.WaitVisible(`output[data-webhook-result="repo:push"][data-status]`, chromedp.ByQuery),
		chromedp.AttributeValue(`output[data-webhook-result="repo:push"]`, "data-status", &status, nil, chromedp.ByQuery),
		chromedp.Text(`output[data-webhook-result="repo:push"]`, &text, chromedp.ByQuery),
	)
	if status != "204" || !strings.Contains(text, "204 No Content") {
		t.Errorf("repo:push answer = %q %q", status, text)
	}
	b.Screenshot("webhook-sent")

	// One call from the app's server, one from AP.request; both signed.
	var userCalls []string
	for _, c := range h.Calls() {
		if !c.OK {
			t.Errorf("the REST API refused %s %s: %s", c.Method, c.Path, c.Reason)
		}
		if c.Method == "GET" && c.Path == "/2.0/user" && c.Status == 200 {
			userCalls = append(userCalls, c.Path)
		}
	}
	if len(userCalls) != 2 {
		t.Errorf("GET /2.0/user answered %d times, want 2 (server and AP.request): %+v", len(userCalls), h.Calls())
	}

	// Re-install the installed app (signed with its secret), uninstall
	// it, and install it again: ACE must take each.
	for _, step := range []struct{ button, done, state string }{
		{"#reinstall", "reinstall: done", "installed"},
		{"#uninstall", "uninstall: done", "not installed"},
		{"#reinstall", "reinstall: done", "installed"},
	} {
		var result, state string
		b.Run(60*time.Second,
			chromedp.Click(step.button, chromedp.ByQuery),
			chromedp.Poll(`(function () {
				var t = document.getElementById('install-result').textContent;
				return t.indexOf('…') < 0 && t;
			})()`, &result, chromedp.WithPollingInterval(50*time.Millisecond)),
			chromedp.Text("#install-state", &state, chromedp.ByQuery),
		)
		if result != step.done || state != step.state {
			t.Errorf("%s: result %q, state %q; want %q, %q", step.button, result, state, step.done, step.state)
		}
	}
	if _, ok := h.Installation(); !ok {
		t.Errorf("the host has no installation after the last re-install")
	}

	if ext := b.ExternalRequests(); len(ext) != 0 {
		t.Errorf("requests left loopback: %v", ext)
	}
	for _, line := range b.Console() {
		if strings.HasPrefix(line, "error") {
			t.Errorf("console error: %s", line)
		}
	}
}
