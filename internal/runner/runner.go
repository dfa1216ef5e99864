// Package runner starts a generated Connect app the way a developer would
// by hand, and cleans up after it. Atlassian's tutorial has three shells
// and a copy-paste (ngrok, then AC_LOCAL_BASE_URL=… npm start); the runner
// does it in one: it finds the app's folder, its port and its public base
// URL (given, or an https tunnel found through ngrok's local API), checks
// that the port is free and the descriptor valid, installs npm
// dependencies when they are missing or stale, and starts the app's start
// script in a process group of its own.
//
// The process group is what makes the cleanup dependable. The first
// SIGINT or SIGTERM connectgen gets goes to the whole group, a second one
// or the end of the grace period kills it, and whatever the app started
// and left behind is ended too, so no process of the app outlives
// connectgen and the port is free when it returns. The app's exit code is
// passed through, 128+N when a signal ended it, as a shell reports it.
//
// The app is ready when it serves /atlassian-connect.json with the
// expected baseUrl, which also proves that it read AC_LOCAL_BASE_URL.
// With Watch, a change in the folder restarts it, but only once the
// descriptor validates: an invalid one keeps the running app.
package runner

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/connectgen/connectgen/internal/descriptor"
	"github.com/connectgen/connectgen/internal/installlink"
)

// DefaultGrace is how long the app gets to stop before it is killed.
const DefaultGrace = 10 * time.Second

// Config is one run of an app.
type Config struct {
	Project *Project
	Port    int
	// BaseURL is the app's public base URL, normalised (NormalizeBaseURL).
	BaseURL string
	// Env is the environment the app starts with, usually os.Environ();
	// PORT and AC_LOCAL_BASE_URL are set, NODE_ENV unless it is set.
	Env []string
	// Grace is how long the app gets to stop after the first signal
	// (DefaultGrace when zero).
	Grace time.Duration
	// Watch restarts the app when a file of the project changes.
	Watch bool
	// Debounce is how long Watch waits for changes to settle (300 ms when
	// zero).
	Debounce time.Duration
	// NoValidate skips checking the descriptor before a restart.
	NoValidate bool
	// Local is run --local (CheckOptions.Local).
	Local bool
	// Color paints findings for a terminal.
	Color bool
	// Out gets the app's standard output and connectgen's messages,
	// ErrOut the app's standard error.
	Out, ErrOut io.Writer
	// Signals delivers SIGINT and SIGTERM sent to connectgen; the caller
	// subscribes with signal.Notify so the runner sees each one once.
	Signals <-chan os.Signal
	// OnReady runs each time the app (re)starts and serves its
	// descriptor; ctx ends when that app is about to be stopped, and the
	// app is signalled only once OnReady returned (or after 10 s), so that
	// OnReady can still talk to it on the way out. out is Out, shared
	// safely with the app's output.
	OnReady func(ctx context.Context, out io.Writer)
}

// DescriptorURL is where Bitbucket reads the descriptor of an app served
// at baseURL.
func DescriptorURL(baseURL string) string { return baseURL + "/" + DescriptorFile }

// LocalURL is the app's address on this machine.
func (c *Config) LocalURL() string { return "http://127.0.0.1:" + strconv.Itoa(c.Port) }

// NodeEnv is the NODE_ENV the app runs with: the environment's, else
// development (atlassian-connect-express's default too, said explicitly).
func NodeEnv(env []string) string {
	for i := len(env) - 1; i >= 0; i-- {
		if v, ok := strings.CutPrefix(env[i], "NODE_ENV="); ok && v != "" {
			return v
		}
	}
	return "development"
}

func (c *Config) appEnv() []string {
	env := make([]string, 0, len(c.Env)+4)
	for _, kv := range c.Env {
		k, _, _ := strings.Cut(kv, "=")
		if k == "PORT" || k == "AC_LOCAL_BASE_URL" || k == "NODE_ENV" {
			continue
		}
		env = append(env, kv)
	}
	// npm puts the project's node_modules/.bin first on PATH for scripts.
	path := filepath.Join(c.Project.Dir, "node_modules", ".bin")
	for i, kv := range env {
		if v, ok := strings.CutPrefix(kv, "PATH="); ok {
			env[i] = "PATH=" + path + string(os.PathListSeparator) + v
			path = ""
		}
	}
	if path != "" {
		env = append(env, "PATH="+path)
	}
	return append(env, "PORT="+strconv.Itoa(c.Port), "AC_LOCAL_BASE_URL="+c.BaseURL, "NODE_ENV="+NodeEnv(c.Env))
}

