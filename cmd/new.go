package cmd

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"

	"github.com/connectgen/connectgen/internal/build"
	"github.com/connectgen/connectgen/internal/descriptor"
	"github.com/connectgen/connectgen/internal/tmplsource"
	"github.com/connectgen/connectgen/scaffold"
	"github.com/connectgen/connectgen/templates"
)

type newOptions struct {
	f *Factory

	Name        string
	Template    string
	Key         string
	AppName     string
	Description string
	VendorName  string
	VendorURL   string
	Dir         string
	Force       bool
	Overwrite   bool
	Yes         bool
	DryRun      bool
	Set         []string
	AllowHTTP   bool

	ctx     context.Context // ends on Ctrl-C, which stops a download
	spec    tmplsource.Spec
	opened  *tmplsource.Opened
	answers map[string]string

	// pauseMarker, set only from CONNECTGEN_TEST_WRITE_PAUSE, makes the
	// writer stop after the first staged file, write "staged 1 of N" to
	// this file and wait there for Ctrl-C: a test then knows for certain
	// that its interruption came in the middle of the write.
	pauseMarker string
}

const (
	defaultVendorName = "Example Vendor"
	defaultVendorURL  = "https://example.com"
)

// defaultDescription is the description an app gets without
// --description: it names the product the template is for.
func defaultDescription(template string) string {
	if d, ok := descriptor.TemplateDescription(template); ok {
		return d
	}
	d, _ := descriptor.TemplateDescription(string(descriptor.DefaultProduct()))
	return d
}

