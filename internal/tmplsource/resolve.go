package tmplsource

import (
	"context"
	"fmt"
	"io/fs"

	"github.com/connectgen/connectgen/scaffold"
)

// Resolver turns template sources into templates ready to render: the
// built-in ones, their history, and outside sources through Loader.
type Resolver struct {
	Builtins fs.FS
	History  fs.FS
	Loader   *Loader
}

// Opened is a template with what a project records about where it came from.
type Opened struct {
	Template *scaffold.Template
	Spec     Spec
	// Version is a built-in template's TreeVersion, or the version an
	// outside template's manifest declares.
	Version string
	// Hash is an outside template's content hash.
	Hash string
}

// BuiltinNames lists the built-in templates.
func (r *Resolver) BuiltinNames() []string { return scaffold.Templates(r.Builtins) }

// Parse is Parse with the resolver's built-in names.
func (r *Resolver) Parse(arg string) (Spec, error) { return Parse(arg, r.BuiltinNames()) }

// Open reads the current content of a source.
func (r *Resolver) Open(ctx context.Context, s Spec) (*Opened, error) {
	if s.Kind == Builtin {
		t, v, err := scaffold.Builtin(r.Builtins, s.Ref)
		if err != nil {
			return nil, err
		}
		return &Opened{Template: t, Spec: s, Version: v}, nil
	}
	tree, err := r.Loader.Load(ctx, s)
	if err != nil {
		return nil, err
	}
	return open(s, tree)
}

func open(s Spec, tree *Tree) (*Opened, error) {
	t, err := scaffold.OpenTemplate(tree.FS, false)
	if err != nil {
		return nil, fmt.Errorf("template %s: %w", s.Ref, err)
	}
	o := &Opened{Template: t, Spec: s, Hash: tree.Hash}
	if t.Manifest != nil {
		o.Version = t.Manifest.Version
	}
	return o, nil
}

// OpenVersion opens version of the built-in template name: the current one
// or one from the history.
func (r *Resolver) OpenVersion(name, version string) (*Opened, error) {
	t, current, err := scaffold.Builtin(r.Builtins, name)
	if err == nil && current == version {
		return &Opened{Template: t, Spec: Spec{Kind: Builtin, Ref: name}, Version: version}, nil
	}
	tree, herr := scaffold.HistoryTree(r.History, name, version)
	if herr != nil {
		return nil, herr
	}
	t, err = scaffold.OpenTemplate(tree, true)
	if err != nil {
		return nil, err
	}
	return &Opened{Template: t, Spec: Spec{Kind: Builtin, Ref: name}, Version: version}, nil
}

// HasVersion says whether version is a known version of built-in name.
func (r *Resolver) HasVersion(name, version string) bool {
	if _, current, err := scaffold.Builtin(r.Builtins, name); err == nil && current == version {
		return true
	}
	vs, _ := scaffold.HistoryVersions(r.History, name)
	for _, v := range vs {
		if v == version {
			return true
		}
	}
	return false
}

// Versions lists the known versions of built-in name, oldest first, the
// current one last.
func (r *Resolver) Versions(name string) []string {
	vs, _ := scaffold.HistoryVersions(r.History, name)
	if _, current, err := scaffold.Builtin(r.Builtins, name); err == nil && (len(vs) == 0 || vs[len(vs)-1] != current) {
		found := false
		for _, v := range vs {
			found = found || v == current
		}
		if !found {
			vs = append(vs, current)
		}
	}
	return vs
}

// OpenRecorded opens the template a project's record names, exactly as
// it was when the project was made.
func (r *Resolver) OpenRecorded(ctx context.Context, rec *scaffold.Record) (*Opened, error) {
	if rec.Source == nil {
		if rec.TemplateVersion == "" {
			return nil, fmt.Errorf("the project's %s names template %q without a templateVersion", scaffold.RecordFile, rec.Template)
		}
		return r.OpenVersion(rec.Template, rec.TemplateVersion)
	}
	s := Spec{Kind: Kind(rec.Source.Kind), Ref: rec.Source.Ref}
	switch s.Kind {
	case URL, Zip, Dir:
	default:
		return nil, fmt.Errorf("the project's %s has an unknown source kind %q", scaffold.RecordFile, rec.Source.Kind)
	}
	tree, err := r.Loader.LoadHash(ctx, s, rec.Source.Hash)
	if err != nil {
		return nil, err
	}
	return open(s, tree)
}

// Record is what a project made from o with data and answers records.
func (o *Opened) Record(data scaffold.Data, answers map[string]string, connectgenVersion string) scaffold.Record {
	rec := scaffold.Record{Template: o.Spec.Ref, Version: connectgenVersion, TemplateVersion: o.Version, Values: data}
	if len(answers) > 0 {
		rec.Answers = answers
	}
	if o.Spec.Kind != Builtin {
		rec.Source = &scaffold.Source{Kind: string(o.Spec.Kind), Ref: o.Spec.Ref, Hash: o.Hash}
	}
	return rec
}

// Render renders o with data and answers, recording them, with the extra
// files made by code.
func (o *Opened) Render(data scaffold.Data, answers map[string]string, connectgenVersion string, extra ...scaffold.File) ([]scaffold.File, error) {
	data.Template = o.Spec.Ref
	data.Version = connectgenVersion
	files, err := o.Template.Render(data, answers, o.Record(data, answers, connectgenVersion), extra...)
	if err != nil {
		return nil, fmt.Errorf("template %s: %w", o.Spec.Ref, err)
	}
	return files, nil
}
