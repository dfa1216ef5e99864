package cmd

import "github.com/spf13/cobra"

type simulateOptions struct{}

// newSimulateCmd is a placeholder until the simulate command lands.
func newSimulateCmd(f *Factory, runF func(*simulateOptions) error) *cobra.Command {
	return &cobra.Command{Use: "simulate", Short: "Host an app locally (not yet available)", Hidden: true,
		RunE: func(*cobra.Command, []string) error { return failf("simulate is not available yet") }}
}