func newNewCmd(f *Factory, runF func(*newOptions) error) *cobra.Command {
	opts := &newOptions{f: f}
	c := &cobra.Command{
		Use:   "new [NAME]",
		Short: "Create a new Connect app from a template",
		Long: `Create a new Connect app in the directory NAME, for Bitbucket Cloud
(-t bitbucket), Jira (-t jira), Confluence (-t confluence) or Jira Service
Management (-t jira-service-desk); template names ignore case, as
atlas-connect's do.

The app is a Node/Express project on atlassian-connect-express with the
descriptor atlassian-connect.json, ready for npm install, with its own
tests (npm test). Every value has a flag; on a terminal missing values are
asked for, --yes takes the defaults.

Connect is ending: Bitbucket stopped installing new Connect apps on
2026-02-02; Jira and Confluence blocked private Connect installs from
2026-03-31 and end Connect support in December 2026. The generated apps are
for maintaining existing apps, for learning and for local end-to-end work;
build new apps on Forge.

-t takes a built-in template name, an http(s):// URL of a zip, a local .zip
file or a local directory. A zip whose files sit in one top-level folder
(a Bitbucket or GitHub download) is read from inside it. A template with a
connectgen-template.json declares variables (asked for, or given with
--set NAME=VALUE) and which files are rendered with [[ ]]; one without it
is a plain ACE app, copied as atlas-connect copies it, with package.json's
name set to NAME. Archives are checked before anything is written: paths
leaving the project, links, device files, duplicates, too many files or
bytes and zip bombs are refused. Downloads use https (http:// only to this
machine, or with --allow-http) and are cached by URL and content hash.
The project's .connectgen.json records the template and the answers, for
connectgen update.

Nothing is written until every file rendered, and files are moved into
place only when all of them were written: an error or Ctrl-C leaves no
half-made project. An existing non-empty directory is refused unless
--force (write beside existing files, replace none) or --overwrite (also
replace the template's own files, after a confirmation) is given.`,
		Example: `  # Create ./a-quick-addon, taking the defaults
  connectgen new a-quick-addon -t bitbucket --yes

  # Every value from flags, in another parent directory
  connectgen new pr-stats -t bitbucket --key com.example.pr-stats \
    --app-name "PR Stats" --description "Pull request statistics" \
    --vendor-name "Example Inc." --vendor-url https://example.com --dir ~/src

  # A Jira app, a Confluence app and a Jira Service Management portal app
  connectgen new hello-jira -t jira --yes
  connectgen new hello-confluence -t Confluence --yes
  connectgen new hello-portal -t jira-service-desk --yes

  # See what would be written into an existing project
  connectgen new a-quick-addon -t bitbucket --yes --overwrite --dry-run

  # From a team's template: a zip URL (its case is kept), a zip or a folder
  connectgen new my-app -t https://example.com/Templates/ACE-App.zip --yes
  connectgen new my-app -t ./ace-template.zip --yes
  connectgen new my-app -t ../our-template --set team=payments --yes`,
		Args: func(c *cobra.Command, args []string) error {
			if len(args) > 1 {
				return usageErrorf("new takes one NAME, got %d arguments: %s", len(args), strings.Join(args, " "))
			}
			return nil
		},
		RunE: func(c *cobra.Command, args []string) error {
			if len(args) == 1 {
				opts.Name = args[0]
			}
			// An empty value means "ask or default" inside; given
			// explicitly on the command line it is a mistake.
			for _, name := range []string{"key", "app-name", "description", "vendor-name", "vendor-url", "template"} {
				if fl := c.Flags().Lookup(name); fl != nil && fl.Changed && strings.TrimSpace(fl.Value.String()) == "" {
					return usageErrorf("--%s must not be empty", name)
				}
			}
			opts.pauseMarker = f.Getenv("CONNECTGEN_TEST_WRITE_PAUSE")
			if runF != nil {
				return runF(opts)
			}
			return runNew(c.Context(), opts)
		},
	}
	fl := c.Flags()
	fl.StringVarP(&opts.Template, "template", "t", "", "template: a built-in name (bitbucket, jira, confluence, jira-service-desk; any case), an http(s):// zip URL, a .zip file or a directory")
	fl.StringArrayVar(&opts.Set, "set", nil, "answer a template variable, NAME=VALUE (repeatable)")
	fl.BoolVar(&opts.AllowHTTP, "allow-http", false, "allow a plain http:// template URL of another host than this machine")
	fl.StringVar(&opts.Key, "key", "", "app key (default: derived from NAME)")
	fl.StringVar(&opts.AppName, "app-name", "", "display name of the app (default: derived from NAME)")
	fl.StringVar(&opts.Description, "description", "", "description of the app (default: \"A <product> Cloud Connect app\")")
	fl.StringVar(&opts.VendorName, "vendor-name", "", "vendor name (default \""+defaultVendorName+"\")")
	fl.StringVar(&opts.VendorURL, "vendor-url", "", "vendor URL (default "+defaultVendorURL+")")
	fl.StringVar(&opts.Dir, "dir", "", "parent directory of the project (default: the working directory)")
	fl.BoolVar(&opts.Force, "force", false, "write into a non-empty directory, beside existing files; replace none")
	fl.BoolVar(&opts.Overwrite, "overwrite", false, "replace the template's own files in an existing directory (asks first)")
	fl.BoolVarP(&opts.Yes, "yes", "y", false, "take defaults for missing values and confirm --overwrite")
	fl.BoolVar(&opts.DryRun, "dry-run", false, "print what would be created, replaced or refused; write nothing")
	return c
}

