package apptest

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"syscall"
	"time"

	"github.com/connectgen/connectgen/internal/testenv"
	"github.com/connectgen/connectgen/scaffold"
)

var (
	depsMu    sync.Mutex
	depsCache = map[string]installResult{}
)

// InstallDeps returns a node_modules folder holding the npm dependencies
// of a generated project's files (its package.json, package-lock.json and
// .npmrc; the other files are ignored), installed with `npm install
// --ignore-scripts` by npm running on node. The folder is in the test
// cache, named prefix + a hash of those files (+ "-v" + the version for a
// pinned node), installed once under an exclusive file lock and shared by
// every test of every test process until the files change.
func InstallDeps(prefix string, files []scaffold.File, node testenv.Node) (string, error) {
	content := map[string][]byte{}
	h := sha256.New()
	for _, f := range files {
		for _, n := range npmFiles {
			if f.Path == n {
				content[n] = f.Content
				_, _ = fmt.Fprintf(h, "%s %d\n", n, len(f.Content)) // a hash.Hash never fails to write
				_, _ = h.Write(f.Content)
			}
		}
	}
	if content["package.json"] == nil {
		return "", errors.New("the project has no package.json")
	}
	name := prefix + hex.EncodeToString(h.Sum(nil))[:16]
	if node.Bin != "" {
		name += "-v" + node.Version
	}
	depsMu.Lock()
	defer depsMu.Unlock()
	r, ok := depsCache[name]
	if !ok {
		r.dir, r.err = installNamed(name, content, node)
		depsCache[name] = r
	}
	return r.dir, r.err
}

func installNamed(name string, content map[string][]byte, node testenv.Node) (string, error) {
	root, err := testenv.CacheDir()
	if err != nil {
		return "", err
	}
	if err := os.MkdirAll(root, 0o755); err != nil {
		return "", err
	}
	final := filepath.Join(root, name)
	nm := filepath.Join(final, "node_modules")

	lockFile, err := os.OpenFile(filepath.Join(root, name+".lock"), os.O_CREATE|os.O_RDWR, 0o644)
	if err != nil {
		return "", err
	}
	defer func() { _ = lockFile.Close() }() // only read for its lock
	if err := syscall.Flock(int(lockFile.Fd()), syscall.LOCK_EX); err != nil {
		return "", err
	}
	// Closing the file releases the lock too; the explicit unlock says when.
	defer func() { _ = syscall.Flock(int(lockFile.Fd()), syscall.LOCK_UN) }()

	if _, err := os.Stat(filepath.Join(final, "ok")); err == nil {
		return nm, nil
	}
	if err := os.RemoveAll(final); err != nil {
		return "", err
	}
	work, err := os.MkdirTemp(root, name+".tmp-")
	if err != nil {
		return "", err
	}
	// After the rename below work is gone; before it, a leftover is
	// removed again by the next install of the same name.
	defer func() { _ = os.RemoveAll(work) }()
	for n, c := range content {
		if err := os.WriteFile(filepath.Join(work, n), c, 0o644); err != nil {
			return "", err
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Minute)
	defer cancel()
	// --ignore-scripts: the app must work without any install script.
	cmd := exec.CommandContext(ctx, "npm", "install", "--ignore-scripts", "--no-audit", "--no-fund", "--loglevel=error")
	cmd.Dir = work
	cmd.Env = node.Env(nil)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	start := time.Now()
	fmt.Fprintf(os.Stderr, "apptest: npm install --ignore-scripts on %s, once, into %s\n", node.Name(), final)
	if err := cmd.Run(); err != nil {
		return "", fmt.Errorf("npm install on %s: %w\n%s", node.Name(), err, lastLines(out.Bytes(), 30))
	}
	fmt.Fprintf(os.Stderr, "apptest: npm install into %s took %s\n", final, time.Since(start).Round(time.Second))
	if err := os.WriteFile(filepath.Join(work, "ok"), nil, 0o644); err != nil {
		return "", err
	}
	if err := os.Rename(work, final); err != nil {
		return "", err
	}
	return nm, nil
}
