// Command connectgen creates, checks, runs and hosts Bitbucket Cloud Connect apps.
package main

import (
	"os"

	"github.com/connectgen/connectgen/cmd"
)

func main() { os.Exit(cmd.Main()) }
