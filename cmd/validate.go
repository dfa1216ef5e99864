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
	"github.com/connectgen/connectgen/internal/json5"
)

type validateOptions struct {
	f *Factory

	Source              string
	BaseURL             string
	Format              string
	Strict              bool
	Previous            string
	FailOnScopeIncrease bool
	PrintSchema         bool
	Product             string
	Timeout             time.Duration

	// maxSize is the largest descriptor read; tests lower it.
	maxSize int
}

func newValidateCmd(f *Factory, runF func(*validateOptions) error) *cobra.Command {
	opts := &validateOptions{f: f, maxSize: json5.DefaultMaxSize}
	c := &cobra.Command{
		Use:   "validate [FILE | URL | -]",
		Short: "Check a descriptor as Bitbucket, Jira or Confluence would, with exact locations",
		Long: `Check a Connect descriptor before the product rejects it at install time.
FILE defaults to ./atlassian-connect.json (a directory means its
atlassian-connect.json); an http(s) URL is fetched, - reads standard input.
The product's rules apply: --product, else config.json's "product", else
what the descriptor shows; the output names the product and why. Each
finding has a rule id, a severity, the JSON pointer and line:column and a
suggestion. {{localBaseUrl}} is replaced by --base-url. --previous compares
the scopes with an older descriptor. Details: README ("connectgen
validate").

Exit codes: 0 no errors (warnings allowed), 1 errors (or warnings with
--strict, or more scopes with --fail-on-scope-increase), 2 usage or input
errors.`,
		Example: `  # The descriptor of the app in this folder
  connectgen validate

  # As the app will serve it, with machine-readable output
  connectgen validate a-quick-addon/atlassian-connect.json --base-url https://abc.ngrok.app --format json

  # A running app's descriptor
  connectgen validate http://localhost:3000/atlassian-connect.json

  # In CI: annotations on the pull request, warnings fail too, no new scopes
  git show origin/main:atlassian-connect.json > /tmp/old.json
  connectgen validate --format github --strict --previous /tmp/old.json --fail-on-scope-increase

  # A Confluence app's descriptor, whatever its config.json says
  connectgen validate my-macro-app --product confluence

  # The schema, for another validator or an editor
  connectgen validate --print-schema > atlassian-connect.schema.json
  connectgen validate --print-schema --product jira > jira-connect.schema.json`,
		Args: func(c *cobra.Command, args []string) error {
			if len(args) > 1 {
				return usageErrorf("validate takes one FILE, URL or -, got %d arguments: %s", len(args), strings.Join(args, " "))
			}
			return nil
		},
		RunE: func(c *cobra.Command, args []string) error {
			if len(args) == 1 {
				opts.Source = args[0]
			}
			if runF != nil {
				return runF(opts)
			}
			return runValidate(c.Context(), opts)
		},
	}
	fl := c.Flags()
	fl.StringVar(&opts.BaseURL, "base-url", "", "the app's base URL, replacing {{localBaseUrl}} as atlassian-connect-express does")
	fl.StringVar(&opts.Format, "format", "text", "output format: text, json or github (workflow annotations)")
	fl.BoolVar(&opts.Strict, "strict", false, "exit 1 on warnings too")
	fl.StringVar(&opts.Previous, "previous", "", "an older descriptor (FILE or URL) to compare scopes with")
	fl.BoolVar(&opts.FailOnScopeIncrease, "fail-on-scope-increase", false, "exit 1 when the descriptor asks for more scopes than --previous")
	fl.BoolVar(&opts.PrintSchema, "print-schema", false, "print the descriptor's JSON Schema (of --product, default bitbucket) and exit")
	fl.StringVar(&opts.Product, "product", "", "the product whose rules apply: bitbucket, jira, confluence or jira-service-desk (default: config.json's product, else detected)")
	fl.DurationVar(&opts.Timeout, "timeout", 10*time.Second, "how long to wait for a descriptor URL")
	return c
}

