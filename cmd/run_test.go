package cmd

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/rogpeppe/go-internal/testscript"
	"github.com/spf13/cobra"

	"github.com/connectgen/connectgen/internal/hostui"
	"github.com/connectgen/connectgen/internal/runner"
)

// init adds run's script commands to the runner's; script_test.go
// collects them from extraScriptCmds.
func init() {
	extraScriptCmds = append(extraScriptCmds, map[string]func(ts *testscript.TestScript, neg bool, args []string){
		"freeport":   freePortCmd,
		"waithttp":   waitHTTPCmd,
		"waitfile":   waitFileCmd,
		"portfree":   portFreeCmd,
		"noappprocs": noAppProcsCmd,
		"fakengrok":  fakeNgrokCmd,
		"holdport":   holdPortCmd,
		"replace":    replaceCmd,
	})
}

// freePortCmd is `freeport VAR`: a free loopback port in $VAR.
func freePortCmd(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 1 {
		ts.Fatalf("usage: freeport VAR")
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	ts.Check(err)
	ts.Setenv(args[0], strconv.Itoa(l.Addr().(*net.TCPAddr).Port))
	l.Close()
}

// waitHTTPCmd is `waithttp URL [TEXT]`: wait, at most 60 s, until URL
// answers 200 with TEXT in its body.
func waitHTTPCmd(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) < 1 || len(args) > 2 {
		ts.Fatalf("usage: waithttp URL [TEXT]")
	}
	client := &http.Client{Timeout: 2 * time.Second}
	last := "no answer"
	for i := 0; i < 600; i++ {
		resp, err := client.Get(args[0])
		if err == nil {
			body, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK && (len(args) == 1 || bytes.Contains(body, []byte(args[1]))) {
				return
			}
			last = fmt.Sprintf("%s: %.300s", resp.Status, body)
		} else {
			last = err.Error()
		}
		time.Sleep(100 * time.Millisecond)
	}
	ts.Fatalf("%s did not answer 200 with %q within 60s; last: %s", args[0], args[1:], last)
}

// waitFileCmd is `waitfile FILE TEXT`: wait, at most 60 s, until FILE
// holds TEXT (a background command's output redirected there).
func waitFileCmd(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 2 {
		ts.Fatalf("usage: waitfile FILE TEXT")
	}
	var b []byte
	for i := 0; i < 600; i++ {
		b, _ = os.ReadFile(ts.MkAbs(args[0]))
		if bytes.Contains(b, []byte(args[1])) {
			return
		}
		time.Sleep(100 * time.Millisecond)
	}
	ts.Fatalf("%s did not get %q within 60s; it holds:\n%s", args[0], args[1], b)
}

// portFreeCmd is `[!] portfree PORT`.
func portFreeCmd(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) != 1 {
		ts.Fatalf("usage: portfree PORT")
	}
	port, err := strconv.Atoi(args[0])
	ts.Check(err)
	err = runner.CheckPort(port)
	switch {
	case err != nil && !neg:
		ts.Fatalf("port %d is not free: %v", port, err)
	case err == nil && neg:
		ts.Fatalf("port %d is free", port)
	}
}

// noAppProcsCmd is `noappprocs DIR`: no running process has DIR as its
// working directory (the generated app and whatever it starts run there).
func noAppProcsCmd(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 1 {
		ts.Fatalf("usage: noappprocs DIR")
	}
	dir := ts.MkAbs(args[0])
	if d, err := filepath.EvalSymlinks(dir); err == nil {
		dir = d
	}
	procs, _ := filepath.Glob("/proc/[0-9]*")
	if len(procs) == 0 {
		ts.Fatalf("no /proc to look for processes in")
	}
	var alive []string
	for _, p := range procs {
		cwd, err := os.Readlink(filepath.Join(p, "cwd"))
		if err != nil || cwd != dir {
			continue
		}
		st, _ := os.ReadFile(filepath.Join(p, "stat"))
		if i := bytes.LastIndexByte(st, ')'); i >= 0 && bytes.HasPrefix(bytes.TrimSpace(st[i+1:]), []byte("Z")) {
			continue
		}
		cmdline, _ := os.ReadFile(filepath.Join(p, "cmdline"))
		alive = append(alive, fmt.Sprintf("%s: %s", filepath.Base(p), bytes.ReplaceAll(cmdline, []byte{0}, []byte{' '})))
	}
	if len(alive) > 0 {
		ts.Fatalf("processes of the app are still running in %s:\n%s", dir, strings.Join(alive, "\n"))
	}
}

// fakeNgrokCmd is `fakengrok VAR PORT`: an ngrok agent API on loopback
// listing an http and an https tunnel to localhost:PORT and an https one
// to another port; its URL goes in $VAR.
func fakeNgrokCmd(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 2 {
		ts.Fatalf("usage: fakengrok VAR PORT")
	}
	port := args[1]
	body := fmt.Sprintf(`{"tunnels":[
  {"name":"other","public_url":"https://other.ngrok-free.app","proto":"https","config":{"addr":"http://localhost:1"}},
  {"name":"plain","public_url":"http://fake-tunnel.ngrok-free.app","proto":"http","config":{"addr":"http://localhost:%[1]s"}},
  {"name":"app","public_url":"https://fake-tunnel.ngrok-free.app","proto":"https","config":{"addr":"http://localhost:%[1]s"}}
],"uri":"/api/tunnels"}`, port)
	l, err := net.Listen("tcp", "127.0.0.1:0")
	ts.Check(err)
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/api/tunnels" {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, body) // the test checks what follows, not this call
	})}
	go func() { _ = srv.Serve(l) }() // ends when the test closes it
	ts.Defer(func() { srv.Close() })
	ts.Setenv(args[0], "http://"+l.Addr().String())
}

