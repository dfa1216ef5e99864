package cmd

import "github.com/spf13/cobra"

type forgeLinkOptions struct{ f *Factory }

func newForgeLinkCmd(f *Factory, runF func(*forgeLinkOptions) error) *cobra.Command {
	return &cobra.Command{Use: "link"}
}