// CheckOptions say how CheckDescriptor checks a project's descriptor.
type CheckOptions struct {
	// BaseURL replaces {{localBaseUrl}} and NodeEnv {{environment}}, as
	// the app will serve the descriptor.
	BaseURL string
	NodeEnv string
	// Local is run --local: the app serves on http://127.0.0.1, so the
	// warning that its base URL is not https is the point, not news, and
	// is left out.
	Local bool
}

// CheckDescriptor validates the project's descriptor as the app will
// serve it ({{localBaseUrl}} and {{environment}} replaced), through
// descriptor.Check as `connectgen validate` does: the same reading and the
// same product (config.json's, else detected). run's first start and
// every restart under --watch call it.
func CheckDescriptor(p *Project, opts CheckOptions) (*descriptor.Result, error) {
	res, err := descriptor.Check(context.Background(), p.Descriptor, descriptor.CheckOptions{
		Options: descriptor.Options{BaseURL: opts.BaseURL, Environment: opts.NodeEnv},
	})
	if err != nil {
		return nil, err
	}
	if opts.Local {
		res.Findings = slices.DeleteFunc(res.Findings, func(f descriptor.Finding) bool {
			return f.Rule == "baseurl-https" && f.Severity == descriptor.SeverityWarning
		})
	}
	return res, nil
}

// checkOptions are the options of the descriptor check before each start.
func (c *Config) checkOptions() CheckOptions {
	return CheckOptions{BaseURL: c.BaseURL, NodeEnv: NodeEnv(c.Env), Local: c.Local}
}

// WriteFindings prints a descriptor's findings as `connectgen validate`
// does, when there are errors or warnings to show.
func WriteFindings(w io.Writer, res *descriptor.Result, color bool) error {
	if res.Errors() == 0 && res.Warnings() == 0 {
		return nil
	}
	return descriptor.WriteText(w, []*descriptor.Result{res}, color)
}

// StartError is an app that exited before it served its descriptor.
type StartError struct {
	Code int
	Tail string
}

func (e *StartError) Error() string {
	return fmt.Sprintf("the app exited with code %d before it served its descriptor; its last lines:\n%s", e.Code, indent(e.Tail))
}

