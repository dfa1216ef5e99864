// Package tmplsource reads project templates from outside connectgen: an
// http(s) URL of a zip, a local zip file or a local directory. Everything
// it reads is treated as hostile: archive entries that would land outside
// the project, links, device files, duplicate names, too many files or
// bytes and zip bombs are refused before anything is written, downloads
// are bounded in size and time, and plain http is refused unless the host
// is this machine or the caller allows it.
//
// A template is returned as an in-memory tree (a fs.FS) with a content
// hash, so that a project can record exactly what it was made from and
// connectgen update can find that same template again.
package tmplsource

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing/fstest"
)

// Kind is the kind of a template source.
type Kind string

const (
	Builtin Kind = "builtin"
	URL     Kind = "url"
	Zip     Kind = "zip"
	Dir     Kind = "dir"
)

// Spec is a parsed -t value.
type Spec struct {
	Kind Kind
	// Ref is the built-in name, the URL exactly as given (its case kept:
	// atlas-connect lower-cased it, which breaks case-sensitive links) or
	// the absolute path of the zip or directory.
	Ref string
}

// UsageError is a -t value that is none of the accepted forms.
type UsageError struct{ Msg string }

func (e *UsageError) Error() string { return e.Msg }

// Forms describes the accepted -t values, for errors and help.
func Forms(builtins []string) string {
	return fmt.Sprintf("a built-in template (%s), an http(s):// URL of a zip, a local .zip file or a local directory", strings.Join(builtins, ", "))
}

// Parse classifies a -t value. A built-in name wins over a file of the
// same name in the working directory; write ./bitbucket for the folder.
func Parse(arg string, builtins []string) (Spec, error) {
	for _, b := range builtins {
		if arg == b {
			return Spec{Kind: Builtin, Ref: arg}, nil
		}
	}
	lower := strings.ToLower(arg)
	if strings.HasPrefix(lower, "https://") || strings.HasPrefix(lower, "http://") {
		u, err := url.Parse(arg)
		if err != nil || u.Host == "" {
			return Spec{}, &UsageError{fmt.Sprintf("template URL %q is not a valid URL; give %s", arg, Forms(builtins))}
		}
		return Spec{Kind: URL, Ref: arg}, nil
	}
	if strings.Contains(arg, "://") {
		return Spec{}, &UsageError{fmt.Sprintf("template %q: only http:// and https:// URLs are accepted; give %s", arg, Forms(builtins))}
	}
	fi, err := os.Stat(arg)
	if err != nil {
		return Spec{}, &UsageError{fmt.Sprintf("unknown template %q: it is not a built-in name and no such file or directory exists; give %s", arg, Forms(builtins))}
	}
	abs, err := filepath.Abs(arg)
	if err != nil {
		return Spec{}, err
	}
	switch {
	case fi.IsDir():
		return Spec{Kind: Dir, Ref: abs}, nil
	case fi.Mode().IsRegular() && strings.HasSuffix(lower, ".zip"):
		return Spec{Kind: Zip, Ref: abs}, nil
	}
	return Spec{}, &UsageError{fmt.Sprintf("template %q is a file but not a .zip; give %s", arg, Forms(builtins))}
}

// Limits bound what a template may hold.
type Limits struct {
	MaxFiles int
	// MaxBytes bounds the sum of the files' sizes, and MaxDownload the
	// size of a downloaded archive.
	MaxBytes    int64
	MaxDownload int64
	// MaxRatio is the largest uncompressed/compressed ratio accepted for
	// an archive entry of more than ratioFloor bytes.
	MaxRatio int64
}

// DefaultLimits are generous for an app template (the built-in one has
// about 20 files and 30 KB) and small enough that a hostile archive cannot
// fill a disk or a memory.
var DefaultLimits = Limits{MaxFiles: 2000, MaxBytes: 64 << 20, MaxDownload: 32 << 20, MaxRatio: 100}

// ratioFloor: small entries may compress well (a file of spaces) without
// harm; the ratio rule is for entries large enough to matter.
const ratioFloor = 1 << 20

// EntryError is an archive or folder entry that was refused.
type EntryError struct {
	Source string
	Entry  string
	Reason string
}

