package runner

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"
)

// NeedsInstall says whether the app's npm dependencies must be installed,
// and reason says why, for the user. It compares what package-lock.json
// asks for with what npm installed, as recorded in npm's hidden lockfile
// (node_modules/.package-lock.json), not file times: npm rewrites
// package-lock.json on every install, so its time says nothing. Install
// when node_modules, either lockfile or a locked package is missing, when
// a package's version differs, when node_modules holds a package the lock
// does not, or when package.json's dependencies differ from the lock's.
func NeedsInstall(dir string) (need bool, reason string) {
	if _, err := os.Stat(filepath.Join(dir, "node_modules")); err != nil {
		return true, "node_modules is missing"
	}
	var pkg packageJSON
	if err := readJSON(filepath.Join(dir, "package.json"), &pkg); err != nil {
		return true, fmt.Sprintf("package.json cannot be read (%v)", err)
	}
	var lock, hidden lockfile
	if err := readJSON(filepath.Join(dir, "package-lock.json"), &lock); err != nil {
		return true, "package-lock.json is missing or unreadable"
	}
	if err := readJSON(filepath.Join(dir, "node_modules", ".package-lock.json"), &hidden); err != nil {
		return true, "node_modules has no record of what npm installed (node_modules/.package-lock.json)"
	}
	root := lock.Packages[""]
	for _, d := range []struct {
		name      string
		pkg, lock map[string]string
	}{
		{"dependencies", pkg.Dependencies, root.Dependencies},
		{"devDependencies", pkg.DevDependencies, root.DevDependencies},
		{"optionalDependencies", pkg.OptionalDependencies, root.OptionalDependencies},
	} {
		if !maps.Equal(d.pkg, d.lock) {
			return true, fmt.Sprintf("package.json's %s changed since package-lock.json was written", d.name)
		}
	}
	for _, name := range slices.Sorted(maps.Keys(lock.Packages)) {
		want := lock.Packages[name]
		if !strings.Contains(name, "node_modules/") {
			continue // the project itself, or the target of a file: link
		}
		got, ok := hidden.Packages[name]
		switch {
		case !ok && (want.Optional || want.Peer):
			// Not for this platform, or provided by the app.
		case !ok:
			return true, fmt.Sprintf("%s is in package-lock.json but not installed", name)
		case got.Version != want.Version || got.Link != want.Link:
			return true, fmt.Sprintf("%s is %s in package-lock.json but %s is installed", name, want.describe(), got.describe())
		}
	}
	for _, name := range slices.Sorted(maps.Keys(hidden.Packages)) {
		if _, ok := lock.Packages[name]; !ok && strings.Contains(name, "node_modules/") {
			return true, fmt.Sprintf("%s is installed but not in package-lock.json", name)
		}
	}
	return false, ""
}

// packageJSON is what NeedsInstall reads of package.json.
type packageJSON struct {
	Dependencies         map[string]string `json:"dependencies"`
	DevDependencies      map[string]string `json:"devDependencies"`
	OptionalDependencies map[string]string `json:"optionalDependencies"`
}

// lockfile is what NeedsInstall reads of package-lock.json and npm's
// hidden lockfile (lockfileVersion 2 and 3 both have packages).
type lockfile struct {
	Packages map[string]lockedPackage `json:"packages"`
}

type lockedPackage struct {
	Version              string            `json:"version"`
	Link                 bool              `json:"link"`
	Optional             bool              `json:"optional"`
	Peer                 bool              `json:"peer"`
	Dependencies         map[string]string `json:"dependencies"`
	DevDependencies      map[string]string `json:"devDependencies"`
	OptionalDependencies map[string]string `json:"optionalDependencies"`
}

func (p lockedPackage) describe() string {
	if p.Link {
		return "a link"
	}
	return "version " + p.Version
}

func readJSON(path string, v any) error {
	b, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	return json.Unmarshal(b, v)
}

// InstallError is a failed npm install: npm's last lines and the command
// to run again.
type InstallError struct {
	Dir  string
	Err  error
	Tail string
}

func (e *InstallError) Error() string {
	return fmt.Sprintf("npm install failed (%v); its last lines:\n%s\nretry with: cd %s && npm install", e.Err, indent(e.Tail), e.Dir)
}

func (e *InstallError) Unwrap() error { return e.Err }

// Install runs `npm install` in dir. On a terminal (tty) it shows one line
// with a spinner and the elapsed time, rewritten in place; otherwise a
// line when it starts and one when it ends, so logs stay readable. npm's
// own output is kept for the error.
func Install(ctx context.Context, dir string, w io.Writer, tty bool) error {
	start := time.Now()
	cmd := exec.CommandContext(ctx, "npm", "install", "--no-audit", "--no-fund")
	cmd.Dir = dir
	var out lockedBuffer
	cmd.Stdout, cmd.Stderr = &out, &out
	// npm starts node-gyp and scripts: stop them with npm on Ctrl-C.
	cmd.SysProcAttr = procAttrGroup()
	cmd.Cancel = func() error { return killGroup(cmd.Process.Pid) }
	if !tty {
		fmt.Fprintf(w, "connectgen: installing npm dependencies (npm install in %s)…\n", dir)
	}
	if err := cmd.Start(); err != nil {
		return &InstallError{Dir: dir, Err: err}
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	var err error
	if tty {
		frames := []rune("⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏")
		tick := time.NewTicker(100 * time.Millisecond)
	loop:
		for i := 0; ; i++ {
			select {
			case err = <-done:
				break loop
			case <-tick.C:
				fmt.Fprintf(w, "\r\x1b[K%c installing npm dependencies… %s", frames[i%len(frames)], time.Since(start).Round(time.Second))
			}
		}
		tick.Stop()
		fmt.Fprint(w, "\r\x1b[K")
	} else {
		err = <-done
	}
	if err != nil {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		return &InstallError{Dir: dir, Err: err, Tail: lastLines(out.String(), 15)}
	}
	fmt.Fprintf(w, "connectgen: npm dependencies installed in %s\n", time.Since(start).Round(100*time.Millisecond))
	return nil
}

type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

func lastLines(s string, n int) string {
	t := newTail(n)
	_, _ = t.Write([]byte(s)) // a tail buffer in memory: Write cannot fail
	return t.String()
}

func indent(s string) string {
	if s == "" {
		return "  (no output)"
	}
	var b bytes.Buffer
	for _, l := range bytes.Split([]byte(s), []byte("\n")) {
		b.WriteString("  ")
		b.Write(l)
		b.WriteByte('\n')
	}
	return string(bytes.TrimRight(b.Bytes(), "\n"))
}
