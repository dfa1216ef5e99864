package apptest

import (
	"encoding/json"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// NativeParts lists what in the node_modules folder nm would build or run
// code at install time, or load native code: a package.json declaring a
// preinstall, install or postinstall script or "gypfile", a binding.gyp,
// or a prebuilt addon (*.node). Each entry names the package folder
// relative to nm and what it has. A generated app must have none: it is
// installed with --ignore-scripts and needs no compiler.
func NativeParts(nm string) ([]string, error) {
	var found []string
	err := filepath.WalkDir(nm, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(nm, p)
		switch {
		case d.Type()&fs.ModeSymlink != 0:
			return nil
		case d.IsDir():
			return nil
		case d.Name() == "binding.gyp":
			found = append(found, filepath.Dir(rel)+": binding.gyp")
		case strings.HasSuffix(d.Name(), ".node"):
			found = append(found, filepath.Dir(rel)+": native addon "+d.Name())
		case d.Name() == "package.json":
			b, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			var pkg struct {
				Scripts map[string]any `json:"scripts"`
				Gypfile bool           `json:"gypfile"`
			}
			if json.Unmarshal(b, &pkg) != nil {
				return nil // test fixtures inside packages may be anything
			}
			for _, s := range []string{"preinstall", "install", "postinstall"} {
				if v, ok := pkg.Scripts[s]; ok {
					found = append(found, fmt.Sprintf("%s: %s script %v", filepath.Dir(rel), s, v))
				}
			}
			if pkg.Gypfile {
				found = append(found, filepath.Dir(rel)+": gypfile")
			}
		}
		return nil
	})
	sort.Strings(found)
	return found, err
}
