package cmd

import "github.com/spf13/cobra"

type installLinkOptions struct{}

// newInstallLinkCmd is a placeholder until the install-link command lands.
func newInstallLinkCmd(f *Factory, runF func(*installLinkOptions) error) *cobra.Command {
	return &cobra.Command{Use: "install-link", Short: "Print an install link (not yet available)", Hidden: true,
		RunE: func(*cobra.Command, []string) error { return failf("install-link is not available yet") }}
}
