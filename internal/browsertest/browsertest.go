// Package browsertest drives Debian's headless Chromium for tests through
// the DevTools protocol (chromedp). It starts Chromium with the flags that
// keep it off the network (no background connections, no component
// updates), records every request the pages make so a test can assert that
// nothing left loopback, and saves screenshots under the test's temporary
// directory.
package browsertest

import (
	"context"
	"net/url"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"

	"github.com/connectgen/connectgen/internal/descriptor"
	"github.com/connectgen/connectgen/internal/testenv"
)

// Browser is one headless Chromium with one tab.
type Browser struct {
	t   testing.TB
	ctx context.Context
	// Dir is where screenshots are saved.
	Dir string

	mu       sync.Mutex
	requests []string
	console  []string
}

// New starts Chromium for t and stops it when t ends. Under -short the
// test is skipped; otherwise a machine without Chromium fails it, naming
// the install command (make test-deps installs it): a browser test that
// skipped would be counted as passing.
func New(t testing.TB) *Browser {
	t.Helper()
	testenv.Need(t, "chromium")
	path, err := testenv.ChromiumPath()
	if err != nil {
		t.Fatal(err)
	}
	// Chromium's helper processes may still write to the profile for a
	// moment after the browser is gone, so it is not a t.TempDir (whose
	// cleanup fails on a directory that changes under it); removeProfile
	// retries for a bounded time instead.
	profile, err := os.MkdirTemp("", "browsertest-profile-")
	if err != nil {
		t.Fatal(err)
	}
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(path),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.UserDataDir(profile),
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-features", "Translate,OptimizationHints,MediaRouter"),
		chromedp.WindowSize(1280, 900),
	}
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelCtx := chromedp.NewContext(actx)
	b := &Browser{t: t, ctx: ctx, Dir: t.TempDir()}
	t.Cleanup(func() {
		cancelCtx()
		cancelAlloc()
		removeProfile(t, profile)
	})
	chromedp.ListenTarget(ctx, func(ev any) {
		switch e := ev.(type) {
		case *network.EventRequestWillBeSent:
			b.mu.Lock()
			b.requests = append(b.requests, e.Request.URL)
			b.mu.Unlock()
		case *runtime.EventConsoleAPICalled:
			var line string
			for _, a := range e.Args {
				line += string(a.Value) + " "
			}
			b.mu.Lock()
			b.console = append(b.console, string(e.Type)+": "+line)
			b.mu.Unlock()
		}
	})
	if err := chromedp.Run(ctx, network.Enable()); err != nil {
		t.Fatalf("starting Chromium: %v", err)
	}
	return b
}

// Run runs actions with a time limit, failing the test on an error.
func (b *Browser) Run(timeout time.Duration, actions ...chromedp.Action) {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, timeout)
	defer cancel()
	if err := chromedp.Run(ctx, actions...); err != nil {
		b.t.Fatalf("browser: %v\nconsole:\n%v", err, b.Console())
	}
}

// Context is the tab's context, for chromedp calls the test makes itself.
func (b *Browser) Context() context.Context { return b.ctx }

// Screenshot saves a full-page PNG as Dir/name.png and returns its path.
func (b *Browser) Screenshot(name string) string {
	b.t.Helper()
	var png []byte
	b.Run(20*time.Second, chromedp.FullScreenshot(&png, 100))
	p := filepath.Join(b.Dir, name+".png")
	if err := os.WriteFile(p, png, 0o644); err != nil {
		b.t.Fatal(err)
	}
	if len(png) < 1000 {
		b.t.Errorf("screenshot %s is only %d bytes", p, len(png))
	}
	b.t.Logf("screenshot: %s", p)
	return p
}

// Requests returns every URL the tab requested so far.
func (b *Browser) Requests() []string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return append([]string(nil), b.requests...)
}

// Console returns the console messages so far.
func (b *Browser) Console() []string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return append([]string(nil), b.console...)
}

// ExternalRequests returns the requests that went anywhere but loopback
// (data: and about: URLs are local too).
func (b *Browser) ExternalRequests() []string {
	var out []string
	for _, r := range b.Requests() {
		u, err := url.Parse(r)
		if err != nil {
			out = append(out, r)
			continue
		}
		switch u.Scheme {
		case "data", "about", "blob":
			continue
		}
		h := u.Hostname()
		if descriptor.IsLoopback(h) {
			continue
		}
		out = append(out, r)
	}
	return out
}

// removeProfile removes Chromium's profile directory, retrying while
// Chromium's last helper processes finish writing to it.
func removeProfile(t testing.TB, dir string) {
	var err error
	for i := 0; i < 50; i++ {
		if err = os.RemoveAll(dir); err == nil {
			return
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Logf("could not remove the browser profile %s: %v", dir, err)
}
