package apptest

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/connectgen/connectgen/internal/hostsim"
	"github.com/connectgen/connectgen/internal/testenv"
)

// TestProductionOnPostgres runs the generated app as in production
// (NODE_ENV=production) on a real PostgreSQL from Debian's packages: the
// local host installs it, the app restarts and still serves a signed page
// for the installation, and the uninstall removes its row.
func TestProductionOnPostgres(t *testing.T) {
	testenv.Need(t, "npm", "postgres")
	pg := StartPostgres(t)
	dir, port := newProjectAndPort(t)
	local := fmt.Sprintf("http://127.0.0.1:%d", port)
	env := []string{
		"NODE_ENV=production",
		"PORT=" + fmt.Sprint(port),
		"AC_LOCAL_BASE_URL=" + local,
		"DATABASE_URL=" + pg.URL,
		// Production lets only bitbucket.org install the app. The local
		// host installs from 127.0.0.1: ACE's own variable widens the list
		// for this test, and the app says so when it starts.
		"AC_HOST_WHITELIST=127.0.0.1",
	}
	start := func() *App { return StartAppTB(t, dir, env...) }
	stop := func(a *App) {
		t.Helper()
		a.Stop()
		if code := a.ExitCode(); code != 0 {
			t.Errorf("after SIGTERM the app exited %d, want 0:\n%s", code, a.Output())
		}
		for _, want := range []string{"SIGTERM: no new connections; finishing open requests", "Stopped: requests finished, store closed"} {
			if !strings.Contains(a.Output(), want) {
				t.Errorf("after SIGTERM the app did not print %q:\n%s", want, a.Output())
			}
		}
	}

	app := start()
	if !strings.Contains(app.Output(), "AC_HOST_WHITELIST replaces the hosts allowed to install the app: 127.0.0.1") {
		t.Errorf("the app did not warn about AC_HOST_WHITELIST:\n%s", app.Output())
	}
	if got, err := pg.Query(`SELECT count(*) FROM "AddonSettings"`); err != nil || got != "0" {
		t.Fatalf("the app did not create its table: %q %v", got, err)
	}
	checkHealth(t, local, http.StatusOK, "ok")

	h, err := hostsim.New(hostsim.Options{AppURL: local})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = h.Close() }) // cleanup at the end of the test; nothing to check
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	inst, err := h.Install(ctx)
	if err != nil {
		t.Fatalf("install: %v\n%s", err, app.Output())
	}
	row := fmt.Sprintf(`SELECT "val"->>'sharedSecret' FROM "AddonSettings" WHERE "clientKey" = '%s' AND "key" = 'clientInfo'`, inst.ClientKey)
	if got, err := pg.Query(row); err != nil || got != inst.SharedSecret {
		t.Fatalf("the installation's row holds secret %q (%v), want the host's", got, err)
	}
	checkSignedPage(t, h)

	// A restart (what a deploy does) keeps the installation. The stop
	// lets a request that is under way finish.
	stopDuringRequest(t, app)
	stop(app)
	app = start()
	checkSignedPage(t, h)
	if status, body, err := h.SendWebhook(ctx, "repo:push"); err != nil || status != http.StatusNoContent {
		t.Errorf("signed webhook after the restart: %d %q %v", status, body, err)
	}

	if err := h.Uninstall(ctx); err != nil {
		t.Fatalf("uninstall: %v", err)
	}
	count := fmt.Sprintf(`SELECT count(*) FROM "AddonSettings" WHERE "clientKey" = '%s'`, inst.ClientKey)
	if got, err := pg.Query(count); err != nil || got != "0" {
		t.Errorf("after the uninstall %s rows of the installation are left (%v)", got, err)
	}
	if strings.Contains(app.Output(), inst.SharedSecret) {
		t.Errorf("the app printed the installation's shared secret")
	}
	// Without its database the app is unhealthy, and still stops cleanly.
	pg.Stop()
	checkHealth(t, local, http.StatusServiceUnavailable, "unavailable")
	stop(app)
}

