package cmd

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/connectgen/connectgen/internal/hostsim"
	"github.com/connectgen/connectgen/internal/hostui"
)

// DefaultHostAddr is where `simulate --serve` listens unless --listen says
// otherwise. It is fixed, not a free port, because the app must be started
// with the host script's address (AC_HOST_SCRIPT_URL) before the host runs.
const DefaultHostAddr = "127.0.0.1:3939"

type simulateServeOptions struct {
	Serve  bool
	Listen string
}

// addSimulateServe adds the browser side of the local host to the simulate
// command: the --serve and --listen flags and the webhook subcommand.
// newSimulateCmd calls it once. With --serve, simulate installs the app and
// keeps the host running instead of running the checks.
func addSimulateServe(c *cobra.Command, opts *simulateOptions) {
	so := &simulateServeOptions{}
	fl := c.Flags()
	fl.BoolVar(&so.Serve, "serve", false, "install the app and keep the host running, with a page that shows the app's modules")
	fl.StringVar(&so.Listen, "listen", DefaultHostAddr, "with --serve, the loopback address of the host's page")
	c.Example += `

  # Click through the app in a browser: start the app with the host's script,
  # then serve the host
  AC_HOST_SCRIPT_URL=http://` + DefaultHostAddr + `/atlassian-connect/all.js npm start
  connectgen simulate --serve

  # The same for a Jira or Confluence app, which also needs the host's key
  AC_HOST_SCRIPT_URL=http://` + DefaultHostAddr + `/atlassian-connect/all.js \
    CONNECT_KEYS_CDN_URL=http://127.0.0.1:2990/connect-keys npm start
  connectgen simulate --serve --host-addr 127.0.0.1:2990

  # Send one webhook to the app
  connectgen simulate webhook repo:push`
	checks := c.RunE
	c.RunE = func(cmd *cobra.Command, args []string) error {
		if !so.Serve {
			return checks(cmd, args)
		}
		opts.ctx = cmd.Context()
		return runSimulateServe(opts, so)
	}
	c.AddCommand(newSimulateWebhookCmd(opts.f, nil))
}

// runSimulateServe installs the app in a new local host, serves the host's
// page until Ctrl-C and uninstalls the app on the way out.
func runSimulateServe(opts *simulateOptions, so *simulateServeOptions) error {
	if opts.Format != "text" {
		return usageErrorf("--format %s cannot be used with --serve", opts.Format)
	}
	ctx := opts.ctx
	if ctx == nil {
		ctx = context.Background()
	}
	ln, err := hostui.Listen(so.Listen)
	if err != nil {
		return usageErrorf("--listen: %v", err)
	}
	defer ln.Close()
	h, err := newSimulateHost(opts)
	if err != nil {
		return err
	}
	defer h.Close()
	return serveLocalHost(ctx, opts.f, ln, h)
}

// serveLocalHost installs the app in h, prints where to look, serves the
// host's page on ln until ctx ends, then uninstalls the app. `run --local
// --serve` can call it too: listen first, start the app with
// AC_HOST_SCRIPT_URL=hostScriptURL(ln), make the host, then call this.
func serveLocalHost(ctx context.Context, f *Factory, ln net.Listener, h *hostsim.Host) error {
	out := f.IO.Out
	if err := installApp(ctx, h); err != nil {
		return err
	}
	b := hostui.HostBackend(h)
	app := b.App()
	base := hostui.URL(ln)
	fmt.Fprintf(out, "Local %s host for %s (%s): %s/\n", app.ProductName(), app.Name, app.Key, base)
	where := "workspace " + app.Workspace
	if app.Product != "" {
		where = app.Repository + "; key CDN " + h.KeysURL()
	}
	fmt.Fprintf(out, "  installed as %s in %s; REST API at %s\n", app.ClientKey, where, h.APIURL())
	pages := b.Pages()
	if len(pages) == 0 {
		fmt.Fprintln(out, "  the app has no page modules")
	}
	for _, p := range pages {
		fmt.Fprintf(out, "  %-14s %-28s %s%s\n", p.Kind, p.Key, base, hostui.ModuleURL(p))
	}
	if events := b.Events(); len(events) > 0 {
		fmt.Fprintf(out, "  webhooks: %s (send them from the page, or: connectgen simulate webhook EVENT)\n", strings.Join(events, ", "))
	}
	script := hostScriptURL(ln)
	for _, p := range pages {
		page, err := h.SignedURL(p.URL)
		if err != nil {
			continue
		}
		client := &http.Client{Timeout: 10 * time.Second}
		if err := hostui.CheckHostScript(ctx, client, page, script); err != nil {
			fmt.Fprintf(f.IO.ErrOut, "connectgen: warning: %s: %v.\n  AP.request will not work in the host's page: restart the app with\n  AC_HOST_SCRIPT_URL=%s\n", p.Key, err, script)
		}
		break
	}
	fmt.Fprintln(out, "Press Ctrl-C to stop; the app is uninstalled on the way out.")

	serveErr := hostui.Serve(ctx, ln, b)
	uctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if _, installed := h.Installation(); installed {
		if err := h.Uninstall(uctx); err != nil {
			fmt.Fprintf(f.IO.ErrOut, "connectgen: uninstalling the app: %v\n", err)
		} else {
			fmt.Fprintln(out, "Uninstalled the app.")
		}
	}
	if serveErr != nil {
		return failf("serving the host's page: %v", serveErr)
	}
	return errInterrupted
}

