// Package cmd wires connectgen's commands to cobra. It holds flags, prompts
// and output only; the work is done by scaffold and the internal packages.
package cmd

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"github.com/spf13/cobra"

	"github.com/connectgen/connectgen/internal/build"
)

// Main runs connectgen with the process's arguments and returns its exit code.
func Main() int { return mainWith(newFactory()) }

// mainWith runs connectgen with f as its outside world; the tests' entry
// point (testMain) gives it their hooks.
func mainWith(f *Factory) int {
	// The context ends on the first Ctrl-C so that long work (writing a
	// project, waiting for an app) can stop cleanly. `run` handles its own
	// signals for the app's process group.
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	return execute(ctx, f, os.Args[1:])
}

func execute(ctx context.Context, f *Factory, args []string) int {
	root := newRootCmd(f)
	root.SetArgs(args)
	root.SetIn(f.IO.In)
	root.SetOut(f.IO.Out)
	root.SetErr(f.IO.ErrOut)
	err := root.ExecuteContext(ctx)
	if err == nil {
		return ExitOK
	}
	// Every command takes ctx, which ends on the first Ctrl-C: whatever
	// it was waiting for then fails (a download, a descriptor URL, npm),
	// and the failure is reported as the interruption it is, unless the
	// command chose its exit code itself (silentExit), as run does when
	// it passes the app's exit code through.
	var ee *ExitError
	chosen := errors.As(err, &ee) && ee.Err == nil
	if ctx.Err() != nil && !chosen {
		err = errInterrupted
	}
	if !errors.As(err, &ee) || ee.Err != nil {
		fmt.Fprintf(f.IO.ErrOut, "connectgen: %v\n", err)
	}
	return exitCode(err)
}

func newRootCmd(f *Factory) *cobra.Command {
	root := &cobra.Command{
		Use:   "connectgen",
		Short: "Create, check, run and host Bitbucket, Jira and Confluence Connect apps",
		Long: `connectgen creates Bitbucket Cloud, Jira, Confluence and Jira Service
Management Connect apps from embedded templates, checks their descriptors as
the product would, runs them with a public base URL and hosts them on this
machine with a local Bitbucket, Jira or Confluence that installs, calls and
webhooks them (connectgen simulate, connectgen run --local).

Exit codes: 0 success, 1 failure or findings, 2 usage error, 130 interrupted.`,
		Example: `  connectgen new a-quick-addon -t bitbucket
  connectgen new hello-jira -t jira
  connectgen new my-app -t https://example.com/templates/ace-app.zip
  connectgen update --dir a-quick-addon --dry-run
  connectgen validate a-quick-addon/atlassian-connect.json
  connectgen run --local --dir a-quick-addon
  connectgen simulate --app http://127.0.0.1:3000
  connectgen forge plan a-quick-addon         # what moves where in Forge`,
		Version: build.String(),
		// Errors are printed once, by execute, with the exit code they map
		// to; cobra would print them a second time and add the usage text.
		SilenceErrors: true,
		SilenceUsage:  true,
	}
	// --help leads with how to call the command and examples; the
	// description follows, then the flags. The long explanations are in
	// the README.
	root.SetUsageTemplate(usageTemplate)
	root.SetHelpTemplate(`{{.UsageString}}`)
	root.SetFlagErrorFunc(func(c *cobra.Command, err error) error {
		return usageErrorf("%w (see '%s --help')", err, c.CommandPath())
	})
	root.AddCommand(
		newNewCmd(f, nil),
		newUpdateCmd(f, nil),
		newValidateCmd(f, nil),
		newRunCmd(f, nil),
		newSimulateCmd(f, nil),
		newJWTCmd(f),
		newInstallLinkCmd(f, nil),
		newForgeCmd(f),
	)
	addCompletionExamples(root)
	typeArgErrors(root)
	return root
}

// typeArgErrors makes cobra's own argument errors usage errors (exit 2)
// by type, not by their text: every command's Args is wrapped, and a
// command without one gets the rule cobra would apply (a command with
// subcommands takes no arguments, so an unknown subcommand is an "unknown
// command" error from Args, not an untyped one from cobra's Find). Flag
// errors are typed by the root's FlagErrorFunc.
func typeArgErrors(c *cobra.Command) {
	args := c.Args
	if args == nil {
		args = cobra.ArbitraryArgs
		if c.HasSubCommands() {
			args = cobra.NoArgs
		}
	}
	if !c.Runnable() && c.HasSubCommands() {
		// cobra shows the help of a command that cannot run before it
		// checks the arguments; running shows the same help after.
		c.RunE = func(c *cobra.Command, _ []string) error { return c.Help() }
	}
	c.Args = func(c *cobra.Command, a []string) error {
		if err := args(c, a); err != nil {
			var ee *ExitError
			if errors.As(err, &ee) {
				return err
			}
			return &ExitError{Code: ExitUsage, Err: err}
		}
		return nil
	}
	for _, sub := range c.Commands() {
		typeArgErrors(sub)
	}
}

// addCompletionExamples adds cobra's completion command now, rather than
// when the root runs, so that it gets examples like every other command.
func addCompletionExamples(root *cobra.Command) {
	root.InitDefaultCompletionCmd()
	for _, c := range root.Commands() {
		if c.Name() != "completion" {
			continue
		}
		c.Example = `  # Bash, for this shell, then for every new one
  source <(connectgen completion bash)
  connectgen completion bash > ~/.local/share/bash-completion/completions/connectgen

  # Zsh and fish
  connectgen completion zsh > "${fpath[1]}/_connectgen"
  connectgen completion fish > ~/.config/fish/completions/connectgen.fish`
		for _, sh := range c.Commands() {
			switch sh.Name() {
			case "bash":
				sh.Example = "  source <(connectgen completion bash)"
			case "zsh":
				sh.Example = `  connectgen completion zsh > "${fpath[1]}/_connectgen"`
			case "fish":
				sh.Example = "  connectgen completion fish | source"
			case "powershell":
				sh.Example = "  connectgen completion powershell | Out-String | Invoke-Expression"
			}
		}
	}
}

// usageTemplate is cobra's usage template with the description (Long, else
// Short) after the examples instead of before the usage line.
const usageTemplate = `Usage:{{if .Runnable}}
  {{.UseLine}}{{end}}{{if .HasAvailableSubCommands}}
  {{.CommandPath}} [command]{{end}}{{if gt (len .Aliases) 0}}

Aliases:
  {{.NameAndAliases}}{{end}}{{if .HasExample}}

Examples:
{{.Example}}{{end}}{{with (or .Long .Short)}}

{{. | trimTrailingWhitespaces}}{{end}}{{if .HasAvailableSubCommands}}

Available Commands:{{range .Commands}}{{if (or .IsAvailableCommand (eq .Name "help"))}}
  {{rpad .Name .NamePadding }} {{.Short}}{{end}}{{end}}{{end}}{{if .HasAvailableLocalFlags}}

Flags:
{{.LocalFlags.FlagUsages | trimTrailingWhitespaces}}{{end}}{{if .HasAvailableInheritedFlags}}

Global Flags:
{{.InheritedFlags.FlagUsages | trimTrailingWhitespaces}}{{end}}{{if .HasAvailableSubCommands}}

Use "{{.CommandPath}} [command] --help" for more information about a command.{{end}}
`
