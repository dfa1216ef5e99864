// Package apptest prepares generated Bitbucket apps for tests: it renders
// the embedded template and links in a node_modules folder that is
// installed with `npm install --ignore-scripts` once per Node version and
// shared by every test, in every test process: installing ACE's ~300
// packages takes half a minute, which no test suite can afford per test.
//
// The shared folder lives in the test cache (testenv.CacheDir), named by a
// hash of the template's package.json, package-lock.json and .npmrc and by
// the Node version, so a change to the dependencies installs afresh. An
// exclusive file lock makes concurrent test processes wait for one install
// instead of racing.
package apptest

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"github.com/connectgen/connectgen/internal/descriptor"
	"io/fs"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/connectgen/connectgen/internal/testenv"
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
	Template:    string(descriptor.Bitbucket),
	Version:     "test",
}

// Render returns the files of the bitbucket template rendered with Values,
// the editor files among them, as `connectgen new` writes them.
func Render() ([]scaffold.File, error) {
	return scaffold.Render(templates.FS, string(descriptor.Bitbucket), Values, templates.EditorFiles(Values.Template)...)
}

var (
	installMu sync.Mutex
	installed = map[testenv.Node]installResult{}
)

type installResult struct {
	dir string
	err error
}

// NodeModules returns the path of a node_modules folder for the bitbucket
// template on the machine's node, installing it first if no earlier run did.
func NodeModules() (string, error) {
	return NodeModulesFor(testenv.Node{})
}

// NodeModulesFor returns the path of a node_modules folder for the
// bitbucket template installed by npm running on node, installing it
// first if no earlier run did.
func NodeModulesFor(node testenv.Node) (string, error) {
	installMu.Lock()
	defer installMu.Unlock()
	r, ok := installed[node]
	if !ok {
		r.dir, r.err = install(node)
		installed[node] = r
	}
	return r.dir, r.err
}

// npmFiles are the project files npm install reads.
var npmFiles = []string{"package.json", "package-lock.json", ".npmrc"}

