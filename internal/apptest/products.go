package apptest

import (
	"bytes"
	"fmt"

	"github.com/connectgen/connectgen/internal/descriptor"
	"github.com/connectgen/connectgen/internal/testenv"
	"github.com/connectgen/connectgen/scaffold"
	"github.com/connectgen/connectgen/templates"
)

// ProductTemplates are the Jira, Confluence and Jira Service Management
// templates. They share the bitbucket template's npm files (package.json,
// package-lock.json, .npmrc: the _ace layer), so they use its
// node_modules.
var ProductTemplates = func() []string {
	var ts []string
	for _, p := range descriptor.AllProducts() {
		if !p.Default {
			ts = append(ts, p.Templates...)
		}
	}
	return ts
}()

// RenderTemplate returns the files of template rendered with Values, the
// editor files among them, as `connectgen new` writes them.
func RenderTemplate(template string) ([]scaffold.File, error) {
	v := Values
	v.Template = template
	return scaffold.Render(templates.FS, template, v, templates.EditorFiles(template)...)
}

// NewTemplateProject renders template with Values into dir and links in
// the node_modules installed on node, as NewProjectFor does for
// bitbucket. It refuses a template whose npm files differ from
// bitbucket's, since the shared folder would not fit it.
func NewTemplateProject(dir, template string, node testenv.Node) error {
	files, err := RenderTemplate(template)
	if err != nil {
		return err
	}
	bb, err := Render()
	if err != nil {
		return err
	}
	for _, name := range npmFiles {
		if a, b := fileContent(bb, name), fileContent(files, name); !bytes.Equal(a, b) {
			return fmt.Errorf("the %s template's %s differs from bitbucket's; the shared node_modules does not fit it", template, name)
		}
	}
	nm, err := NodeModulesFor(node)
	if err != nil {
		return err
	}
	return writeProject(dir, nm, files)
}

func fileContent(files []scaffold.File, path string) []byte {
	for _, f := range files {
		if f.Path == path {
			return f.Content
		}
	}
	return nil
}