// holdPortCmd is `holdport PORT`: this test process listens on PORT
// until the script ends.
func holdPortCmd(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 1 {
		ts.Fatalf("usage: holdport PORT")
	}
	l, err := net.Listen("tcp", ":"+args[0])
	ts.Check(err)
	ts.Defer(func() { l.Close() })
}

// replaceCmd is `replace FILE OLD NEW`: replace the first OLD in FILE.
func replaceCmd(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 3 {
		ts.Fatalf("usage: replace FILE OLD NEW")
	}
	path := ts.MkAbs(args[0])
	b, err := os.ReadFile(path)
	ts.Check(err)
	if !bytes.Contains(b, []byte(args[1])) {
		ts.Fatalf("%s has no %q", args[0], args[1])
	}
	ts.Check(os.WriteFile(path, bytes.Replace(b, []byte(args[1]), []byte(args[2]), 1), 0o644))
}

// flagCase is one command line and the options it must parse to, or the
// error it must give.
type flagCase[O any] struct {
	args    []string
	want    O
	wantErr string
}

// testFlags runs the command newCmd makes with each case's arguments,
// without running anything, and compares the options its run function
// received (after clear has zeroed what cannot be compared).
func testFlags[O comparable](t *testing.T, newCmd func(*Factory, func(*O) error) *cobra.Command, clear func(*O), cases []flagCase[O]) {
	for _, tt := range cases {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			f := &Factory{IO: &IOStreams{Out: &bytes.Buffer{}, ErrOut: &bytes.Buffer{}}}
			var got *O
			c := newCmd(f, func(o *O) error { got = o; return nil })
			c.SetArgs(tt.args)
			c.SetOut(&bytes.Buffer{})
			c.SetErr(&bytes.Buffer{})
			err := c.Execute()
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("error %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			clear(got)
			if *got != tt.want {
				t.Errorf("options %+v, want %+v", *got, tt.want)
			}
		})
	}
}

func TestRunFlags(t *testing.T) {
	testFlags(t, newRunCmd, func(o *runOptions) { o.f = nil }, []flagCase[runOptions]{
		{args: nil, want: runOptions{Dir: ".", NgrokAPI: runner.DefaultNgrokAPI, Grace: runner.DefaultGrace, Listen: hostui.DefaultAddr}},
		{args: []string{"--dir", "app", "--base-url", "https://x.example.com", "--port", "4000", "--ngrok-api", "http://127.0.0.1:1",
			"--no-validate", "--no-install", "--watch", "--grace", "2s", "--local", "--serve", "--listen", "127.0.0.1:4001"},
			want: runOptions{Dir: "app", BaseURL: "https://x.example.com", Port: 4000, NgrokAPI: "http://127.0.0.1:1",
				NoValidate: true, NoInstall: true, Watch: true, Grace: 2 * time.Second, Local: true, Serve: true, Listen: "127.0.0.1:4001"}},
		{args: []string{"extra"}, wantErr: "unknown command"},
	})
}

// TestRunErrorsBeforeStart checks the exit codes and messages of what run
// refuses before it starts anything.
func TestRunErrorsBeforeStart(t *testing.T) {
	app := t.TempDir()
	if err := os.WriteFile(filepath.Join(app, "package.json"), []byte(`{"scripts":{"start":"node app.js"}}`), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(app, "atlassian-connect.json"), []byte(`{"key":"x"}`), 0o644); err != nil {
		t.Fatal(err)
	}
	closed, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	noNgrok := "http://" + closed.Addr().String()
	closed.Close()
	for _, tc := range []struct {
		name string
		opts runOptions
		code int
		msg  string
	}{
		{"empty folder", runOptions{Dir: t.TempDir(), BaseURL: "https://x.example.com"}, ExitUsage, "no package.json and no atlassian-connect.json"},
		{"bad port", runOptions{Dir: app, Port: 70000}, ExitUsage, "--port 70000 is not a port number"},
		{"bad grace", runOptions{Dir: app, Grace: -1}, ExitUsage, "--grace -1ns must be positive"},
		{"local and base URL", runOptions{Dir: app, Local: true, BaseURL: "https://x.example.com"}, ExitUsage, "cannot be combined with --base-url"},
		{"serve without local", runOptions{Dir: app, Serve: true, BaseURL: "https://x.example.com"}, ExitUsage, "--serve needs --local"},
		{"http base URL", runOptions{Dir: app, BaseURL: "http://x.example.com"}, ExitUsage, "--base-url: base URL \"http://x.example.com\" uses http"},
		{"no tunnel", runOptions{Dir: app, Port: 3999, NgrokAPI: noNgrok}, ExitUsage, "no ngrok agent answers at " + noNgrok},
		{"invalid descriptor", runOptions{Dir: app, BaseURL: "https://x.example.com"}, ExitFailure, "the descriptor has errors; fix them, or start anyway with --no-validate"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			o := tc.opts
			if o.Grace == 0 {
				o.Grace = time.Second
			}
			if o.Listen == "" {
				o.Listen = hostui.DefaultAddr
			}
			f, out, _ := testFactory(nil, false)
			o.f = f
			err := runRun(context.Background(), &o)
			if exitCode(err) != tc.code || err == nil || !strings.Contains(err.Error(), tc.msg) {
				t.Fatalf("error %v (exit %d), want exit %d with %q", err, exitCode(err), tc.code, tc.msg)
			}
			if tc.name == "invalid descriptor" && !strings.Contains(out.String(), "error [required]") {
				t.Errorf("findings not printed:\n%s", out)
			}
		})
	}
}
