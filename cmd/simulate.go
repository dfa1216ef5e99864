package cmd

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/spf13/cobra"

	"github.com/connectgen/connectgen/internal/descriptor"
	"github.com/connectgen/connectgen/internal/hostcheck"
	"github.com/connectgen/connectgen/internal/hostsim"
	"github.com/connectgen/connectgen/internal/hostui"
)

type simulateOptions struct {
	f   *Factory
	ctx context.Context

	AppURL   string
	Product  string
	HostAddr string
	Format   string
	Timeout  time.Duration
	MaxBody  int64
	Verbose  bool
	Serve    bool
	Listen   string
}

func newSimulateCmd(f *Factory, runF func(*simulateOptions) error) *cobra.Command {
	opts := &simulateOptions{f: f}
	c := &cobra.Command{
		Use:   "simulate",
		Short: "Act as Bitbucket, Jira or Confluence towards a running app and check that it answers correctly and securely",
		Long: `Act as Bitbucket Cloud, Jira or Confluence towards the app at --app, with a
local host: a REST API on a loopback port that answers only the app's
correctly signed calls, and the requests the product sends an app. The
product is read from the descriptor (Jira's and Confluence's module kinds,
webhook events, scopes such as READ, apiMigrations), or given with
--product. Seven checks, each reported as passed or failed with the reason:

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

Jira and Confluence sign installs and uninstalls with RS256: the host
serves its public key at http://HOST-ADDR/connect-keys/<kid>, and an app on
atlassian-connect-express 11 must be started with
CONNECT_KEYS_CDN_URL=http://HOST-ADDR/connect-keys to verify them (fix the
address with --host-addr). Check 5 then wants aud = the client key in the
app's tokens (Jira: /rest/api/3/myself, /rest/api/3/issue/{key},
/rest/api/3/search/jql; Confluence: /wiki/rest/api/user/current,
/wiki/api/v2/pages/{id}; and what ACE's authorizeJira and
authorizeConfluence ask); check 6 adds forged installs (unsigned, HS256,
another key, another app's aud, another client, expired, wrong qsh).

Bitbucket stopped installing new Connect apps in February 2026, and Jira
and Confluence blocked private Connect installs from March 2026: this is
where a new app can be seen working end to end. Start the app first, with
its loopback base URL (AC_LOCAL_BASE_URL=http://127.0.0.1:PORT npm start),
or let connectgen run --local start and check it; the app must be able to
reach the host on 127.0.0.1.

Exit codes: 0 every check passed, 1 a check failed, 2 the app could not be
reached or a usage error.`,
		Example: `  # The app in this folder, started on port 3000 with its loopback base URL
  # (without AC_LOCAL_BASE_URL, ACE serves http://<hostname>:3000, and check 1
  # refuses a non-loopback http baseUrl)
  AC_LOCAL_BASE_URL=http://127.0.0.1:3000 npm start
  connectgen simulate

  # Another port, every request and answer listed
  PORT=4000 AC_LOCAL_BASE_URL=http://127.0.0.1:4000 npm start
  connectgen simulate --app http://127.0.0.1:4000 --verbose

  # In CI, machine-readable
  connectgen simulate --app http://127.0.0.1:3000 --format json > report.json

  # Click through the app in a browser: start the app with the host's script,
  # then serve the host
  AC_HOST_SCRIPT_URL=http://` + hostui.DefaultAddr + `/atlassian-connect/all.js npm start
  connectgen simulate --serve

  # A Jira app: it verifies the signed install with the host's key
  AC_LOCAL_BASE_URL=http://127.0.0.1:3000 \
    CONNECT_KEYS_CDN_URL=http://127.0.0.1:2990/connect-keys npm start
  connectgen simulate --host-addr 127.0.0.1:2990

  # The same in a browser
  AC_HOST_SCRIPT_URL=http://` + hostui.DefaultAddr + `/atlassian-connect/all.js \
    CONNECT_KEYS_CDN_URL=http://127.0.0.1:2990/connect-keys npm start
  connectgen simulate --serve --host-addr 127.0.0.1:2990

  # Send one webhook to the app
  connectgen simulate webhook repo:push`,
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
	addProductFlags(c, &opts.Product, &opts.HostAddr)
	fl.StringVar(&opts.Format, "format", "text", "output format: text or json")
	fl.DurationVar(&opts.Timeout, "timeout", hostsim.DefaultTimeout, "how long to wait for each answer of the app")
	fl.Int64Var(&opts.MaxBody, "max-body", hostsim.DefaultMaxBody, "the largest answer read from the app, in bytes")
	fl.BoolVarP(&opts.Verbose, "verbose", "v", false, "list every request of every check, and log the host's traffic to standard error")
	fl.BoolVar(&opts.Serve, "serve", false, "install the app and keep the host running, with a page that shows the app's modules")
	fl.StringVar(&opts.Listen, "listen", hostui.DefaultAddr, "with --serve, the loopback address of the host's page")
	c.AddCommand(newSimulateWebhookCmd(f, nil))
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
	if err := checkProductFlags(opts.Product, opts.HostAddr); err != nil {
		return err
	}
	ctx := opts.ctx
	if ctx == nil {
		ctx = context.Background()
	}
	if opts.Serve {
		return runSimulateServe(ctx, opts)
	}
	h, err := newSimulateHost(opts)
	if err != nil {
		return err
	}
	defer h.Close()

	r := hostcheck.Run(ctx, h)
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
			return &ExitError{Code: ExitUsage, Err: fmt.Errorf("%s; start it first (npm start or connectgen run) or point --app at it", r.Check(hostcheck.CheckDescriptor).Reason)}
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

// hostOptions are the local host's options for the app in opts, with the
// log on standard error when --verbose is given.
func (opts *simulateOptions) hostOptions() hostsim.Options {
	var log io.Writer
	if opts.Verbose {
		log = opts.f.IO.ErrOut
	}
	product, _ := descriptor.ParseProduct(opts.Product) // checked by runSimulate
	return hostsim.Options{
		AppURL:  opts.AppURL,
		Timeout: opts.Timeout,
		MaxBody: opts.MaxBody,
		Now:     opts.f.Now,
		Log:     log,
		Product: product,
		APIAddr: opts.HostAddr,
	}
}

// addProductFlags adds --product and --host-addr, which simulate and
// simulate webhook share.
func addProductFlags(c *cobra.Command, product, hostAddr *string) {
	c.Flags().StringVar(product, "product", "", "the product to play: bitbucket, jira, jira-service-desk or confluence (default: read from the descriptor)")
	c.Flags().StringVar(hostAddr, "host-addr", "127.0.0.1:0", "loopback address of the host's REST API and key CDN (a Jira or Confluence app needs it in CONNECT_KEYS_CDN_URL)")
}

// checkProductFlags refuses an unknown --product and a --host-addr off
// loopback, as usage errors.
func checkProductFlags(product, hostAddr string) error {
	if product != "" {
		if _, err := descriptor.ParseProduct(product); err != nil {
			return usageErrorf("--product: %w", err)
		}
	}
	if err := hostsim.CheckHostAddr(hostAddr); err != nil {
		return usageErrorf("--host-addr: %w", err)
	}
	return nil
}

// newSimulateHost starts the local host for the app in opts: a bad --app
// is a usage error, a host that cannot start a failure.
func newSimulateHost(opts *simulateOptions) (*hostsim.Host, error) {
	if err := hostsim.CheckAppURL(opts.AppURL); err != nil {
		return nil, usageErrorf("%w", err)
	}
	h, err := hostsim.New(opts.hostOptions())
	if err != nil {
		return nil, failf("%w", err)
	}
	return h, nil
}

// runSimulateServe installs the app in a local host, serves the host's
// page until Ctrl-C and uninstalls the app on the way out.
func runSimulateServe(ctx context.Context, opts *simulateOptions) error {
	if opts.Format != "text" {
		return usageErrorf("--format %s cannot be used with --serve", opts.Format)
	}
	if err := hostsim.CheckAppURL(opts.AppURL); err != nil {
		return usageErrorf("%w", err)
	}
	s := &hostui.Session{Addr: opts.Listen, Host: opts.hostOptions(), Out: opts.f.IO.Out, ErrOut: opts.f.IO.ErrOut}
	if err := s.Listen(); err != nil {
		return usageErrorf("--listen: %w", err)
	}
	defer s.Close()
	if err := s.Serve(ctx); err != nil {
		return hostError(ctx, err)
	}
	// Only Ctrl-C ends the page.
	return errInterrupted
}

// hostError maps an error of the local host to its exit code: Ctrl-C, an
// app that cannot be reached (exit 2, with what to do), anything else.
func hostError(ctx context.Context, err error) error {
	if ctx.Err() != nil {
		return errInterrupted
	}
	var unreachable *hostsim.UnreachableError
	if errors.As(err, &unreachable) {
		return &ExitError{Code: ExitUsage, Err: fmt.Errorf("%w; start it first (npm start or connectgen run) or point --app at it", unreachable)}
	}
	return failf("%w", err)
}
