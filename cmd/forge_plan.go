package cmd

import (
	"context"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/connectgen/connectgen/internal/forge"
)

type forgePlanOptions struct {
	f *Factory

	Source  string
	Format  string
	FailOn  string
	Timeout time.Duration
}

func newForgePlanCmd(f *Factory, runF func(*forgePlanOptions) error) *cobra.Command {
	opts := &forgePlanOptions{f: f}
	c := &cobra.Command{
		Use:   "plan [FILE | DIR | URL | -]",
		Short: "Report what of a Connect descriptor moves where in Forge",
		Long: `Read a Bitbucket Connect descriptor (as validate reads it: a file, a folder
with atlassian-connect.json, an http(s) URL, - for standard input, or the
project in this folder) and report, for every module, module location,
scope, webhook event, condition and lifecycle hook, its Forge equivalent
(module type and fields, permission scope, trigger event) or "no
equivalent" with what to do instead, and the Forge app that follows.

Formats: text (default), json, markdown (for a pull request or a ticket).

Exit codes: 0 everything has an equivalent, 1 something has none (with
--fail-on partial or weak: something maps only that well; with --fail-on
never: always 0), 2 usage or input errors, a Jira or Confluence descriptor
included (Bitbucket only; for Jira and Confluence use Atlassian's
connect-to-forge).`,
		Example: `  # The app in this folder
  connectgen forge plan

  # A report for a pull request
  connectgen forge plan my-app/atlassian-connect.json --format markdown > FORGE.md

  # In CI: fail only on parts that map partially or worse
  connectgen forge plan --fail-on partial --format json`,
		Args: atMostOneArg("forge plan", "FILE, DIR, URL or -"),
		RunE: func(c *cobra.Command, args []string) error {
			if len(args) == 1 {
				opts.Source = args[0]
			}
			if runF != nil {
				return runF(opts)
			}
			return runForgePlan(c.Context(), opts)
		},
	}
	fl := c.Flags()
	fl.StringVar(&opts.Format, "format", "text", "output format: text, json or markdown")
	fl.StringVar(&opts.FailOn, "fail-on", "none", "exit 1 when an item maps this badly or worse: none, weak, partial, or never")
	fl.DurationVar(&opts.Timeout, "timeout", 10*time.Second, "how long to wait for a descriptor URL")
	return c
}

func runForgePlan(ctx context.Context, opts *forgePlanOptions) error {
	switch opts.Format {
	case "text", "json", "markdown":
	default:
		return usageErrorf("--format %q is not one of text, json, markdown", opts.Format)
	}
	if !contains(forge.FailOnValues, opts.FailOn) {
		return usageErrorf("--fail-on %q is not one of %s", opts.FailOn, strings.Join(forge.FailOnValues, ", "))
	}
	_, plan, err := readForgeDescriptor(ctx, opts.f, opts.Source, opts.Timeout)
	if err != nil {
		return err
	}
	out := opts.f.IO.Out
	switch opts.Format {
	case "json":
		err = plan.WriteJSON(out)
	case "markdown":
		err = plan.WriteMarkdown(out)
	default:
		err = plan.WriteText(out)
	}
	if err != nil {
		return err
	}
	if plan.Exceeds(opts.FailOn) {
		return silentExit(ExitFailure)
	}
	return nil
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