func runValidate(ctx context.Context, opts *validateOptions) error {
	out := opts.f.IO.Out
	switch opts.Format {
	case "text", "json", "github":
	default:
		return usageErrorf("--format %q is not one of text, json, github", opts.Format)
	}
	// With --format json every outcome is JSON on standard output, fatal
	// errors included, so that a program reading it never has to parse
	// free text.
	inputError := func(err error) error {
		if opts.Format == "json" {
			if werr := descriptor.WriteJSONError(out, err); werr != nil {
				return werr
			}
			return silentExit(ExitUsage)
		}
		return &ExitError{Code: ExitUsage, Err: err}
	}
	var product descriptor.Product
	if opts.Product != "" {
		p, err := descriptor.ParseProduct(opts.Product)
		if err != nil {
			return inputError(fmt.Errorf("--product: %w", err))
		}
		product = p
	}
	if opts.PrintSchema {
		if opts.Source != "" || opts.Previous != "" {
			return inputError(errors.New("--print-schema takes no descriptor"))
		}
		if product == "" {
			product = descriptor.Bitbucket
		}
		_, err := out.Write(descriptor.SchemaFor(product))
		return err
	}
	if opts.FailOnScopeIncrease && opts.Previous == "" {
		return inputError(errors.New("--fail-on-scope-increase needs --previous OLD.json to compare with"))
	}
	if opts.Timeout <= 0 {
		return inputError(fmt.Errorf("--timeout %s must be positive", opts.Timeout))
	}
	source := opts.Source
	if source == "" {
		source = descriptor.FileName
	}
	// The same check as run's (descriptor.Check): the same reading, the
	// same product (--product, else config.json's, else detected).
	dopts := descriptor.Options{BaseURL: opts.BaseURL, Product: product}
	res, err := descriptor.Check(ctx, source, descriptor.CheckOptions{Options: dopts, Read: opts.readOptions()})
	if err != nil {
		var pc *descriptor.ProductConfigError
		if errors.As(err, &pc) {
			return inputError(fmt.Errorf("%w; fix it or choose the product with --product", err))
		}
		return inputError(opts.readError(source, err))
	}
	if res.ProductReason == "config.json" {
		dopts.Product = res.Product
	}

	if opts.Previous != "" {
		if opts.Previous == "-" && source == "-" {
			return inputError(errors.New("the descriptor and --previous cannot both be standard input"))
		}
		pname, psrc, err := opts.read(ctx, opts.Previous)
		if err != nil {
			return inputError(fmt.Errorf("--previous: %w", err))
		}
		prev := descriptor.Validate(pname, psrc, dopts)
		if prev.Root() == nil {
			f := prev.Findings[0]
			return inputError(fmt.Errorf("--previous %s:%d:%d: %s", pname, f.Line, f.Column, f.Message))
		}
		sev := descriptor.SeverityWarning
		if opts.FailOnScopeIncrease {
			sev = descriptor.SeverityError
		}
		res.AddScopeIncrease(descriptor.CompareScopes(prev, res), sev)
	}

	results := []*descriptor.Result{res}
	switch opts.Format {
	case "json":
		err = descriptor.WriteJSON(out, results)
	case "github":
		err = descriptor.WriteGitHub(out, results)
	default:
		color := opts.f.IO.OutTTY && opts.f.Getenv("NO_COLOR") == ""
		err = descriptor.WriteText(out, results, color)
	}
	if err != nil {
		return err
	}
	if res.Errors() > 0 || (opts.Strict && res.Warnings() > 0) {
		return silentExit(ExitFailure)
	}
	return nil
}

func (opts *validateOptions) readOptions() descriptor.ReadOptions {
	return descriptor.ReadOptions{
		Stdin:     opts.f.IO.In,
		Timeout:   opts.Timeout,
		MaxSize:   opts.maxSize,
		UserAgent: "connectgen/" + build.String(),
	}
}

// readError says the commonest mistake in the command's own words.
func (opts *validateOptions) readError(source string, err error) error {
	var nf *descriptor.NotFoundError
	if errors.As(err, &nf) && source == descriptor.FileName {
		return fmt.Errorf("no %s here; run validate in the app's folder or give the descriptor's path or URL", descriptor.FileName)
	}
	return err
}

// read returns the display name and content of a descriptor given as a
// path, a directory holding atlassian-connect.json, an http(s) URL or "-".
func (opts *validateOptions) read(ctx context.Context, source string) (string, []byte, error) {
	name, src, err := descriptor.Read(ctx, source, opts.readOptions())
	if err != nil {
		return "", nil, opts.readError(source, err)
	}
	return name, src, nil
}