// Run starts the app and supervises it until it exits or a signal stops
// it, and returns its exit code. The error is a *StartError when the app
// ended before it was ready (the code is returned too), or a failure to
// start it at all. ctx ending stops the app like a first signal.
func Run(ctx context.Context, cfg Config) (int, error) {
	if cfg.Grace <= 0 {
		cfg.Grace = DefaultGrace
	}
	if cfg.Debounce <= 0 {
		cfg.Debounce = 300 * time.Millisecond
	}
	if cfg.Out == nil {
		cfg.Out = io.Discard
	}
	if cfg.ErrOut == nil {
		cfg.ErrOut = io.Discard
	}
	cfg.Out, cfg.ErrOut = lockWriters(cfg.Out, cfg.ErrOut)
	becomeSubreaper()
	var changes <-chan string
	var watchErrs <-chan error
	if cfg.Watch {
		w, err := newWatcher(cfg.Project.Dir, cfg.Debounce)
		if err != nil {
			return 0, fmt.Errorf("watching %s: %w", cfg.Project.Dir, err)
		}
		defer w.Close()
		changes, watchErrs = w.C, w.Errs
	}
	s := &supervisor{cfg: cfg}
	if err := s.start(); err != nil {
		return 0, err
	}
	done := ctx.Done()
	for {
		var exited <-chan struct{}
		if s.app != nil {
			exited = s.app.exited
		}
		select {
		case <-s.readyC:
			s.readyC = nil
			s.ready = true
			s.announce()
		case <-exited:
			code := s.app.exitCode()
			interrupted := s.app.finish(s.deadline(), cfg.Signals)
			s.stopReady()
			wasReady, lastLines := s.ready, s.app.tail.String()
			s.app = nil
			switch {
			case s.stopping || interrupted:
				return code, nil
			case !wasReady && !s.restarted:
				return code, &StartError{Code: code, Tail: lastLines}
			case cfg.Watch:
				fmt.Fprintf(cfg.Out, "connectgen: the app exited with code %d; waiting for a change to start it again (Ctrl-C to quit)\n", code)
			default:
				fmt.Fprintf(cfg.Out, "connectgen: the app exited with code %d\n", code)
				return code, nil
			}
		case sig := <-cfg.Signals:
			if code, end := s.interrupt(sig); end {
				return code, nil
			}
		case <-done:
			done = nil
			if code, end := s.interrupt(syscall.SIGTERM); end {
				return code, nil
			}
		case <-s.graceC:
			s.graceC = nil
			fmt.Fprintf(cfg.Out, "connectgen: the app did not stop within %s; killing it\n", cfg.Grace)
			s.app.signal(syscall.SIGKILL)
		case rel := <-changes:
			if s.stopping {
				continue
			}
			code, end, err := s.restart(rel)
			if end || err != nil {
				return code, err
			}
		case err := <-watchErrs:
			fmt.Fprintf(cfg.Out, "connectgen: watching files: %v\n", err)
		}
	}
}

// supervisor is the state of Run.
type supervisor struct {
	cfg    Config
	app    *app
	ready  bool
	readyC chan struct{}
	cancel context.CancelFunc // ends the current readiness poll and OnReady
	// onReadyDone is closed when the current app's OnReady returned.
	onReadyDone chan struct{}
	stopping    bool
	stopAt      time.Time
	graceC      <-chan time.Time
	restarted   bool
}

func (s *supervisor) start() error {
	a, err := startApp(s.cfg.Project.Dir, s.cfg.Project.Start, s.cfg.appEnv(), s.cfg.Out, s.cfg.ErrOut)
	if err != nil {
		return fmt.Errorf("starting %q: %w", s.cfg.Project.Start, err)
	}
	s.app = a
	s.ready = false
	s.onReadyDone = nil
	ctx, cancel := context.WithCancel(context.Background())
	s.cancel = cancel
	s.readyC = make(chan struct{}, 1)
	go s.poll(ctx, a, s.readyC)
	return nil
}

func (s *supervisor) stopReady() {
	if s.cancel != nil {
		s.cancel()
	}
	s.readyC = nil
}

func (s *supervisor) deadline() time.Time {
	if s.stopping {
		return s.stopAt.Add(s.cfg.Grace)
	}
	return time.Now().Add(s.cfg.Grace)
}

// settleTimeout bounds how long a stop waits for OnReady to finish.
const settleTimeout = 10 * time.Second

// settle ends OnReady's work for the current app and waits for it before
// the app is stopped, so that work that needs the app (the local host
// uninstalling it) finds it still answering. It waits at most
// settleTimeout, and returns early with again set when another signal
// arrives meanwhile.
func (s *supervisor) settle() (again bool) {
	s.stopReady()
	if s.onReadyDone == nil {
		return false
	}
	select {
	case <-s.onReadyDone:
	case <-s.cfg.Signals:
		return true
	case <-time.After(settleTimeout):
	}
	return false
}

// interrupt handles a signal: the first goes to the app's group, a second
// one kills it. end is true when there is no app left to wait for.
func (s *supervisor) interrupt(sig os.Signal) (code int, end bool) {
	ssig, ok := sig.(syscall.Signal)
	if !ok {
		ssig = syscall.SIGTERM
	}
	if s.app == nil {
		return 128 + int(ssig), true
	}
	if s.stopping {
		fmt.Fprintln(s.cfg.Out, "connectgen: killing the app")
		s.app.signal(syscall.SIGKILL)
		return 0, false
	}
	s.stopping = true
	again := s.settle()
	s.stopAt = time.Now()
	s.graceC = time.After(s.cfg.Grace)
	fmt.Fprintf(s.cfg.Out, "connectgen: stopping the app (%s; again to kill it at once)\n", signalName(ssig))
	s.app.signal(ssig)
	if again {
		fmt.Fprintln(s.cfg.Out, "connectgen: killing the app")
		s.app.signal(syscall.SIGKILL)
	}
	return 0, false
}

