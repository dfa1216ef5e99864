package runner

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/connectgen/connectgen/internal/hostcheck"
	"github.com/connectgen/connectgen/internal/hostsim"
	"github.com/connectgen/connectgen/internal/hostui"
)

// Options are what `connectgen run` is asked to do, flag by flag, and the
// outside world it does it in.
type Options struct {
	Dir        string
	BaseURL    string // --base-url; empty: --local's, else ngrok's tunnel
	Port       int    // 0: config.json's development port, else DefaultPort
	NgrokAPI   string
	NoValidate bool
	NoInstall  bool
	Watch      bool
	Grace      time.Duration
	Local      bool
	Serve      bool
	Listen     string // the host page's address with Serve (hostui.DefaultAddr when empty)

	// Env is the environment the app inherits (os.Environ()).
	Env []string
	// Color paints findings; TTY shows npm install's progress in place.
	Color, TTY bool
	// Now is the local host's clock (time.Now when nil).
	Now func() time.Time
	// Out gets connectgen's messages and the app's standard output,
	// ErrOut npm's progress and the app's standard error.
	Out, ErrOut io.Writer
}

// UsageError is a run that cannot begin as asked: contradictory options,
// a folder that is not an app, no base URL. The command exits 2.
type UsageError struct{ Err error }

func (e *UsageError) Error() string { return e.Err.Error() }
func (e *UsageError) Unwrap() error { return e.Err }

func usagef(format string, a ...any) error {
	return &UsageError{Err: fmt.Errorf(format, a...)}
}

// Prepared is a run whose app is ready to start: the options checked, the
// base URL found, the descriptor valid, the port free, the dependencies
// installed and, with Serve, the host's page listening.
type Prepared struct {
	cfg     Config
	session *hostui.Session
	record  string // the local host's record (LocalHostFile), removed by Close
}

// Prepare does everything run does before the app starts, in order, and
// stops at the first problem: a *UsageError when the options or the folder
// cannot be used, ctx's error when ctx ended (during npm install, say),
// another error when a check failed (exit 1). Close the result.
func Prepare(ctx context.Context, o Options) (*Prepared, error) {
	if err := o.check(); err != nil {
		return nil, err
	}
	if o.Out == nil {
		o.Out = io.Discard
	}
	if o.ErrOut == nil {
		o.ErrOut = io.Discard
	}
	proj, err := Detect(o.Dir)
	if err != nil {
		return nil, &UsageError{Err: err}
	}
	if info := proj.Product.Info(); proj.Product.Known() && info.PrivateInstallsBlocked {
		// Said once, because ACE's own dev loop does exactly this.
		fmt.Fprintf(o.Out, "connectgen: not registering the app with a %s site (ACE's addon.register() with credentials.json): sites no longer install private Connect apps from a descriptor URL (since 2026-03-31)\n", info.Title)
	} else if proj.Product.Known() && info.ConnectStatus != "" && !o.Local {
		// First, before a tunnel and an install link suggest otherwise.
		fmt.Fprintf(o.Out, "connectgen: %s\n", info.ConnectStatus)
	}
	port := o.Port
	if port == 0 {
		port = DefaultPort
		if p, ok := ConfigPort(proj.Dir); ok {
			port = p
		}
	}
	base, err := o.baseURL(ctx, port)
	if err != nil {
		return nil, err
	}
	env := o.Env
	if !o.NoValidate {
		res, err := CheckDescriptor(proj, CheckOptions{BaseURL: base, NodeEnv: NodeEnv(env), Local: o.Local})
		if err != nil {
			return nil, err
		}
		if err := WriteFindings(o.Out, res, o.Color); err != nil {
			return nil, err
		}
		if res.Errors() > 0 {
			return nil, errors.New("the descriptor has errors; fix them, or start anyway with --no-validate")
		}
	}
	if err := CheckPort(port); err != nil {
		return nil, err
	}
	p := &Prepared{cfg: Config{
		Project: proj,
		Port:    port,
		BaseURL: base,
		Grace:   o.Grace,
		Watch:   o.Watch,
		// --no-validate applies to restarts too.
		NoValidate: o.NoValidate,
		Local:      o.Local,
		Color:      o.Color,
		Out:        o.Out,
		ErrOut:     o.ErrOut,
	}}
	if err := p.host(o, &env); err != nil {
		_ = p.Close() // the error above is the one to report
		return nil, err
	}
	p.cfg.Env = env
	if !o.NoInstall {
		if need, reason := NeedsInstall(proj.Dir); need {
			fmt.Fprintf(o.ErrOut, "connectgen: %s\n", reason)
			if err := Install(ctx, proj.Dir, o.ErrOut, o.TTY); err != nil {
				_ = p.Close() // the install's error is the one to report
				if ctx.Err() != nil {
					return nil, ctx.Err()
				}
				return nil, err
			}
		}
	}
	return p, nil
}

