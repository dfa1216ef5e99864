package cmd

import (
	"bytes"
	"fmt"
	"os"
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
		"testapp":  testAppCmd,
	})
}

// testAppCmd is `testapp NAME DIR`: hostsim's test app NAME (jiraapp,
// confluenceapp, brokenjiraapp) copied into DIR with the shared node_modules linked in.
func testAppCmd(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 2 {
		ts.Fatalf("usage: testapp NAME DIR")
	}
	ts.Check(testenv.Check("npm"))
	testdata, err := filepath.Abs(filepath.Join("..", "internal", "hostcheck", "testdata"))
	ts.Check(err)
	dir := ts.MkAbs(args[1])
	ts.Check(os.MkdirAll(dir, 0o755))
	ts.Check(apptest.CopyApp(dir, filepath.Join(testdata, "acecommon"), filepath.Join(testdata, args[0])))
}

// startAppCmd is `startapp DIR|brokenapp|jiraapp|brokenjiraapp`: it starts
// `node app.js` in DIR (or one of hostsim's test apps) on a free loopback
// port, waits for its descriptor, sets $APP_URL and stops the app when the
// script ends. The Jira apps run on ACE 11 with CONNECT_KEYS_CDN_URL at
// a free loopback port, given to the script as $HOST_ADDR for simulate's
// --host-addr.
func startAppCmd(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 1 {
		ts.Fatalf("usage: startapp DIR|brokenapp|jiraapp|brokenjiraapp")
	}
	dir := ts.MkAbs(args[0])
	env := []string{"HOME=" + ts.Getenv("HOME")}
	switch args[0] {
	case "brokenapp":
		d, err := filepath.Abs(filepath.Join("..", "internal", "hostcheck", "testdata", "brokenapp"))
		ts.Check(err)
		dir = d
	case "jiraapp", "brokenjiraapp":
		testAppCmd(ts, false, []string{args[0], args[0]})
		port, err := apptest.FreePort()
		ts.Check(err)
		addr := fmt.Sprintf("127.0.0.1:%d", port)
		ts.Setenv("HOST_ADDR", addr)
		env = append(env, "CONNECT_KEYS_CDN_URL=http://"+addr+hostsim.KeysPath)
	}
	ts.Check(testenv.Check("node"))
	app, err := apptest.StartOn(scriptNode(ts), dir, env...)
	ts.Check(err)
	ts.Defer(app.Stop)
	ts.Setenv("APP_URL", app.URL)
}

func TestSimulateFlags(t *testing.T) {
	testFlags(t, newSimulateCmd, func(o *simulateOptions) { o.f, o.ctx = nil, nil }, []flagCase[simulateOptions]{
		{args: nil, want: simulateOptions{AppURL: hostsim.DefaultAppURL, HostAddr: "127.0.0.1:0", Format: "text", Timeout: hostsim.DefaultTimeout, MaxBody: hostsim.DefaultMaxBody, Listen: hostui.DefaultAddr}},
		{args: []string{"--app", "http://127.0.0.1:4000", "--format", "json", "--timeout", "3s", "--max-body", "100", "-v", "--product", "jira", "--host-addr", "127.0.0.1:2990"},
			want: simulateOptions{AppURL: "http://127.0.0.1:4000", Product: "jira", HostAddr: "127.0.0.1:2990", Format: "json", Timeout: 3 * time.Second, MaxBody: 100, Verbose: true, Listen: hostui.DefaultAddr}},
		{args: []string{"--serve", "--listen", "127.0.0.1:4001"},
			want: simulateOptions{AppURL: hostsim.DefaultAppURL, HostAddr: "127.0.0.1:0", Format: "text", Timeout: hostsim.DefaultTimeout, MaxBody: hostsim.DefaultMaxBody, Serve: true, Listen: "127.0.0.1:4001"}},
		{args: []string{"extra"}, wantErr: "unknown command"},
	})
}

func TestRunSimulateUsageErrors(t *testing.T) {
	for _, o := range []simulateOptions{
		{AppURL: "http://127.0.0.1:3000", Format: "xml", Timeout: time.Second, MaxBody: 1},
		{AppURL: "http://127.0.0.1:3000", Format: "text", Timeout: 0, MaxBody: 1},
		{AppURL: "http://127.0.0.1:3000", Format: "text", Timeout: time.Second, MaxBody: 0},
		{AppURL: "ftp://127.0.0.1:3000", Format: "text", Timeout: time.Second, MaxBody: 1},
		{AppURL: "http://127.0.0.1:3000", Format: "text", Timeout: time.Second, MaxBody: 1, Product: "jria", HostAddr: "127.0.0.1:0"},
		{AppURL: "http://127.0.0.1:3000", Format: "text", Timeout: time.Second, MaxBody: 1, HostAddr: "0.0.0.0:2990"},
	} {
		o.f = &Factory{IO: &IOStreams{Out: &bytes.Buffer{}, ErrOut: &bytes.Buffer{}}, Now: time.Now}
		if err := runSimulate(&o); exitCode(err) != ExitUsage {
			t.Errorf("%+v: error %v (exit %d), want a usage error", o, err, exitCode(err))
		}
	}
}
