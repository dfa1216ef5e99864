package cmd

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/spf13/cobra"

	"github.com/connectgen/connectgen/internal/forgehost"
	"github.com/connectgen/connectgen/internal/hostsim"
)

type forgeSimulateOptions struct {
	f *Factory

	Dir     string
	Event   string // forge simulate event EVENT
	Format  string
	Node    string
	Timeout time.Duration
	Storage string
	Verbose bool

	// Forge Remote (forge simulate --remote URL).
	Remote   string
	HostAddr string
	UICalls  []string
}

func newForgeSimulateCmd(f *Factory, runF func(*forgeSimulateOptions) error) *cobra.Command {
	opts := &forgeSimulateOptions{f: f}
	c := &cobra.Command{
		Use:   "simulate [DIR]",
		Short: "Run every function of a Forge app once on this machine, as Forge for Bitbucket would",
		Long: `Play Forge for Bitbucket on loopback and run every function of the Forge app
in DIR (default: this folder) once with the payloads Forge documents: every
resolver key with its module's context, every trigger event, lifecycle,
preUninstall, each merge check trigger (with the verdict) and each schedule.
One line per call; a call fails when its handler throws, runs past Forge's
time limit, calls a route outside the manifest's scopes, fetches an
undeclared host, or answers with something that does not survive JSON.
With --remote URL the host plays Forge calling a Forge Remote: signed
invocation tokens, lifecycle, events with a retried delivery, UI calls, and
seven forged tokens that must each get 401.

Exit codes: 0 every call passed, 1 a call failed, 2 the app cannot be loaded
(no manifest.yml, a bundling error, no Node 22) or a usage error.
Details: README ("The Forge app on this machine").`,
		Example: `  # Every function of the app in this folder
  npm install && connectgen forge simulate

  # In CI, as JSON
  connectgen forge simulate ../my-app-forge --format json

  # One event while writing its handler
  connectgen forge simulate event avi:bitbucket:created:pullrequest

  # The Connect app as the Forge Remote of the Forge app in ../my-app-forge
  FORGE_APP_ID=ari:cloud:ecosystem::app/… FORGE_JWKS_URL=http://127.0.0.1:4100/.well-known/jwks.json npm start &
  connectgen forge simulate ../my-app-forge --remote http://127.0.0.1:3000 --host-addr 127.0.0.1:4100

  # A handler that waits on something: stop it after 2 s instead of Forge's 25 s or 55 s
  connectgen forge simulate --timeout 2s`,
		Args: atMostOneArg("forge simulate", "DIR"),
		RunE: func(c *cobra.Command, args []string) error {
			if len(args) == 1 {
				opts.Dir = args[0]
			}
			if runF != nil {
				return runF(opts)
			}
			return runForgeSimulate(c.Context(), opts)
		},
	}
	addForgeHostFlags(c, &opts.Node, &opts.Timeout, &opts.Storage)
	fl := c.Flags()
	fl.StringVar(&opts.Format, "format", "text", "output format: text or json")
	fl.BoolVarP(&opts.Verbose, "verbose", "v", false, "show every call's console output, not only failed calls'")
	fl.StringVar(&opts.Remote, "remote", "", "check the Forge Remote at this URL instead of running functions: sign FITs, send every endpoint its calls and forged tokens")
	fl.StringVar(&opts.HostAddr, "host-addr", "127.0.0.1:0", "with --remote, the loopback address where the caller serves its JWKS (the remote's FORGE_JWKS_URL is http://HOST-ADDR/.well-known/jwks.json)")
	fl.StringSliceVar(&opts.UICalls, "ui-call", []string{"whoami"}, "with --remote, the functionKey of each UI call sent to a resolver endpoint")
	c.AddCommand(newForgeSimulateEventCmd(f, opts, runF))
	return c
}

func newForgeSimulateEventCmd(f *Factory, parent *forgeSimulateOptions, runF func(*forgeSimulateOptions) error) *cobra.Command {
	opts := &forgeSimulateOptions{f: f}
	c := &cobra.Command{
		Use:   "event EVENT [DIR]",
		Short: "Send one event to the Forge app's triggers and show what the handlers did",
		Long: `Send one event to the triggers of the Forge app in DIR (default: this
folder) that listen for it, with the payload Forge documents, and show each
handler's result, console output, Bitbucket calls and time. EVENT is an
avi:bitbucket:* event, avi:forge:installed:app, avi:forge:upgraded:app, or
preUninstall.

Exit codes: 0 every handler returned, 1 one failed or none listens for the
event, 2 the app cannot be loaded or a usage error.`,
		Example: `  connectgen forge simulate event avi:bitbucket:push:repository
  connectgen forge simulate event avi:forge:installed:app ../my-app-forge`,
		Args: func(c *cobra.Command, args []string) error {
			if len(args) < 1 || len(args) > 2 {
				return usageErrorf("forge simulate event takes an EVENT and at most one DIR, got %d arguments", len(args))
			}
			return nil
		},
		RunE: func(c *cobra.Command, args []string) error {
			opts.Event = args[0]
			if len(args) == 2 {
				opts.Dir = args[1]
			}
			opts.Verbose = true
			if runF != nil {
				return runF(opts)
			}
			return runForgeSimulate(c.Context(), opts)
		},
	}
	addForgeHostFlags(c, &opts.Node, &opts.Timeout, &opts.Storage)
	c.Flags().StringVar(&opts.Format, "format", "text", "output format: text or json")
	_ = parent // the parent's flags are its own; event has the same ones
	return c
}

