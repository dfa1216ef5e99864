package scaffold

import (
	"fmt"
	"io/fs"
)

// Render renders the built-in template called name from fsys with data,
// as connectgen new does through tmplsource: the project's files sorted by
// path, RecordFile among them, and the extra files (made by code, such as
// the editor's descriptor schema), which go through the same checks.
func Render(fsys fs.FS, name string, data Data, extra ...File) ([]File, error) {
	t, version, err := Builtin(fsys, name)
	if err != nil {
		return nil, err
	}
	rec := Record{Template: name, Version: data.Version, TemplateVersion: version, Values: data}
	files, err := t.Render(data, nil, rec, extra...)
	if err != nil {
		return nil, fmt.Errorf("template %s: %w", name, err)
	}
	return files, nil
}