func runNew(ctx context.Context, opts *newOptions) error {
	f := opts.f
	opts.ctx = ctx
	if err := opts.complete(); err != nil {
		return err
	}
	dir := opts.Dir
	if dir == "" {
		dir = "."
	}
	absDir, err := filepath.Abs(dir)
	if err != nil {
		return failf("%w", err)
	}
	target := filepath.Join(absDir, opts.Name)
	data := scaffold.Data{
		Name: opts.Name, Key: opts.Key, AppName: opts.AppName, Description: opts.Description,
		VendorName: opts.VendorName, VendorURL: opts.VendorURL,
	}
	// The editor schema is the product's: a built-in template's, or the
	// one a plain ACE app's config.json names (Bitbucket when it names
	// none); an outside template's own files win.
	product := opts.Template
	if opts.spec.Kind != tmplsource.Builtin {
		product = opts.opened.Template.Product()
	}
	editor := templates.EditorFiles(product)
	if opts.spec.Kind != tmplsource.Builtin {
		editor = opts.opened.Template.WithoutOwn(editor)
	}
	files, err := opts.opened.Render(data, opts.answers, build.String(), editor...)
	if err != nil {
		return failf("%w", err)
	}
	mode := scaffold.ModeNew
	switch {
	case opts.Overwrite:
		mode = scaffold.ModeOverwrite
	case opts.Force:
		mode = scaffold.ModeForce
	}
	plan, err := scaffold.NewPlan(target, files, mode)
	if err != nil {
		return failf("%w", err)
	}
	display := filepath.Join(dir, opts.Name)
	if opts.DryRun {
		printPlan(f, plan, display)
		if err := plan.Check(); err != nil {
			return failf("%w", err)
		}
		return nil
	}
	if err := plan.Check(); err != nil {
		return failf("%w", err)
	}
	if n := plan.Count(scaffold.Replace); n > 0 && !opts.Yes {
		if !f.IO.CanPrompt() {
			return usageErrorf("--overwrite would replace %d files in %s; pass --yes to confirm when not running interactively", n, display)
		}
		printPlan(f, plan, display)
		ok, err := f.Prompter.Confirm(fmt.Sprintf("Replace %d files in %s?", n, display), false)
		if err != nil {
			return err
		}
		if !ok {
			return failf("nothing written")
		}
	}
	w := &scaffold.Writer{}
	if opts.pauseMarker != "" {
		total := plan.Count(scaffold.Create) + plan.Count(scaffold.Replace)
		w.AfterFile = func(staged int) {
			if staged != 1 {
				return
			}
			os.WriteFile(opts.pauseMarker, fmt.Appendf(nil, "staged %d of %d\n", staged, total), 0o644)
			<-ctx.Done()
		}
	}
	if err := w.Write(ctx, plan); err != nil {
		if errors.Is(err, context.Canceled) {
			fmt.Fprintf(f.IO.ErrOut, "connectgen: interrupted; nothing was written to %s\n", display)
			return silentExit(ExitInterrupted)
		}
		return failf("%w", err)
	}
	printCreated(f, plan, display, product)
	return nil
}

// complete checks the values given and fills in the missing ones, from a
// prompt on a terminal or from the defaults with --yes. Every check runs
// before anything is rendered or written.
func (o *newOptions) complete() error {
	f := o.f
	interactive := f.IO.CanPrompt() && !o.Yes
	if o.Overwrite && o.Force {
		return usageErrorf("--force and --overwrite cannot be used together; --overwrite already writes beside other files")
	}
	if o.Name == "" {
		if !f.IO.CanPrompt() {
			return usageErrorf("NAME required when not running interactively, for example: connectgen new a-quick-addon -t bitbucket")
		}
		v, err := f.Prompter.Input("Project name", "")
		if err != nil {
			return err
		}
		o.Name = strings.TrimSpace(v)
	}
	if err := scaffold.ValidProjectName(o.Name); err != nil {
		return usageErrorf("%w", err)
	}
	available := scaffold.Templates(f.Templates)
	if o.Template == "" {
		if !f.IO.CanPrompt() {
			return usageErrorf("--template required when not running interactively (available: %s)", strings.Join(available, ", "))
		}
		v, err := f.Prompter.Select("Template", available, available[0])
		if err != nil {
			return err
		}
		o.Template = v
	}
	if err := o.openTemplate(available); err != nil {
		return err
	}
	// A plain ACE app uses none of the values below: they are recorded
	// with their defaults, not asked for.
	if o.opened.Template.Kind == scaffold.KindPlain {
		interactive = false
	}
	ask := func(dst *string, label, def string, check func(string) error) error {
		if *dst == "" {
			if interactive {
				for {
					v, err := f.Prompter.Input(label, def)
					if err != nil {
						return err
					}
					*dst = strings.TrimSpace(v)
					if check == nil || check(*dst) == nil {
						break
					}
					fmt.Fprintf(f.IO.ErrOut, "  %v\n", check(*dst))
				}
			} else {
				*dst = def
			}
		}
		if check != nil {
			if err := check(*dst); err != nil {
				return usageErrorf("%w", err)
			}
		}
		return nil
	}
	checkKey := func(key string) error {
		if err := descriptor.ValidAppKey(key); err != nil {
			return fmt.Errorf("%w; choose the key with --key", err)
		}
		return nil
	}
	if err := ask(&o.Key, "App key", scaffold.DeriveKey(o.Name), checkKey); err != nil {
		return err
	}
	if err := ask(&o.AppName, "App name", scaffold.DeriveAppName(o.Name), nonEmpty("--app-name")); err != nil {
		return err
	}
	if err := ask(&o.Description, "Description", defaultDescription(o.Template), nonEmpty("--description")); err != nil {
		return err
	}
	if err := ask(&o.VendorName, "Vendor name", defaultVendorName, nonEmpty("--vendor-name")); err != nil {
		return err
	}
	if err := ask(&o.VendorURL, "Vendor URL", defaultVendorURL, validVendorURL); err != nil {
		return err
	}
	return o.completeVariables(interactive)
}

