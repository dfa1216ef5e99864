package testenv

import (
	"bufio"
	"bytes"
	_ "embed"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// pinnedNodes is the list of Node versions besides the machine's that the
// generated apps are tested on; .ci/test-deps reads the same file.
//
//go:embed node-versions.txt
var pinnedNodes []byte

// Node is a Node.js installation the generated apps run on.
type Node struct {
	// Version is the version without "v", e.g. "22.23.3".
	Version string
	// Bin is the folder of its node binary; "" for the machine's node on
	// PATH. npm is always the machine's, run by this node.
	Bin string
}

// Name is "node-VERSION", for subtest names and messages.
func (n Node) Name() string {
	if n.Version == "" {
		return "the machine's node"
	}
	return "node-" + n.Version
}

// Env returns env (os.Environ() when nil) with PATH starting at n's
// folder, so that node, and npm's `#!/usr/bin/env node`, run this version.
func (n Node) Env(env []string) []string {
	if env == nil {
		env = os.Environ()
	}
	if n.Bin == "" {
		return env
	}
	out := make([]string, 0, len(env)+1)
	path := os.Getenv("PATH")
	for _, kv := range env {
		if v, ok := strings.CutPrefix(kv, "PATH="); ok {
			path = v
			continue
		}
		out = append(out, kv)
	}
	return append(out, "PATH="+n.Bin+string(os.PathListSeparator)+path)
}

// Node returns the path of n's node binary.
func (n Node) Node() (string, error) {
	if n.Bin == "" {
		return exec.LookPath("node")
	}
	return filepath.Join(n.Bin, "node"), nil
}

// PinnedNodeVersions returns the versions of node-versions.txt.
func PinnedNodeVersions() []string {
	var vs []string
	sc := bufio.NewScanner(bytes.NewReader(pinnedNodes))
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) == 2 && !strings.HasPrefix(f[0], "#") {
			vs = append(vs, f[0])
		}
	}
	return vs
}

// CacheDir is where tests keep what they fetch or install once:
// $CONNECTGEN_TEST_CACHE, else connectgen-test in the user's cache folder
// (~/.cache/connectgen-test).
func CacheDir() (string, error) {
	if d := os.Getenv("CONNECTGEN_TEST_CACHE"); d != "" {
		return d, nil
	}
	d, err := os.UserCacheDir()
	if err != nil {
		return "", err
	}
	return filepath.Join(d, "connectgen-test"), nil
}

// MachineNode is the node on PATH, with its version.
func MachineNode() (Node, error) {
	out, err := exec.Command("node", "--version").Output()
	if err != nil {
		return Node{}, fmt.Errorf("node on PATH: %v", err)
	}
	return Node{Version: strings.TrimPrefix(strings.TrimSpace(string(out)), "v")}, nil
}

// Nodes returns the machine's node and every pinned version from the test
// cache: the versions the generated apps must work on. Under -short it
// skips t; otherwise a missing version fails t with how to fetch it.
func Nodes(t testing.TB) []Node {
	t.Helper()
	Need(t, "npm", "node-versions")
	m, err := MachineNode()
	if err != nil {
		t.Fatal(err)
	}
	ns, err := PinnedNodes()
	if err != nil {
		t.Fatal(err)
	}
	return append([]Node{m}, ns...)
}

// PinnedNodes returns the pinned versions from the test cache, or an error
// naming the first one missing and how to fetch it.
func PinnedNodes() ([]Node, error) {
	cache, err := CacheDir()
	if err != nil {
		return nil, err
	}
	var nodes []Node
	for _, v := range PinnedNodeVersions() {
		bin := filepath.Join(cache, "node-v"+v, "bin")
		out, err := exec.Command(filepath.Join(bin, "node"), "--version").Output()
		if err != nil || strings.TrimSpace(string(out)) != "v"+v {
			return nil, fmt.Errorf("Node %s is not in the test cache (%s): run make test-deps (.ci/test-deps) to fetch it from the npm registry", v, bin)
		}
		nodes = append(nodes, Node{Version: v, Bin: bin})
	}
	return nodes, nil
}
