// Package update brings a newer template into a project that was made from
// an older one without losing the user's edits, as copier and cruft do.
//
// The project's .connectgen.json names the template and the answers it was
// made with. The old template (the base) and the new one are both rendered
// with those answers, and every file is merged three ways: base, the
// user's file, the new template's. A file the user did not change takes
// the new version; changes on both sides that do not touch are merged;
// touching ones get conflict markers. A file the user deleted stays
// deleted, a file the new template adds is added, and a file it drops is
// removed only if the user never changed it. Before anything is replaced,
// merged or removed, the user's version is copied to
// .connectgen/backup/<UTC time>/, and the whole update is written as one
// atomic step (scaffold.Writer), so it is all done or not at all.
package update

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/connectgen/connectgen/internal/descriptor"
	"github.com/connectgen/connectgen/internal/merge3"
	"github.com/connectgen/connectgen/internal/tmplsource"
	"github.com/connectgen/connectgen/scaffold"
)

// Action is what the update does to one file.
type Action string

const (
	Unchanged Action = "unchanged" // the project already has the new content, or the template did not change it
	Update    Action = "update"    // the user had not changed it: the new version replaces it
	Merge     Action = "merge"     // both changed it, apart: merged
	Conflict  Action = "conflict"  // both changed the same lines: written with markers
	Add       Action = "add"       // new in the template
	Delete    Action = "delete"    // dropped by the template, unchanged by the user
	Keep      Action = "keep"      // left as the user has it (Note says why)
)

// Entry is one file of an update plan.
type Entry struct {
	Path    string
	Action  Action
	Note    string
	Content []byte
	// Conflicts counts the conflicting regions of a Conflict.
	Conflicts int
}

// Options say what to update.
type Options struct {
	// Dir is the project folder.
	Dir string
	// To is the template to update to: "" for the newest version of the
	// recorded source, a version of the recorded built-in template, or any
	// -t source.
	To string
	// Set changes answers: a standard value by its JSON name (key,
	// appName, description, vendorName, vendorUrl) or a template variable.
	Set map[string]string
	// AllowDirty allows a project with uncommitted git changes.
	AllowDirty bool
	// AllowDowngrade allows To to be an older version of the built-in
	// template than the project's.
	AllowDowngrade bool
	// Now names the backup folder.
	Now time.Time
	// ConnectgenVersion is recorded in the updated .connectgen.json.
	ConnectgenVersion string
}

// Plan is a computed update; nothing is written until Apply.
type Plan struct {
	Dir  string
	From string // the base template and version, for messages
	To   string
	// Downgrade says To is an older version of the built-in template
	// than From.
	Downgrade bool
	Entries   []Entry
	// Backup is the folder, relative to Dir, that keeps the user's
	// versions of the files the update touches.
	Backup string
}

// UsageError is a mistake in the options.
type UsageError struct{ Err error }

func (e *UsageError) Error() string { return e.Err.Error() }
func (e *UsageError) Unwrap() error { return e.Err }

func usagef(format string, a ...any) error { return &UsageError{fmt.Errorf(format, a...)} }

// BackupRoot is where the user's versions of touched files are kept.
const BackupRoot = ".connectgen/backup"

// Prepare reads the project, renders the base and the new template and
// works out the merge. It writes nothing.
func Prepare(ctx context.Context, r *tmplsource.Resolver, opts Options) (*Plan, error) {
	dir := opts.Dir
	raw, err := os.ReadFile(filepath.Join(dir, scaffold.RecordFile))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, &UsageError{Err: fmt.Errorf("%s has no %s: it was not made by connectgen new, so there is no template to update from; run update in the project's folder or give it with --dir", dir, scaffold.RecordFile)}
	}
	if err != nil {
		return nil, err
	}
	var rec scaffold.Record
	if err := json.Unmarshal(raw, &rec); err != nil {
		return nil, fmt.Errorf("%s: %v", filepath.Join(dir, scaffold.RecordFile), err)
	}
	if !opts.AllowDirty {
		if dirty, err := gitDirty(ctx, dir); err != nil {
			return nil, err
		} else if len(dirty) > 0 {
			return nil, fmt.Errorf("the project has uncommitted changes (%s); commit or stash them first so the update can be reviewed and undone with git, or pass --allow-dirty", listShort(dirty, 5))
		}
	}
	base, err := openBase(ctx, r, &rec, dir)
	if err != nil {
		return nil, err
	}
	next, err := openNext(ctx, r, &rec, opts.To)
	if err != nil {
		return nil, err
	}
	downgrade := rec.Source == nil && isOlder(r.Versions(rec.Template), next.Version, base.Version)
	if downgrade && !opts.AllowDowngrade {
		return nil, usagef("--to %s is older than the project's version %s of template %s: that is a downgrade; pass --allow-downgrade to go back to it", next.Version, base.Version, rec.Template)
	}
	baseFiles, err := base.Render(rec.Values, rec.Answers, rec.Version)
	if err != nil {
		return nil, fmt.Errorf("rendering the template the project was made from: %w", err)
	}
	data, answers, err := newAnswers(&rec, next, opts.Set)
	if err != nil {
		return nil, err
	}
	nextFiles, err := next.Render(data, answers, opts.ConnectgenVersion)
	if err != nil {
		return nil, err
	}
	p := &Plan{Dir: dir, From: describe(base), To: describe(next), Downgrade: downgrade,
		Backup: BackupRoot + "/" + opts.Now.UTC().Format("20060102T150405Z")}
	p.Entries, err = plan(dir, baseFiles, nextFiles, base.Spec.Ref+" "+shortVersion(base), next.Spec.Ref+" "+shortVersion(next))
	if err != nil {
		return nil, err
	}
	return p, nil
}

