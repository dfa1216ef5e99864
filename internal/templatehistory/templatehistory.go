// Package templatehistory writes the history of the built-in templates
// (templates/history: each version's file list, each file content once,
// as scaffold.HistoryTree reads them). Only the tests use it: `go test
// ./templates -run TestHistory -update` adds the current templates, and
// update's tests build histories of their own; connectgen itself only
// reads the history.
package templatehistory

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/connectgen/connectgen/scaffold"
)

// Add adds tree as the current version of template name to the
// history folder dir on disk, unless it is there already.
func Add(dir, name string, tree fs.FS) (version string, added bool, err error) {
	version, err = scaffold.TreeVersion(tree)
	if err != nil {
		return "", false, err
	}
	known, err := scaffold.HistoryVersions(os.DirFS(dir), name)
	if err != nil {
		return "", false, err
	}
	for _, v := range known {
		if v == version {
			return version, false, nil
		}
	}
	var block strings.Builder
	fmt.Fprintf(&block, "version %s\n", version)
	var paths []string
	err = fs.WalkDir(tree, ".", func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			paths = append(paths, p)
		}
		return err
	})
	if err != nil {
		return "", false, err
	}
	sort.Strings(paths)
	if err := os.MkdirAll(filepath.Join(dir, "blobs"), 0o755); err != nil {
		return "", false, err
	}
	for _, p := range paths {
		b, err := fs.ReadFile(tree, p)
		if err != nil {
			return "", false, err
		}
		sum := sha256.Sum256(b)
		h := hex.EncodeToString(sum[:])
		blob := filepath.Join(dir, "blobs", h)
		if _, err := os.Stat(blob); err != nil {
			if err := os.WriteFile(blob, b, 0o644); err != nil {
				return "", false, err
			}
		}
		fmt.Fprintf(&block, "%s %s\n", h, p)
	}
	f, err := os.OpenFile(filepath.Join(dir, name+".versions"), os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o644)
	if err != nil {
		return "", false, err
	}
	if _, err := f.WriteString(block.String()); err != nil {
		_ = f.Close() // the write error is the one to report
		return "", false, err
	}
	return version, true, f.Close()
}