// restart validates the descriptor and, when it has no errors, replaces
// the running app with a new one.
func (s *supervisor) restart(rel string) (code int, end bool, err error) {
	if !s.cfg.NoValidate {
		res, err := CheckDescriptor(s.cfg.Project, s.cfg.checkOptions())
		if err != nil {
			fmt.Fprintf(s.cfg.Out, "connectgen: %s changed, but the descriptor cannot be read: %v; the app keeps running\n", rel, err)
			return 0, false, nil
		}
		if res.Errors() > 0 {
			WriteFindings(s.cfg.Out, res, s.cfg.Color)
			what := "the running app is kept"
			if s.app == nil {
				what = "the app is not started"
			}
			fmt.Fprintf(s.cfg.Out, "connectgen: %s changed, but the descriptor has errors; %s until it is fixed\n", rel, what)
			return 0, false, nil
		}
	}
	fmt.Fprintf(s.cfg.Out, "connectgen: %s changed; restarting the app\n", rel)
	if s.app != nil {
		interrupted := make(chan os.Signal, 1)
		kill := make(chan os.Signal)
		if s.settle() {
			interrupted <- syscall.SIGTERM
			close(kill)
		}
		// A signal while the old app stops means quit: kill it at once and
		// do not start the new one.
		stopped := make(chan int, 1)
		go func() { stopped <- s.app.stop(syscall.SIGTERM, s.cfg.Grace, kill) }()
		var code int
	wait:
		for {
			select {
			case code = <-stopped:
				break wait
			case sig := <-s.cfg.Signals:
				select {
				case interrupted <- sig:
					close(kill)
				default:
				}
			}
		}
		s.app = nil
		if len(interrupted) > 0 {
			return code, true, nil
		}
	}
	// The old app's socket may linger a moment after its process ended.
	for i := 0; i < 100 && CheckPort(s.cfg.Port) != nil; i++ {
		time.Sleep(50 * time.Millisecond)
	}
	s.restarted = true
	if err := s.start(); err != nil {
		return 1, true, err
	}
	return 0, false, nil
}

// poll asks the app for its descriptor until it serves it with the
// expected baseUrl, then signals ready.
func (s *supervisor) poll(ctx context.Context, a *app, ready chan<- struct{}) {
	client := &http.Client{Timeout: 2 * time.Second}
	u := s.cfg.LocalURL() + "/" + DescriptorFile
	warned := false
	start := time.Now()
	hinted := false
	for {
		select {
		case <-ctx.Done():
			return
		case <-a.exited:
			return
		default:
		}
		got, err := fetchBaseURL(ctx, client, u)
		switch {
		case err == nil && got == s.cfg.BaseURL:
			ready <- struct{}{}
			return
		case err == nil && !warned:
			warned = true
			fmt.Fprintf(s.cfg.Out, "connectgen: the app serves baseUrl %q, not %q; does its config.json set localBaseUrl for NODE_ENV=%s? The app must take AC_LOCAL_BASE_URL from the environment\n",
				got, s.cfg.BaseURL, NodeEnv(s.cfg.Env))
		}
		if !hinted && time.Since(start) > 30*time.Second {
			hinted = true
			fmt.Fprintf(s.cfg.Out, "connectgen: still waiting for %s (Ctrl-C to stop)\n", u)
		}
		// Short: the time to ready is what the developer waits for on
		// every start, and a refused connection on loopback costs nothing.
		select {
		case <-ctx.Done():
			return
		case <-a.exited:
			return
		case <-time.After(25 * time.Millisecond):
		}
	}
}

