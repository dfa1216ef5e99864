// Package apptest prepares generated Bitbucket apps for tests: it renders
// the embedded template and links in a node_modules folder that is
// installed with npm once and shared by every test, in every test process.
// Installing the app's dependencies builds sqlite3 from source (about a
// minute and a half here), which no test suite can afford per test.
//
// The shared folder lives in $CONNECTGEN_TEST_CACHE, or in the user's cache
// directory, named by a hash of the template's package.json, so a change
// to the dependencies installs afresh. An exclusive file lock makes
// concurrent test processes wait for one install instead of racing.
package apptest

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/connectgen/connectgen/scaffold"
	"github.com/connectgen/connectgen/templates"
)

// Values are the fixed inputs every test project is rendered with.
var Values = scaffold.Data{
	Name:        "a-quick-addon",
	Key:         "a-quick-addon",
	AppName:     "A Quick Addon",
	Description: "A Bitbucket Cloud Connect app",
	VendorName:  "Example Vendor",
	VendorURL:   "https://example.com",
	Template:    "bitbucket",
	Version:     "test",
}

// Render returns the files of the bitbucket template rendered with Values,
// the editor files among them, as `connectgen new` writes them.
func Render() ([]scaffold.File, error) {
	return scaffold.Render(templates.FS, "bitbucket", Values, templates.EditorFiles(Values.Template)...)
}

var (
	installOnce sync.Once
	installDir  string
	installErr  error
)

// NodeModules returns the path of a node_modules folder for the bitbucket
// template, installing it first if no earlier run did.
func NodeModules() (string, error) {
	installOnce.Do(func() { installDir, installErr = install() })
	return installDir, installErr
}

func cacheRoot() (string, error) {
	if d := os.Getenv("CONNECTGEN_TEST_CACHE"); d != "" {
		return d, nil
	}
	d, err := os.UserCacheDir()
	if err != nil {
		return "", err
	}
	return filepath.Join(d, "connectgen-test"), nil
}

func install() (string, error) {
	files, err := Render()
	if err != nil {
		return "", err
	}
	var pkg, lock []byte
	for _, f := range files {
		switch f.Path {
		case "package.json":
			pkg = f.Content
		case "package-lock.json":
			lock = f.Content
		}
	}
	if pkg == nil {
		return "", errors.New("the bitbucket template has no package.json")
	}
	sum := sha256.Sum256(append(append([]byte{}, pkg...), lock...))
	root, err := cacheRoot()
	if err != nil {
		return "", err
	}
	if err := os.MkdirAll(root, 0o755); err != nil {
		return "", err
	}
	name := "node-" + hex.EncodeToString(sum[:])[:16]
	final := filepath.Join(root, name)
	nm := filepath.Join(final, "node_modules")

	lockFile, err := os.OpenFile(filepath.Join(root, name+".lock"), os.O_CREATE|os.O_RDWR, 0o644)
	if err != nil {
		return "", err
	}
	defer lockFile.Close()
	if err := syscall.Flock(int(lockFile.Fd()), syscall.LOCK_EX); err != nil {
		return "", err
	}
	defer syscall.Flock(int(lockFile.Fd()), syscall.LOCK_UN)

	if _, err := os.Stat(filepath.Join(final, "ok")); err == nil {
		return nm, nil
	}
	os.RemoveAll(final)
	work, err := os.MkdirTemp(root, name+".tmp-")
	if err != nil {
		return "", err
	}
	defer os.RemoveAll(work)
	if err := os.WriteFile(filepath.Join(work, "package.json"), pkg, 0o644); err != nil {
		return "", err
	}
	if lock != nil {
		if err := os.WriteFile(filepath.Join(work, "package-lock.json"), lock, 0o644); err != nil {
			return "", err
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "npm", "install", "--no-audit", "--no-fund", "--loglevel=error")
	cmd.Dir = work
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	fmt.Fprintf(os.Stderr, "apptest: installing the template's npm dependencies once into %s (sqlite3 builds from source)\n", final)
	if err := cmd.Run(); err != nil {
		return "", fmt.Errorf("npm install: %v\n%s", err, lastLines(out.Bytes(), 30))
	}
	if err := os.WriteFile(filepath.Join(work, "ok"), nil, 0o644); err != nil {
		return "", err
	}
	if err := os.Rename(work, final); err != nil {
		return "", err
	}
	return nm, nil
}

// NewProject renders the bitbucket template with Values into dir (which may
// exist and be empty) and links the shared node_modules into it. The
// project's files get an old modification time, so that tools that compare
// node_modules with package.json see the dependencies as installed.
func NewProject(dir string) error {
	nm, err := NodeModules()
	if err != nil {
		return err
	}
	return newProject(dir, nm)
}

func newProject(dir, nm string) error {
	files, err := Render()
	if err != nil {
		return err
	}
	return writeProject(dir, nm, files)
}

// writeProject writes files into dir, ages them, and links nm in.
func writeProject(dir, nm string, files []scaffold.File) error {
	plan, err := scaffold.NewPlan(dir, files, scaffold.ModeNew)
	if err != nil {
		return err
	}
	if err := (&scaffold.Writer{}).Write(context.Background(), plan); err != nil {
		return err
	}
	old := time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)
	err = filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		return os.Chtimes(p, old, old)
	})
	if err != nil {
		return err
	}
	return os.Symlink(nm, filepath.Join(dir, "node_modules"))
}

