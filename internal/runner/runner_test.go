package runner

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/connectgen/connectgen/internal/testenv"
)

// These tests start real Node processes: testdata/fakeapp is a small app
// that serves its descriptor like atlassian-connect-express and
// misbehaves on demand (FAKE_MODE), so that each way an app can fail is
// exercised without the generated app's npm dependencies. The generated
// app itself is run by the scripts in cmd/testdata/script/run_*.txtar.

func requireNode(t *testing.T) {
	t.Helper()
	testenv.Need(t, "node")
}

// fakeProject copies testdata/fakeapp into a fresh folder.
func fakeProject(t *testing.T) *Project {
	t.Helper()
	requireNode(t)
	dir := t.TempDir()
	for _, f := range []string{"package.json", "atlassian-connect.json", "app.js"} {
		b, err := os.ReadFile(filepath.Join("testdata", "fakeapp", f))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, f), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	p, err := Detect(dir)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func freePort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// buffer is an io.Writer tests can read while the runner writes.
type buffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (b *buffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

func (b *buffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}

// run is one Run in the background.
type run struct {
	t      *testing.T
	cfg    Config
	out    *buffer
	sigs   chan os.Signal
	ready  chan struct{}
	done   chan struct{}
	code   int
	err    error
	cancel context.CancelFunc
}

func startRun(t *testing.T, p *Project, mutate func(*Config)) *run {
	t.Helper()
	port := freePort(t)
	r := &run{t: t, out: &buffer{}, sigs: make(chan os.Signal, 4), ready: make(chan struct{}, 8), done: make(chan struct{})}
	r.cfg = Config{
		Project: p,
		Port:    port,
		BaseURL: fmt.Sprintf("https://tunnel-%d.example.com", port),
		Env:     append(os.Environ(), "NODE_ENV=", "FAKE_LOG="+filepath.Join(t.TempDir(), "starts.log")),
		Grace:   5 * time.Second,
		Out:     r.out,
		ErrOut:  r.out,
		Signals: r.sigs,
		OnReady: func(context.Context, io.Writer) { r.ready <- struct{}{} },
	}
	if mutate != nil {
		mutate(&r.cfg)
	}
	ctx, cancel := context.WithCancel(context.Background())
	r.cancel = cancel
	go func() {
		defer close(r.done)
		r.code, r.err = Run(ctx, r.cfg)
	}()
	t.Cleanup(func() {
		cancel()
		select {
		case <-r.done:
		case <-time.After(30 * time.Second):
			t.Errorf("Run did not return after the test; output:\n%s", r.out)
		}
		killLeftovers(p.Dir)
	})
	return r
}

// waitReady waits (bounded) for the next OnReady.
func (r *run) waitReady() {
	r.t.Helper()
	select {
	case <-r.ready:
	case <-r.done:
		r.t.Fatalf("Run returned %d, %v before the app was ready; output:\n%s", r.code, r.err, r.out)
	case <-time.After(60 * time.Second):
		r.t.Fatalf("the app was not ready within 60s; output:\n%s", r.out)
	}
}

// wait waits (bounded) for Run to return.
func (r *run) wait() (int, error) {
	r.t.Helper()
	select {
	case <-r.done:
		return r.code, r.err
	case <-time.After(60 * time.Second):
		r.t.Fatalf("Run did not return within 60s; output:\n%s", r.out)
	}
	return 0, nil
}

// waitOutput waits (bounded) until the output contains s.
func (r *run) waitOutput(s string) {
	r.t.Helper()
	for i := 0; i < 600; i++ {
		if strings.Contains(r.out.String(), s) {
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
	r.t.Fatalf("no %q in the output within 30s:\n%s", s, r.out)
}

func (r *run) baseURLServed() string {
	r.t.Helper()
	got, err := fetchBaseURL(context.Background(), http.DefaultClient, r.cfg.LocalURL()+"/atlassian-connect.json")
	if err != nil {
		r.t.Fatal(err)
	}
	return got
}

// appProcesses lists the running processes whose working directory is
// dir: the app and everything it started.
func appProcesses(dir string) []string {
	var found []string
	procs, _ := filepath.Glob("/proc/[0-9]*")
	for _, p := range procs {
		cwd, err := os.Readlink(filepath.Join(p, "cwd"))
		if err != nil || cwd != dir {
			continue
		}
		if st, err := os.ReadFile(filepath.Join(p, "stat")); err == nil {
			if i := bytes.LastIndexByte(st, ')'); i >= 0 && bytes.HasPrefix(bytes.TrimSpace(st[i+1:]), []byte("Z")) {
				continue
			}
		}
		found = append(found, describeProcess(p))
	}
	return found
}

func killLeftovers(dir string) {
	procs, _ := filepath.Glob("/proc/[0-9]*")
	for _, p := range procs {
		if cwd, err := os.Readlink(filepath.Join(p, "cwd")); err == nil && cwd == dir {
			var pid int
			_, _ = fmt.Sscan(filepath.Base(p), &pid) // the test checks what follows, not this call
			_ = syscall.Kill(pid, syscall.SIGKILL)   // the test checks what follows, not this call
		}
	}
}

// assertGone checks that nothing of the app is left and its port is free.
func (r *run) assertGone() {
	r.t.Helper()
	if ps := appProcesses(r.cfg.Project.Dir); len(ps) > 0 {
		r.t.Errorf("app processes survived Run: %v", ps)
	}
	if err := CheckPort(r.cfg.Port); err != nil {
		r.t.Errorf("port not free after Run: %v", err)
	}
}

func (r *run) starts() []string {
	t := r.t
	t.Helper()
	var log string
	for _, kv := range r.cfg.Env {
		if v, ok := strings.CutPrefix(kv, "FAKE_LOG="); ok {
			log = v
		}
	}
	b, err := os.ReadFile(log)
	if err != nil {
		t.Fatal(err)
	}
	return strings.Split(strings.TrimSpace(string(b)), "\n")
}

func TestRunReadyThenInterrupt(t *testing.T) {
	p := fakeProject(t)
	r := startRun(t, p, nil)
	r.waitReady()
	if got := r.baseURLServed(); got != r.cfg.BaseURL {
		t.Errorf("served baseUrl %q, want %q", got, r.cfg.BaseURL)
	}
	out := r.out.String()
	for _, want := range []string{
		"connectgen: the app is ready",
		"descriptor:      " + r.cfg.BaseURL + "/atlassian-connect.json",
		"install link:    https://bitbucket.org/site/addons/authorize?descriptor_uri=https%3A%2F%2Ftunnel-",
		"fakeapp: listening on " + fmt.Sprint(r.cfg.Port),
	} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	if got := r.starts(); len(got) != 1 || !strings.HasSuffix(got[0], " development") {
		t.Errorf("starts.log = %q, want one start with NODE_ENV=development", got)
	}
	r.sigs <- syscall.SIGINT
	code, err := r.wait()
	// The fake app does not handle SIGINT, so node dies of it: 128+2.
	if code != 130 || err != nil {
		t.Errorf("Run = %d, %v; want 130, nil", code, err)
	}
	if !strings.Contains(r.out.String(), "stopping the app (SIGINT") {
		t.Errorf("output lacks the stopping line:\n%s", r.out)
	}
	r.assertGone()
}

func TestRunKeepsNodeEnv(t *testing.T) {
	p := fakeProject(t)
	r := startRun(t, p, func(c *Config) { c.Env = append(c.Env, "NODE_ENV=test") })
	r.waitReady()
	r.sigs <- syscall.SIGTERM
	if code, _ := r.wait(); code != 128+int(syscall.SIGTERM) {
		t.Errorf("code %d, want %d", code, 128+int(syscall.SIGTERM))
	}
	if got := r.starts(); len(got) != 1 || !strings.HasSuffix(got[0], " test") {
		t.Errorf("starts.log = %q, want one start with NODE_ENV=test", got)
	}
	r.assertGone()
}

func TestRunContextEndStopsApp(t *testing.T) {
	p := fakeProject(t)
	r := startRun(t, p, nil)
	r.waitReady()
	r.cancel()
	if code, err := r.wait(); code != 128+int(syscall.SIGTERM) || err != nil {
		t.Errorf("Run = %d, %v; want %d", code, err, 128+int(syscall.SIGTERM))
	}
	r.assertGone()
}

func TestRunSlowStart(t *testing.T) {
	p := fakeProject(t)
	r := startRun(t, p, func(c *Config) { c.Env = append(c.Env, "FAKE_MODE=slow", "FAKE_DELAY_MS=700") })
	r.waitReady()
	if got := r.baseURLServed(); got != r.cfg.BaseURL {
		t.Errorf("served baseUrl %q, want %q", got, r.cfg.BaseURL)
	}
	r.sigs <- syscall.SIGINT
	_, _ = r.wait() // the test checks what follows, not this call
	r.assertGone()
}

func TestRunEarlyExit(t *testing.T) {
	p := fakeProject(t)
	r := startRun(t, p, func(c *Config) { c.Env = append(c.Env, "FAKE_MODE=exit3") })
	code, err := r.wait()
	if code != 3 {
		t.Errorf("code %d, want the app's 3", code)
	}
	var se *StartError
	if !errors.As(err, &se) {
		t.Fatalf("err = %v, want a *StartError", err)
	}
	if !strings.Contains(se.Error(), "exited with code 3 before it served its descriptor") ||
		!strings.Contains(se.Error(), "fakeapp: cannot start: something is missing") {
		t.Errorf("error lacks the code or the app's last lines:\n%s", se)
	}
	if strings.Contains(r.out.String(), "is ready") {
		t.Errorf("announced ready:\n%s", r.out)
	}
	r.assertGone()
}

func TestRunGracePeriodKills(t *testing.T) {
	p := fakeProject(t)
	r := startRun(t, p, func(c *Config) {
		c.Env = append(c.Env, "FAKE_MODE=stubborn")
		c.Grace = 300 * time.Millisecond
	})
	r.waitReady()
	r.sigs <- syscall.SIGTERM
	code, err := r.wait()
	if code != 128+int(syscall.SIGKILL) || err != nil {
		t.Errorf("Run = %d, %v; want %d (killed)", code, err, 128+int(syscall.SIGKILL))
	}
	out := r.out.String()
	if !strings.Contains(out, "fakeapp: ignoring SIGTERM") || !strings.Contains(out, "did not stop within 300ms; killing it") {
		t.Errorf("output lacks the ignored signal or the kill:\n%s", out)
	}
	r.assertGone()
}

func TestRunSecondSignalKills(t *testing.T) {
	p := fakeProject(t)
	r := startRun(t, p, func(c *Config) {
		c.Env = append(c.Env, "FAKE_MODE=stubborn")
		c.Grace = time.Hour
	})
	r.waitReady()
	r.sigs <- syscall.SIGINT
	r.waitOutput("fakeapp: ignoring SIGINT")
	r.sigs <- syscall.SIGINT
	if code, _ := r.wait(); code != 128+int(syscall.SIGKILL) {
		t.Errorf("code %d, want %d (killed)", code, 128+int(syscall.SIGKILL))
	}
	if !strings.Contains(r.out.String(), "connectgen: killing the app") {
		t.Errorf("output lacks the kill:\n%s", r.out)
	}
	r.assertGone()
}

func TestRunEndsProcessesLeftBehind(t *testing.T) {
	p := fakeProject(t)
	r := startRun(t, p, func(c *Config) {
		c.Env = append(c.Env, "FAKE_MODE=child")
		c.Grace = 500 * time.Millisecond
	})
	r.waitReady()
	r.waitOutput("fakeapp child: running as")
	if ps := appProcesses(p.Dir); len(ps) != 2 {
		t.Fatalf("want the app and its child running, got %v", ps)
	}
	r.sigs <- syscall.SIGTERM
	code, err := r.wait()
	// The app itself exits 0 on SIGTERM; its child ignores it and is
	// killed once the grace period is over.
	if code != 0 || err != nil {
		t.Errorf("Run = %d, %v; want the app's 0", code, err)
	}
	if !strings.Contains(r.out.String(), "child") || !strings.Contains(r.out.String(), "stays") {
		t.Errorf("output lacks the app's exit line:\n%s", r.out)
	}
	r.assertGone()
}

func TestRunWrongBaseURL(t *testing.T) {
	p := fakeProject(t)
	r := startRun(t, p, func(c *Config) { c.Env = append(c.Env, "FAKE_MODE=wrongbase") })
	r.waitOutput(`the app serves baseUrl "https://elsewhere.example.com", not "` + r.cfg.BaseURL + `"`)
	select {
	case <-r.ready:
		t.Errorf("an app serving another baseUrl was announced ready:\n%s", r.out)
	default:
	}
	r.sigs <- syscall.SIGINT
	_, _ = r.wait() // the test checks what follows, not this call
	r.assertGone()
}

func TestRunWatch(t *testing.T) {
	p := fakeProject(t)
	r := startRun(t, p, func(c *Config) {
		c.Watch = true
		c.Debounce = 100 * time.Millisecond
	})
	r.waitReady()
	if !strings.Contains(r.out.String(), "Watching for changes") {
		t.Errorf("ready message does not mention watching:\n%s", r.out)
	}
	desc := filepath.Join(p.Dir, DescriptorFile)
	src, err := os.ReadFile(desc)
	if err != nil {
		t.Fatal(err)
	}

	// Changes the app makes itself or that are not the project's do not
	// restart it: the restart below names the descriptor, not these.
	if err := os.WriteFile(filepath.Join(p.Dir, "store.db"), []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(p.Dir, "store.json.42.tmp"), []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(filepath.Join(p.Dir, "store.json.42.tmp"), filepath.Join(p.Dir, "store.json")); err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Join(p.Dir, "node_modules", "x"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(p.Dir, "node_modules", "x", "index.js"), []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(p.Dir, ".app.js.swp"), []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}

	// A valid change restarts the app, which then serves the new descriptor.
	renamed := bytes.Replace(src, []byte(`"Fake App"`), []byte(`"Renamed App"`), 1)
	if err := os.WriteFile(desc, renamed, 0o644); err != nil {
		t.Fatal(err)
	}
	r.waitReady()
	out := r.out.String()
	if !strings.Contains(out, "connectgen: atlassian-connect.json changed; restarting the app") {
		t.Errorf("no restart for the descriptor:\n%s", out)
	}
	for _, ignored := range []string{"store.db changed", "store.json", "node_modules", ".app.js.swp changed"} {
		if strings.Contains(out, ignored) {
			t.Errorf("a change to %s was acted on:\n%s", ignored, out)
		}
	}
	if !strings.Contains(out, "the app is ready again") {
		t.Errorf("no ready-again line:\n%s", out)
	}
	resp, err := http.Get(r.cfg.LocalURL() + "/atlassian-connect.json")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if !bytes.Contains(body, []byte("Renamed App")) {
		t.Errorf("the restarted app serves %s", body)
	}
	if got := r.starts(); len(got) != 2 || got[0] == got[1] {
		t.Errorf("starts.log = %q, want two starts by two processes", got)
	}

	// An invalid descriptor keeps the running app and shows the findings.
	broken := bytes.Replace(renamed, []byte(`"scopes": ["account",`), []byte(`"scopes": ["acount",`), 1)
	if bytes.Equal(broken, renamed) {
		t.Fatal("test descriptor has no scopes to break")
	}
	if err := os.WriteFile(desc, broken, 0o644); err != nil {
		t.Fatal(err)
	}
	r.waitOutput("the descriptor has errors; the running app is kept until it is fixed")
	out = r.out.String()
	if !strings.Contains(out, "error [") || !strings.Contains(out, "acount") {
		t.Errorf("the findings are not shown:\n%s", out)
	}
	if got := r.starts(); len(got) != 2 {
		t.Errorf("starts.log = %q: the app was restarted with an invalid descriptor", got)
	}
	if got := r.baseURLServed(); got != r.cfg.BaseURL {
		t.Errorf("the kept app serves baseUrl %q", got)
	}

	r.sigs <- syscall.SIGINT
	_, _ = r.wait() // the test checks what follows, not this call
	r.assertGone()
}

func (r *run) get(path string) {
	r.t.Helper()
	resp, err := http.Get(r.cfg.LocalURL() + path)
	if err != nil {
		r.t.Fatal(err)
	}
	_, _ = io.Copy(io.Discard, resp.Body) // the test checks what follows, not this call
	resp.Body.Close()
}

func TestRunAppExitsAfterReady(t *testing.T) {
	p := fakeProject(t)
	r := startRun(t, p, nil)
	r.waitReady()
	r.get("/exit?code=5")
	code, err := r.wait()
	if code != 5 || err != nil {
		t.Errorf("Run = %d, %v; want the app's 5, nil", code, err)
	}
	if !strings.Contains(r.out.String(), "connectgen: the app exited with code 5\n") {
		t.Errorf("output lacks the exit line:\n%s", r.out)
	}
	r.assertGone()
}

func TestRunWatchAfterCrash(t *testing.T) {
	p := fakeProject(t)
	r := startRun(t, p, func(c *Config) {
		c.Watch = true
		c.Debounce = 100 * time.Millisecond
	})
	r.waitReady()
	r.get("/exit?code=5")
	r.waitOutput("connectgen: the app exited with code 5; waiting for a change to start it again (Ctrl-C to quit)")
	if ps := appProcesses(p.Dir); len(ps) > 0 {
		t.Errorf("processes left after the crash: %v", ps)
	}
	// A change starts it again.
	if err := os.WriteFile(filepath.Join(p.Dir, "notes.txt"), []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	r.waitReady()
	if !strings.Contains(r.out.String(), "connectgen: notes.txt changed; restarting the app") {
		t.Errorf("no restart line:\n%s", r.out)
	}
	r.get("/exit?code=6")
	r.waitOutput("exited with code 6; waiting for a change")
	// With no app running, a signal ends run at once: 128+N.
	r.sigs <- syscall.SIGTERM
	if code, err := r.wait(); code != 128+int(syscall.SIGTERM) || err != nil {
		t.Errorf("Run = %d, %v; want %d", code, err, 128+int(syscall.SIGTERM))
	}
	r.assertGone()
}

// TestRunOnReadyFinishesBeforeStop checks that the app still answers
// OnReady's last requests after the signal: the local host uninstalls the
// app there.
func TestRunOnReadyFinishesBeforeStop(t *testing.T) {
	p := fakeProject(t)
	last := make(chan error, 1)
	ready := make(chan struct{}, 1)
	r := startRun(t, p, func(c *Config) {
		c.OnReady = func(ctx context.Context, out io.Writer) {
			ready <- struct{}{}
			<-ctx.Done()
			resp, err := http.Get(c.LocalURL() + "/atlassian-connect.json")
			if err == nil {
				resp.Body.Close()
				fmt.Fprintf(out, "on the way out: %s\n", resp.Status)
			}
			last <- err
		}
	})
	select {
	case <-ready:
	case <-time.After(60 * time.Second):
		t.Fatalf("not ready within 60s:\n%s", r.out)
	}
	r.sigs <- syscall.SIGINT
	code, err := r.wait()
	if code != 130 || err != nil {
		t.Errorf("Run = %d, %v; want 130", code, err)
	}
	if err := <-last; err != nil {
		t.Errorf("the app no longer answered OnReady on the way out: %v", err)
	}
	out := r.out.String()
	if i, j := strings.Index(out, "on the way out: 200 OK"), strings.Index(out, "stopping the app"); i < 0 || j < i {
		t.Errorf("OnReady's request did not come before the stop:\n%s", out)
	}
	r.assertGone()
}
