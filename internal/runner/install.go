package runner

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"time"
)

// NeedsInstall says whether the app's npm dependencies must be installed:
// node_modules is missing, or older than package.json or the lock file
// (someone added a dependency since). reason says which, for the user.
func NeedsInstall(dir string) (need bool, reason string) {
	nm, err := os.Stat(filepath.Join(dir, "node_modules"))
	if err != nil {
		return true, "node_modules is missing"
	}
	for _, f := range []string{"package.json", "package-lock.json"} {
		fi, err := os.Stat(filepath.Join(dir, f))
		if err == nil && fi.ModTime().After(nm.ModTime()) {
			return true, fmt.Sprintf("%s changed since node_modules was installed", f)
		}
	}
	return false, ""
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
	// npm may write package-lock.json after node_modules; mark the
	// install as the newest so that the next run does not install again.
	now := time.Now()
	os.Chtimes(filepath.Join(dir, "node_modules"), now, now)
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
	t.Write([]byte(s))
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
