package cmd

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/connectgen/connectgen/internal/build"
	"github.com/connectgen/connectgen/internal/descriptor"
	"github.com/connectgen/connectgen/internal/forge"
)

func newForgeCmd(f *Factory) *cobra.Command {
	c := &cobra.Command{
		Use:   "forge",
		Short: "Move a Bitbucket Connect app to Forge: report, starter app, descriptor link",
		Long: `Bitbucket stopped installing new Connect apps on 2026-02-02 and ends Connect
support on 2027-01-31; every app is rebuilt as a separate Forge app, which the
Connect descriptor names with forgeAppLink and forgeAppId.

  forge plan          what moves where, with its Forge equivalent
  forge new           a starter Forge app (or, with --remote, a Forge app in
                      front of the Connect server) from the descriptor
  forge link          add forgeAppLink and forgeAppId to the descriptor
  forge run --local   host the Forge app on this machine, as Forge would
  forge simulate      run every function of the Forge app once that way

Bitbucket only: for Jira and Confluence use Atlassian's connect-to-forge.
Details: README ("Moving to Forge").`,
		Example: `  connectgen forge plan
  connectgen forge new --dir ../my-app-forge
  connectgen forge link --app-link 'https://developer.atlassian.com/console/install/0b7c1a2e-4d5f-4a6b-9c8d-7e6f5a4b3c2d?signature=AYAB…&product=bitbucket' \
    --app-id ari:cloud:ecosystem::app/0b7c1a2e-4d5f-4a6b-9c8d-7e6f5a4b3c2d`,
		Args: cobra.NoArgs,
		RunE: func(c *cobra.Command, args []string) error { return c.Help() },
	}
	c.AddCommand(newForgePlanCmd(f, nil), newForgeNewCmd(f, nil), newForgeLinkCmd(f, nil), newForgeSimulateCmd(f, nil), newForgeRunCmd(f, nil))
	return c
}

// readForgeDescriptor reads a descriptor as validate does (file, folder,
// URL, - or the current project), with descriptor.Read, and maps it;
// errors are input errors (exit 2), a Jira or Confluence descriptor
// included.
func readForgeDescriptor(ctx context.Context, f *Factory, source string, timeout time.Duration) (*descriptor.Result, *forge.Plan, error) {
	if source == "" {
		source = descriptor.FileName
	}
	name, src, err := descriptor.Read(ctx, source, descriptor.ReadOptions{
		Stdin:     f.IO.In,
		Timeout:   timeout,
		UserAgent: "connectgen/" + build.String(),
	})
	var nf *descriptor.NotFoundError
	if errors.As(err, &nf) && source == descriptor.FileName {
		err = fmt.Errorf("no %s here; run in the Connect app's folder or give the descriptor's path or URL", descriptor.FileName)
	}
	if err != nil {
		return nil, nil, &ExitError{Code: ExitUsage, Err: err}
	}
	res := descriptor.Validate(name, src, descriptor.Options{})
	plan, err := forge.NewPlan(res)
	if err != nil {
		return res, nil, &ExitError{Code: ExitUsage, Err: err}
	}
	return res, plan, nil
}

// atMostOneArg is the Args check of the forge commands that take one
// descriptor at most.
func atMostOneArg(name, what string) cobra.PositionalArgs {
	return func(c *cobra.Command, args []string) error {
		if len(args) > 1 {
			return usageErrorf("%s takes one %s, got %d arguments: %s", name, what, len(args), strings.Join(args, " "))
		}
		return nil
	}
}