// fetchBaseURL returns the baseUrl of the descriptor served at u.
func fetchBaseURL(ctx context.Context, client *http.Client, u string) (string, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return "", err
	}
	resp, err := client.Do(req)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return "", fmt.Errorf("%s answered %s", u, resp.Status)
	}
	var d struct {
		BaseURL string `json:"baseUrl"`
	}
	if err := json.NewDecoder(io.LimitReader(resp.Body, 1<<20)).Decode(&d); err != nil {
		return "", err
	}
	return d.BaseURL, nil
}

// announce says the app is ready and how to install it, and runs OnReady.
func (s *supervisor) announce() {
	out := s.cfg.Out
	if s.restarted {
		fmt.Fprintf(out, "connectgen: the app is ready again at %s\n", DescriptorURL(s.cfg.BaseURL))
	} else {
		fmt.Fprint(out, ReadyMessageFor(s.cfg.Project.Product, s.cfg.BaseURL, s.cfg.LocalURL(), s.cfg.Watch))
	}
	if s.cfg.OnReady != nil {
		ctx, cancel := context.WithCancel(context.Background())
		prev := s.cancel
		s.cancel = func() { cancel(); prev() }
		done := make(chan struct{})
		s.onReadyDone = done
		go func() {
			defer close(done)
			s.cfg.OnReady(ctx, s.cfg.Out)
		}()
	}
}

// ReadyMessage is what run prints when a Bitbucket app serves its
// descriptor.
func ReadyMessage(baseURL, localURL string, watch bool) string {
	return ReadyMessageFor(descriptor.Bitbucket, baseURL, localURL, watch)
}

// ReadyMessageFor is what run prints when an app of product p serves its
// descriptor: Bitbucket apps get their install link; Jira and Confluence
// apps have none, since sites no longer install private Connect apps
// from a descriptor URL.
func ReadyMessageFor(p descriptor.Product, baseURL, localURL string, watch bool) string {
	var b strings.Builder
	desc := DescriptorURL(baseURL)
	fmt.Fprintf(&b, "\nconnectgen: the app is ready\n")
	fmt.Fprintf(&b, "  descriptor:      %s\n", desc)
	if baseURL != localURL {
		fmt.Fprintf(&b, "  on this machine: %s\n", localURL)
	}
	if p.Known() && p.Info().PrivateInstallsBlocked {
		b.WriteString(`
` + p.Title() + ` sites no longer install private Connect apps from a descriptor URL
(blocked since 31 March 2026; Connect support ends in December 2026). Use
the app to maintain an existing listing, or test it end to end with its own
tests (npm test), which play ` + p.Title() + `; build new apps on Forge.
`)
		if watch {
			b.WriteString("Watching for changes; Ctrl-C stops the app.\n")
		} else {
			b.WriteString("Ctrl-C stops the app.\n")
		}
		return b.String()
	}
	// Without a redirect_uri the user stays on Bitbucket after the
	// install: not every app has a page to come back to.
	if link, err := installlink.Build(installlink.Options{DescriptorURI: desc}); err == nil {
		fmt.Fprintf(&b, "  install link:    %s\n", link)
		b.WriteString(`
To install it as an unregistered app, open the install link (or the app's
own page, ` + baseURL + `/, with its install button) while signed in to
Bitbucket and choose a workspace. To register it, open the workspace's
settings, Develop apps, Register app, and give the descriptor URL; then
install it with the link of connectgen install-link --addon-key KEY.
Bitbucket Cloud stopped installing new Connect apps on 2 February 2026:
where it refuses, try the app with the local Bitbucket host
(connectgen run --local).
`)
	} else {
		b.WriteString(`  install link:    none: Bitbucket installs only apps with an https
                   descriptor URL; this http one is for the local Bitbucket
                   host (connectgen run --local, connectgen simulate)
`)
	}
	if watch {
		b.WriteString("Watching for changes; Ctrl-C stops the app.\n")
	} else {
		b.WriteString("Ctrl-C stops the app.\n")
	}
	return b.String()
}

func signalName(s syscall.Signal) string {
	switch s {
	case syscall.SIGINT:
		return "SIGINT"
	case syscall.SIGTERM:
		return "SIGTERM"
	}
	return s.String()
}
