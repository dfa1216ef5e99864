package testenv

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// Postgres is a throwaway PostgreSQL server started by StartPostgres: its
// own data folder, on a loopback port, removed when the test ends.
type Postgres struct {
	// URL is the postgres:// URL of its database "app".
	URL  string
	Port int
	bin  string
	dir  string
	cmd  *exec.Cmd
	cred *syscall.Credential
	log  *bytes.Buffer
	// exited is closed when the server has exited.
	exited chan struct{}
}

// Stop shuts the server down (fast: open sessions are ended) and waits
// for it; the test's cleanup calls it too.
func (p *Postgres) Stop() {
	// SIGINT is PostgreSQL's fast shutdown.
	_ = p.cmd.Process.Signal(syscall.SIGINT) // the server may be gone already
	select {
	case <-p.exited:
	case <-time.After(20 * time.Second):
		_ = p.cmd.Process.Kill() // the server may be gone already
		<-p.exited
	}
}

// PostgresBin finds the folder of Debian's PostgreSQL programs (initdb,
// postgres, psql): the newest /usr/lib/postgresql/N/bin, or initdb on PATH.
func PostgresBin() (string, error) {
	dirs, _ := filepath.Glob("/usr/lib/postgresql/*/bin/initdb")
	sort.Slice(dirs, func(i, j int) bool { return pgMajor(dirs[i]) > pgMajor(dirs[j]) })
	if len(dirs) > 0 {
		return filepath.Dir(dirs[0]), nil
	}
	if p, err := exec.LookPath("initdb"); err == nil {
		return filepath.Dir(p), nil
	}
	return "", fmt.Errorf("PostgreSQL is missing (no /usr/lib/postgresql/*/bin/initdb): apt-get install postgresql, or make test-deps")
}

func pgMajor(initdb string) int {
	n, _ := strconv.Atoi(filepath.Base(filepath.Dir(filepath.Dir(initdb))))
	return n
}

// StartPostgres initialises a database cluster in a new temporary folder
// and starts PostgreSQL on a free loopback port, with a database "app"
// owned by the trusted user "postgres". Under -short it skips t; a missing
// PostgreSQL fails t. The server is stopped and its folder removed when
// the test ends.
func StartPostgres(t testing.TB) *Postgres {
	t.Helper()
	Need(t, "postgres")
	bin, err := PostgresBin()
	if err != nil {
		t.Fatal(err)
	}
	p := &Postgres{bin: bin, log: &bytes.Buffer{}}
	// PostgreSQL refuses to run as root: as root, run it as the postgres
	// user the Debian package creates (or nobody).
	if os.Geteuid() == 0 {
		p.cred, err = serverUser()
		if err != nil {
			t.Fatal(err)
		}
	}
	p.dir, err = os.MkdirTemp("", "connectgen-pg-")
	if err != nil {
		t.Fatal(err)
	}
	// a temporary folder of the test
	t.Cleanup(func() { _ = os.RemoveAll(p.dir) })
	if err := os.Chmod(p.dir, 0o755); err != nil {
		t.Fatal(err)
	}
	data := filepath.Join(p.dir, "data")
	if err := os.Mkdir(data, 0o700); err != nil {
		t.Fatal(err)
	}
	if p.cred != nil {
		// The data folder and the folder of the server's socket.
		for _, d := range []string{p.dir, data} {
			if err := os.Chown(d, int(p.cred.Uid), int(p.cred.Gid)); err != nil {
				t.Fatal(err)
			}
		}
	}
	if out, err := p.run("initdb", "-D", data, "-U", "postgres", "--auth=trust", "--encoding=UTF8", "--no-sync"); err != nil {
		t.Fatalf("initdb: %v\n%s", err, out)
	}
	p.Port, err = FreePort()
	if err != nil {
		t.Fatal(err)
	}
	// The server runs until Stop: its context is never cancelled.
	p.cmd = p.command(context.Background(), "postgres", "-D", data, "-p", strconv.Itoa(p.Port), "-h", "127.0.0.1", "-k", p.dir, "-F")
	p.cmd.Stdout, p.cmd.Stderr = p.log, p.log
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan struct{})
	p.exited = exited
	go func() { _ = p.cmd.Wait(); close(exited) }() // the exit is what is waited for, not its code
	t.Cleanup(p.Stop)
	deadline := time.Now().Add(30 * time.Second)
	for {
		out, err := p.run("pg_isready", "-q", "-h", "127.0.0.1", "-p", strconv.Itoa(p.Port))
		if err == nil {
			break
		}
		select {
		case <-exited:
			t.Fatalf("postgres exited:\n%s", p.log.String())
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("postgres did not accept connections within 30s: %v %s\n%s", err, out, p.log.String())
		}
		time.Sleep(100 * time.Millisecond)
	}
	if out, err := p.run("createdb", "-h", "127.0.0.1", "-p", strconv.Itoa(p.Port), "-U", "postgres", "app"); err != nil {
		t.Fatalf("createdb: %v\n%s", err, out)
	}
	p.URL = fmt.Sprintf("postgres://postgres@127.0.0.1:%d/app", p.Port)
	return p
}

// Query runs sql in the database "app" with psql and returns its rows, one
// line each, columns separated by "|".
func (p *Postgres) Query(sql string) (string, error) {
	out, err := p.run("psql", "-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1", "-h", "127.0.0.1", "-p", strconv.Itoa(p.Port), "-U", "postgres", "-d", "app", "-c", sql)
	if err != nil {
		return "", fmt.Errorf("psql %q: %v\n%s", sql, err, out)
	}
	return strings.TrimSpace(string(out)), nil
}

// Log is what the server printed.
func (p *Postgres) Log() string { return p.log.String() }

// command is the PostgreSQL program name with args, run as the server's
// user; ctx bounds it.
func (p *Postgres) command(ctx context.Context, name string, args ...string) *exec.Cmd {
	cmd := exec.CommandContext(ctx, filepath.Join(p.bin, name), args...)
	cmd.Dir = p.dir
	cmd.Env = append(os.Environ(), "LC_ALL=C", "PGCONNECT_TIMEOUT=5")
	if p.cred != nil {
		cmd.SysProcAttr = &syscall.SysProcAttr{Credential: p.cred}
	}
	return cmd
}

func (p *Postgres) run(name string, args ...string) ([]byte, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	return p.command(ctx, name, args...).CombinedOutput()
}

func serverUser() (*syscall.Credential, error) {
	for _, name := range []string{"postgres", "nobody"} {
		u, err := user.Lookup(name)
		if err != nil {
			continue
		}
		uid, _ := strconv.Atoi(u.Uid)
		gid, _ := strconv.Atoi(u.Gid)
		return &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}, nil
	}
	return nil, fmt.Errorf("running as root and there is no postgres or nobody user to run PostgreSQL as")
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
