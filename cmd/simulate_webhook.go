package cmd

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/connectgen/connectgen/internal/descriptor"
	"github.com/connectgen/connectgen/internal/hostsim"
)

type simulateWebhookOptions struct {
	f *Factory

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
		Example: `  # A push, to the app connectgen new -t bitbucket makes (its "*" webhook)
  connectgen simulate webhook repo:push
  connectgen simulate webhook repo:push --app http://127.0.0.1:4000

  # An app with a pull request webhook (and the pullrequest scope)
  connectgen simulate webhook pullrequest:created

  # A Jira app with a jira:issue_created webhook, started with
  # CONNECT_KEYS_CDN_URL=http://127.0.0.1:2990/connect-keys
  connectgen simulate webhook jira:issue_created --host-addr 127.0.0.1:2990`,
		Args: cobra.ExactArgs(1),
		RunE: func(c *cobra.Command, args []string) error {
			opts.Event = args[0]
			if runF != nil {
				return runF(opts)
			}
			return runSimulateWebhook(c.Context(), opts)
		},
	}
	fl := c.Flags()
	fl.StringVar(&opts.AppURL, "app", hostsim.DefaultAppURL, "the app's base URL")
	fl.DurationVar(&opts.Timeout, "timeout", hostsim.DefaultTimeout, "how long to wait for each answer of the app")
	addProductFlags(c, &opts.Product, &opts.HostAddr)
	return c
}

func runSimulateWebhook(ctx context.Context, opts *simulateWebhookOptions) error {
	if opts.Timeout <= 0 {
		return usageErrorf("--timeout %s must be positive", opts.Timeout)
	}
	if err := hostsim.CheckAppURL(opts.AppURL); err != nil {
		return usageErrorf("%w", err)
	}
	if err := checkProductFlags(opts.Product, opts.HostAddr); err != nil {
		return err
	}
	product, _ := descriptor.ParseProduct(opts.Product)
	hopts := hostsim.Options{AppURL: opts.AppURL, Timeout: opts.Timeout, Now: opts.f.Now, Product: product, APIAddr: opts.HostAddr}
	if err := runHostKey(&hopts, opts.HostAddr); err != nil {
		return failf("%w", err)
	}
	h, err := hostsim.New(hopts)
	if err != nil {
		return failf("%w", err)
	}
	defer func() { _ = h.Close() }() // the webhook was sent; closing the host's listener loses nothing
	if _, err := h.Install(ctx); err != nil {
		return hostError(ctx, err)
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
		return failf("%s: %w (the app's webhooks: %s)", opts.Event, err, strings.Join(h.Events(), ", "))
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
