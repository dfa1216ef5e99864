package cmd

import (
	"context"
	"encoding/json"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/connectgen/connectgen/internal/apptest"
	"github.com/connectgen/connectgen/internal/descriptor"
	"github.com/connectgen/connectgen/internal/forge"
	"github.com/connectgen/connectgen/internal/testenv"
	"github.com/connectgen/connectgen/scaffold"
)

// forgeStarter writes the starter Forge app of the bitbucket template's
// descriptor into a new folder with its npm dependencies (installed once
// into the shared test cache on Node 22) and returns it and Node 22.
func forgeStarter(t *testing.T) (dir, node string) {
	t.Helper()
	testenv.Need(t, "npm", "node-versions")
	n22, err := apptest.Node22()
	if err != nil {
		t.Fatal(err)
	}
	files, err := apptest.Render()
	if err != nil {
		t.Fatal(err)
	}
	var desc []byte
	for _, f := range files {
		if f.Path == descriptor.FileName {
			desc = f.Content
		}
	}
	p, err := forge.NewPlan(descriptor.Validate(descriptor.FileName, desc, descriptor.Options{}))
	if err != nil {
		t.Fatal(err)
	}
	starter, err := forge.Generate(p, forge.GenerateOptions{Version: "test"})
	if err != nil {
		t.Fatal(err)
	}
	dir = t.TempDir()
	plan, err := scaffold.NewPlan(dir, starter, scaffold.ModeForce)
	if err != nil {
		t.Fatal(err)
	}
	if err := (&scaffold.Writer{}).Write(context.Background(), plan); err != nil {
		t.Fatal(err)
	}
	if err := apptest.LinkForgeModules(dir, starter); err != nil {
		t.Fatal(err)
	}
	bin, err := n22.Node()
	if err != nil {
		t.Fatal(err)
	}
	return dir, bin
}

// TestForgeRunLocal: connectgen forge run --local --serve installs the
// starter (its install trigger runs), lists its modules, serves the page
// and the API, fires an event on request, and stops with exit 0 on
// Ctrl-C.
func TestForgeRunLocal(t *testing.T) {
	dir, node := forgeStarter(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	listen := ln.Addr().String()
	if err := ln.Close(); err != nil {
		t.Fatal(err)
	}
	f, out, errOut := serveFactory()
	ctx, cancel := context.WithCancel(context.Background())
	code := make(chan int, 1)
	go func() {
		code <- execute(ctx, f, []string{"forge", "run", "--local", "--serve", "--no-watch", "--listen", listen, "--node", node, dir})
	}()
	deadline := time.Now().Add(60 * time.Second)
	for !strings.Contains(out.String(), "Page: http://"+listen+"/") {
		select {
		case c := <-code:
			t.Fatalf("forge run exited with %d:\n%s\n%s", c, out, errOut)
		default:
		}
		if time.Now().After(deadline) {
			cancel()
			t.Fatalf("forge run did not serve within 60 s:\n%s\n%s", out, errOut)
		}
		time.Sleep(50 * time.Millisecond)
	}
	for _, want := range []string{"install: PASS on-installed ← avi:forge:installed:app", "Repository: MainMenuPage", "example-repo-page", "resolver resolver"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	resp, err := http.Post("http://"+listen+"/api/call", "application/json", strings.NewReader(`{"module":"trigger:connect-webhooks","event":"avi:bitbucket:created:repository"}`))
	if err != nil {
		t.Fatal(err)
	}
	var v struct {
		Result struct {
			Passed bool
			Name   string
		}
	}
	err = json.NewDecoder(resp.Body).Decode(&v)
	resp.Body.Close()
	if err != nil || !v.Result.Passed || v.Result.Name != "on-event ← avi:bitbucket:created:repository" {
		t.Errorf("event: %+v %v", v, err)
	}
	cancel()
	select {
	case c := <-code:
		if c != 0 {
			t.Errorf("exit %d after Ctrl-C, want 0:\n%s", c, errOut)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("forge run did not stop within 30 s of Ctrl-C")
	}
}

// TestForgeSimulateExitCodes: forge simulate on the starter exits 0 with a
// PASS line per call; broken, 1 with the FAIL line; as JSON, the same
// verdicts; forge simulate event prints the handler's console output.
func TestForgeSimulateExitCodes(t *testing.T) {
	dir, node := forgeStarter(t)
	f, out, errOut := serveFactory()
	if c := execute(context.Background(), f, []string{"forge", "simulate", "--node", node, dir}); c != 0 || !strings.Contains(out.String(), "8 of 8 passed, all passed") {
		t.Fatalf("starter: exit %d\n%s\n%s", c, out, errOut)
	}
	f, out, _ = serveFactory()
	if c := execute(context.Background(), f, []string{"forge", "simulate", "event", "avi:bitbucket:push:repository", "--node", node, dir}); c != 0 ||
		!strings.Contains(out.String(), "log: event avi:bitbucket:push:repository repository {") {
		t.Errorf("event: exit %d\n%s", c, out)
	}
	idx := filepath.Join(dir, "src", "index.js")
	src, err := os.ReadFile(idx)
	if err != nil {
		t.Fatal(err)
	}
	broken := strings.Replace(string(src), "console.log('uninstalling');", "throw new Error('broken');", 1)
	if broken == string(src) {
		t.Fatal("the starter's onPreUninstall changed; update the test")
	}
	if err := os.WriteFile(idx, []byte(broken), 0o644); err != nil {
		t.Fatal(err)
	}
	f, out, _ = serveFactory()
	if c := execute(context.Background(), f, []string{"forge", "simulate", "--node", node, dir}); c != 1 ||
		!strings.Contains(out.String(), "FAIL preUninstall  on-pre-uninstall ← preUninstall") || !strings.Contains(out.String(), "threw Error: broken (at src/index.js:") {
		t.Errorf("broken: exit %d\n%s", c, out)
	}
	f, out, _ = serveFactory()
	if c := execute(context.Background(), f, []string{"forge", "simulate", "--format", "json", "--node", node, dir}); c != 1 {
		t.Errorf("broken, JSON: exit %d", c)
	}
	var rep struct {
		OK      bool `json:"ok"`
		Results []struct {
			Name   string `json:"name"`
			Passed bool   `json:"passed"`
		} `json:"results"`
	}
	if err := json.Unmarshal([]byte(out.String()), &rep); err != nil || rep.OK || len(rep.Results) != 8 {
		t.Errorf("JSON: %v\n%s", err, out)
	}
}
