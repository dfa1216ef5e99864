package tmplsource

import (
	"archive/zip"
	"bytes"
	"fmt"
	"io"
	"io/fs"
	"strings"
	"testing/fstest"
)

// ReadZip reads a template archive. source names it in errors. As
// atlas-connect does, an archive whose entries all sit in one top-level
// folder (a Bitbucket or GitHub download) is read from inside that folder.
// Every entry is checked before any is read; the first bad one is refused
// with an *EntryError naming it.
func ReadZip(source string, data []byte, lim Limits) (*Tree, error) {
	return readZip(source, data, lim, true)
}

func readZip(source string, data []byte, lim Limits, strip bool) (*Tree, error) {
	r, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if r == nil {
		return nil, fmt.Errorf("template %s is not a readable zip archive: %v", source, err)
	}
	// archive/zip may also report zip.ErrInsecurePath; the checks below
	// cover it and name the entry.
	refuse := func(name, reason string) error {
		return &EntryError{Source: source, Entry: name, Reason: reason}
	}
	if len(r.File) > 2*lim.MaxFiles {
		return nil, refuse(r.File[lim.MaxFiles*2].Name, fmt.Sprintf("the archive has %d entries; at most %d files are accepted", len(r.File), lim.MaxFiles))
	}
	seen := map[string]string{} // lower-cased path -> path as in the archive
	kinds := map[string]bool{}  // path -> is a folder
	var files []*zip.File
	var declared uint64
	for _, f := range r.File {
		if why := checkName(f.Name); why != "" {
			return nil, refuse(f.Name, why)
		}
		mode := f.Mode()
		switch {
		case mode&fs.ModeSymlink != 0:
			return nil, refuse(f.Name, "is a symbolic link; links could point outside the project")
		case mode&(fs.ModeDevice|fs.ModeCharDevice|fs.ModeNamedPipe|fs.ModeSocket|fs.ModeIrregular) != 0:
			return nil, refuse(f.Name, "is a device or special file")
		}
		isDir := mode.IsDir() || strings.HasSuffix(f.Name, "/")
		name := strings.TrimSuffix(f.Name, "/")
		if prev, ok := seen[strings.ToLower(name)]; ok {
			if prev == name {
				return nil, refuse(f.Name, "appears twice in the archive")
			}
			return nil, refuse(f.Name, fmt.Sprintf("differs only in case from %q, the same file on macOS and Windows", prev))
		}
		seen[strings.ToLower(name)] = name
		kinds[name] = isDir
		if isDir {
			continue
		}
		files = append(files, f)
		if len(files) > lim.MaxFiles {
			return nil, refuse(f.Name, fmt.Sprintf("more than %d files in the archive", lim.MaxFiles))
		}
		if f.UncompressedSize64 > ratioFloor && (f.CompressedSize64 == 0 || f.UncompressedSize64/f.CompressedSize64 > uint64(lim.MaxRatio)) {
			return nil, refuse(f.Name, fmt.Sprintf("compresses %d bytes into %d, a ratio beyond %d:1 that only a zip bomb has", f.UncompressedSize64, f.CompressedSize64, lim.MaxRatio))
		}
		declared += f.UncompressedSize64
		if declared > uint64(lim.MaxBytes) {
			return nil, refuse(f.Name, fmt.Sprintf("the files hold more than %d bytes", lim.MaxBytes))
		}
	}
	// A folder and a file of the same path, or a file inside a file.
	for name := range kinds {
		for p := parentOf(name); p != ""; p = parentOf(p) {
			if isDir, ok := kinds[p]; ok && !isDir {
				return nil, refuse(name, fmt.Sprintf("lies inside %q, which is a file", p))
			}
		}
	}
	prefix := ""
	if strip {
		prefix = commonFolder(kinds)
	}
	m := fstest.MapFS{}
	var total int64
	for _, f := range files {
		rc, err := f.Open()
		if err != nil {
			return nil, refuse(f.Name, err.Error())
		}
		// Read at most one byte more than declared: an entry that holds
		// more than its header says is refused, whatever the header says.
		b, err := io.ReadAll(io.LimitReader(rc, int64(f.UncompressedSize64)+1))
		rc.Close()
		if err != nil {
			return nil, refuse(f.Name, err.Error())
		}
		if uint64(len(b)) > f.UncompressedSize64 {
			return nil, refuse(f.Name, "holds more data than its header declares")
		}
		total += int64(len(b))
		if total > lim.MaxBytes {
			return nil, refuse(f.Name, fmt.Sprintf("the files hold more than %d bytes", lim.MaxBytes))
		}
		rel := strings.TrimPrefix(f.Name, prefix)
		m[rel] = &fstest.MapFile{Data: b, Mode: fileMode(f.Mode())}
	}
	return &Tree{FS: m, Hash: HashBytes(data)}, nil
}

func parentOf(p string) string {
	i := strings.LastIndexByte(p, '/')
	if i < 0 {
		return ""
	}
	return p[:i]
}

// commonFolder returns "top/" when every entry lies in the folder top, and
// "" otherwise.
func commonFolder(kinds map[string]bool) string {
	top := ""
	for name, isDir := range kinds {
		first, _, nested := strings.Cut(name, "/")
		if !nested && !isDir {
			return "" // a file at the top level
		}
		if top == "" {
			top = first
		} else if top != first {
			return ""
		}
	}
	if top == "" {
		return ""
	}
	return top + "/"
}