// hostScriptURL is the all.js address of the host listening on ln.
func hostScriptURL(ln net.Listener) string { return hostui.URL(ln) + hostui.HostScriptPath }

type simulateWebhookOptions struct {
	f   *Factory
	ctx context.Context

	AppURL   string
	Event    string
	Timeout  time.Duration
	Product  string
	HostAddr string
}

func newSimulateWebhookCmd(f *Factory, runF func(*simulateWebhookOptions) error) *cobra.Command {
	opts := &simulateWebhookOptions{f: f}
	c := &cobra.Command{
		Use:   "webhook EVENT",
		Short: "Send the app one signed webhook, as Bitbucket, Jira or Confluence would, and show its answer",
		Long: `Install the app at --app in a new local host (the product read from the
descriptor, or --product), post a realistic payload for EVENT to the app's
webhook for it (Authorization: JWT …), print the app's answer and uninstall
the app again. A Jira or Confluence app must have been started with
CONNECT_KEYS_CDN_URL=http://HOST-ADDR/connect-keys (see --host-addr).

Exit codes: 0 the app answered 2xx, 1 it answered otherwise or has no webhook
for EVENT, 2 the app could not be reached or a usage error.`,
		Example: `  connectgen simulate webhook repo:push
  connectgen simulate webhook pullrequest:created --app http://127.0.0.1:4000
  connectgen simulate webhook jira:issue_created --host-addr 127.0.0.1:2990`,
		Args: cobra.ExactArgs(1),
		RunE: func(c *cobra.Command, args []string) error {
			opts.ctx = c.Context()
			opts.Event = args[0]
			if runF != nil {
				return runF(opts)
			}
			return runSimulateWebhook(opts)
		},
	}
	fl := c.Flags()
	fl.StringVar(&opts.AppURL, "app", hostsim.DefaultAppURL, "the app's base URL")
	fl.DurationVar(&opts.Timeout, "timeout", hostsim.DefaultTimeout, "how long to wait for each answer of the app")
	fl.StringVar(&opts.Product, "product", "", "the product to play: bitbucket, jira, jira-service-desk or confluence (default: read from the descriptor)")
	fl.StringVar(&opts.HostAddr, "host-addr", "127.0.0.1:0", "loopback address of the host's REST API and key CDN (a Jira or Confluence app needs it in CONNECT_KEYS_CDN_URL)")
	return c
}

// installApp installs the app in h, with the exit code and advice for an
// app that is not running.
func installApp(ctx context.Context, h *hostsim.Host) error {
	_, err := h.Install(ctx)
	if err == nil {
		return nil
	}
	if ctx.Err() != nil {
		return errInterrupted
	}
	var unreachable *hostsim.UnreachableError
	if errors.As(err, &unreachable) {
		return &ExitError{Code: ExitUsage, Err: fmt.Errorf("%v; start it first (npm start or connectgen run) or point --app at it", err)}
	}
	return failf("installing the app: %v", err)
}

func runSimulateWebhook(opts *simulateWebhookOptions) error {
	if opts.Timeout <= 0 {
		return usageErrorf("--timeout %s must be positive", opts.Timeout)
	}
	ctx := opts.ctx
	if ctx == nil {
		ctx = context.Background()
	}
	var product hostsim.Product
	if opts.Product != "" {
		var err error
		if product, err = hostsim.ParseProduct(opts.Product); err != nil {
			return usageErrorf("--product: %v", err)
		}
	}
	h, err := hostsim.New(hostsim.Options{AppURL: opts.AppURL, Timeout: opts.Timeout, Now: opts.f.Now, Product: product, APIAddr: opts.HostAddr})
	if err != nil {
		return usageErrorf("%v", err)
	}
	defer h.Close()
	if err := installApp(ctx, h); err != nil {
		return err
	}
	// A webhook test must not leave an installation behind in the app's
	// store.
	defer func() {
		uctx, cancel := context.WithTimeout(context.Background(), opts.Timeout)
		defer cancel()
		if err := h.Uninstall(uctx); err != nil {
			fmt.Fprintf(opts.f.IO.ErrOut, "connectgen: uninstalling the app: %v\n", err)
		}
	}()
	status, body, err := h.SendWebhook(ctx, opts.Event)
	if err != nil {
		if ctx.Err() != nil {
			return errInterrupted
		}
		return failf("%s: %v (the app's webhooks: %s)", opts.Event, err, strings.Join(h.Events(), ", "))
	}
	fmt.Fprintf(opts.f.IO.Out, "%s: %d %s\n", opts.Event, status, http.StatusText(status))
	if body != "" {
		fmt.Fprintln(opts.f.IO.Out, body)
	}
	if status/100 != 2 {
		return silentExit(ExitFailure)
	}
	return nil
}
