package cmd

import (
	"github.com/rogpeppe/go-internal/testscript"

	"github.com/connectgen/connectgen/internal/apptest"
	"github.com/connectgen/connectgen/internal/testenv"
)

// init adds newproductapp to the script commands: `newproductapp DIR
// TEMPLATE` renders a Jira, Confluence or Jira Service Management app with
// apptest's fixed values into DIR and links in the shared node_modules.
func init() {
	extraScriptCmds = append(extraScriptCmds, map[string]func(ts *testscript.TestScript, neg bool, args []string){
		"newproductapp": func(ts *testscript.TestScript, neg bool, args []string) {
			if neg || len(args) != 2 {
				ts.Fatalf("usage: newproductapp DIR TEMPLATE")
			}
			ts.Check(testenv.Check("node", "npm"))
			ts.Check(apptest.NewTemplateProject(ts.MkAbs(args[0]), args[1], testenv.Node{}))
		},
	})
}