// checkTemplate returns the template's name as the templates spell it:
// names ignore case, as atlas-connect's do (-t JIRA is jira).
func checkTemplate(name string, available []string) (string, error) {
	for _, a := range available {
		if strings.EqualFold(a, name) {
			return a, nil
		}
	}
	return "", usageErrorf("unknown template %q (available: %s)", name, strings.Join(available, ", "))
}

func nonEmpty(flag string) func(string) error {
	return func(s string) error {
		if s == "" {
			return fmt.Errorf("%s must not be empty", flag)
		}
		return nil
	}
}

func validVendorURL(s string) error {
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return fmt.Errorf("--vendor-url %q is not an absolute http(s) URL, for example https://example.com", s)
	}
	return nil
}

// printPlan and printCreated write their lines in one piece: one write
// instead of one per line.
func printPlan(f *Factory, p *scaffold.Plan, display string) {
	out := bufio.NewWriter(f.IO.Out)
	defer out.Flush()
	fmt.Fprintf(out, "Dry run for %s (nothing written):\n", display)
	for _, e := range p.Entries {
		line := fmt.Sprintf("  %-9s %s", e.Action, e.File.Path)
		if e.Reason != "" {
			line += " (" + e.Reason + ")"
		}
		fmt.Fprintln(out, line)
	}
	if p.Mode == scaffold.ModeNew && len(p.Existing) > 0 {
		fmt.Fprintf(out, "  %s is not empty: %d entries already there\n", display, len(p.Existing))
	}
}

// product is a built-in template's name or an outside template's product
// (templates.Product reads either).
func printCreated(f *Factory, p *scaffold.Plan, display, product string) {
	out := bufio.NewWriter(f.IO.Out)
	defer out.Flush()
	fmt.Fprintf(out, "Created %s (%d files", display, p.Count(scaffold.Create))
	if n := p.Count(scaffold.Replace); n > 0 {
		fmt.Fprintf(out, ", %d replaced", n)
	}
	if n := p.Count(scaffold.Unchanged); n > 0 {
		fmt.Fprintf(out, ", %d unchanged", n)
	}
	fmt.Fprintln(out, "):")
	for _, e := range p.Entries {
		if e.Action == scaffold.Create || e.Action == scaffold.Replace {
			fmt.Fprintf(out, "  %s %s\n", e.Action, filepath.Join(display, filepath.FromSlash(e.File.Path)))
		}
	}
	if templates.Product(product).Info().PrivateInstallsBlocked {
		fmt.Fprintf(out, `
Next steps:
  cd %s
  npm install
  npm test                                         # install, pages, context token and uninstall, in-process
  connectgen run --local                           # the app with a local %s host
  connectgen run --base-url https://YOUR-TUNNEL    # the app behind a public https URL

Connect is ending for Jira and Confluence (private installs blocked since
2026-03-31, end of support December 2026): use this app to maintain an
existing app, to learn, or for local end-to-end work; build new apps on Forge.
`, shellQuote(display), templates.Product(product).Title())
		return
	}
	fmt.Fprintf(out, `
Next steps:
  cd %s
  npm install
  connectgen run --local                           # the app with a local Bitbucket host
  connectgen run --base-url https://YOUR-TUNNEL    # the app behind a public https URL
`, shellQuote(display))
}

// shellQuote quotes s for a POSIX shell when it needs it.
func shellQuote(s string) string {
	if s != "" && strings.IndexFunc(s, func(r rune) bool {
		return !(r == '/' || r == '.' || r == '-' || r == '_' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9')
	}) < 0 {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}
