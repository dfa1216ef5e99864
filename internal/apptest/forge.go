package apptest

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/connectgen/connectgen/internal/testenv"
	"github.com/connectgen/connectgen/scaffold"
)

// Node22 is the pinned Node 22 of the test cache: Forge functions run on
// the nodejs22.x runtime.
func Node22() (testenv.Node, error) {
	ns, err := testenv.PinnedNodes()
	if err != nil {
		return testenv.Node{}, err
	}
	for _, n := range ns {
		if strings.HasPrefix(n.Version, "22.") {
			return n, nil
		}
	}
	return testenv.Node{}, fmt.Errorf("no Node 22 among the pinned versions %v (internal/testenv/node-versions.txt)", testenv.PinnedNodeVersions())
}

// LinkForgeModules links into dir a node_modules holding the npm
// dependencies of a generated Forge app (files, as forge new renders
// them), installed once per test run on Node 22 into the shared test
// cache. The install is keyed by the dependencies alone, so the starters
// of every descriptor, and every package's tests, share one.
func LinkForgeModules(dir string, files []scaffold.File) error {
	var deps []scaffold.File
	for _, f := range files {
		if f.Path != "package.json" {
			continue
		}
		var pkg struct{ Dependencies map[string]string }
		if err := json.Unmarshal(f.Content, &pkg); err != nil {
			return fmt.Errorf("the Forge app's package.json: %w", err)
		}
		b, err := json.Marshal(map[string]any{"name": "forge-starter", "private": true, "dependencies": pkg.Dependencies})
		if err != nil {
			return err
		}
		deps = append(deps, scaffold.File{Path: f.Path, Content: b})
	}
	if len(deps) == 0 {
		return errors.New("the Forge app has no package.json")
	}
	node, err := Node22()
	if err != nil {
		return err
	}
	nm, err := InstallDeps("forge-starter-", deps, node)
	if err != nil {
		return err
	}
	return os.Symlink(nm, filepath.Join(dir, "node_modules"))
}