func (e *EntryError) Error() string {
	return fmt.Sprintf("template %s: refusing entry %q: %s; nothing was written", e.Source, e.Entry, e.Reason)
}

// Tree is a template read into memory.
type Tree struct {
	FS fstest.MapFS
	// Hash identifies the content: "sha256:" and the hex digest of the zip
	// archive for zip and URL sources, of the file tree for directories.
	Hash string
}

// checkName refuses entry names that could leave the target or mean
// different files on different systems.
func checkName(name string) string {
	switch {
	case name == "":
		return "empty name"
	case strings.Contains(name, `\`):
		return `contains a backslash, which is a folder separator on Windows`
	case strings.HasPrefix(name, "/"):
		return "absolute path"
	case len(name) >= 2 && name[1] == ':' && (name[0]|0x20 >= 'a' && name[0]|0x20 <= 'z'):
		return "starts with a drive letter"
	case strings.ContainsRune(name, 0):
		return "contains a NUL byte"
	}
	for _, seg := range strings.Split(strings.TrimSuffix(name, "/"), "/") {
		if seg == ".." {
			return "escapes the target with .."
		}
		if strings.EqualFold(seg, ".git") {
			return "is inside a .git folder, whose hooks git would run"
		}
	}
	clean := strings.TrimSuffix(name, "/")
	if !fs.ValidPath(clean) {
		return "not a clean relative path"
	}
	return ""
}

// treeHash hashes a tree by its sorted paths, modes and contents.
func treeHash(m fstest.MapFS) string {
	paths := make([]string, 0, len(m))
	for p := range m {
		paths = append(paths, p)
	}
	sort.Strings(paths)
	h := sha256.New()
	for _, p := range paths {
		f := m[p]
		fmt.Fprintf(h, "%s\x00%o\x00%d\x00", p, f.Mode&0o111, len(f.Data))
		h.Write(f.Data)
	}
	return "sha256:" + hex.EncodeToString(h.Sum(nil))
}

// HashBytes is the content hash of an archive.
func HashBytes(b []byte) string {
	s := sha256.Sum256(b)
	return "sha256:" + hex.EncodeToString(s[:])
}

// ReadDir reads a template folder. Links and special files are refused as
// in archives; .git and node_modules are left out.
func ReadDir(dir string, lim Limits) (*Tree, error) {
	m := fstest.MapFS{}
	var total int64
	root := os.DirFS(dir)
	err := fs.WalkDir(root, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if p == "." {
			return nil
		}
		if d.IsDir() {
			if d.Name() == ".git" || d.Name() == "node_modules" {
				return fs.SkipDir
			}
			return nil
		}
		if d.Type()&fs.ModeSymlink != 0 {
			return &EntryError{Source: dir, Entry: p, Reason: "is a symbolic link"}
		}
		if why := checkName(p); why != "" {
			return &EntryError{Source: dir, Entry: p, Reason: why}
		}
		if !d.Type().IsRegular() {
			return &EntryError{Source: dir, Entry: p, Reason: "is not a regular file"}
		}
		if len(m) >= lim.MaxFiles {
			return &EntryError{Source: dir, Entry: p, Reason: fmt.Sprintf("more than %d files", lim.MaxFiles)}
		}
		fi, err := d.Info()
		if err != nil {
			return err
		}
		total += fi.Size()
		if total > lim.MaxBytes {
			return &EntryError{Source: dir, Entry: p, Reason: fmt.Sprintf("the files hold more than %d bytes", lim.MaxBytes)}
		}
		data, err := fs.ReadFile(root, p)
		if err != nil {
			return err
		}
		m[p] = &fstest.MapFile{Data: data, Mode: fileMode(fi.Mode())}
		return nil
	})
	if err != nil {
		var ee *EntryError
		if errors.As(err, &ee) {
			return nil, err
		}
		return nil, fmt.Errorf("template %s: %w", dir, err)
	}
	return &Tree{FS: m, Hash: treeHash(m)}, nil
}

func fileMode(m fs.FileMode) fs.FileMode {
	if m&0o111 != 0 {
		return 0o755
	}
	return 0o644
}