func install(node testenv.Node) (string, error) {
	files, err := Render()
	if err != nil {
		return "", err
	}
	content := map[string][]byte{}
	h := sha256.New()
	for _, f := range files {
		for _, n := range npmFiles {
			if f.Path == n {
				content[n] = f.Content
				fmt.Fprintf(h, "%s %d\n", n, len(f.Content))
				h.Write(f.Content)
			}
		}
	}
	if content["package.json"] == nil {
		return "", errors.New("the bitbucket template has no package.json")
	}
	root, err := testenv.CacheDir()
	if err != nil {
		return "", err
	}
	if err := os.MkdirAll(root, 0o755); err != nil {
		return "", err
	}
	// The machine's node keeps the name earlier versions of this package
	// used; every other version gets its own folder.
	name := "node-" + hex.EncodeToString(h.Sum(nil))[:16]
	if node.Bin != "" {
		name += "-v" + node.Version
	}
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
	for n, c := range content {
		if err := os.WriteFile(filepath.Join(work, n), c, 0o644); err != nil {
			return "", err
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Minute)
	defer cancel()
	// --ignore-scripts: the app must work without any install script (a
	// test checks that no package in the tree even has one).
	cmd := exec.CommandContext(ctx, "npm", "install", "--ignore-scripts", "--no-audit", "--no-fund", "--loglevel=error")
	cmd.Dir = work
	cmd.Env = node.Env(nil)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	fmt.Fprintf(os.Stderr, "apptest: npm install --ignore-scripts on %s, once, into %s\n", node.Name(), final)
	if err := cmd.Run(); err != nil {
		return "", fmt.Errorf("npm install on %s: %v\n%s", node.Name(), err, lastLines(out.Bytes(), 30))
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
	return NewProjectFor(dir, testenv.Node{})
}

// NewProjectFor is NewProject with the node_modules installed on node.
func NewProjectFor(dir string, node testenv.Node) error {
	nm, err := NodeModulesFor(node)
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
var FreePort = testenv.FreePort

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

// ExitCode is the app's exit code once it has exited (after Stop), -1
// before or when a signal ended it.
func (a *App) ExitCode() int {
	select {
	case <-a.exited:
		return a.cmd.ProcessState.ExitCode()
	default:
		return -1
	}
}

// RunToExit runs `node app.js` in dir on node with exactly the variables
// of env added to this process's environment minus those the app reads
// (NODE_ENV, PORT, AC_LOCAL_BASE_URL, DATABASE_URL), and waits for it to
// exit (within timeout, else it is killed and an error returned). It
// returns what the app printed and its exit code.
func RunToExit(node testenv.Node, dir string, timeout time.Duration, env ...string) (string, int, error) {
	bin, err := node.Node()
	if err != nil {
		return "", 0, err
	}
	var base []string
	for _, kv := range os.Environ() {
		name, _, _ := strings.Cut(kv, "=")
		switch name {
		case "NODE_ENV", "PORT", "AC_LOCAL_BASE_URL", "DATABASE_URL", "DATABASE_WAIT_SECONDS", "AC_HOST_WHITELIST":
			continue
		}
		base = append(base, kv)
	}
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, "app.js")
	cmd.Dir = dir
	cmd.Env = append(node.Env(base), env...)
	out, err := cmd.CombinedOutput()
	if ctx.Err() != nil {
		return string(out), -1, fmt.Errorf("the app did not exit within %s:\n%s", timeout, out)
	}
	var exit *exec.ExitError
	if err != nil && !errors.As(err, &exit) {
		return string(out), -1, err
	}
	return string(out), cmd.ProcessState.ExitCode(), nil
}

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
	return StartOn(testenv.Node{}, dir, env...)
}

// StartOn is Start on the given node. A PORT in env is the port to use
// instead of a free one.
func StartOn(node testenv.Node, dir string, env ...string) (*App, error) {
	port, err := FreePort()
	if err != nil {
		return nil, err
	}
	for _, kv := range env {
		if v, ok := strings.CutPrefix(kv, "PORT="); ok {
			if port, err = strconv.Atoi(v); err != nil {
				return nil, fmt.Errorf("PORT=%s: %v", v, err)
			}
		}
	}
	bin, err := node.Node()
	if err != nil {
		return nil, err
	}
	local := fmt.Sprintf("http://127.0.0.1:%d", port)
	cmd := exec.Command(bin, "app.js")
	cmd.Dir = dir
	cmd.Env = node.Env(append(os.Environ(), "PORT="+fmt.Sprint(port), "AC_LOCAL_BASE_URL="+local, "NODE_ENV=development"))
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
	return StartAppTB(t, dir, env...).URL
}

// StartAppTB is StartApp returning the App, for tests that stop and
// restart it or read what it printed.
func StartAppTB(t testing.TB, dir string, env ...string) *App {
	t.Helper()
	return StartAppOn(t, testenv.Node{}, dir, env...)
}

// StartAppOn is StartAppTB on the given node.
func StartAppOn(t testing.TB, node testenv.Node, dir string, env ...string) *App {
	t.Helper()
	a, err := StartOn(node, dir, env...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		a.Stop()
		if t.Failed() {
			t.Logf("app output:\n%s", a.Output())
		}
	})
	return a
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

// CopyApp copies the files of the flat folders srcs, in order (a later
// file of the same name wins), into dst and links the shared node_modules
// (ACE 11, express) into it, installing them first if no earlier run did.
// Test apps such as internal/hostcheck/testdata/jiraapp are made this way
// from their own folder and testdata/acecommon.
func CopyApp(dst string, srcs ...string) error {
	nm, err := NodeModules()
	if err != nil {
		return err
	}
	for _, src := range srcs {
		entries, err := os.ReadDir(src)
		if err != nil {
			return err
		}
		for _, e := range entries {
			if !e.Type().IsRegular() {
				return fmt.Errorf("%s: %s is not a regular file; a test app is made of flat folders", src, e.Name())
			}
			b, err := os.ReadFile(filepath.Join(src, e.Name()))
			if err != nil {
				return err
			}
			if err := os.WriteFile(filepath.Join(dst, e.Name()), b, 0o644); err != nil {
				return err
			}
		}
	}
	return os.Symlink(nm, filepath.Join(dst, "node_modules"))
}
