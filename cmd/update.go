package cmd

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"path/filepath"

	"github.com/spf13/cobra"

	"github.com/connectgen/connectgen/internal/build"
	"github.com/connectgen/connectgen/internal/tmplsource"
	"github.com/connectgen/connectgen/internal/update"
	"github.com/connectgen/connectgen/scaffold"
)

type updateOptions struct {
	f *Factory

	Dir        string
	To         string
	Set        []string
	DryRun     bool
	AllowDirty bool
	AllowHTTP  bool
	// AllowDowngrade allows --to an older built-in template version.
	AllowDowngrade bool
}

func newUpdateCmd(f *Factory, runF func(*updateOptions) error) *cobra.Command {
	opts := &updateOptions{f: f}
	c := &cobra.Command{
		Use:   "update",
		Short: "Bring a newer template into a project, keeping your edits",
		Long: `Update the project in --dir (default: the working directory) to a newer
version of the template it was made from, or to another template (--to),
keeping your edits: the old and new templates are rendered with the
recorded answers and merged into your files three ways (update, merge,
conflict, add, delete, keep). Your versions of touched files go to
.connectgen/backup/<time>/; uncommitted git changes are refused unless
--allow-dirty; an older --to is a downgrade and needs --allow-downgrade.
Details: README ("connectgen update").

Exit codes: 0 updated (or already up to date), 1 conflicts were written or
the update failed, 2 usage error (outside a project, a refused downgrade).`,
		Example: `  # Update to the template of this connectgen, see the plan first
  connectgen update --dry-run
  connectgen update

  # Change a recorded answer while updating
  connectgen update --set appName="PR Stats" --set vendorUrl=https://acme.example

  # Update to another source: a newer zip of the team's template
  connectgen update --to https://example.com/templates/ace-app-v2.zip --dir my-app

  # Back to the first version of the built-in template: a downgrade
  connectgen update --to t3ea964dbe185 --allow-downgrade`,
		Args: cobra.NoArgs,
		RunE: func(c *cobra.Command, args []string) error {
			if runF != nil {
				return runF(opts)
			}
			return runUpdate(c.Context(), opts)
		},
	}
	fl := c.Flags()
	fl.StringVar(&opts.Dir, "dir", ".", "the project's directory")
	fl.StringVar(&opts.To, "to", "", "template to update to: a version of the built-in template, or a -t source (default: the newest of the recorded source)")
	fl.StringArrayVar(&opts.Set, "set", nil, "change a recorded answer, KEY=VALUE (key, appName, description, vendorName, vendorUrl or a template variable)")
	fl.BoolVar(&opts.DryRun, "dry-run", false, "print what would be updated, merged or added; write nothing")
	fl.BoolVar(&opts.AllowDirty, "allow-dirty", false, "update even if the project has uncommitted git changes")
	fl.BoolVar(&opts.AllowDowngrade, "allow-downgrade", false, "allow --to an older version of the built-in template than the project's")
	fl.BoolVar(&opts.AllowHTTP, "allow-http", false, "allow a plain http:// template URL of another host than this machine")
	return c
}

func runUpdate(ctx context.Context, opts *updateOptions) error {
	f := opts.f
	set, err := parseSet(opts.Set)
	if err != nil {
		return err
	}
	dir, err := filepath.Abs(opts.Dir)
	if err != nil {
		return failf("%w", err)
	}
	p, err := update.Prepare(ctx, f.resolver(opts.AllowHTTP), update.Options{
		Dir: dir, To: opts.To, Set: set, AllowDirty: opts.AllowDirty, AllowDowngrade: opts.AllowDowngrade,
		Now: f.Now(), ConnectgenVersion: build.String(),
	})
	if err != nil {
		var ue *update.UsageError
		var se *tmplsource.UsageError
		if errors.As(err, &ue) || errors.As(err, &se) {
			return usageErrorf("%w", err)
		}
		return failf("%w", err)
	}
	if !p.Changes() {
		fmt.Fprintf(f.IO.Out, "%s is already up to date (%s); nothing to change\n", opts.Dir, p.To)
		return nil
	}
	if p.Downgrade {
		fmt.Fprintf(f.IO.Out, "Downgrading from %s to an older version, %s (--allow-downgrade)\n", p.From, p.To)
	}
	if opts.DryRun {
		printUpdatePlan(f, p, true)
		return nil
	}
	if err := update.Apply(ctx, p, &scaffold.Writer{}); err != nil {
		if errors.Is(err, context.Canceled) {
			return errInterrupted
		}
		return failf("%w", err)
	}
	printUpdatePlan(f, p, false)
	if c := p.Conflicts(); len(c) > 0 {
		fmt.Fprintf(f.IO.ErrOut, "connectgen: %d files have conflicts to resolve (search for <<<<<<<): %s\n", len(c), joinShort(c, 8))
		return silentExit(ExitFailure)
	}
	return nil
}

func printUpdatePlan(f *Factory, p *update.Plan, dry bool) {
	out := bufio.NewWriter(f.IO.Out)
	defer func() { _ = out.Flush() }() // a failed write to the terminal has nowhere to be reported
	if dry {
		fmt.Fprintf(out, "Dry run: update from %s to %s (nothing written):\n", p.From, p.To)
	} else {
		fmt.Fprintf(out, "Updated from %s to %s:\n", p.From, p.To)
	}
	for _, e := range p.Entries {
		if e.Action == update.Unchanged && e.Note == "" {
			continue
		}
		line := fmt.Sprintf("  %-9s %s", e.Action, e.Path)
		if e.Action == update.Conflict {
			line += fmt.Sprintf(" (%d conflicting regions)", e.Conflicts)
		}
		if e.Note != "" {
			line += " (" + e.Note + ")"
		}
		fmt.Fprintln(out, line)
	}
	if !dry && backedUp(p) {
		fmt.Fprintf(out, "Your previous versions of the changed files are in %s\n", p.Backup)
	}
}

func backedUp(p *update.Plan) bool {
	for _, e := range p.Entries {
		switch e.Action {
		case update.Merge, update.Conflict, update.Delete:
			return true
		case update.Update:
			if e.Path != scaffold.RecordFile {
				return true
			}
		}
	}
	return false
}

func joinShort(items []string, max int) string {
	s := ""
	for i, it := range items {
		if i == max {
			return s + fmt.Sprintf(" and %d more", len(items)-max)
		}
		if i > 0 {
			s += ", "
		}
		s += it
	}
	return s
}
