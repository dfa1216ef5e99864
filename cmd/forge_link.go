package cmd

import (
	"context"
	"errors"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/connectgen/connectgen/internal/descriptor"
	"github.com/connectgen/connectgen/internal/forge"
)

type forgeLinkOptions struct {
	f *Factory

	File    string
	AppLink string
	AppID   string
	DryRun  bool
}

func newForgeLinkCmd(f *Factory, runF func(*forgeLinkOptions) error) *cobra.Command {
	opts := &forgeLinkOptions{f: f}
	c := &cobra.Command{
		Use:   "link [FILE | DIR] --app-link URL --app-id ARI",
		Short: "Point a Connect descriptor to its Forge app (forgeAppLink, forgeAppId)",
		Long: `Add forgeAppLink (the Forge app's installation link) and forgeAppId (its
app.id) to the Connect descriptor, by default ./atlassian-connect.json. Both
values are checked first; the file keeps its formatting and comments (the
keys are inserted after "key", or their values replaced); the result is
validated before it replaces the file.

Workspace admins then see "Get the Forge app" on their Installed apps page,
and the Forge app can ask Bitbucket for the Connect installation's client
key (GET /2.0/addon/{addon_key}/client-key) to migrate its data. The command
prints how to update the installations, for a Shared app and a Classic one.

Exit codes: 0 linked (or already linked), 1 the file could not be written,
2 usage or input errors (a bad link or id, an unreadable descriptor, a Jira
or Confluence descriptor).`,
		Example: `  connectgen forge link \
    --app-link 'https://developer.atlassian.com/console/install/0b7c1a2e-4d5f-4a6b-9c8d-7e6f5a4b3c2d?signature=AYAB…&product=bitbucket' \
    --app-id ari:cloud:ecosystem::app/0b7c1a2e-4d5f-4a6b-9c8d-7e6f5a4b3c2d

  # Show the new descriptor without writing it
  connectgen forge link my-app --app-link "$LINK" --app-id "$APP_ID" --dry-run`,
		Args: atMostOneArg("forge link", "FILE or DIR"),
		RunE: func(c *cobra.Command, args []string) error {
			if len(args) == 1 {
				opts.File = args[0]
			}
			if runF != nil {
				return runF(opts)
			}
			return runForgeLink(c.Context(), opts)
		},
	}
	fl := c.Flags()
	fl.StringVar(&opts.AppLink, "app-link", "", "the Forge app's installation link (https://developer.atlassian.com/console/install/…&product=bitbucket)")
	fl.StringVar(&opts.AppID, "app-id", "", "the Forge app's app.id (ari:cloud:ecosystem::app/<uuid>)")
	fl.BoolVar(&opts.DryRun, "dry-run", false, "print the new descriptor instead of writing it")
	return c
}

func runForgeLink(ctx context.Context, opts *forgeLinkOptions) error {
	f := opts.f
	if opts.AppLink == "" || opts.AppID == "" {
		return usageErrorf("--app-link and --app-id are both required: the Forge app's installation link (developer console, Distribution) and its app.id (manifest.yml)")
	}
	path := opts.File
	if path == "" {
		path = descriptor.FileName
	}
	if path == descriptor.Stdin || descriptor.IsURL(path) {
		return usageErrorf("forge link edits a descriptor file; %q is not one (give the project's atlassian-connect.json or its folder)", path)
	}
	// The file is read as every command reads a descriptor; the name Read
	// returns is the file to write back.
	path, src, err := descriptor.Read(ctx, path, descriptor.ReadOptions{})
	var nf *descriptor.NotFoundError
	if errors.As(err, &nf) {
		return usageErrorf("%s does not exist; run forge link in the Connect app's folder or give the descriptor's path", nf.Path)
	}
	if err != nil {
		return usageErrorf("%v", err)
	}
	res, err := forge.Link(path, src, opts.AppLink, opts.AppID)
	if err != nil {
		return &ExitError{Code: ExitUsage, Err: err}
	}
	if opts.DryRun {
		_, err := f.IO.Out.Write(res.Source)
		return err
	}
	if !res.Changed {
		fmt.Fprintf(f.IO.Out, "%s already has this forgeAppLink and forgeAppId; nothing changed.\n", path)
	} else {
		if err := forge.ReplaceFile(path, res.Source); err != nil {
			return failf("writing %s: %v", path, err)
		}
		fmt.Fprintf(f.IO.Out, "Linked %s to the Forge app %s (forgeAppLink, forgeAppId).\n", path, opts.AppID)
	}
	if n := res.Validation.Errors(); n > 0 {
		fmt.Fprintf(f.IO.ErrOut, "connectgen: note: %s has %d other error(s); see connectgen validate %s\n", path, n, path)
	}
	key, _ := res.Validation.Root().Get("key").Value().(string)
	fmt.Fprintf(f.IO.Out, "\n%s", forge.UpdateInstructions(key))
	return nil
}
