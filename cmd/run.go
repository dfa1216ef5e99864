package cmd

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"github.com/connectgen/connectgen/internal/hostcheck"
	"github.com/connectgen/connectgen/internal/hostsim"
	"github.com/connectgen/connectgen/internal/hostui"
	"github.com/connectgen/connectgen/internal/runner"
)

type runOptions struct {
	f   *Factory
	ctx context.Context

	Dir        string
	BaseURL    string
	Port       int
	NgrokAPI   string
	NoValidate bool
	NoInstall  bool
	Watch      bool
	Grace      time.Duration
	Local      bool
	Serve      bool
	Listen     string
}

func newRunCmd(f *Factory, runF func(*runOptions) error) *cobra.Command {
	opts := &runOptions{f: f}
	c := &cobra.Command{
		Use:   "run",
		Short: "Start the app with its public base URL, and stop it cleanly",
		Long: `Start the app in this folder (or --dir) the way its product needs it: with
AC_LOCAL_BASE_URL set to its public https address, after checking what would
make it fail.

Before it starts the app, run checks that the folder has package.json and
atlassian-connect.json, validates the descriptor as connectgen validate does
(errors stop the start; --no-validate skips), checks that the port is free
(and says which process holds it), and runs npm install when node_modules is
missing or older than package.json or the lock file (--no-install skips).

The base URL is --base-url, else the https tunnel to the app's port that
ngrok's local API (--ngrok-api) lists, else run stops and says how to start
one. It must be https; http is allowed only for localhost and 127.0.0.1.
--local uses http://127.0.0.1:PORT and, once the app is ready, runs the
local Bitbucket host's checks against it (as connectgen simulate), prints
the report and installs the app in that host again, which keeps answering
the app's REST calls while it runs. With --serve it runs no checks but
installs the app in the local host and serves the host's browser page
(--listen, loopback only) until the app stops, as connectgen simulate
--serve does; the app is started with AC_HOST_SCRIPT_URL pointing at the
host's all.js, and uninstalled before it is stopped.

Jira, Confluence and Jira Service Management apps (config.json's product
jira or confluence) start the same way and are validated by their product's
rules. run never registers them with a site through ACE's addon.register()
and credentials.json (it says so once): sites no longer install private
Connect apps from a descriptor URL. --local checks them with the local Jira
or Confluence host, started with CONNECT_KEYS_CDN_URL so that ACE verifies
its signed installs; their own npm test plays the product end to end too.

The port is --port, else the development port in config.json, else 3000.
The app's start script runs with PORT, AC_LOCAL_BASE_URL and NODE_ENV
(development unless set) in a process group of its own. When it serves its
descriptor with the expected baseUrl, run prints the descriptor URL and the
install link.

The first Ctrl-C (or SIGTERM) goes to the app and everything it started; a
second one, or --grace after the first, kills them. No process of the app
outlives run, and the port is free when it returns. --watch restarts the app
when a file of the project changes (not node_modules, store.json or dotfiles),
but only when the descriptor validates; otherwise the running app is kept
and the findings are printed.

Exit codes: the app's exit code (128+N when signal N ended it); 1 when the
descriptor has errors, the port is taken or npm install failed; 2 when the
folder is not an app or there is no base URL.`,
		Example: `  # With an ngrok tunnel already running (ngrok http 3000)
  connectgen run

  # Any https tunnel, given explicitly
  connectgen run --base-url https://abc.trycloudflare.com --port 3000

  # Restart on every change, in another folder
  connectgen run --watch --dir a-quick-addon --base-url https://abc.ngrok.app

  # On this machine, checked by the local Bitbucket host
  connectgen run --local

  # A Jira app behind a tunnel
  connectgen run --dir hello-jira --base-url https://abc.ngrok.app

  # On this machine, clicked through in a browser at http://127.0.0.1:3939/
  connectgen run --local --serve --watch`,
		Args: cobra.NoArgs,
		RunE: func(c *cobra.Command, args []string) error {
			opts.ctx = c.Context()
			if runF != nil {
				return runF(opts)
			}
			return runRun(opts)
		},
	}
	fl := c.Flags()
	fl.StringVar(&opts.Dir, "dir", ".", "the app's folder")
	fl.StringVar(&opts.BaseURL, "base-url", "", "the app's public https base URL (default: the ngrok tunnel to --port)")
	fl.IntVar(&opts.Port, "port", 0, "the port the app listens on (default: config.json's development port, else 3000)")
	fl.StringVar(&opts.NgrokAPI, "ngrok-api", runner.DefaultNgrokAPI, "where ngrok's local API answers")
	fl.BoolVar(&opts.NoValidate, "no-validate", false, "start even when the descriptor has errors")
	fl.BoolVar(&opts.NoInstall, "no-install", false, "do not run npm install, even when node_modules is missing or stale")
	fl.BoolVar(&opts.Watch, "watch", false, "restart the app when a file of the project changes")
	fl.DurationVar(&opts.Grace, "grace", runner.DefaultGrace, "how long the app gets to stop before it is killed")
	fl.BoolVar(&opts.Local, "local", false, "serve on http://127.0.0.1:PORT and check the app with the local host of its product (Bitbucket, Jira or Confluence)")
	fl.BoolVar(&opts.Serve, "serve", false, "with --local, keep the local host running with its browser page instead of running the checks")
	fl.StringVar(&opts.Listen, "listen", hostui.DefaultAddr, "with --serve, the loopback address of the host's page")
	return c
}

