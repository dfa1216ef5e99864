package cmd

import (
	"bytes"
	"path/filepath"
	"testing"
	"time"

	"github.com/rogpeppe/go-internal/testscript"

	"github.com/connectgen/connectgen/internal/apptest"
	"github.com/connectgen/connectgen/internal/hostsim"
	"github.com/connectgen/connectgen/internal/hostui"
	"github.com/connectgen/connectgen/internal/testenv"
)

// init adds simulate's script commands to the runner's; script_test.go
// collects them from extraScriptCmds.
func init() {
	extraScriptCmds = append(extraScriptCmds, map[string]func(ts *testscript.TestScript, neg bool, args []string){
		"startapp": startAppCmd,
	})
}

// startAppCmd is `startapp DIR|brokenapp`: it starts `node app.js` in DIR
// (or hostsim's deliberately broken app) on a free loopback port, waits
// for its descriptor, sets $APP_URL and stops the app when the script ends.
func startAppCmd(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 1 {
		ts.Fatalf("usage: startapp DIR|brokenapp")
	}
	dir := ts.MkAbs(args[0])
	if args[0] == "brokenapp" {
		d, err := filepath.Abs(filepath.Join("..", "internal", "hostsim", "testdata", "brokenapp"))
		ts.Check(err)
		dir = d
	}
	ts.Check(testenv.Check("node"))
	app, err := apptest.StartOn(scriptNode(ts), dir, "HOME="+ts.Getenv("HOME"))
	ts.Check(err)
	ts.Defer(app.Stop)
	ts.Setenv("APP_URL", app.URL)
}

func TestSimulateFlags(t *testing.T) {
	testFlags(t, newSimulateCmd, func(o *simulateOptions) { o.f, o.ctx = nil, nil }, []flagCase[simulateOptions]{
		{args: nil, want: simulateOptions{AppURL: hostsim.DefaultAppURL, Format: "text", Timeout: hostsim.DefaultTimeout, MaxBody: hostsim.DefaultMaxBody, Listen: hostui.DefaultAddr}},
		{args: []string{"--app", "http://127.0.0.1:4000", "--format", "json", "--timeout", "3s", "--max-body", "100", "-v"},
			want: simulateOptions{AppURL: "http://127.0.0.1:4000", Format: "json", Timeout: 3 * time.Second, MaxBody: 100, Verbose: true, Listen: hostui.DefaultAddr}},
		{args: []string{"--serve", "--listen", "127.0.0.1:4001"},
			want: simulateOptions{AppURL: hostsim.DefaultAppURL, Format: "text", Timeout: hostsim.DefaultTimeout, MaxBody: hostsim.DefaultMaxBody, Serve: true, Listen: "127.0.0.1:4001"}},
		{args: []string{"extra"}, wantErr: "unknown command"},
	})
}

func TestRunSimulateUsageErrors(t *testing.T) {
	for _, o := range []simulateOptions{
		{AppURL: "http://127.0.0.1:3000", Format: "xml", Timeout: time.Second, MaxBody: 1},
		{AppURL: "http://127.0.0.1:3000", Format: "text", Timeout: 0, MaxBody: 1},
		{AppURL: "http://127.0.0.1:3000", Format: "text", Timeout: time.Second, MaxBody: 0},
		{AppURL: "ftp://127.0.0.1:3000", Format: "text", Timeout: time.Second, MaxBody: 1},
	} {
		o.f = &Factory{IO: &IOStreams{Out: &bytes.Buffer{}, ErrOut: &bytes.Buffer{}}, Now: time.Now}
		if err := runSimulate(&o); exitCode(err) != ExitUsage {
			t.Errorf("%+v: error %v (exit %d), want a usage error", o, err, exitCode(err))
		}
	}
}
