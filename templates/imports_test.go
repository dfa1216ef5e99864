package templates_test

import (
	"go/parser"
	"go/token"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
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