// check refuses options that contradict each other.
func (o *Options) check() error {
	switch {
	case o.Port < 0 || o.Port > 65535:
		return usagef("--port %d is not a port number (1-65535)", o.Port)
	case o.Grace <= 0:
		return usagef("--grace %s must be positive", o.Grace)
	case o.Local && o.BaseURL != "":
		return usagef("--local serves on http://127.0.0.1:PORT; it cannot be combined with --base-url")
	case o.Serve && !o.Local:
		return usagef("--serve needs --local: the local host reaches the app on this machine")
	case o.Listen != "" && o.Listen != hostui.DefaultAddr && !o.Serve:
		return usagef("--listen is the address of the host's page, which only --serve starts")
	}
	return nil
}

// baseURL is the app's public base URL: --local's loopback one, the
// given one, else the https tunnel ngrok's local API lists for port.
func (o *Options) baseURL(ctx context.Context, port int) (string, error) {
	switch {
	case o.Local:
		return fmt.Sprintf("http://127.0.0.1:%d", port), nil
	case o.BaseURL != "":
		base, err := NormalizeBaseURL(o.BaseURL)
		if err != nil {
			return "", usagef("--base-url: %w", err)
		}
		return base, nil
	}
	base, err := FindNgrokTunnel(ctx, o.NgrokAPI, port)
	if err != nil {
		return "", &UsageError{Err: err}
	}
	fmt.Fprintf(o.Out, "connectgen: using the ngrok tunnel %s -> port %d\n", base, port)
	return base, nil
}

// host sets up --local's host: its REST API's address and install key
// (the address in the app's CONNECT_KEYS_CDN_URL, since a Jira or
// Confluence app verifies the host's signed install with the key it
// fetches there; both recorded in the project, LocalHostFile, so that
// connectgen simulate in another terminal signs with the same key) and
// with Serve the host's
// page, which must listen before the app starts: the app is told where
// the host's all.js is (AC_HOST_SCRIPT_URL).
func (p *Prepared) host(o Options, env *[]string) error {
	if !o.Local {
		return nil
	}
	hostAddr, err := hostsim.FreeAddr()
	if err != nil {
		return err
	}
	rec, err := NewLocalHost(hostAddr, p.cfg.BaseURL)
	if err != nil {
		return err
	}
	if p.record, err = rec.Record(p.cfg.Project.Dir); err != nil {
		return fmt.Errorf("recording the local host for connectgen simulate: %w", err)
	}
	*env = append(*env, "CONNECT_KEYS_CDN_URL=http://"+hostAddr+hostsim.KeysPath)
	hopts := hostsim.Options{AppURL: p.cfg.BaseURL, Now: o.Now, APIAddr: hostAddr}
	if err := rec.HostOptions(&hopts); err != nil {
		return err
	}
	if !o.Serve {
		// The app's complaints about the host's forged requests are
		// expected: they are labelled so that the checks stand out.
		probes := &hostcheck.ProbeLog{}
		p.cfg.Out, p.cfg.ErrOut = probes.Writer(p.cfg.Out), probes.Writer(p.cfg.ErrOut)
		p.cfg.OnReady = func(ctx context.Context, out io.Writer) {
			hostcheck.CheckThenHost(ctx, out, hopts, hostcheck.Options{Probing: probes.Probing})
		}
		return nil
	}
	p.session = &hostui.Session{Addr: o.Listen, Host: hopts, Out: o.Out, ErrOut: o.ErrOut}
	if err := p.session.Listen(); err != nil {
		return usagef("--listen: %w", err)
	}
	*env = append(*env, "AC_HOST_SCRIPT_URL="+p.session.HostScriptURL())
	p.session.ScriptURLSet = true
	// Each start of the app gets a new local host and the page again;
	// the runner waits for the uninstall before it stops the app.
	p.cfg.OnReady = func(ctx context.Context, out io.Writer) {
		if err := p.session.Serve(ctx); err != nil && ctx.Err() == nil {
			fmt.Fprintf(out, "connectgen: local host: %v\n", err)
		}
	}
	return nil
}

// Start starts the prepared app and supervises it as Run does until it
// exits or signals stop it, and returns its exit code. signals delivers
// the SIGINT and SIGTERM sent to connectgen: the first goes to the app's
// process group, a second one kills it. ctx is not the app's: a context
// that ends on Ctrl-C would signal the app twice for one Ctrl-C.
func (p *Prepared) Start(ctx context.Context, signals <-chan os.Signal) (int, error) {
	cfg := p.cfg
	cfg.Signals = signals
	return Run(context.WithoutCancel(ctx), cfg)
}

// Close closes the host's page if it was never served and removes the
// local host's record.
func (p *Prepared) Close() error {
	var errs []error
	if p.session != nil {
		errs = append(errs, p.session.Close())
	}
	if p.record != "" {
		if err := os.Remove(p.record); err != nil && !errors.Is(err, os.ErrNotExist) {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}
