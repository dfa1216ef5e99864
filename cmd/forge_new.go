package cmd

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/connectgen/connectgen/internal/build"
	"github.com/connectgen/connectgen/internal/forge"
	"github.com/connectgen/connectgen/scaffold"
)

type forgeNewOptions struct {
	f *Factory

	Source  string
	Dir     string
	Remote  bool
	BaseURL string
	Force   bool
	DryRun  bool
	Timeout time.Duration
}

func newForgeNewCmd(f *Factory, runF func(*forgeNewOptions) error) *cobra.Command {
	opts := &forgeNewOptions{f: f}
	c := &cobra.Command{
		Use:   "new [FILE | DIR | URL | -] --dir DIR [--remote]",
		Short: "Write a starter Forge app equivalent to a Connect app",
		Long: `Write a starter Forge app into DIR from a Bitbucket Connect descriptor (read
as validate reads it; by default the project in this folder): manifest.yml
with the mapped bitbucket:* modules, triggers and scopes, src/ with one UI Kit
page for the modules, resolvers, trigger handlers and the data-migration
helper, package.json, a README with the steps from here, and FORGE-PLAN.md
(the migration report). With --remote the Connect server stays, as the Forge
app's remote: endpoints /forge/lifecycle, /forge/events and /forge/ui with
the app system token, and no functions. connectgen update in the app brings
a later starter. Like new, nothing is written until every file rendered, and
an existing non-empty DIR is refused unless --force. Details: README
("Moving to Forge").

Exit codes: 0 written, 1 could not write, 2 usage or input errors (a Jira
or Confluence descriptor included).`,
		Example: `  # From the Connect app in this folder
  connectgen forge new --dir ../my-app-forge

  # From a descriptor file, listing what would be written
  connectgen forge new my-app/atlassian-connect.json --dir my-app-forge --dry-run

  # Keep the Connect server as a Forge Remote
  connectgen forge new --remote --dir ../my-app-forge

  # The same, for a descriptor whose baseUrl is {{localBaseUrl}} (ACE fills it in)
  connectgen forge new --remote --base-url https://my-app.example.com --dir ../my-app-forge`,
		Args: atMostOneArg("forge new", "FILE, DIR, URL or -"),
		RunE: func(c *cobra.Command, args []string) error {
			if len(args) == 1 {
				opts.Source = args[0]
			}
			if runF != nil {
				return runF(opts)
			}
			return runForgeNew(c.Context(), opts)
		},
	}
	fl := c.Flags()
	fl.StringVar(&opts.Dir, "dir", "", "the directory to write the Forge app into (required)")
	fl.BoolVar(&opts.Remote, "remote", false, "keep the Connect server as a Forge Remote instead of rebuilding it as Forge functions")
	fl.StringVar(&opts.BaseURL, "base-url", "", "with --remote, the server's https URL (default: the descriptor's baseUrl)")
	fl.BoolVar(&opts.Force, "force", false, "write into a non-empty directory, beside its files (replacing none)")
	fl.BoolVar(&opts.DryRun, "dry-run", false, "list what would be written, write nothing")
	fl.DurationVar(&opts.Timeout, "timeout", 10*time.Second, "how long to wait for a descriptor URL")
	return c
}

func runForgeNew(ctx context.Context, opts *forgeNewOptions) error {
	f := opts.f
	if opts.Dir == "" {
		return usageErrorf("--dir required: the directory to write the Forge app into, for example --dir ../my-app-forge")
	}
	_, plan, err := readForgeDescriptor(ctx, f, opts.Source, opts.Timeout)
	if err != nil {
		return err
	}
	if opts.BaseURL != "" && !opts.Remote {
		return usageErrorf("--base-url is the Forge Remote's URL: use it with --remote")
	}
	files, err := forge.Generate(plan, forge.GenerateOptions{Version: build.String(), Remote: opts.Remote, BaseURL: opts.BaseURL})
	if err != nil {
		return &ExitError{Code: ExitUsage, Err: err}
	}
	target, err := filepath.Abs(opts.Dir)
	if err != nil {
		return failf("%v", err)
	}
	mode := scaffold.ModeNew
	if opts.Force {
		mode = scaffold.ModeForce
	}
	sp, err := scaffold.NewPlan(target, files, mode)
	if err != nil {
		return failf("%v", err)
	}
	if opts.DryRun {
		printPlan(f, sp, opts.Dir)
	}
	if err := forgeNewCheck(sp, opts.Dir); err != nil || opts.DryRun {
		return err
	}
	if err := (&scaffold.Writer{}).Write(ctx, sp); err != nil {
		if errors.Is(err, context.Canceled) {
			fmt.Fprintf(f.IO.ErrOut, "connectgen: interrupted; nothing was written to %s\n", opts.Dir)
			return silentExit(ExitInterrupted)
		}
		return failf("%v", err)
	}
	fmt.Fprintf(f.IO.Out, "Created the Forge app %s (%d files) from %s: %s\n", opts.Dir, sp.Count(scaffold.Create), plan.Source, plan.SummaryLine())
	if opts.Remote {
		fmt.Fprintf(f.IO.Out, "The Connect server stays, as the Forge Remote %s.\n", forge.RemoteKey)
	}
	try := `  connectgen forge simulate               # every function once on this machine
  connectgen forge run --local --serve    # the local Forge host, page at http://127.0.0.1:3941
`
	if opts.Remote {
		try = `  # with the Connect app running (FORGE_APP_ID, FORGE_JWKS_URL: README.md):
  connectgen forge simulate --remote http://127.0.0.1:3000 --host-addr 127.0.0.1:4100
`
	}
	fmt.Fprintf(f.IO.Out, `
Next steps (README.md has them all):
  cd %s
  npm install
%s  forge register && forge deploy && forge install
  # then share the install link and, in the Connect app's folder:
  connectgen forge link --app-link '<install link>' --app-id '<app.id>'
`, shellQuote(opts.Dir), try)
	return nil
}

// forgeNewCheck words the scaffold's refusals for forge new, which has
// --force but no --overwrite: the user's files are never replaced.
func forgeNewCheck(sp *scaffold.Plan, dir string) error {
	err := sp.Check()
	var ne *scaffold.NotEmptyError
	var ce *scaffold.ConflictError
	switch {
	case errors.As(err, &ne):
		return failf("directory %s is not empty (%d entries); choose another --dir, or use --force to write beside its files (none is replaced)", dir, len(ne.Files))
	case errors.As(err, &ce):
		var paths []string
		for _, e := range ce.Entries {
			paths = append(paths, e.File.Path)
		}
		return failf("refusing to replace %d file(s) in %s: %s; move them out of the way or choose another --dir", len(paths), dir, strings.Join(paths, ", "))
	case err != nil:
		return failf("%v", err)
	}
	return nil
}
