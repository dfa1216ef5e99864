package cmd

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/connectgen/connectgen/internal/descriptor"
	"github.com/connectgen/connectgen/internal/installlink"
	"github.com/connectgen/connectgen/internal/json5"
)

type installLinkOptions struct {
	f *Factory

	AddonKey      string
	DescriptorURI string
	RedirectURI   string
	BaseURL       string
	Dir           string
	Format        string
	Text          string

	dirSet bool
}

func newInstallLinkCmd(f *Factory, runF func(*installLinkOptions) error) *cobra.Command {
	opts := &installLinkOptions{f: f}
	c := &cobra.Command{
		Use:   "install-link (--addon-key KEY | --descriptor-uri URL | --base-url URL) [--redirect-uri URL]",
		Short: "Print the link or button that installs the app from a website",
		Long: `Print the link to Bitbucket's authorize page that installs the app, as a URL,
an HTML button or a Markdown link.

A registered app is named by its key (--addon-key); an unregistered one by
the https address of its descriptor (--descriptor-uri). In a generated
project (atlassian-connect.json in this folder or --dir) with --base-url,
the descriptor URI defaults to <base-url>/atlassian-connect.json (likewise
with the descriptor's own baseUrl when it is a real URL).

--redirect-uri is where Bitbucket sends the user after the install, with
clientKey (or error and error_description) added; without it the user
stays on Bitbucket. It must start with the app's baseUrl: --base-url, else
the descriptor's baseUrl when it is a real URL (not {{localBaseUrl}}).

Every rule of Atlassian's "Install an app from your site or application"
page is checked, and a broken one is named (rule one-identifier, addon-key,
absolute-uri, descriptor-https, no-uri-template, redirect-under-baseurl).

--format html prints a button styled with Atlaskit's reduced UI pack; bundle
@atlaskit/css-reset and @atlaskit/reduced-ui-pack with the site rather than
loading them from a CDN.

Bitbucket Cloud stopped registering and installing new Connect apps on
2 February 2026; apps registered before then keep working. To try a new app,
use the local Bitbucket host (connectgen run --local --serve).

Exit codes: 0 the link was printed, 2 a rule is broken or a flag is wrong.`,
		Example: `  # A registered app, sending the user back to its welcome page
  connectgen install-link --addon-key a-quick-addon \
    --redirect-uri https://app.example.com/welcome --base-url https://app.example.com

  # In a generated project served through a tunnel: descriptor and button
  connectgen install-link --base-url https://abc.ngrok.app \
    --redirect-uri https://abc.ngrok.app/welcome --format html

  # An unregistered app's descriptor, as a Markdown link for a README
  connectgen install-link --descriptor-uri https://app.example.com/atlassian-connect.json --format markdown`,
		Args: cobra.NoArgs,
		RunE: func(c *cobra.Command, args []string) error {
			opts.dirSet = c.Flags().Changed("dir")
			if runF != nil {
				return runF(opts)
			}
			return runInstallLink(opts)
		},
	}
	fl := c.Flags()
	fl.StringVar(&opts.AddonKey, "addon-key", "", "the key of a registered app")
	fl.StringVar(&opts.DescriptorURI, "descriptor-uri", "", "the https address of an unregistered app's descriptor")
	fl.StringVar(&opts.RedirectURI, "redirect-uri", "", "where Bitbucket sends the user after the install (under the app's baseUrl)")
	fl.StringVar(&opts.BaseURL, "base-url", "", "the app's baseUrl (default: the descriptor's, when it is a real URL)")
	fl.StringVar(&opts.Dir, "dir", ".", "the app's folder, whose atlassian-connect.json is read when present")
	fl.StringVar(&opts.Format, "format", "url", "output: url, html or markdown")
	fl.StringVar(&opts.Text, "text", installlink.DefaultText, "the button or link text for html and markdown")
	return c
}

// installLinkDescriptor is what install-link reads from a project's
// descriptor.
type installLinkDescriptor struct {
	BaseURL string `json:"baseUrl"`
}

func runInstallLink(opts *installLinkOptions) error {
	switch opts.Format {
	case "url", "html", "markdown":
	default:
		return usageErrorf("--format %q is not url, html or markdown", opts.Format)
	}

	// The project's descriptor, when there is one, gives the baseUrl.
	var desc *installLinkDescriptor
	descFile, src, err := descriptor.Read(context.Background(), opts.Dir, descriptor.ReadOptions{})
	var nf *descriptor.NotFoundError
	switch {
	case err == nil:
		desc = &installLinkDescriptor{}
		if err := json5.Unmarshal(src, desc); err != nil {
			return usageErrorf("%s is not a descriptor: %w (check it with connectgen validate)", descFile, err)
		}
	case errors.As(err, &nf):
		if opts.dirSet {
			return usageErrorf("--dir %s has no atlassian-connect.json", opts.Dir)
		}
	default:
		return failf("%w", err)
	}

	if desc != nil {
		if p := projectProduct(descFile, src); p.Known() && p.Info().PrivateInstallsBlocked {
			return usageErrorf("install links are Bitbucket's; this is a %s app, and %s sites no longer install private Connect apps from a descriptor URL (since 2026-03-31)", p.Title(), p.Title())
		}
	}

	base := strings.TrimSpace(opts.BaseURL)
	if base == "" && desc != nil && !descriptor.HasPlaceholder(desc.BaseURL) {
		base = desc.BaseURL
	}
	// ACE and the template both treat the base URL without a trailing
	// slash; a trailing slash would make the default descriptor URI "//".
	base = strings.TrimRight(base, "/")

	descURI := opts.DescriptorURI
	if descURI == "" && opts.AddonKey == "" && desc != nil && base != "" {
		descURI = base + "/atlassian-connect.json"
	}

	link, err := installlink.Build(installlink.Options{
		AddonKey:      opts.AddonKey,
		DescriptorURI: descURI,
		RedirectURI:   opts.RedirectURI,
		BaseURL:       base,
	})
	if err != nil {
		return installLinkUsage(err, desc != nil)
	}

	out := opts.f.IO.Out
	switch opts.Format {
	case "html":
		fmt.Fprint(out, installlink.HTML(link, opts.Text))
	case "markdown":
		fmt.Fprint(out, installlink.Markdown(link, opts.Text))
	default:
		fmt.Fprintln(out, link)
	}
	return nil
}

// installLinkUsage turns broken rules into one exit-2 error, one rule a
// line, with the flag to change for the rules a flag fixes.
func installLinkUsage(err error, inProject bool) error {
	var lines []string
	for _, v := range installlink.Violations(err) {
		msg := v.Error()
		switch {
		case v.Missing == "addon_key":
			if inProject {
				msg += "; use --addon-key, --descriptor-uri, or --base-url for <base-url>/atlassian-connect.json"
			} else {
				msg += "; use --addon-key or --descriptor-uri"
			}
		case v.Missing == "baseUrl":
			msg += "; use --base-url"
		}
		lines = append(lines, msg)
	}
	if len(lines) == 0 {
		return usageErrorf("%w", err)
	}
	return usageErrorf("%s", strings.Join(lines, "\n  "))
}

// projectProduct is the product of the app whose descriptor descFile
// holds src: the config.json beside it, else what the descriptor shows.
func projectProduct(descFile string, src []byte) descriptor.Product {
	if p, err := descriptor.ProductBeside(descFile, descFile); err == nil && p != "" {
		return p
	}
	return descriptor.Validate(descFile, src, descriptor.Options{}).Product
}
