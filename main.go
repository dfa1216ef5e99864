// Command connectgen creates, checks, runs and hosts Atlassian Connect apps
// for Bitbucket Cloud, Jira and Confluence, and helps move them to Forge.
package main

import (
	"os"

	"github.com/connectgen/connectgen/cmd"
)

func main() { os.Exit(cmd.Main()) }
