package runner

import (
	"bytes"
	"io"
	"os"
	"os/exec"
	"strings"
	"sync"
	"syscall"
	"time"
)

// app is one start of the app: its shell in a process group of its own,
// so that signals reach node and everything it started, and nothing the
// terminal sends reaches it except through connectgen.
type app struct {
	cmd  *exec.Cmd
	pgid int
	// exited is closed once the group leader has exited and been waited
	// for; state is set then.
	exited chan struct{}
	state  *os.ProcessState
	// copied ends when both output pipes are closed, that is when every
	// process holding them has ended.
	copied sync.WaitGroup
	tail   *tail
}

// startApp runs script with sh in dir, in a new process group, with its
// output copied to out and errOut.
func startApp(dir, script string, env []string, out, errOut io.Writer) (*app, error) {
	a := &app{exited: make(chan struct{}), tail: newTail(20)}
	cmd := exec.Command("sh", "-c", execScript(script))
	cmd.Dir = dir
	cmd.Env = env
	cmd.SysProcAttr = procAttrGroup()
	// Pipes of our own rather than exec's copying: exec.Cmd.Wait waits for
	// its copies to finish, which a grandchild holding stdout would delay
	// past the leader's exit.
	// The write ends are the child's; closing ours after the start (or a
	// failure) lets the copies end at the child's last close.
	var writeEnds []*os.File
	closeWriteEnds := func() {
		for _, w := range writeEnds {
			_ = w.Close() // the app's end of the pipe; nothing was written to ours
		}
	}
	for _, s := range []struct {
		dst *io.Writer
		w   io.Writer
	}{{&cmd.Stdout, out}, {&cmd.Stderr, errOut}} {
		r, w, err := os.Pipe()
		if err != nil {
			closeWriteEnds()
			return nil, err
		}
		*s.dst = w
		writeEnds = append(writeEnds, w)
		a.copied.Add(1)
		go func(r *os.File, dst io.Writer) {
			defer a.copied.Done()
			defer func() { _ = r.Close() }()               // only read
			_, _ = io.Copy(io.MultiWriter(dst, a.tail), r) // copies until the app's output closes; a failed write to the terminal has nowhere to be reported
		}(r, s.w)
	}
	err := cmd.Start()
	closeWriteEnds()
	if err != nil {
		return nil, err
	}
	a.cmd = cmd
	a.pgid = cmd.Process.Pid
	go func() {
		_ = cmd.Wait() // the exit code is read from cmd.ProcessState
		a.state = cmd.ProcessState
		close(a.exited)
	}()
	return a, nil
}

// execScript makes sh replace itself with a simple command ("node
// app.js") instead of waiting for it as a child: dash does not do that by
// itself, and a shell in between would die of the first signal and report
// its own exit code instead of the app's. Scripts with shell syntax are
// left to the shell; the group still gets every signal, but the exit code
// is then the shell's.
func execScript(script string) string {
	first, _, _ := strings.Cut(strings.TrimSpace(script), " ")
	if strings.ContainsAny(script, ";&|()<>`$\n\\'\"*?[]{}~#") || strings.Contains(first, "=") || first == "exec" {
		return script
	}
	return "exec " + script
}

// signal sends sig to the whole process group.
func (a *app) signal(sig syscall.Signal) {
	_ = signalGroup(a.pgid, sig) // the group may be gone already
}

// exitCode is the leader's exit code, 128+N when a signal ended it, as a
// shell reports it. Valid after exited is closed.
func (a *app) exitCode() int {
	if ws, ok := a.state.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
		return 128 + int(ws.Signal())
	}
	return a.state.ExitCode()
}

// finish ends what is left of the process group once the leader has
// exited: processes the app started and left behind get SIGTERM, and
// SIGKILL at deadline (or at once when kill delivers or is closed). It
// returns when no process of the group is left, so the port is free and
// nothing of the app outlives connectgen. interrupted says whether kill
// delivered a signal meanwhile.
func (a *app) finish(deadline time.Time, kill <-chan os.Signal) (interrupted bool) {
	<-a.exited
	termed, killed, sinceKill := false, false, 0
	for {
		reapGroup(a.pgid)
		if !groupAlive(a.pgid) {
			break
		}
		select {
		case _, ok := <-kill:
			interrupted = interrupted || ok
			deadline = time.Time{}
		default:
		}
		switch {
		case !killed && !time.Now().Before(deadline):
			a.signal(syscall.SIGKILL)
			killed = true
		case !termed:
			a.signal(syscall.SIGTERM)
			termed = true
		}
		time.Sleep(20 * time.Millisecond)
		if killed {
			sinceKill++
			if sinceKill > 500 {
				break // 10 s after SIGKILL: a process the kernel will not end (stuck in I/O)
			}
		}
	}
	// The pipes close with the last process; a process that escaped the
	// group (setsid) could hold them, so the copies get a bounded wait.
	done := make(chan struct{})
	go func() { a.copied.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(2 * time.Second):
	}
	return interrupted
}

// stop asks the app to end (sig to the group), kills the group at the
// grace period's end or when kill is closed, and returns the exit code.
func (a *app) stop(sig syscall.Signal, grace time.Duration, kill <-chan os.Signal) int {
	deadline := time.Now().Add(grace)
	a.signal(sig)
	select {
	case <-a.exited:
	case <-time.After(grace):
		a.signal(syscall.SIGKILL)
	case <-kill:
		a.signal(syscall.SIGKILL)
	}
	a.finish(deadline, kill)
	return a.exitCode()
}

// tail keeps the last lines written to it, for showing why an app failed.
type tail struct {
	mu    sync.Mutex
	n     int
	lines []string
	part  []byte
}

func newTail(n int) *tail { return &tail{n: n} }

func (t *tail) Write(p []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.part = append(t.part, p...)
	for {
		i := bytes.IndexByte(t.part, '\n')
		if i < 0 {
			break
		}
		t.add(string(t.part[:i]))
		t.part = t.part[i+1:]
	}
	if len(t.part) > 4096 {
		t.add(string(t.part))
		t.part = nil
	}
	return len(p), nil
}

func (t *tail) add(line string) {
	t.lines = append(t.lines, strings.TrimRight(line, "\r"))
	if len(t.lines) > t.n {
		t.lines = t.lines[len(t.lines)-t.n:]
	}
}

// String returns the kept lines, the unfinished one included.
func (t *tail) String() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	lines := t.lines
	if len(t.part) > 0 {
		lines = append(append([]string{}, lines...), string(t.part))
		if len(lines) > t.n {
			lines = lines[1:]
		}
	}
	return strings.Join(lines, "\n")
}

func killGroup(pgid int) error { return signalGroup(pgid, syscall.SIGKILL) }

// lockedWriter serialises writes from the app's output copies and
// connectgen's own messages, so lines do not interleave mid-line when the
// writer is not a file.
type lockedWriter struct {
	mu *sync.Mutex
	w  io.Writer
}

func (l lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

func lockWriters(out, errOut io.Writer) (io.Writer, io.Writer) {
	mu := &sync.Mutex{}
	return lockedWriter{mu, out}, lockedWriter{mu, errOut}
}