// stopDuringRequest starts a request, sends the app SIGTERM while the
// request's body is still to come, checks that the app then refuses new
// connections, sends the body and checks that the request is answered.
// It returns once the app has exited.
func stopDuringRequest(t *testing.T, a *App) {
	t.Helper()
	host := strings.TrimPrefix(a.URL, "http://")
	conn, err := net.Dial("tcp", host)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = conn.Close() }()               // cleanup at the end of the test; nothing to check
	_ = conn.SetDeadline(time.Now().Add(time.Minute)) // the test checks what follows, not this call
	body := `{"event":"repo:push"}`
	// Expect: 100-continue makes the server say when it has taken the
	// request: from then on it is under way.
	fmt.Fprintf(conn, "POST /webhook HTTP/1.1\r\nHost: %s\r\nContent-Type: application/json\r\nContent-Length: %d\r\nExpect: 100-continue\r\n\r\n", host, len(body))
	r := bufio.NewReader(conn)
	line, err := r.ReadString('\n')
	if err != nil || !strings.HasPrefix(line, "HTTP/1.1 100") {
		t.Fatalf("no 100 Continue: %q %v", line, err)
	}
	// the test checks the outcome, not this call
	_, _ = r.ReadString('\n')                             // the empty line after it
	_ = syscall.Kill(-a.cmd.Process.Pid, syscall.SIGTERM) // the test checks what follows, not this call
	for deadline := time.Now().Add(30 * time.Second); !strings.Contains(a.Output(), "SIGTERM: no new connections"); {
		if time.Now().After(deadline) {
			t.Fatalf("the app did not react to SIGTERM:\n%s", a.Output())
		}
		time.Sleep(20 * time.Millisecond)
	}
	if c, err := net.Dial("tcp", host); err == nil {
		_ = c.Close() // the test checks what follows, not this call
		t.Errorf("the stopping app still accepts connections")
	}
	if strings.Contains(a.Output(), "Stopped:") {
		t.Errorf("the app stopped before its open request finished")
	}
	_, _ = io.WriteString(conn, body) // the test checks what follows, not this call
	resp, err := http.ReadResponse(r, nil)
	if err != nil {
		t.Fatalf("the open request got no answer: %v", err)
	}
	resp.Body.Close()
	// Unsigned, so refused: what matters is that it was answered.
	if resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("the open request was answered %d, want 401", resp.StatusCode)
	}
	_ = conn.Close() // the test checks what follows, not this call
	select {
	case <-a.exited:
	case <-time.After(30 * time.Second):
		t.Fatalf("the app did not exit after its last request:\n%s", a.Output())
	}
}

// newProjectAndPort renders a project into a temporary folder and picks a
// free port.
func newProjectAndPort(t *testing.T) (string, int) {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "a-quick-addon")
	if err := NewProject(dir); err != nil {
		t.Fatal(err)
	}
	port, err := FreePort()
	if err != nil {
		t.Fatal(err)
	}
	return dir, port
}

// StartPostgres is testenv.StartPostgres; the app's tests name it here.
var StartPostgres = testenv.StartPostgres

func checkHealth(t *testing.T, base string, status int, body string) {
	t.Helper()
	resp, err := http.Get(base + "/healthz")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != status || string(b) != body {
		t.Errorf("GET /healthz = %d %q, want %d %q", resp.StatusCode, b, status, body)
	}
}

// checkSignedPage loads the repository page as Bitbucket would, signed
// for the installation, and checks that the app's server called the
// host's REST API for the user.
func checkSignedPage(t *testing.T, h *hostsim.Host) {
	t.Helper()
	u, err := h.SignedURL("/connect-example?repoPath={repository.full_name}")
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	want := `id="server-display-name">` + h.Sample().UserName + `<`
	if resp.StatusCode != http.StatusOK || !strings.Contains(string(b), want) {
		t.Errorf("signed page: %d, want 200 with %q:\n%s", resp.StatusCode, want, b)
	}
}