// isOlder says whether version a comes before version b in versions
// (oldest first); a version not listed is older than none.
func isOlder(versions []string, a, b string) bool {
	ia, ib := slices.Index(versions, a), slices.Index(versions, b)
	return ia >= 0 && ib >= 0 && ia < ib
}

func describe(o *tmplsource.Opened) string {
	if v := shortVersion(o); v != "" {
		return o.Spec.Ref + " " + v
	}
	return o.Spec.Ref
}

func shortVersion(o *tmplsource.Opened) string {
	if o.Version != "" {
		return o.Version
	}
	if len(o.Hash) > 19 {
		return o.Hash[:19]
	}
	return o.Hash
}

// openBase opens the template the project was made from. A project made
// by a connectgen from before template versions were recorded names only
// the built-in template; its base is the version in the history whose
// rendering has the most files identical to the project's.
func openBase(ctx context.Context, r *tmplsource.Resolver, rec *scaffold.Record, dir string) (*tmplsource.Opened, error) {
	if rec.Source != nil || rec.TemplateVersion != "" {
		return r.OpenRecorded(ctx, rec)
	}
	best, bestN := "", -1
	for _, v := range r.Versions(rec.Template) {
		o, err := r.OpenVersion(rec.Template, v)
		if err != nil {
			continue
		}
		files, err := o.Render(rec.Values, rec.Answers, rec.Version)
		if err != nil {
			continue
		}
		n := 0
		for _, f := range files {
			if b, err := os.ReadFile(filepath.Join(dir, filepath.FromSlash(f.Path))); err == nil && bytes.Equal(b, f.Content) {
				n++
			}
		}
		if n > bestN {
			best, bestN = v, n
		}
	}
	if best == "" {
		return nil, fmt.Errorf("cannot tell which version of template %q the project was made from", rec.Template)
	}
	rec.TemplateVersion = best
	return r.OpenVersion(rec.Template, best)
}

func openNext(ctx context.Context, r *tmplsource.Resolver, rec *scaffold.Record, to string) (*tmplsource.Opened, error) {
	if to == "" {
		if rec.Source == nil {
			return r.Open(ctx, tmplsource.Spec{Kind: tmplsource.Builtin, Ref: rec.Template})
		}
		return r.Open(ctx, tmplsource.Spec{Kind: tmplsource.Kind(rec.Source.Kind), Ref: rec.Source.Ref})
	}
	if rec.Source == nil && r.HasVersion(rec.Template, to) {
		return r.OpenVersion(rec.Template, to)
	}
	s, err := r.Parse(to)
	if err != nil {
		var ue *tmplsource.UsageError
		if errors.As(err, &ue) && rec.Source == nil {
			return nil, usagef("--to %q is neither a version of template %s (%s) nor a template source: %v", to, rec.Template, strings.Join(r.Versions(rec.Template), ", "), err)
		}
		return nil, &UsageError{err}
	}
	return r.Open(ctx, s)
}

