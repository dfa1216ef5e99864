package hostui

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/connectgen/connectgen/internal/hostsim"
)

// DefaultAddr is where the host's page listens unless told otherwise. It
// is fixed, not a free port, because the app must be started with the
// host script's address (AC_HOST_SCRIPT_URL) before the host runs.
const DefaultAddr = "127.0.0.1:3939"

// Session is the local Bitbucket, Jira or Confluence host for an app
// running on this machine,
// with its browser page: `connectgen simulate --serve` serves one once,
// `connectgen run --local --serve` once per start of the app. Each Serve
// installs the app in a new host, prints where to look, serves the page
// until its context ends and uninstalls the app on the way out. The page
// listens before the app starts (Listen), so that the app can be told
// where the host script is, and listens again on the same address after a
// restart of the app.
type Session struct {
	Addr string // the page's loopback address; DefaultAddr when empty
	// Host is what each new local host is made with (AppURL, Timeout, …).
	Host hostsim.Options
	// Out gets where to look and what the app offers; ErrOut warnings.
	Out, ErrOut io.Writer
	// ScriptURLSet says the app was started with AC_HOST_SCRIPT_URL set
	// to HostScriptURL (run --serve does that): a page that still loads
	// another script then needs a fix in the app, not a restart.
	ScriptURLSet bool

	mu sync.Mutex
	ln net.Listener // open and not yet served, or nil
}

func (s *Session) addr() string {
	if s.Addr == "" {
		return DefaultAddr
	}
	return s.Addr
}

// Listen opens the page's listener now, so that HostScriptURL is known
// before the app starts. It is an error when the address is not on
// loopback or is taken.
func (s *Session) Listen() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.ln != nil {
		return nil
	}
	ln, err := Listen(s.addr())
	if err != nil {
		return err
	}
	s.ln = ln
	return nil
}

// HostScriptURL is the address of the host's all.js, for the app's
// AC_HOST_SCRIPT_URL. Call it after Listen: with a port of 0 in Addr only
// the listener knows the port.
func (s *Session) HostScriptURL() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.ln != nil {
		return URL(s.ln) + HostScriptPath
	}
	return "http://" + s.addr() + HostScriptPath
}

// Close closes a listener that was opened and not served.
func (s *Session) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.ln == nil {
		return nil
	}
	err := s.ln.Close()
	s.ln = nil
	return err
}

// take returns the open listener, or listens again.
func (s *Session) take() (net.Listener, error) {
	s.mu.Lock()
	ln := s.ln
	s.ln = nil
	s.mu.Unlock()
	if ln != nil {
		return ln, nil
	}
	return Listen(s.addr())
}

// InstallError is an app that could not be installed in the local host.
// Errors.As finds a *hostsim.UnreachableError in it when the app did not
// answer at all.
type InstallError struct{ Err error }

func (e *InstallError) Error() string { return "installing the app: " + e.Err.Error() }
func (e *InstallError) Unwrap() error { return e.Err }

// Serve installs the app in a new local host, prints the page's address,
// the app's modules and webhooks, warns when the app's pages do not load
// the host's script, and serves the page until ctx ends; then it uninstalls
// the app. It returns nil when ctx ended it, an *InstallError when the app
// could not be installed, or the error that stopped the page.
func (s *Session) Serve(ctx context.Context) error {
	ln, err := s.take()
	if err != nil {
		return err
	}
	defer ln.Close()
	h, err := hostsim.New(s.Host)
	if err != nil {
		return err
	}
	defer h.Close()
	if _, err := h.Install(ctx); err != nil {
		return &InstallError{Err: err}
	}
	b := HostBackend(h)
	s.describe(ctx, ln, h, b)

	serveErr := Serve(ctx, ln, b)
	uctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if _, installed := h.Installation(); installed {
		if err := h.Uninstall(uctx); err != nil {
			fmt.Fprintf(s.ErrOut, "connectgen: uninstalling the app: %v\n", err)
		} else {
			fmt.Fprintln(s.Out, "Uninstalled the app.")
		}
	}
	if serveErr != nil {
		return fmt.Errorf("serving the host's page: %w", serveErr)
	}
	return nil
}

// describe prints where the page is and what the app offers, and warns
// when the app's first page that can be signed does not load the host's
// script.
func (s *Session) describe(ctx context.Context, ln net.Listener, h *hostsim.Host, b Backend) {
	out := s.Out
	app := b.App()
	base := URL(ln)
	fmt.Fprintf(out, "Local %s host for %s (%s): %s/\n", app.ProductName(), app.Name, app.Key, base)
	where := "workspace " + app.Workspace
	if app.Product != "" {
		where = app.Repository + "; key CDN " + h.KeysURL()
	}
	fmt.Fprintf(out, "  installed as %s in %s; REST API at %s\n", app.ClientKey, where, h.APIURL())
	pages := b.Pages()
	if len(pages) == 0 {
		fmt.Fprintln(out, "  the app has no page modules")
	}
	for _, p := range pages {
		fmt.Fprintf(out, "  %-14s %-28s %s%s\n", p.Kind, p.Key, base, ModuleURL(p))
	}
	if events := b.Events(); len(events) > 0 {
		fmt.Fprintf(out, "  webhooks: %s (send them from the page, or: connectgen simulate webhook EVENT)\n", strings.Join(events, ", "))
	}
	script := base + HostScriptPath
	for _, p := range pages {
		page, err := b.SignedURL(p)
		if err != nil {
			continue
		}
		client := &http.Client{Timeout: 10 * time.Second}
		if err := CheckHostScript(ctx, client, page, script); err != nil {
			if s.ScriptURLSet {
				fmt.Fprintf(s.ErrOut, "connectgen: warning: %s: %v.\n  AP.request will not work in the host's page. The app was started with\n  AC_HOST_SCRIPT_URL=%s; load it in the page with <script src=\"{{hostScriptUrl}}\"> (ACE fills it\n  in from AC_HOST_SCRIPT_URL) instead of a fixed address\n", p.Key, err, script)
			} else {
				fmt.Fprintf(s.ErrOut, "connectgen: warning: %s: %v.\n  AP.request will not work in the host's page: restart the app with\n  AC_HOST_SCRIPT_URL=%s\n", p.Key, err, script)
			}
		}
		break
	}
	fmt.Fprintln(out, "Press Ctrl-C to stop; the app is uninstalled on the way out.")
}
