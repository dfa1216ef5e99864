package forgehost

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/connectgen/connectgen/internal/testenv"
)

// The Forge packages the functions run with, from the npm registry: the
// versions the generated starter asks for. The tests install them once
// into the shared test cache (a folder keyed by the list, under a lock)
// with Node 22's npm.
var forgePackages = []string{"@forge/api@8.3.0", "@forge/kvs@1.6.5", "@forge/resolver@2.0.1", "@forge/events@3.0.8", "jose@6.2.19"}

var (
	modulesOnce sync.Once
	modulesDir  string
	modulesErr  error
)

// node22 returns the pinned Node 22 binary.
func node22(t testing.TB) string {
	t.Helper()
	testenv.Need(t, "npm", "node-versions")
	nodes, err := testenv.PinnedNodes()
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range nodes {
		if strings.HasPrefix(n.Version, "22.") {
			bin, err := n.Node()
			if err != nil {
				t.Fatal(err)
			}
			return bin
		}
	}
	t.Fatal("no Node 22 among the pinned versions (internal/testenv/node-versions.txt)")
	return ""
}

// forgeModules returns a node_modules folder with forgePackages.
func forgeModules(t testing.TB) string {
	t.Helper()
	node := node22(t)
	modulesOnce.Do(func() { modulesDir, modulesErr = installForgeModules(node) })
	if modulesErr != nil {
		t.Fatal(modulesErr)
	}
	return modulesDir
}

func installForgeModules(node string) (string, error) {
	root, err := testenv.CacheDir()
	if err != nil {
		return "", err
	}
	sum := sha256.Sum256([]byte(strings.Join(forgePackages, " ")))
	name := "forge-backend-" + hex.EncodeToString(sum[:])[:12]
	final := filepath.Join(root, name)
	if err := os.MkdirAll(root, 0o755); err != nil {
		return "", err
	}
	lock, err := os.OpenFile(filepath.Join(root, name+".lock"), os.O_CREATE|os.O_RDWR, 0o644)
	if err != nil {
		return "", err
	}
	defer lock.Close()
	if err := syscall.Flock(int(lock.Fd()), syscall.LOCK_EX); err != nil {
		return "", err
	}
	defer func() { _ = syscall.Flock(int(lock.Fd()), syscall.LOCK_UN) }()
	if _, err := os.Stat(filepath.Join(final, "ok")); err == nil {
		return filepath.Join(final, "node_modules"), nil
	}
	_ = os.RemoveAll(final)
	work, err := os.MkdirTemp(root, name+".tmp-")
	if err != nil {
		return "", err
	}
	defer os.RemoveAll(work)
	if err := os.WriteFile(filepath.Join(work, "package.json"), []byte(`{"private": true}`), 0o644); err != nil {
		return "", err
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "npm", append([]string{"install", "--ignore-scripts", "--no-audit", "--no-fund", "--loglevel=error"}, forgePackages...)...)
	cmd.Dir = work
	cmd.Env = append(os.Environ(), "PATH="+filepath.Dir(node)+string(os.PathListSeparator)+os.Getenv("PATH"))
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	fmt.Fprintf(os.Stderr, "forgehost: npm install %s, once, into %s\n", strings.Join(forgePackages, " "), final)
	if err := cmd.Run(); err != nil {
		return "", fmt.Errorf("npm install %s: %v\n%s", strings.Join(forgePackages, " "), err, out.Bytes())
	}
	if err := os.WriteFile(filepath.Join(work, "ok"), nil, 0o644); err != nil {
		return "", err
	}
	if err := os.Rename(work, final); err != nil {
		return "", err
	}
	return filepath.Join(final, "node_modules"), nil
}

// linkModules links the shared node_modules into an app folder.
func linkModules(t testing.TB, dir string) {
	t.Helper()
	if err := os.Symlink(forgeModules(t), filepath.Join(dir, "node_modules")); err != nil {
		t.Fatal(err)
	}
}

// startHost starts the local Forge host on dir with Node 22.
func startHost(t testing.TB, dir string, opts Options) *Host {
	t.Helper()
	opts.Dir = dir
	opts.Node = node22(t)
	if testing.Verbose() && opts.Log == nil {
		opts.Log = &testLog{t: t}
	}
	h, err := Start(context.Background(), opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := h.Close(); err != nil {
			t.Error(err)
		}
	})
	return h
}

type testLog struct{ t testing.TB }

func (l *testLog) Write(p []byte) (int, error) {
	l.t.Log(strings.TrimRight(string(p), "\n"))
	return len(p), nil
}

// writeApp writes files (path → content) into a new folder with the
// shared node_modules.
func writeApp(t testing.TB, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for p, c := range files {
		full := filepath.Join(dir, filepath.FromSlash(p))
		if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(full, []byte(c), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	linkModules(t, dir)
	return dir
}

func getWithToken(t testing.TB, url, token string) (int, string) {
	t.Helper()
	req, err := http.NewRequest("GET", url, nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, string(b)
}

func toJSON(t testing.TB, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