// newAnswers applies --set to the recorded values and fills in variables
// the new template adds from their defaults.
func newAnswers(rec *scaffold.Record, next *tmplsource.Opened, set map[string]string) (scaffold.Data, map[string]string, error) {
	data := rec.Values
	answers := map[string]string{}
	vars := map[string]bool{}
	for _, v := range next.Template.Variables() {
		vars[v.Name] = true
		if a, ok := rec.Answers[v.Name]; ok {
			answers[v.Name] = a
		}
	}
	for _, k := range slices.Sorted(maps.Keys(set)) {
		v := set[k]
		switch k {
		case "key":
			if err := descriptor.ValidAppKey(v); err != nil {
				return data, nil, usagef("--set key: %v", err)
			}
			data.Key = v
		case "appName":
			data.AppName = v
		case "description":
			data.Description = v
		case "vendorName":
			data.VendorName = v
		case "vendorUrl":
			data.VendorURL = v
		case "name":
			if err := scaffold.ValidProjectName(v); err != nil {
				return data, nil, usagef("--set name: %v", err)
			}
			data.Name = v
		default:
			if !vars[k] {
				return data, nil, usagef("--set %s: the template has no such value; it has name, key, appName, description, vendorName, vendorUrl%s", k, varList(next))
			}
			answers[k] = v
		}
	}
	for _, v := range next.Template.Variables() {
		if _, ok := answers[v.Name]; ok {
			continue
		}
		d, err := next.Template.DefaultFor(v, data, answers)
		if err != nil {
			return data, nil, err
		}
		if v.Check(d) != nil {
			return data, nil, usagef("the new template asks for %s (%s); give it with --set %s=VALUE", v.Name, v.Label(), v.Name)
		}
		answers[v.Name] = d
	}
	if err := next.Template.CheckAnswers(answers); err != nil {
		return data, nil, usagef("%v", err)
	}
	return data, answers, nil
}

func varList(o *tmplsource.Opened) string {
	var s string
	for _, v := range o.Template.Variables() {
		s += ", " + v.Name
	}
	return s
}

// plan merges every file of base and next with the project's.
func plan(dir string, base, next []scaffold.File, baseLabel, nextLabel string) ([]Entry, error) {
	bm, nm := index(base), index(next)
	paths := map[string]bool{}
	for p := range bm {
		paths[p] = true
	}
	for p := range nm {
		paths[p] = true
	}
	sorted := slices.Sorted(maps.Keys(paths))
	labels := merge3.Labels{Ours: "yours", Base: baseLabel, Theirs: nextLabel}
	var out []Entry
	for _, p := range sorted {
		b, inB := bm[p]
		n, inN := nm[p]
		cur, exists, err := readProjectFile(dir, p)
		if err != nil {
			out = append(out, Entry{Path: p, Action: Keep, Note: err.Error()})
			continue
		}
		e := Entry{Path: p}
		switch {
		case p == scaffold.RecordFile:
			// The record always describes the template now applied.
			e.Action, e.Content = Update, n
			if exists && bytes.Equal(cur, n) {
				e.Action = Unchanged
			}
		case inB && inN && !exists:
			e.Action, e.Note = Keep, "you deleted it; it stays deleted"
			if !bytes.Equal(b, n) {
				e.Note += ", though the template changed it"
			}
		case inN && exists && bytes.Equal(cur, n):
			e.Action = Unchanged
		case inB && inN && bytes.Equal(cur, b):
			e.Action, e.Content = Update, n
		case inB && inN && bytes.Equal(b, n):
			e.Action, e.Note = Keep, "your changes kept; the template did not change it"
		case inB && inN:
			e = merged(p, b, cur, n, labels)
		case inN && !exists:
			e.Action, e.Content = Add, n
		case inN:
			// New in the template, but the user has a file there.
			e = merged(p, nil, cur, n, labels)
		case !exists:
			continue // dropped by the template and gone from the project
		case bytes.Equal(cur, b):
			e.Action, e.Note = Delete, "the template dropped it"
		default:
			e.Action, e.Note = Keep, "the template dropped it; kept because you changed it"
		}
		out = append(out, e)
	}
	return out, nil
}

func merged(p string, base, cur, next []byte, labels merge3.Labels) Entry {
	if isBinary(base) || isBinary(cur) || isBinary(next) {
		return Entry{Path: p, Action: Keep, Note: "binary file changed on both sides; kept yours, take the template's by hand"}
	}
	r := merge3.Merge(base, cur, next, labels)
	if r.Conflicts > 0 {
		return Entry{Path: p, Action: Conflict, Content: r.Text, Conflicts: r.Conflicts}
	}
	return Entry{Path: p, Action: Merge, Content: r.Text}
}

func isBinary(b []byte) bool { return bytes.IndexByte(b, 0) >= 0 }