// TestProductionRefusesToStart checks that in production a missing or
// malformed variable and an unreachable database each end the app with
// one clear line and exit code 1, and that it never says "listening".
func TestProductionRefusesToStart(t *testing.T) {
	testenv.Need(t, "npm")
	dir, closed := newProjectAndPort(t)
	good := map[string]string{
		"NODE_ENV":          "production",
		"PORT":              "3999",
		"AC_LOCAL_BASE_URL": "https://app.example.com",
		"DATABASE_URL":      "postgres://app:hunter2@127.0.0.1:5432/app",
	}
	for _, c := range []struct {
		name   string
		change map[string]string
		want   []string // regular expressions, each must match a line
	}{
		{
			name:   "no DATABASE_URL",
			change: map[string]string{"DATABASE_URL": ""},
			want:   []string{`^Cannot start: DATABASE_URL is not set .*: set it like DATABASE_URL=postgres://app:secret@db\.example\.com:5432/app$`},
		},
		{
			name:   "malformed DATABASE_URL",
			change: map[string]string{"DATABASE_URL": "mysql://app:hunter2@db/app"},
			want:   []string{`^Cannot start: DATABASE_URL is not a PostgreSQL URL .*DATABASE_URL=postgres://`},
		},
		{
			name:   "no AC_LOCAL_BASE_URL",
			change: map[string]string{"AC_LOCAL_BASE_URL": ""},
			want:   []string{`^Cannot start: AC_LOCAL_BASE_URL is not set .*AC_LOCAL_BASE_URL=https://my-app\.example\.com$`},
		},
		{
			name:   "malformed PORT",
			change: map[string]string{"PORT": "eighty"},
			want:   []string{`^Cannot start: PORT is not a port number .*PORT=3000$`},
		},
		{
			name:   "database down",
			change: map[string]string{"DATABASE_URL": fmt.Sprintf("postgres://app:hunter2@127.0.0.1:%d/app", closed), "DATABASE_WAIT_SECONDS": "5"},
			want: []string{
				`^Database not reachable \(try 1\): .*ECONNREFUSED.*; trying again in 2 s$`,
				`^Cannot start: the database did not answer within 5 s \([0-9]+ tries\): .*ECONNREFUSED.*check DATABASE_URL`,
			},
		},
	} {
		t.Run(c.name, func(t *testing.T) {
			var env []string
			for k, v := range good {
				if nv, ok := c.change[k]; ok {
					v = nv
				}
				if v != "" {
					env = append(env, k+"="+v)
				}
			}
			for k, v := range c.change {
				if _, ok := good[k]; !ok {
					env = append(env, k+"="+v)
				}
			}
			out, code, err := RunToExit(testenv.Node{}, dir, time.Minute, env...)
			if err != nil {
				t.Fatal(err)
			}
			if code != 1 {
				t.Errorf("exit code %d, want 1", code)
			}
			for _, w := range c.want {
				if !regexp.MustCompile(`(?m)` + w).MatchString(out) {
					t.Errorf("no line matches %s", w)
				}
			}
			// One line per failed try but the last, which is the final line.
			if m := regexp.MustCompile(`within \d+ s \((\d+) tries\)`).FindStringSubmatch(out); m != nil {
				if lines := strings.Count(out, "Database not reachable (try "); fmt.Sprint(lines+1) != m[1] {
					t.Errorf("%s tries but %d lines about them", m[1], lines)
				}
			}
			if strings.Contains(out, "listening") {
				t.Errorf("the app said it was listening")
			}
			if strings.Contains(out, "hunter2") {
				t.Errorf("the app printed the database password")
			}
			if t.Failed() {
				t.Logf("output:\n%s", out)
			}
		})
	}
}
