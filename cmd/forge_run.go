package cmd

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"time"

	"github.com/spf13/cobra"

	"github.com/connectgen/connectgen/internal/forgehost"
	"github.com/connectgen/connectgen/internal/hostsim"
)

// defaultForgeListen is where forge run --local serves its API and page.
const defaultForgeListen = "127.0.0.1:3941"

type forgeRunOptions struct {
	f *Factory

	Dir      string
	Local    bool
	Serve    bool
	Listen   string
	Node     string
	Timeout  time.Duration
	Storage  string
	NoWatch  bool
	Remote   string
	HostAddr string
}

func newForgeRunCmd(f *Factory, runF func(*forgeRunOptions) error) *cobra.Command {
	opts := &forgeRunOptions{f: f}
	c := &cobra.Command{
		Use:   "run --local [DIR]",
		Short: "Host a Forge app for Bitbucket on this machine: functions, storage, events, merge checks",
		Long: `Play Forge for Bitbucket on loopback for the Forge app in DIR (default: this
folder): no cloud site, deploy, install or tunnel. Its functions run in Node 22
with its own packages (npm install first), bundled with esbuild as Forge
bundles them; product calls reach a local Bitbucket REST API, scopes and
egress are enforced, storage is per installation (--storage FILE keeps it).
The app is installed at start and reloaded when manifest.yml or src/ changes;
a JSON API on --listen invokes resolvers and fires events, merge checks and
schedules; --serve adds a page with the modules, buttons, UI Kit rendering,
logs and storage. With --remote URL endpoint modules call that Forge Remote
with tokens the host signs (JWKS at http://HOST-ADDR/.well-known/jwks.json).

Exit codes: 0 stopped (Ctrl-C), 2 the app cannot be loaded or a usage error.
Details: README ("The Forge app on this machine").`,
		Example: `  # The app in this folder, with the page at http://127.0.0.1:3941
  npm install && connectgen forge run --local --serve

  # Keep storage between runs
  connectgen forge run --local ../my-app-forge --storage .forge-storage.json

  # Fire an event from a script while it runs
  curl -s -H 'Content-Type: application/json' -d '{"module":"trigger:connect-webhooks","event":"avi:bitbucket:push:repository"}' http://127.0.0.1:3941/api/call`,
		Args: atMostOneArg("forge run", "DIR"),
		RunE: func(c *cobra.Command, args []string) error {
			if len(args) == 1 {
				opts.Dir = args[0]
			}
			if runF != nil {
				return runF(opts)
			}
			return runForgeRun(c.Context(), opts)
		},
	}
	addForgeHostFlags(c, &opts.Node, &opts.Timeout, &opts.Storage)
	fl := c.Flags()
	fl.BoolVar(&opts.Local, "local", false, "host the app on this machine (required: Forge's own loop needs a cloud site)")
	fl.BoolVar(&opts.Serve, "serve", false, "serve a page on --listen with the modules, buttons, results and storage")
	fl.StringVar(&opts.Listen, "listen", defaultForgeListen, "the loopback address of the API (and the page)")
	fl.BoolVar(&opts.NoWatch, "no-watch", false, "do not reload when manifest.yml or src/ changes")
	fl.StringVar(&opts.Remote, "remote", "", "send the calls of modules that name an endpoint to the Forge Remote at this URL")
	fl.StringVar(&opts.HostAddr, "host-addr", "127.0.0.1:0", "with --remote, the loopback address of the JWKS (the remote's FORGE_JWKS_URL is http://HOST-ADDR/.well-known/jwks.json)")
	return c
}

func runForgeRun(ctx context.Context, opts *forgeRunOptions) error {
	if !opts.Local {
		return usageErrorf("forge run needs --local: connectgen hosts the Forge app on this machine; Forge's own loop (forge deploy, forge install, forge tunnel) needs a cloud site")
	}
	if err := hostsim.CheckHostAddr(opts.Listen); err != nil {
		return usageErrorf("--listen: %v", err)
	}
	out, errOut := opts.f.IO.Out, opts.f.IO.ErrOut
	h, err := startForgeHost(ctx, opts.f, opts.Dir, opts.Node, opts.Timeout, opts.Storage, errOut)
	if err != nil {
		return err
	}
	defer func() { _ = h.Close() }() // nothing to report at shutdown
	srv := &forgehost.Server{Host: h, Page: opts.Serve}
	if opts.Remote != "" {
		if err := hostsim.CheckAppURL(opts.Remote); err != nil {
			return usageErrorf("--remote: %v", err)
		}
		dir := opts.Dir
		if dir == "" {
			dir = "."
		}
		caller, err := forgehost.NewRemoteCaller(forgehost.RemoteOptions{Dir: dir, RemoteURL: opts.Remote, HostAddr: opts.HostAddr, API: h.API(), Log: errOut})
		if err != nil {
			return &ExitError{Code: ExitUsage, Err: err}
		}
		defer caller.Close()
		srv.Remote = caller
		fmt.Fprintf(out, "Forge JWKS at %s (the remote's FORGE_JWKS_URL)\n", caller.JWKSURL())
	}
	ln, err := net.Listen("tcp", opts.Listen)
	if err != nil {
		return usageErrorf("--listen %s: %v (another forge run? give another address)", opts.Listen, err)
	}
	hs := &http.Server{Handler: srv, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = hs.Serve(ln) }()  // ends with Close below
	defer func() { _ = hs.Close() }() // as above

	fmt.Fprintf(out, "Local Forge host for %s (Bitbucket REST API %s, installation %s)\n", h.Manifest().AppID, h.API().APIURL(), h.InstallationID())
	for _, m := range srv.Modules(ctx) {
		what := m.Function
		if m.Resolver != "" {
			what = "resolver " + m.Resolver
		}
		if m.Endpoint != "" {
			what = "endpoint " + m.Endpoint
		}
		fmt.Fprintf(out, "  %-34s %-28s %s\n", m.Location, m.Key, what)
	}
	for _, mod := range h.Manifest().Modules["trigger"] {
		for _, ev := range mod.Events {
			if ev != forgehost.EventInstalled {
				continue
			}
			res, _, err := srv.Do(ctx, forgehost.Request{Module: "trigger:" + mod.Key, Event: ev})
			if err != nil {
				fmt.Fprintf(errOut, "install: %v\n", err)
				continue
			}
			status := "PASS"
			if !res.Passed {
				status = "FAIL"
			}
			fmt.Fprintf(out, "install: %s %s %s\n", status, res.Name, res.Reason)
		}
	}
	if opts.Serve {
		fmt.Fprintf(out, "Page: http://%s/  (Ctrl-C stops)\n", ln.Addr())
	} else {
		fmt.Fprintf(out, "API: http://%s/api/state, POST /api/call  (Ctrl-C stops)\n", ln.Addr())
	}
	if !opts.NoWatch {
		go func() {
			if err := srv.Watch(ctx, errOut); err != nil && !errors.Is(err, context.Canceled) {
				fmt.Fprintf(errOut, "not watching for changes: %v\n", err)
			}
		}()
	}
	<-ctx.Done()
	return nil
}
