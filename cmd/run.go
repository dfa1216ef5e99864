package cmd

import (
	"context"
	"errors"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"github.com/connectgen/connectgen/internal/hostui"
	"github.com/connectgen/connectgen/internal/runner"
)

type runOptions struct {
	f *Factory

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
		Long: `Start the app in this folder (or --dir) with AC_LOCAL_BASE_URL set to its
public https address (--base-url, else ngrok's tunnel to --port), after
checking its descriptor (as validate does), its port and its npm
dependencies. --local serves on http://127.0.0.1:PORT and checks the app
with the local Bitbucket, Jira or Confluence host; --serve adds the host's
browser page. The first Ctrl-C stops the app and everything it started, a
second one kills them; --watch restarts it on changes. Bitbucket no longer
installs new Connect apps, nor Jira and Confluence private ones: see the
README ("connectgen run").

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
			if runF != nil {
				return runF(opts)
			}
			return runRun(c.Context(), opts)
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

func runRun(ctx context.Context, opts *runOptions) error {
	ios := opts.f.IO
	p, err := runner.Prepare(ctx, runner.Options{
		Dir: opts.Dir, BaseURL: opts.BaseURL, Port: opts.Port, NgrokAPI: opts.NgrokAPI,
		NoValidate: opts.NoValidate, NoInstall: opts.NoInstall, Watch: opts.Watch, Grace: opts.Grace,
		Local: opts.Local, Serve: opts.Serve, Listen: opts.Listen,
		Env:   os.Environ(),
		Color: ios.OutTTY && opts.f.Getenv("NO_COLOR") == "",
		TTY:   ios.OutTTY,
		Now:   opts.f.Now,
		Out:   ios.Out, ErrOut: ios.ErrOut,
	})
	if err != nil {
		return runError(ctx, err)
	}
	// Close only closes a page listener that was never served.
	defer func() { _ = p.Close() }()
	// run receives the signals itself, to forward the first one to the
	// app's group and kill it on the second; the command's context ends
	// on the first as well, so Start does not stop the app on it.
	sigs := make(chan os.Signal, 4)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
	defer signal.Stop(sigs)
	code, err := p.Start(ctx, sigs)
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

// runError maps an error of runner.Prepare to its exit code.
func runError(ctx context.Context, err error) error {
	var ue *runner.UsageError
	switch {
	case ctx.Err() != nil:
		return errInterrupted
	case errors.As(err, &ue):
		return &ExitError{Code: ExitUsage, Err: err}
	}
	return failf("%w", err)
}
