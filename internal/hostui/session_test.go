package hostui

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/connectgen/connectgen/internal/hostsim"
)

// lifecycleApp is a Go app that serves a descriptor with one general page
// (which loads no host script) and records its lifecycle calls.
type lifecycleApp struct {
	srv *httptest.Server
	mu  sync.Mutex
	got []string
}

func (a *lifecycleApp) calls() string {
	a.mu.Lock()
	defer a.mu.Unlock()
	return strings.Join(a.got, " ")
}

func startLifecycleApp(t *testing.T) *lifecycleApp {
	a := &lifecycleApp{}
	a.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/atlassian-connect.json":
			json.NewEncoder(w).Encode(map[string]any{
				"key": "session-app", "name": "Session App", "baseUrl": a.srv.URL,
				"authentication": map[string]any{"type": "jwt"},
				"lifecycle":      map[string]any{"installed": "/installed", "uninstalled": "/uninstalled"},
				"modules": map[string]any{"generalPages": []any{map[string]any{
					"key": "plain", "name": map[string]any{"value": "Plain"}, "url": "/plain",
				}}},
				"scopes": []any{"account"}, "contexts": []any{"account"},
			})
		case "/installed", "/uninstalled":
			a.mu.Lock()
			a.got = append(a.got, r.URL.Path[1:])
			a.mu.Unlock()
			w.WriteHeader(http.StatusNoContent)
		case "/plain":
			w.Header().Set("Content-Type", "text/html")
			fmt.Fprint(w, "<!doctype html><p>no host script here</p>")
		default:
			http.NotFound(w, r)
		}
	}))
	t.Cleanup(a.srv.Close)
	return a
}

// syncBuffer is a bytes.Buffer safe for the session's goroutine and the
// test's.
type syncBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// serveOnce runs s.Serve until the host page answers, then cancels it and
// returns Serve's error.
func serveOnce(t *testing.T, s *Session, page func() string) error {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- s.Serve(ctx) }()
	client := &http.Client{Timeout: 2 * time.Second}
	for range 200 {
		select {
		case err := <-done:
			return err
		default:
		}
		if u := page(); u != "" {
			if resp, err := client.Get(u); err == nil {
				resp.Body.Close()
				if resp.StatusCode == http.StatusOK {
					cancel()
					return <-done
				}
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	cancel()
	<-done
	t.Fatal("the session's page did not answer within 10s")
	return nil
}

// TestSessionServesAcrossRestarts: each Serve installs the app, shows the
// page, warns about a page without the host script, and uninstalls on the
// way out; a second Serve (the app restarted) listens again.
func TestSessionServesAcrossRestarts(t *testing.T) {
	app := startLifecycleApp(t)
	out, errOut := &syncBuffer{}, &syncBuffer{}
	s := &Session{Addr: "127.0.0.1:0", Host: hostsim.Options{AppURL: app.srv.URL}, Out: out, ErrOut: errOut}
	if err := s.Listen(); err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	script := s.HostScriptURL()
	if !strings.HasPrefix(script, "http://127.0.0.1:") || strings.HasPrefix(script, "http://127.0.0.1:0/") || !strings.HasSuffix(script, HostScriptPath) {
		t.Fatalf("HostScriptURL = %q, want the listener's address", script)
	}
	base := strings.TrimSuffix(script, HostScriptPath)
	if err := serveOnce(t, s, func() string { return base + "/" }); err != nil {
		t.Fatalf("first Serve: %v", err)
	}
	if got := app.calls(); got != "installed uninstalled" {
		t.Errorf("lifecycle calls %q, want an install and an uninstall", got)
	}
	o := out.String()
	for _, want := range []string{"Local Bitbucket host for Session App (session-app): " + base + "/", "generalPage", "plain", "Uninstalled the app."} {
		if !strings.Contains(o, want) {
			t.Errorf("output lacks %q:\n%s", want, o)
		}
	}
	if e := errOut.String(); !strings.Contains(e, "plain: the page loads no host script (all.js)") || !strings.Contains(e, "AC_HOST_SCRIPT_URL="+script) {
		t.Errorf("no host script warning:\n%s", e)
	}

	// The restart: the first listener was served and closed; Serve
	// listens again (on a new port, as Addr says :0) and installs again.
	out2 := &syncBuffer{}
	s.Out = out2
	err := serveOnce(t, s, func() string {
		o := out2.String()
		i := strings.Index(o, "): http://")
		if i < 0 {
			return ""
		}
		return strings.Fields(o[i+3:])[0]
	})
	if err != nil {
		t.Fatalf("second Serve: %v", err)
	}
	if got := app.calls(); got != "installed uninstalled installed uninstalled" {
		t.Errorf("lifecycle calls after a restart %q", got)
	}
}

// TestSessionInstallError: an app that does not answer is an
// *InstallError holding hostsim's *UnreachableError, told apart by type.
func TestSessionInstallError(t *testing.T) {
	gone := httptest.NewServer(http.NotFoundHandler())
	url := gone.URL
	gone.Close()
	s := &Session{Addr: "127.0.0.1:0", Host: hostsim.Options{AppURL: url, Timeout: 5 * time.Second}, Out: &syncBuffer{}, ErrOut: &syncBuffer{}}
	err := s.Serve(context.Background())
	var ie *InstallError
	var ue *hostsim.UnreachableError
	if !errors.As(err, &ie) || !errors.As(err, &ue) || ue.URL != url+"/atlassian-connect.json" {
		t.Fatalf("Serve = %v, want an *InstallError with an *UnreachableError", err)
	}
}

func TestSessionRefusesNonLoopback(t *testing.T) {
	s := &Session{Addr: "0.0.0.0:0"}
	if err := s.Listen(); err == nil || !strings.Contains(err.Error(), "not on loopback") {
		t.Errorf("Listen on 0.0.0.0: %v", err)
	}
}

// TestSessionScriptURLAlreadySet: when the app was started with
// AC_HOST_SCRIPT_URL (run --serve), a page without the host script is the
// page's fault; the warning does not ask to restart with the variable.
func TestSessionScriptURLAlreadySet(t *testing.T) {
	app := startLifecycleApp(t)
	out, errOut := &syncBuffer{}, &syncBuffer{}
	s := &Session{Addr: "127.0.0.1:0", Host: hostsim.Options{AppURL: app.srv.URL}, Out: out, ErrOut: errOut, ScriptURLSet: true}
	if err := s.Listen(); err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	base := strings.TrimSuffix(s.HostScriptURL(), HostScriptPath)
	if err := serveOnce(t, s, func() string { return base + "/" }); err != nil {
		t.Fatal(err)
	}
	e := errOut.String()
	if !strings.Contains(e, "plain: the page loads no host script (all.js)") || !strings.Contains(e, "The app was started with") {
		t.Errorf("warning:\n%s", e)
	}
	if strings.Contains(e, "restart the app") {
		t.Errorf("the warning asks to restart with AC_HOST_SCRIPT_URL, which is set:\n%s", e)
	}
}
