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
	f   *Factory
	ctx context.Context

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
folder), with no cloud site, deploy, install or tunnel. The app's functions
run in Node 22 with its own packages (npm install first), bundled with
esbuild as Forge bundles them; api.asApp()/asUser() requestBitbucket reach
a local Bitbucket REST API with a Bearer token, refused (naming the scope)
when manifest.yml lacks the route's scope; fetch to a host not in
permissions.external.fetch.backend is refused (naming the host); Forge
storage (@forge/kvs and secrets) is per installation, in memory or in a
file with --storage. Forge's time limits apply (25 s resolvers and merge
checks, 55 s triggers; --timeout replaces them).

At start the app is installed: avi:forge:installed:app goes to its
triggers. Then the host waits; it reloads when manifest.yml or src/
changes. A JSON API on --listen (POST /api/call, GET /api/state) invokes
resolvers with the module's extension context, fires events, merge checks
and schedules; --serve adds a page there that lists the modules by
location with buttons, renders UI Kit modules with the app's own
@forge/react (plain HTML for Atlassian's components), and shows each
call's result, console output, Bitbucket calls and the storage. forge
simulate runs everything once.

With --remote URL the modules that name an endpoint call that Forge
Remote, with Forge Invocation Tokens the host signs (JWKS at
http://HOST-ADDR/.well-known/jwks.json).

Stop with Ctrl-C. Exit codes: 0 stopped, 2 the app cannot be loaded or a
usage error.`,
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
			opts.ctx = c.Context()
			if runF != nil {
				return runF(opts)
			}
			return runForgeRun(opts)
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

func runForgeRun(opts *forgeRunOptions) error {
	ctx := opts.ctx
	if ctx == nil {
		ctx = context.Background()
	}
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
