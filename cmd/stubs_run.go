package cmd

import "github.com/spf13/cobra"

type runOptions struct{}

// newRunCmd is a placeholder until the run command lands.
func newRunCmd(f *Factory, runF func(*runOptions) error) *cobra.Command {
	return &cobra.Command{Use: "run", Short: "Run an app (not yet available)", Hidden: true,
		RunE: func(*cobra.Command, []string) error { return failf("run is not available yet") }}
}
