package cmd

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/spf13/cobra"

	"github.com/connectgen/connectgen/internal/hostsim"
)

type simulateOptions struct {
	f   *Factory
	ctx context.Context

	AppURL  string
	Format  string
	Timeout time.Duration
	MaxBody int64
	Verbose bool
}

func newSimulateCmd(f *Factory, runF func(*simulateOptions) error) *cobra.Command {
	opts := &simulateOptions{f: f}
	c := &cobra.Command{
		Use:   "simulate",
		Short: "Act as Bitbucket towards a running app and check that it answers correctly and securely",
		Long: `Act as Bitbucket Cloud towards the app at --app, with a local Bitbucket host:
a REST API on a loopback port that answers only the app's correctly signed
calls, and the requests Bitbucket sends an app. Seven checks, each reported
as passed or failed with the reason:

  1 descriptor  fetch /atlassian-connect.json and validate it (as validate;
                http is allowed on loopback)
  2 install     POST lifecycle.installed with a new client key and a random
                64-character shared secret; expect 2xx
  3 webhooks    POST a signed, realistic payload for every webhook (for "*",
                one event per granted scope family); expect 2xx
  4 pages       GET every page module with its context filled and ?jwt=…;
                expect 2xx HTML
  5 app calls   every call the app made to the host's REST API carried a
                valid app token (iss = app key, sub = client key, qsh, exp)
  6 security    forged tokens (none, bad signature, expired, qsh of another
                URL, alg none, another client key) are refused on every
                authenticated route; a reinstall needs the current secret;
                <script> in a page's context parameter comes back escaped
  7 uninstall   POST lifecycle.uninstalled signed; afterwards requests signed
                for that installation are refused

Bitbucket stopped installing new Connect apps in February 2026: this is
where a new app can be seen working end to end. Start the app first
(npm start, or connectgen run); the app must be able to reach the host on
127.0.0.1.

Exit codes: 0 every check passed, 1 a check failed, 2 the app could not be
reached or a usage error.`,
		Example: `  # The app in this folder, started with npm start on port 3000
  connectgen simulate

  # Another port, every request and answer listed
  connectgen simulate --app http://127.0.0.1:4000 --verbose

  # In CI, machine-readable
  connectgen simulate --app http://127.0.0.1:3000 --format json > report.json`,
		Args: cobra.NoArgs,
		RunE: func(c *cobra.Command, args []string) error {
			opts.ctx = c.Context()
			if runF != nil {
				return runF(opts)
			}
			return runSimulate(opts)
		},
	}
	fl := c.Flags()
	fl.StringVar(&opts.AppURL, "app", hostsim.DefaultAppURL, "the app's base URL")
	fl.StringVar(&opts.Format, "format", "text", "output format: text or json")
	fl.DurationVar(&opts.Timeout, "timeout", hostsim.DefaultTimeout, "how long to wait for each answer of the app")
	fl.Int64Var(&opts.MaxBody, "max-body", hostsim.DefaultMaxBody, "the largest answer read from the app, in bytes")
	fl.BoolVarP(&opts.Verbose, "verbose", "v", false, "list every request of every check, and log the host's traffic to standard error")
	addSimulateServe(c, opts) // --serve, --listen and `simulate webhook`: simulate_serve.go
	return c
}

func runSimulate(opts *simulateOptions) error {
	switch opts.Format {
	case "text", "json":
	default:
		return usageErrorf("--format %q is not one of text, json", opts.Format)
	}
	if opts.Timeout <= 0 {
		return usageErrorf("--timeout %s must be positive", opts.Timeout)
	}
	if opts.MaxBody <= 0 {
		return usageErrorf("--max-body %d must be positive", opts.MaxBody)
	}
	ctx := opts.ctx
	if ctx == nil {
		ctx = context.Background()
	}
	h, err := newSimulateHost(opts)
	if err != nil {
		return err
	}
	defer h.Close()

	r := h.RunChecks(ctx)
	if ctx.Err() != nil {
		return errInterrupted
	}
	out := opts.f.IO.Out
	if opts.Format == "json" {
		if err := r.WriteJSON(out); err != nil {
			return err
		}
		if r.Unreachable {
			return silentExit(ExitUsage)
		}
	} else {
		if r.Unreachable {
			return &ExitError{Code: ExitUsage, Err: fmt.Errorf("%s; start it first (npm start or connectgen run) or point --app at it", r.Check(hostsim.CheckDescriptor).Reason)}
		}
		write := r.WriteText
		if opts.Verbose {
			write = r.WriteTextVerbose
		}
		if err := write(out); err != nil {
			return err
		}
	}
	if !r.OK() {
		return silentExit(ExitFailure)
	}
	return nil
}

// newSimulateHost starts the local host for the app in opts, with the
// log on standard error when --verbose is given.
func newSimulateHost(opts *simulateOptions) (*hostsim.Host, error) {
	var log io.Writer
	if opts.Verbose {
		log = opts.f.IO.ErrOut
	}
	h, err := hostsim.New(hostsim.Options{
		AppURL:  opts.AppURL,
		Timeout: opts.Timeout,
		MaxBody: opts.MaxBody,
		Now:     opts.f.Now,
		Log:     log,
	})
	if err != nil {
		return nil, usageErrorf("%v", err)
	}
	return h, nil
}