// addForgeHostFlags adds the flags every command that runs the local Forge
// host has.
func addForgeHostFlags(c *cobra.Command, node *string, timeout *time.Duration, storage *string) {
	fl := c.Flags()
	fl.StringVar(node, "node", "", "the node binary to run functions with (Node 22 or later; default $CONNECTGEN_NODE, else node on PATH)")
	fl.DurationVar(timeout, "timeout", 0, "stop a function after this long instead of at Forge's limit (25 s for resolvers, 55 s for triggers)")
	fl.StringVar(storage, "storage", "", "keep Forge storage in this JSON file instead of in memory")
}

func runForgeSimulate(ctx context.Context, opts *forgeSimulateOptions) error {
	switch opts.Format {
	case "text", "json":
	default:
		return usageErrorf("--format %q is not one of text, json", opts.Format)
	}
	if opts.Timeout < 0 {
		return usageErrorf("--timeout %s is negative", opts.Timeout)
	}
	if opts.Event != "" && !forgehost.KnownEvent(opts.Event) && opts.Event != "preUninstall" {
		return usageErrorf("unknown event %q: give an avi:bitbucket:* event (%s…), avi:forge:installed:app, avi:forge:upgraded:app or preUninstall", opts.Event, forgehost.BitbucketEvents()[0])
	}
	if opts.Remote != "" {
		return runForgeRemote(ctx, opts)
	}
	h, err := startForgeHost(ctx, opts.f, opts.Dir, opts.Node, opts.Timeout, opts.Storage, io.Discard)
	if err != nil {
		return err
	}
	defer func() { _ = h.Close() }() // nothing to report at the end
	var rep *forgehost.Report
	if opts.Event != "" {
		rep = forgehost.SendEvent(ctx, h, opts.Event)
	} else {
		rep = forgehost.Simulate(ctx, h)
	}
	if ctx.Err() != nil {
		return errInterrupted
	}
	return writeForgeReport(opts, rep)
}

// startForgeHost finds Node and starts the local Forge host for dir; an
// app that cannot be loaded is exit 2.
func startForgeHost(ctx context.Context, f *Factory, dir, node string, timeout time.Duration, storage string, log io.Writer) (*forgehost.Host, error) {
	if dir == "" {
		dir = "."
	}
	// The app first: a folder without manifest.yml is the likelier mistake.
	m, err := forgehost.LoadManifest(dir)
	if err != nil {
		return nil, &ExitError{Code: ExitUsage, Err: err}
	}
	// An app whose modules all call a Forge Remote has no function to run.
	bin := ""
	if len(m.Functions) > 0 {
		if bin, err = forgehost.FindNode(ctx, node); err != nil {
			return nil, &ExitError{Code: ExitUsage, Err: err}
		}
	}
	h, err := forgehost.Start(ctx, forgehost.Options{Dir: dir, Node: bin, Timeout: timeout, StorageFile: storage, Log: log})
	var le *forgehost.LoadError
	switch {
	case errors.As(err, &le):
		return nil, &ExitError{Code: ExitUsage, Err: err}
	case ctx.Err() != nil:
		return nil, errInterrupted
	case err != nil:
		return nil, fmt.Errorf("the local Forge host cannot start: %w", err)
	}
	return h, nil
}

// runForgeRemote plays Forge's caller towards the remote at opts.Remote.
func runForgeRemote(ctx context.Context, opts *forgeSimulateOptions) error {
	if err := hostsim.CheckAppURL(opts.Remote); err != nil {
		return usageErrorf("--remote: %v", err)
	}
	dir := opts.Dir
	if dir == "" {
		dir = "."
	}
	caller, err := forgehost.NewRemoteCaller(forgehost.RemoteOptions{Dir: dir, RemoteURL: opts.Remote, HostAddr: opts.HostAddr, UICalls: opts.UICalls})
	var le *forgehost.LoadError
	switch {
	case errors.As(err, &le):
		return &ExitError{Code: ExitUsage, Err: err}
	case err != nil:
		return &ExitError{Code: ExitUsage, Err: fmt.Errorf("the local Forge caller cannot start: %w", err)}
	}
	defer caller.Close()
	fmt.Fprintf(opts.f.IO.ErrOut, "Forge JWKS at %s (the remote's FORGE_JWKS_URL)\n", caller.JWKSURL())
	rep, err := caller.Run(ctx)
	if ctx.Err() != nil {
		return errInterrupted
	}
	if errors.Is(err, forgehost.ErrUnreachable) {
		return &ExitError{Code: ExitUsage, Err: err}
	}
	if err != nil {
		return err
	}
	return writeForgeReport(opts, rep)
}

// writeForgeReport prints rep as --format asks; a failed call is exit 1.
func writeForgeReport(opts *forgeSimulateOptions, rep *forgehost.Report) error {
	var err error
	if opts.Format == "json" {
		err = rep.WriteJSON(opts.f.IO.Out)
	} else {
		err = rep.WriteText(opts.f.IO.Out, opts.Verbose)
	}
	if err != nil {
		return err
	}
	if !rep.OK() {
		return silentExit(ExitFailure)
	}
	return nil
}
