package templates_test

import (
	"go/parser"
	"go/token"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/connectgen/connectgen/scaffold"
	"github.com/connectgen/connectgen/templates"
)

// TestHoldsFilesOnly keeps the package to the template files and their
// listing: what renders them (scaffold) and what knows products
// (descriptor) import it, never the other way round.
func TestHoldsFilesOnly(t *testing.T) {
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		n++
		af, err := parser.ParseFile(token.NewFileSet(), f, nil, parser.ImportsOnly)
		if err != nil {
			t.Fatal(err)
		}
		for _, imp := range af.Imports {
			p, _ := strconv.Unquote(imp.Path.Value)
			if strings.HasPrefix(p, "github.com/connectgen/connectgen/") {
				t.Errorf("%s imports %s; the templates package holds files and their listing only", f, p)
			}
		}
	}
	if n == 0 {
		t.Fatal("no Go files checked")
	}
}

// TestGeneratedTemplatesAreNotOffered: the Forge starters are rendered by
// connectgen forge new from a descriptor, so connectgen new does not list
// them, while the history (and so update) knows them.
func TestGeneratedTemplatesAreNotOffered(t *testing.T) {
	offered := scaffold.Templates(templates.FS)
	all := scaffold.BuiltinNames(templates.FS)
	for _, name := range []string{"forge", "forge-remote"} {
		if slices.Contains(offered, name) {
			t.Errorf("connectgen new offers %s: %v", name, offered)
		}
		if !slices.Contains(all, name) {
			t.Errorf("the built-in templates %v lack %s", all, name)
		}
		if g := scaffold.Generator(templates.FS, name); g != "connectgen forge new" {
			t.Errorf("%s: generator %q", name, g)
		}
	}
	if !slices.Contains(offered, "bitbucket") || scaffold.Generator(templates.FS, "bitbucket") != "" {
		t.Errorf("connectgen new does not offer bitbucket: %v", offered)
	}
}
