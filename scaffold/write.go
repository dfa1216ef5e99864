package scaffold

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"
)

// Mode says what may happen to a target directory that already has files.
type Mode int

const (
	// ModeNew writes only into an absent or empty directory.
	ModeNew Mode = iota
	// ModeForce writes beside existing files but replaces none of them.
	ModeForce
	// ModeOverwrite also replaces existing files that the template has.
	// Files that are not the template's are never touched.
	ModeOverwrite
)

// Action is what writing a plan does to one file.
type Action string

const (
	Create    Action = "create"
	Replace   Action = "replace"
	Unchanged Action = "unchanged" // already there with the same content
	Refuse    Action = "refuse"    // in the way; Entry.Reason says why
	// Remove deletes the file; only connectgen update plans it, for a
	// file the template dropped and the user never changed.
	Remove Action = "remove"
)

// Entry is one file of a plan.
type Entry struct {
	File   File
	Action Action
	Reason string
}

// Plan is what writing files into Target would do. It is computed without
// writing anything, so it also serves --dry-run.
type Plan struct {
	Target  string
	Mode    Mode
	Entries []Entry
	// Exists says the target directory exists; Existing lists the files
	// and folders already in it, slash-separated and sorted.
	Exists   bool
	Existing []string
}

// NotEmptyError is returned for a non-empty target in ModeNew.
type NotEmptyError struct {
	Target string
	Files  []string
}

func (e *NotEmptyError) Error() string {
	return fmt.Sprintf("directory %q is not empty (%s in the way: %s); use --force to write beside them or --overwrite to replace the template's own files",
		e.Target, plural(len(e.Files), "entry", "entries"), listShort(e.Files, 8))
}

// ConflictError is returned when files are in the way of the plan.
type ConflictError struct {
	Target  string
	Entries []Entry
}

func (e *ConflictError) Error() string {
	var parts []string
	for _, en := range e.Entries {
		parts = append(parts, en.File.Path+" ("+en.Reason+")")
	}
	hint := "; use --overwrite to replace the template's own files"
	for _, en := range e.Entries {
		if !strings.HasPrefix(en.Reason, "exists") {
			hint = "; move them out of the way"
			break
		}
	}
	return fmt.Sprintf("refusing to replace %s in %q: %s%s", plural(len(e.Entries), "file", "files"), e.Target, listShort(parts, 8), hint)
}

// NewPlan works out what writing files into target in mode would do.
// It reads the target but changes nothing.
func NewPlan(target string, files []File, mode Mode) (*Plan, error) {
	p := &Plan{Target: target, Mode: mode}
	fi, err := os.Lstat(target)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		for _, f := range files {
			p.Entries = append(p.Entries, Entry{File: f, Action: Create})
		}
		return p, nil
	case err != nil:
		return nil, err
	case fi.Mode()&fs.ModeSymlink != 0:
		return nil, fmt.Errorf("%q is a symbolic link; give the real directory", target)
	case !fi.IsDir():
		return nil, fmt.Errorf("%q exists and is not a directory", target)
	}
	p.Exists = true
	err = filepath.WalkDir(target, func(fp string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if fp == target {
			return nil
		}
		rel, _ := filepath.Rel(target, fp)
		p.Existing = append(p.Existing, filepath.ToSlash(rel))
		return nil
	})
	if err != nil {
		return nil, err
	}
	sort.Strings(p.Existing)
	for _, f := range files {
		p.Entries = append(p.Entries, planFile(target, f, mode))
	}
	return p, nil
}

func planFile(target string, f File, mode Mode) Entry {
	// Every folder on the way must be a real folder: a link or a file there
	// would send the write somewhere else or fail half way.
	dirs := strings.Split(f.Path, "/")
	for i := 1; i < len(dirs); i++ {
		rel := strings.Join(dirs[:i], "/")
		fi, err := os.Lstat(filepath.Join(target, filepath.FromSlash(rel)))
		if errors.Is(err, fs.ErrNotExist) {
			return Entry{File: f, Action: Create}
		}
		if err != nil {
			return Entry{File: f, Action: Refuse, Reason: err.Error()}
		}
		if !fi.IsDir() {
			return Entry{File: f, Action: Refuse, Reason: rel + " is not a directory"}
		}
	}
	full := filepath.Join(target, filepath.FromSlash(f.Path))
	fi, err := os.Lstat(full)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return Entry{File: f, Action: Create}
	case err != nil:
		return Entry{File: f, Action: Refuse, Reason: err.Error()}
	case !fi.Mode().IsRegular():
		return Entry{File: f, Action: Refuse, Reason: "exists and is not a regular file"}
	}
	if old, err := os.ReadFile(full); err == nil && bytes.Equal(old, f.Content) {
		return Entry{File: f, Action: Unchanged}
	}
	if mode == ModeOverwrite {
		return Entry{File: f, Action: Replace}
	}
	return Entry{File: f, Action: Refuse, Reason: "exists with other content"}
}

// Check returns the error that stops the plan, if any: a non-empty target
// in ModeNew, or files in the way.
func (p *Plan) Check() error {
	if p.Mode == ModeNew && len(p.Existing) > 0 {
		return &NotEmptyError{Target: p.Target, Files: topLevel(p.Existing)}
	}
	var refused []Entry
	for _, e := range p.Entries {
		if e.Action == Refuse {
			refused = append(refused, e)
		}
	}
	if len(refused) > 0 {
		return &ConflictError{Target: p.Target, Entries: refused}
	}
	return nil
}

