package scaffold

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"strings"
	"testing/fstest"
)

// The history of the built-in templates lets connectgen update find the
// template a project was made from, however old the connectgen that made
// it. Every released version of every built-in template is kept, and
// kept cheaply: a file's content is stored once, under its SHA-256, in
// blobs/, whatever number of versions share it, and <name>.versions lists
// each version as a block:
//
//	version t3ea964dbe185
//	<sha256 of the content> <path in the template>
//	…
//
// A version is TreeVersion of the template's files, so it is known from
// the files alone. `go test ./templates -run TestHistory -update` adds the
// current templates; the same test without -update fails when a template
// changed and its version was not added, so no release can ship a template
// version that a later update could not start from.

// HistoryVersions lists the versions of template name that hist holds, oldest first.
func HistoryVersions(hist fs.FS, name string) ([]string, error) {
	idx, err := readHistory(hist, name)
	if err != nil {
		return nil, err
	}
	out := make([]string, len(idx))
	for i, v := range idx {
		out[i] = v.version
	}
	return out, nil
}

type historyVersion struct {
	version string
	files   [][2]string // sha, path
}

func readHistory(hist fs.FS, name string) ([]historyVersion, error) {
	b, err := fs.ReadFile(hist, name+".versions")
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var out []historyVersion
	sc := bufio.NewScanner(bytes.NewReader(b))
	for n := 1; sc.Scan(); n++ {
		line := sc.Text()
		if line == "" {
			continue
		}
		if v, ok := strings.CutPrefix(line, "version "); ok {
			out = append(out, historyVersion{version: v})
			continue
		}
		sum, p, ok := strings.Cut(line, " ")
		if !ok || len(out) == 0 {
			return nil, fmt.Errorf("%s.versions:%d: malformed line", name, n)
		}
		out[len(out)-1].files = append(out[len(out)-1].files, [2]string{sum, p})
	}
	return out, sc.Err()
}

// HistoryTree rebuilds version of template name from hist.
func HistoryTree(hist fs.FS, name, version string) (fs.FS, error) {
	idx, err := readHistory(hist, name)
	if err != nil {
		return nil, err
	}
	for _, v := range idx {
		if v.version != version {
			continue
		}
		m := fstest.MapFS{}
		for _, f := range v.files {
			b, err := fs.ReadFile(hist, "blobs/"+f[0])
			if err != nil {
				return nil, fmt.Errorf("template history of %s %s: %w", name, version, err)
			}
			if sum := sha256.Sum256(b); hex.EncodeToString(sum[:]) != f[0] {
				return nil, fmt.Errorf("template history of %s %s: blob %s is damaged", name, version, f[0])
			}
			m[f[1]] = &fstest.MapFile{Data: b, Mode: 0o644}
		}
		return m, nil
	}
	return nil, fmt.Errorf("template %s version %s is not in this connectgen's history", name, version)
}
