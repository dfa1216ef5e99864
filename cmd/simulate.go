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
	"github.com/connectgen/connectgen/internal/runner"
)

type simulateOptions struct {
	f *Factory

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
		Long: `Act as Bitbucket Cloud, Jira or Confluence (read from the descriptor, or
--product) towards the running app at --app, with a local host whose REST
API answers only correctly signed calls, and run seven checks: descriptor,
install, webhooks, pages, app calls, security (forged tokens refused),
uninstall. Start the app with its loopback base URL first
(AC_LOCAL_BASE_URL=http://127.0.0.1:PORT npm start), or use connectgen run
--local; a Jira or Confluence app also needs CONNECT_KEYS_CDN_URL pointing
at --host-addr, except after run --local (simulate in the app's folder
then signs with run's host key). Details: README ("connectgen simulate").

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

  # A Jira or Confluence app that connectgen run --local started (in
  # another terminal): in the app's folder, signed with run's host key
  connectgen simulate

  # A Jira app started by hand: it verifies the signed install with the
  # host's key
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
			if runF != nil {
				return runF(opts)
			}
			return runSimulate(c.Context(), opts)
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

func runSimulate(ctx context.Context, opts *simulateOptions) error {
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
	if opts.Serve {
		return runSimulateServe(ctx, opts)
	}
	h, err := newSimulateHost(opts)
	if err != nil {
		return err
	}
	defer func() { _ = h.Close() }() // the checks are over; closing the host's listener loses nothing

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
func (opts *simulateOptions) hostOptions() (hostsim.Options, error) {
	var log io.Writer
	if opts.Verbose {
		log = opts.f.IO.ErrOut
	}
	product, _ := descriptor.ParseProduct(opts.Product) // checked by runSimulate
	hopts := hostsim.Options{
		AppURL:  opts.AppURL,
		Timeout: opts.Timeout,
		MaxBody: opts.MaxBody,
		Now:     opts.f.Now,
		Log:     log,
		Product: product,
		APIAddr: opts.HostAddr,
	}
	return hopts, runHostKey(&hopts, opts.HostAddr)
}

// defaultHostAddr is --host-addr's default: a free loopback port.
const defaultHostAddr = "127.0.0.1:0"

// runHostKey makes hopts sign Jira and Confluence installs with the key of
// connectgen run --local's host for the same app, which run records in
// the project (runner.LocalHostFile, read from the working directory):
// the app, started by run with that host's CONNECT_KEYS_CDN_URL, then
// accepts them. Not with --host-addr: the app was then started with this
// host's address.
func runHostKey(hopts *hostsim.Options, hostAddr string) error {
	if hostAddr != defaultHostAddr {
		return nil
	}
	rec, err := runner.ReadLocalHost(".", hopts.AppURL)
	if err != nil || rec == nil {
		return err
	}
	return rec.HostOptions(hopts)
}

// addProductFlags adds --product and --host-addr, which simulate and
// simulate webhook share.
func addProductFlags(c *cobra.Command, product, hostAddr *string) {
	c.Flags().StringVar(product, "product", "", "the product to play: bitbucket, jira, jira-service-desk or confluence (default: read from the descriptor)")
	c.Flags().StringVar(hostAddr, "host-addr", defaultHostAddr, "loopback address of the host's REST API and key CDN (a Jira or Confluence app needs it in CONNECT_KEYS_CDN_URL)")
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
	hopts, err := opts.hostOptions()
	if err != nil {
		return nil, failf("%w", err)
	}
	h, err := hostsim.New(hopts)
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
	hopts, err := opts.hostOptions()
	if err != nil {
		return failf("%w", err)
	}
	s := &hostui.Session{Addr: opts.Listen, Host: hopts, Out: opts.f.IO.Out, ErrOut: opts.f.IO.ErrOut}
	if err := s.Listen(); err != nil {
		return usageErrorf("--listen: %w", err)
	}
	defer func() { _ = s.Close() }() // closes a listener that was never served; nothing to lose
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