// FreePort returns a TCP port on 127.0.0.1 that was free a moment ago.
func FreePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// App is a generated app started by Start.
type App struct {
	// URL is the app's local URL, http://127.0.0.1:PORT.
	URL    string
	cmd    *exec.Cmd
	out    *syncBuffer
	exited chan struct{}
}

// Output is what the app printed so far.
func (a *App) Output() string { return a.out.String() }

// Stop stops the app's whole process group: SIGTERM, then SIGKILL after
// five seconds. It returns when the app has exited.
func (a *App) Stop() {
	syscall.Kill(-a.cmd.Process.Pid, syscall.SIGTERM)
	select {
	case <-a.exited:
	case <-time.After(5 * time.Second):
		syscall.Kill(-a.cmd.Process.Pid, syscall.SIGKILL)
		<-a.exited
	}
}

// Start starts `node app.js` in dir on a free port, in its own process
// group, and waits until it serves its descriptor (60 s at most).
// AC_LOCAL_BASE_URL is http://127.0.0.1:PORT unless env sets it; env
// entries are KEY=VALUE and override the defaults. On error the app is
// already stopped.
func Start(dir string, env ...string) (*App, error) {
	return StartNode("node", dir, env...)
}

// StartNode is Start with the node executable node (a path, or a name
// looked up in PATH).
func StartNode(node, dir string, env ...string) (*App, error) {
	port, err := FreePort()
	if err != nil {
		return nil, err
	}
	local := fmt.Sprintf("http://127.0.0.1:%d", port)
	cmd := exec.Command(node, "app.js")
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "PORT="+fmt.Sprint(port), "AC_LOCAL_BASE_URL="+local, "NODE_ENV=development")
	cmd.Env = append(cmd.Env, env...)
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	a := &App{URL: local, cmd: cmd, out: &syncBuffer{}, exited: make(chan struct{})}
	cmd.Stdout, cmd.Stderr = a.out, a.out
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	go func() { cmd.Wait(); close(a.exited) }()
	client := &http.Client{Timeout: 2 * time.Second}
	deadline := time.Now().Add(60 * time.Second)
	for time.Now().Before(deadline) {
		select {
		case <-a.exited:
			return nil, fmt.Errorf("the app exited before serving its descriptor:\n%s", a.Output())
		default:
		}
		resp, err := client.Get(local + "/atlassian-connect.json")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return a, nil
			}
		}
		time.Sleep(100 * time.Millisecond)
	}
	a.Stop()
	return nil, fmt.Errorf("the app did not serve its descriptor within 60s:\n%s", a.Output())
}

// StartApp is Start for a test: the app is stopped when the test ends,
// and its output logged if the test failed. It returns the app's URL.
func StartApp(t testing.TB, dir string, env ...string) string {
	t.Helper()
	return StartAppNode(t, "node", dir, env...)
}

// StartAppNode is StartApp with the node executable node.
func StartAppNode(t testing.TB, node, dir string, env ...string) string {
	t.Helper()
	a, err := StartNode(node, dir, env...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		a.Stop()
		if t.Failed() {
			t.Logf("app output:\n%s", a.Output())
		}
	})
	return a.URL
}

type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

func lastLines(b []byte, n int) string {
	lines := bytes.Split(bytes.TrimRight(b, "\n"), []byte("\n"))
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return string(bytes.Join(lines, []byte("\n")))
}
