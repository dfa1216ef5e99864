package forgehost

import (
	"bufio"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/connectgen/connectgen/internal/apptest"
	"github.com/connectgen/connectgen/internal/descriptor"
	"github.com/connectgen/connectgen/internal/forge"
	"github.com/connectgen/connectgen/internal/testenv"
)

// startRemote runs testdata/remote/server.mjs on Node 22 with jose,
// trusting the caller's JWKS, and returns its base URL.
func startRemote(t *testing.T, jwksURL string, env ...string) string {
	t.Helper()
	dir := t.TempDir()
	src, err := os.ReadFile(filepath.Join("testdata", "remote", "server.mjs"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "server.mjs"), src, 0o644); err != nil {
		t.Fatal(err)
	}
	linkModules(t, dir)
	cmd := exec.Command(node22(t), "server.mjs")
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), append(env, "FORGE_JWKS_URL="+jwksURL, "FORGE_APP_ID="+testAppID)...)
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Stderr = &testLog{t: t}
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) // the test's own child
		_ = cmd.Wait()
	})
	port := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			if p, ok := strings.CutPrefix(sc.Text(), "listening "); ok {
				port <- p
			}
		}
	}()
	select {
	case p := <-port:
		return "http://127.0.0.1:" + p
	case <-time.After(20 * time.Second):
		t.Fatal("the test remote did not start within 20 s")
	}
	return ""
}

// TestRemoteCaller: a remote that verifies FITs correctly passes every
// check; one that skips the audience check, accepts an expired token or
// handles a retried event twice fails exactly that check.
func TestRemoteCaller(t *testing.T) {
	testenv.Need(t, "npm", "node-versions")
	cases := []struct {
		name string
		env  []string
		fail string
	}{
		{"correct", nil, ""},
		{"skips aud", []string{"REMOTE_SKIP_AUD=1"}, "forged: another app (aud)"},
		{"accepts expired", []string{"REMOTE_ACCEPT_EXPIRED=1"}, "forged: expired"},
		{"handles a retry twice", []string{"REMOTE_NO_DEDUP=1"}, "event retried after a timeout"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			caller, err := NewRemoteCaller(RemoteOptions{Dir: filepath.Join("testdata", "remote"), Log: &testLog{t: t}})
			if err != nil {
				t.Fatal(err)
			}
			defer caller.Close()
			caller.opts.RemoteURL = startRemote(t, caller.JWKSURL(), c.env...)
			rep, err := caller.Run(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			var text strings.Builder
			if err := rep.WriteText(&text, false); err != nil {
				t.Fatal(err)
			}
			var failed []string
			for _, r := range rep.Results {
				if !r.Passed {
					failed = append(failed, r.Name)
				}
			}
			want := []string{}
			if c.fail != "" {
				want = []string{c.fail}
			}
			if strings.Join(failed, "|") != strings.Join(want, "|") {
				t.Fatalf("failed %q, want %q:\n%s", failed, want, text.String())
			}
			for _, w := range []string{
				"lifecycle avi:forge:installed:app", "event avi:bitbucket:created:pullrequest",
				"verdict: check failed: checked on on-merge", "ui whoami (repo-page)", `"repository":"sample-workspace/samp`,
				"forged: missing token", "forged: alg none", "forged: HS256 signed with the public key",
				"forged: signed with another key", "forged: not yet valid", "call(s) with the app system token, all accepted",
			} {
				if !strings.Contains(text.String(), w) {
					t.Errorf("report lacks %q:\n%s", w, text.String())
				}
			}
		})
	}
}

// TestGeneratedConnectAppAsRemote: the Connect app connectgen new writes
// (the bitbucket template, with its Forge Remote module, on ACE and jose),
// started with FORGE_APP_ID and FORGE_JWKS_URL pointing at the local
// caller, passes every check of forge simulate --remote behind the Forge
// app connectgen forge new --remote writes for its descriptor.
func TestGeneratedConnectAppAsRemote(t *testing.T) {
	testenv.Need(t, "npm", "node-versions")
	nodes, err := testenv.PinnedNodes()
	if err != nil {
		t.Fatal(err)
	}
	var node testenv.Node
	for _, n := range nodes {
		if strings.HasPrefix(n.Version, "22.") {
			node = n
		}
	}
	dir := t.TempDir()
	if err := apptest.NewProjectFor(dir, node); err != nil {
		t.Fatal(err)
	}
	// The Forge app connectgen forge new --remote writes for the same
	// template's descriptor, registered (its app.id set, as forge
	// register does).
	p, err := forge.NewPlan(descriptor.Validate("atlassian-connect.json", templateDescriptor(t), descriptor.Options{}))
	if err != nil {
		t.Fatal(err)
	}
	files, err := forge.Generate(p, forge.GenerateOptions{Version: "test", Remote: true, BaseURL: "https://my-app.example.com"})
	if err != nil {
		t.Fatal(err)
	}
	forgeDir := writeStarter(t, files, map[string]func(string) string{
		"manifest.yml": func(s string) string { return strings.Replace(s, forge.PlaceholderAppID, testAppID, 1) },
	})
	caller, err := NewRemoteCaller(RemoteOptions{Dir: forgeDir, Log: &testLog{t: t}, UICalls: []string{"whoami", "repository"}})
	if err != nil {
		t.Fatal(err)
	}
	defer caller.Close()
	app := apptest.StartAppOn(t, node, dir, "FORGE_APP_ID="+testAppID, "FORGE_JWKS_URL="+caller.JWKSURL())
	caller.opts.RemoteURL = app.URL
	rep, err := caller.Run(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	var text strings.Builder
	if err := rep.WriteText(&text, false); err != nil {
		t.Fatal(err)
	}
	if !rep.OK() || len(rep.Results) != 21 || !strings.Contains(text.String(), `"fullName":"sample-workspace/sample-repo"`) || !strings.Contains(text.String(), "3 call(s) with the app system token") {
		t.Fatalf("the generated app as a Forge Remote:\n%s\napp output:\n%s", text.String(), app.Output())
	}
	t.Logf("\n%s", text.String())
}