func runRun(opts *runOptions) error {
	ctx := opts.ctx
	if ctx == nil {
		ctx = context.Background()
	}
	ios := opts.f.IO
	if opts.Port < 0 || opts.Port > 65535 {
		return usageErrorf("--port %d is not a port number (1-65535)", opts.Port)
	}
	if opts.Grace <= 0 {
		return usageErrorf("--grace %s must be positive", opts.Grace)
	}
	if opts.Local && opts.BaseURL != "" {
		return usageErrorf("--local serves on http://127.0.0.1:PORT; it cannot be combined with --base-url")
	}
	if opts.Serve && !opts.Local {
		return usageErrorf("--serve needs --local: the local Bitbucket host reaches the app on this machine")
	}
	if opts.Listen != hostui.DefaultAddr && !opts.Serve {
		return usageErrorf("--listen is the address of the host's page, which only --serve starts")
	}
	proj, err := runner.Detect(opts.Dir)
	if err != nil {
		return &ExitError{Code: ExitUsage, Err: err}
	}
	if proj.Product.Info().PrivateInstallsBlocked {
		// Said once, because ACE's own dev loop does exactly this.
		fmt.Fprintf(ios.Out, "connectgen: not registering the app with a %s site (ACE's addon.register() with credentials.json): sites no longer install private Connect apps from a descriptor URL (since 2026-03-31)\n", proj.Product.Title())
	}
	port := opts.Port
	if port == 0 {
		port = runner.DefaultPort
		if p, ok := runner.ConfigPort(proj.Dir); ok {
			port = p
		}
	}

	var base string
	switch {
	case opts.Local:
		base = fmt.Sprintf("http://127.0.0.1:%d", port)
	case opts.BaseURL != "":
		if base, err = runner.NormalizeBaseURL(opts.BaseURL); err != nil {
			return usageErrorf("--base-url: %w", err)
		}
	default:
		if base, err = runner.FindNgrokTunnel(ctx, opts.NgrokAPI, port); err != nil {
			return &ExitError{Code: ExitUsage, Err: err}
		}
		fmt.Fprintf(ios.Out, "connectgen: using the ngrok tunnel %s -> port %d\n", base, port)
	}

	env := os.Environ()
	color := ios.OutTTY && opts.f.Getenv("NO_COLOR") == ""
	if !opts.NoValidate {
		res, err := runner.CheckDescriptor(proj, runner.CheckOptions{BaseURL: base, NodeEnv: runner.NodeEnv(env), Local: opts.Local})
		if err != nil {
			return failf("%w", err)
		}
		if err := runner.WriteFindings(ios.Out, res, color); err != nil {
			return err
		}
		if res.Errors() > 0 {
			return failf("the descriptor has errors; fix them, or start anyway with --no-validate")
		}
	}
	if err := runner.CheckPort(port); err != nil {
		return failf("%w", err)
	}
	// A Jira or Confluence app verifies the host's signed install with
	// the key it fetches from CONNECT_KEYS_CDN_URL: the host's REST API
	// gets its address before the app starts.
	var hostAddr string
	if opts.Local {
		if hostAddr, err = hostsim.FreeAddr(); err != nil {
			return failf("%w", err)
		}
		env = append(env, "CONNECT_KEYS_CDN_URL=http://"+hostAddr+hostsim.KeysPath)
	}
	// The host's page must listen before the app starts: the app is told
	// where the host's all.js is (AC_HOST_SCRIPT_URL).
	var session *hostui.Session
	if opts.Serve {
		session = &hostui.Session{
			Addr:   opts.Listen,
			Host:   hostsim.Options{AppURL: base, Now: opts.f.Now, APIAddr: hostAddr},
			Out:    ios.Out,
			ErrOut: ios.ErrOut,
		}
		if err := session.Listen(); err != nil {
			return usageErrorf("--listen: %w", err)
		}
		defer session.Close()
		env = append(env, "AC_HOST_SCRIPT_URL="+session.HostScriptURL())
		session.ScriptURLSet = true
	}
	if !opts.NoInstall {
		if need, reason := runner.NeedsInstall(proj.Dir); need {
			fmt.Fprintf(ios.ErrOut, "connectgen: %s\n", reason)
			if err := runner.Install(ctx, proj.Dir, ios.ErrOut, ios.OutTTY); err != nil {
				if ctx.Err() != nil {
					return errInterrupted
				}
				return failf("%w", err)
			}
		}
	}

	// run receives the signals itself, to forward the first one to the
	// app's group and kill it on the second; the command's context ends
	// on the first as well, so it is not passed on.
	sigs := make(chan os.Signal, 4)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
	defer signal.Stop(sigs)
	cfg := runner.Config{
		Project: proj,
		Port:    port,
		BaseURL: base,
		Env:     env,
		Grace:   opts.Grace,
		Watch:   opts.Watch,
		// --no-validate applies to restarts too.
		NoValidate: opts.NoValidate,
		Local:      opts.Local,
		Color:      color,
		Out:        ios.Out,
		ErrOut:     ios.ErrOut,
		Signals:    sigs,
	}
	switch {
	case opts.Serve:
		// Each start of the app gets a new local host and the page
		// again; the runner waits for the uninstall before it stops the
		// app.
		cfg.OnReady = func(ctx context.Context, out io.Writer) {
			if err := session.Serve(ctx); err != nil && ctx.Err() == nil {
				fmt.Fprintf(out, "connectgen: local host: %v\n", err)
			}
		}
	case opts.Local:
		// The app's complaints about the host's forged requests are
		// expected: they are labelled so that the checks stand out.
		probes := &hostcheck.ProbeLog{}
		cfg.Out, cfg.ErrOut = probes.Writer(ios.Out), probes.Writer(ios.ErrOut)
		cfg.OnReady = func(ctx context.Context, out io.Writer) {
			hostcheck.CheckThenHost(ctx, out, hostsim.Options{AppURL: base, Now: opts.f.Now, APIAddr: hostAddr}, hostcheck.Options{Probing: probes.Probing})
		}
	}
	code, err := runner.Run(context.WithoutCancel(ctx), cfg)
	var se *runner.StartError
	if errors.As(err, &se) {
		if code == 0 {
			code = ExitFailure
		}
		return &ExitError{Code: code, Err: err}
	}
	if err != nil {
		return failf("%w", err)
	}
	if code != 0 {
		return silentExit(code)
	}
	return nil
}
