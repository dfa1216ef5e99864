package cmd

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/connectgen/connectgen/internal/apptest"
	"github.com/connectgen/connectgen/internal/testenv"
)

// lockedBuffer is an output stream a command may write while the test
// reads it.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

func serveFactory() (*Factory, *lockedBuffer, *lockedBuffer) {
	out, errOut := &lockedBuffer{}, &lockedBuffer{}
	return &Factory{
		IO:     &IOStreams{In: strings.NewReader(""), Out: out, ErrOut: errOut},
		Now:    time.Now,
		Getenv: func(string) string { return "" },
	}, out, errOut
}

// startServe runs `connectgen simulate --serve` until the returned stop
// function cancels it; stop returns the exit code. It waits until the
// host's page answers.
func startServe(t *testing.T, f *Factory, listen, appURL string) (stop func() int) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	code := make(chan int, 1)
	go func() { code <- execute(ctx, f, []string{"simulate", "--serve", "--listen", listen, "--app", appURL}) }()
	stop = func() int {
		cancel()
		select {
		case c := <-code:
			return c
		case <-time.After(30 * time.Second):
			t.Fatal("simulate --serve did not stop within 30s of Ctrl-C")
			return -1
		}
	}
	client := &http.Client{Timeout: 2 * time.Second}
	for range 300 {
		select {
		case c := <-code:
			t.Fatalf("simulate --serve exited with %d before serving:\n%s\n%s", c, f.IO.Out, f.IO.ErrOut)
		default:
		}
		if resp, err := client.Get("http://" + listen + "/"); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return stop
			}
		}
		time.Sleep(100 * time.Millisecond)
	}
	stop()
	t.Fatalf("simulate --serve did not serve its page within 30s:\n%s\n%s", f.IO.Out, f.IO.ErrOut)
	return nil
}

