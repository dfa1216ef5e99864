package forgehost

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/connectgen/connectgen/internal/apptest"
	"github.com/connectgen/connectgen/internal/testenv"
	"github.com/connectgen/connectgen/scaffold"
)

// The packages the tests' own small apps and remote run with, from the
// npm registry (the starters install their own package.json's): installed
// once into the shared test cache with Node 22's npm (apptest.InstallDeps).
var forgePackages = []string{"@forge/api@8.3.0", "@forge/kvs@1.6.5", "@forge/resolver@2.0.1", "@forge/events@3.0.8", "jose@6.2.19"}

var (
	modulesOnce sync.Once
	modulesDir  string
	modulesErr  error
)

// pinnedNode22 returns the pinned Node 22.
func pinnedNode22(t testing.TB) testenv.Node {
	t.Helper()
	testenv.Need(t, "npm", "node-versions")
	n, err := apptest.Node22()
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// node22 returns the pinned Node 22 binary.
func node22(t testing.TB) string {
	t.Helper()
	bin, err := pinnedNode22(t).Node()
	if err != nil {
		t.Fatal(err)
	}
	return bin
}

// forgeModules returns a node_modules folder with forgePackages.
func forgeModules(t testing.TB) string {
	t.Helper()
	node := pinnedNode22(t)
	modulesOnce.Do(func() { modulesDir, modulesErr = installForgeModules(node) })
	if modulesErr != nil {
		t.Fatal(modulesErr)
	}
	return modulesDir
}

func installForgeModules(node testenv.Node) (string, error) {
	deps := map[string]string{}
	for _, p := range forgePackages {
		at := strings.LastIndex(p, "@")
		deps[p[:at]] = p[at+1:]
	}
	b, err := json.Marshal(map[string]any{"name": "forge-backend", "private": true, "dependencies": deps})
	if err != nil {
		return "", err
	}
	return apptest.InstallDeps("forge-backend-", []scaffold.File{{Path: "package.json", Content: b}}, node)
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