// Count returns how many entries have action a.
func (p *Plan) Count(a Action) int {
	n := 0
	for _, e := range p.Entries {
		if e.Action == a {
			n++
		}
	}
	return n
}

// Writer writes plans. AfterFile, when set, is called after each file is
// staged; tests use it to interrupt a write at a known point.
type Writer struct {
	AfterFile func(staged int)
}

// Write carries out the plan. Files are first written to a temporary
// directory beside the target; only when all are there are they moved into
// place, so a cancelled ctx or an error leaves the target as it was and no
// temporary directory behind. The parent of the target must exist.
func (w *Writer) Write(ctx context.Context, p *Plan) (err error) {
	if err := p.Check(); err != nil {
		return err
	}
	parent := filepath.Dir(p.Target)
	if fi, err := os.Stat(parent); err != nil || !fi.IsDir() {
		return fmt.Errorf("directory %q does not exist; create it first or choose another --dir", parent)
	}
	tmp, err := os.MkdirTemp(parent, "."+filepath.Base(p.Target)+".connectgen-*")
	if err != nil {
		return fmt.Errorf("cannot create a temporary directory beside %q: %w", p.Target, err)
	}
	defer func() {
		// After a successful write tmp is empty; os.Remove is one call.
		if os.Remove(tmp) == nil {
			return
		}
		if rmErr := os.RemoveAll(tmp); rmErr != nil && err == nil {
			err = fmt.Errorf("removing temporary directory: %w", rmErr)
		}
	}()
	stage := filepath.Join(tmp, "stage")
	staged := 0
	made := map[string]bool{}
	for _, e := range p.Entries {
		if e.Action != Create && e.Action != Replace {
			continue
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		dst := filepath.Join(stage, filepath.FromSlash(e.File.Path))
		if dir := filepath.Dir(dst); !made[dir] {
			if err := os.MkdirAll(dir, 0o755); err != nil {
				return err
			}
			made[dir] = true
		}
		if err := os.WriteFile(dst, e.File.Content, e.File.Mode); err != nil {
			return err
		}
		staged++
		if w.AfterFile != nil {
			w.AfterFile(staged)
		}
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	// From here on the work is a few renames; it is not interrupted, since
	// stopping half way would be worse than finishing.
	if !p.Exists {
		if staged == 0 {
			return os.Mkdir(p.Target, 0o755)
		}
		return os.Rename(stage, p.Target)
	}
	return moveInto(p, stage, filepath.Join(tmp, "backup"))
}

// moveInto moves staged files into an existing target, keeping replaced
// files in backup until every move succeeded, and undoing all on failure.
func moveInto(p *Plan, stage, backup string) error {
	var undo []func()
	rollback := func() {
		for i := len(undo) - 1; i >= 0; i-- {
			undo[i]()
		}
	}
	for _, e := range p.Entries {
		if e.Action != Create && e.Action != Replace && e.Action != Remove {
			continue
		}
		rel := filepath.FromSlash(e.File.Path)
		dst := filepath.Join(p.Target, rel)
		// A replaced or removed file is moved aside into backup first, so
		// that a failure later can put it back.
		if e.Action == Replace || e.Action == Remove {
			bak := filepath.Join(backup, rel)
			if err := os.MkdirAll(filepath.Dir(bak), 0o755); err != nil {
				rollback()
				return err
			}
			if err := os.Rename(dst, bak); err != nil {
				rollback()
				return err
			}
			// undoing after a failure: the failure is what is reported
			undo = append(undo, func() { _ = os.Rename(bak, dst) })
		}
		if e.Action == Remove {
			continue
		}
		for _, d := range missingDirs(p.Target, path.Dir(e.File.Path)) {
			if err := os.Mkdir(d, 0o755); err != nil {
				rollback()
				return err
			}
			// undoing after a failure: the failure is what is reported
			undo = append(undo, func() { _ = os.Remove(d) })
		}
		if err := os.Rename(filepath.Join(stage, rel), dst); err != nil {
			rollback()
			return err
		}
		// undoing after a failure: the failure is what is reported
		undo = append(undo, func() { _ = os.Remove(dst) })
	}
	return nil
}

// missingDirs lists the directories between target and target/rel that do
// not exist yet, outermost first.
func missingDirs(target, rel string) []string {
	if rel == "." {
		return nil
	}
	var out []string
	cur := target
	for _, part := range strings.Split(rel, "/") {
		cur = filepath.Join(cur, part)
		if _, err := os.Lstat(cur); errors.Is(err, fs.ErrNotExist) {
			out = append(out, cur)
		}
	}
	return out
}

func topLevel(paths []string) []string {
	var out []string
	for _, p := range paths {
		if !strings.Contains(p, "/") {
			out = append(out, p)
		}
	}
	return out
}

func listShort(items []string, max int) string {
	if len(items) <= max {
		return strings.Join(items, ", ")
	}
	return strings.Join(items[:max], ", ") + fmt.Sprintf(" and %d more", len(items)-max)
}

func plural(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return fmt.Sprintf("%d %s", n, many)
}