func hostCall(t *testing.T, method, url, body string) (int, string) {
	t.Helper()
	req, err := http.NewRequest(method, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if method == "POST" {
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("X-Connectgen-Host", "1")
	}
	resp, err := (&http.Client{Timeout: 30 * time.Second}).Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func TestSimulateServeAndWebhook(t *testing.T) {
	testenv.Need(t, "npm")
	dir := t.TempDir()
	if err := apptest.NewProject(dir); err != nil {
		t.Fatal(err)
	}
	port, err := apptest.FreePort()
	if err != nil {
		t.Fatal(err)
	}
	listen := fmt.Sprintf("127.0.0.1:%d", port)
	host := "http://" + listen
	appURL := apptest.StartApp(t, dir, "NODE_ENV=test", "AC_HOST_SCRIPT_URL="+host+"/atlassian-connect/all.js")

	t.Run("serve", func(t *testing.T) {
		f, out, errOut := serveFactory()
		stop := startServe(t, f, listen, appURL)
		status, page := hostCall(t, "GET", host+"/", "")
		if status != 200 || !strings.Contains(page, `data-key="example-repo-page"`) || !strings.Contains(page, "A Quick Addon") {
			t.Errorf("host page: %d\n%s", status, page)
		}
		status, page = hostCall(t, "GET", host+"/module/repoPage/example-repo-page", "")
		if status != 200 || !strings.Contains(page, `<iframe id="app-frame"`) || !strings.Contains(page, "&amp;jwt=") {
			t.Errorf("module view: %d\n%s", status, page)
		}
		status, body := hostCall(t, "POST", host+"/api/webhook", `{"event":"repo:push"}`)
		var hook struct{ Status int }
		if err := json.Unmarshal([]byte(body), &hook); err != nil {
			t.Fatal(err)
		}
		if status != 200 || hook.Status != 204 {
			t.Errorf("webhook: %d %s", status, body)
		}
		status, body = hostCall(t, "POST", host+"/api/request", `{"url":"/2.0/user"}`)
		var api struct {
			Status int
			Body   string
		}
		if err := json.Unmarshal([]byte(body), &api); err != nil {
			t.Fatal(err)
		}
		if status != 200 || api.Status != 200 || !strings.Contains(api.Body, `"display_name"`) {
			t.Errorf("AP.request: %d %s", status, body)
		}

		if code := stop(); code != ExitInterrupted {
			t.Errorf("exit code after Ctrl-C = %d, want %d", code, ExitInterrupted)
		}
		o := out.String()
		for _, want := range []string{
			"Local Bitbucket host for A Quick Addon (a-quick-addon): " + host + "/\n",
			"installed as connection:",
			host + "/module/repoPage/example-repo-page\n",
			"connectgen simulate webhook EVENT",
			"Uninstalled the app.\n",
		} {
			if !strings.Contains(o, want) {
				t.Errorf("output lacks %q:\n%s", want, o)
			}
		}
		if strings.Contains(errOut.String(), "warning") {
			t.Errorf("unexpected warning: %s", errOut)
		}
	})

	t.Run("webhook", func(t *testing.T) {
		f, out, errOut := serveFactory()
		if code := execute(context.Background(), f, []string{"simulate", "webhook", "repo:push", "--app", appURL}); code != ExitOK {
			t.Fatalf("exit %d\n%s\n%s", code, out, errOut)
		}
		if got := out.String(); got != "repo:push: 204 No Content\n" {
			t.Errorf("output = %q", got)
		}
		if errOut.String() != "" {
			t.Errorf("stderr = %q", errOut)
		}
	})

	t.Run("unreachable", func(t *testing.T) {
		free, err := apptest.FreePort()
		if err != nil {
			t.Fatal(err)
		}
		nowhere := fmt.Sprintf("http://127.0.0.1:%d", free)
		for _, args := range [][]string{
			{"simulate", "webhook", "repo:push", "--app", nowhere},
			{"simulate", "--serve", "--listen", "127.0.0.1:0", "--app", nowhere},
		} {
			f, _, errOut := serveFactory()
			if code := execute(context.Background(), f, args); code != ExitUsage || !strings.Contains(errOut.String(), "start it first") {
				t.Errorf("%v: exit %d, stderr %q", args, code, errOut)
			}
		}
	})
}

// An app started without AC_HOST_SCRIPT_URL loads Bitbucket's host script;
// --serve says so and how to fix it.
func TestSimulateServeWarnsAboutHostScript(t *testing.T) {
	testenv.Need(t, "npm")
	dir := t.TempDir()
	if err := apptest.NewProject(dir); err != nil {
		t.Fatal(err)
	}
	appURL := apptest.StartApp(t, dir, "NODE_ENV=test")
	port, err := apptest.FreePort()
	if err != nil {
		t.Fatal(err)
	}
	listen := fmt.Sprintf("127.0.0.1:%d", port)
	f, _, errOut := serveFactory()
	stop := startServe(t, f, listen, appURL)
	stop()
	want := "loads https://bitbucket.org/atlassian-connect/all.js instead of http://" + listen + "/atlassian-connect/all.js"
	if e := errOut.String(); !strings.Contains(e, want) || !strings.Contains(e, "AC_HOST_SCRIPT_URL=http://"+listen+"/atlassian-connect/all.js") {
		t.Errorf("stderr lacks the host script warning:\n%s", e)
	}
}

func TestSimulateServeUsageErrors(t *testing.T) {
	for _, args := range [][]string{
		{"simulate", "--serve", "--listen", "0.0.0.0:0"},
		{"simulate", "--serve", "--listen", "example.com:80"},
		{"simulate", "--serve", "--format", "json"},
		{"simulate", "webhook"},
		{"simulate", "webhook", "a", "b"},
		{"simulate", "webhook", "repo:push", "--timeout", "0s"},
	} {
		f, _, errOut := serveFactory()
		if code := execute(context.Background(), f, args); code != ExitUsage {
			t.Errorf("%v: exit %d, want %d (%s)", args, code, ExitUsage, errOut)
		}
	}
}
