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

	AppURL   string
	Product  string
	HostAddr string
	Format   string
	Timeout  time.Duration
	MaxBody  int64
	Verbose  bool
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
  connectgen simulate --app http://127.0.0.1:3000 --format json > report.json

  # A Jira app: it verifies the signed install with the host's key
  CONNECT_KEYS_CDN_URL=http://127.0.0.1:2990/connect-keys npm start
  connectgen simulate --host-addr 127.0.0.1:2990`,
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
	fl.StringVar(&opts.Product, "product", "", "the product to play: bitbucket, jira, jira-service-desk or confluence (default: read from the descriptor)")
	fl.StringVar(&opts.HostAddr, "host-addr", "127.0.0.1:0", "loopback address of the host's REST API and key CDN (a Jira or Confluence app needs it in CONNECT_KEYS_CDN_URL)")
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
	var product hostsim.Product
	if opts.Product != "" {
		var err error
		if product, err = hostsim.ParseProduct(opts.Product); err != nil {
			return nil, usageErrorf("--product: %v", err)
		}
	}
	h, err := hostsim.New(hostsim.Options{
		AppURL:  opts.AppURL,
		Timeout: opts.Timeout,
		MaxBody: opts.MaxBody,
		Now:     opts.f.Now,
		Log:     log,
		Product: product,
		APIAddr: opts.HostAddr,
	})
	if err != nil {
		return nil, usageErrorf("%v", err)
	}
	return h, nil
}