func index(files []scaffold.File) map[string][]byte {
	m := map[string][]byte{}
	for _, f := range files {
		m[f.Path] = f.Content
	}
	return m
}

// readProjectFile reads the project's version of p. A link or special
// file, or a folder on the way that is not a folder, is an error: the
// update leaves it alone.
func readProjectFile(dir, p string) ([]byte, bool, error) {
	cur := dir
	parts := strings.Split(p, "/")
	for i, part := range parts {
		cur = filepath.Join(cur, part)
		fi, err := os.Lstat(cur)
		if errors.Is(err, fs.ErrNotExist) {
			return nil, false, nil
		}
		if err != nil {
			return nil, false, err
		}
		if i < len(parts)-1 && !fi.IsDir() {
			return nil, false, fmt.Errorf("%s is not a folder; left alone", path.Join(parts[:i+1]...))
		}
		if i == len(parts)-1 && !fi.Mode().IsRegular() {
			return nil, false, fmt.Errorf("not a regular file; left alone")
		}
	}
	b, err := os.ReadFile(cur)
	return b, err == nil, err
}

// Conflicts lists the files written with conflict markers.
func (p *Plan) Conflicts() []string {
	var out []string
	for _, e := range p.Entries {
		if e.Action == Conflict {
			out = append(out, e.Path)
		}
	}
	return out
}

// Changes says whether the plan writes anything.
func (p *Plan) Changes() bool {
	for _, e := range p.Entries {
		switch e.Action {
		case Update, Merge, Conflict, Add, Delete:
			return true
		}
	}
	return false
}

// Apply writes the plan: the user's versions of touched files go to the
// backup folder, then every change, all in one atomic step.
func Apply(ctx context.Context, p *Plan, w *scaffold.Writer) error {
	sp := &scaffold.Plan{Target: p.Dir, Mode: scaffold.ModeOverwrite, Exists: true}
	for _, e := range p.Entries {
		var act scaffold.Action
		switch e.Action {
		case Update, Merge, Conflict:
			act = scaffold.Replace
		case Add:
			act = scaffold.Create
		case Delete:
			act = scaffold.Remove
		default:
			continue
		}
		mode := fs.FileMode(0o644)
		if e.Action != Add {
			cur, exists, err := readProjectFile(p.Dir, e.Path)
			if err != nil {
				return err
			}
			if !exists {
				act = scaffold.Create
			} else {
				if fi, err := os.Stat(filepath.Join(p.Dir, filepath.FromSlash(e.Path))); err == nil {
					mode = fi.Mode().Perm()
				}
				if e.Path != scaffold.RecordFile || e.Action != Update {
					sp.Entries = append(sp.Entries, scaffold.Entry{File: scaffold.File{Path: p.Backup + "/" + e.Path, Content: cur, Mode: 0o644}, Action: scaffold.Create})
				}
			}
		}
		if act != scaffold.Remove {
			sp.Entries = append(sp.Entries, scaffold.Entry{File: scaffold.File{Path: e.Path, Content: e.Content, Mode: mode}, Action: act})
		} else {
			sp.Entries = append(sp.Entries, scaffold.Entry{File: scaffold.File{Path: e.Path}, Action: act})
		}
	}
	return w.Write(ctx, sp)
}

// gitDirty lists the tracked files with uncommitted changes when dir is in
// a git work tree. Without git, or outside a work tree, there is nothing
// to check. Untracked files are not counted: the update never overwrites
// a file without merging it and keeping a backup.
func gitDirty(ctx context.Context, dir string) ([]string, error) {
	if _, err := exec.LookPath("git"); err != nil {
		return nil, nil
	}
	inside := exec.CommandContext(ctx, "git", "rev-parse", "--is-inside-work-tree")
	inside.Dir = dir
	if out, err := inside.Output(); err != nil || strings.TrimSpace(string(out)) != "true" {
		return nil, nil
	}
	st := exec.CommandContext(ctx, "git", "status", "--porcelain", "--untracked-files=no", "--", ".")
	st.Dir = dir
	out, err := st.Output()
	if err != nil {
		return nil, fmt.Errorf("git status: %v", err)
	}
	var files []string
	for _, l := range strings.Split(strings.TrimRight(string(out), "\n"), "\n") {
		if len(l) > 3 {
			files = append(files, l[3:])
		}
	}
	return files, nil
}

func listShort(items []string, max int) string {
	if len(items) <= max {
		return strings.Join(items, ", ")
	}
	return strings.Join(items[:max], ", ") + fmt.Sprintf(" and %d more", len(items)-max)
}
