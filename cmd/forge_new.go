package cmd

import "github.com/spf13/cobra"

type forgeNewOptions struct{ f *Factory }

func newForgeNewCmd(f *Factory, runF func(*forgeNewOptions) error) *cobra.Command {
	return &cobra.Command{Use: "new"}
}
