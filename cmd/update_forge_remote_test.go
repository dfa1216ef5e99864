package cmd

import (
	"context"

	"github.com/rogpeppe/go-internal/testscript"

	"github.com/connectgen/connectgen/internal/apptest"
	"github.com/connectgen/connectgen/internal/tmplsource"
	"github.com/connectgen/connectgen/scaffold"
	"github.com/connectgen/connectgen/templates"
)

// init adds preforgeproject to the scripts' commands.
func init() {
	extraScriptCmds = append(extraScriptCmds, map[string]func(ts *testscript.TestScript, neg bool, args []string){
		"preforgeproject": preForgeProjectCmd,
	})
}

// forgeRemoteFile is the file the bitbucket template's Forge Remote module
// brought; the versions before it lack it.
const forgeRemoteFile = "lib/forge-remote.js"

// preForgeProjectCmd is `preforgeproject DIR`: the project `connectgen new`
// wrote with the newest recorded bitbucket version that has no Forge
// Remote module, its version in $OLD_VERSION.
func preForgeProjectCmd(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 1 {
		ts.Fatalf("usage: preforgeproject DIR")
	}
	r := &tmplsource.Resolver{Builtins: templates.FS, History: templates.History(), Loader: &tmplsource.Loader{}}
	versions := r.Versions("bitbucket")
	for i := len(versions) - 1; i >= 0; i-- {
		o, err := r.OpenVersion("bitbucket", versions[i])
		ts.Check(err)
		files, err := o.Render(apptest.Values, nil, "v0.1.0", scaffold.EditorFiles("bitbucket")...)
		ts.Check(err)
		if hasFile(files, forgeRemoteFile) {
			continue
		}
		p, err := scaffold.NewPlan(ts.MkAbs(args[0]), files, scaffold.ModeNew)
		ts.Check(err)
		ts.Check((&scaffold.Writer{}).Write(context.Background(), p))
		ts.Setenv("OLD_VERSION", versions[i])
		return
	}
	ts.Fatalf("no recorded bitbucket version lacks %s", forgeRemoteFile)
}

func hasFile(files []scaffold.File, path string) bool {
	for _, f := range files {
		if f.Path == path {
			return true
		}
	}
	return false
}
