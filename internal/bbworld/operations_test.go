package bbworld

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"sort"
	"testing"

	"github.com/connectgen/connectgen/internal/openapicheck"
)

var update = flag.Bool("update", false, "rewrite operations.json from Bitbucket's OpenAPI document")

func bitbucketDoc(t testing.TB) *openapicheck.Doc {
	t.Helper()
	d, err := openapicheck.Load(filepath.Join("..", "openapicheck", "testdata", "bitbucket-swagger.v3.json"))
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// TestOperationsTable: operations.json is exactly the document's
// operations with the scopes of their oauth2 security requirement.
func TestOperationsTable(t *testing.T) {
	d := bitbucketDoc(t)
	var ops []Operation
	for tmpl, item := range d.T.Paths.Map() {
		for method, op := range item.Operations() {
			scopes := []string{}
			if op.Security != nil {
				for _, req := range *op.Security {
					if s, ok := req["oauth2"]; ok {
						scopes = append(scopes, s...)
					}
				}
			}
			ops = append(ops, Operation{Method: method, Template: tmpl, Scopes: scopes})
		}
	}
	sort.Slice(ops, func(i, j int) bool {
		if ops[i].Template != ops[j].Template {
			return ops[i].Template < ops[j].Template
		}
		return ops[i].Method < ops[j].Method
	})
	var b bytes.Buffer
	b.WriteString("[\n")
	for i, op := range ops {
		line, err := json.Marshal(op)
		if err != nil {
			t.Fatal(err)
		}
		b.Write(line)
		if i < len(ops)-1 {
			b.WriteByte(',')
		}
		b.WriteByte('\n')
	}
	b.WriteString("]\n")
	if *update {
		if err := os.WriteFile("operations.json", b.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	if !bytes.Equal(b.Bytes(), operationsJSON) {
		t.Fatal("operations.json is not the document's operations: run go test ./internal/bbworld -run TestOperationsTable -update")
	}
	if len(ops) < 300 {
		t.Errorf("only %d operations", len(ops))
	}
}

func TestFindOperation(t *testing.T) {
	for _, c := range []struct{ method, path, tmpl string }{
		{"POST", "/repositories/sample-workspace/sample-repo/commit/abc/statuses/build", "/repositories/{workspace}/{repo_slug}/commit/{commit}/statuses/build"},
		{"GET", "/repositories/sample-workspace/sample-repo/commit/abc/statuses/build/my-key", "/repositories/{workspace}/{repo_slug}/commit/{commit}/statuses/build/{key}"},
		{"GET", "/repositories/sample-workspace/%7B0e2d%7D/src/main/dir/a%20b.go", "/repositories/{workspace}/{repo_slug}/src/{commit}/{path}"},
		{"GET", "/user", "/user"},
	} {
		m, ok, _ := FindOperation(c.method, c.path)
		if !ok || m.Template != c.tmpl {
			t.Errorf("FindOperation(%s %s) = %q, %v; want %s", c.method, c.path, m.Template, ok, c.tmpl)
		}
	}
	m, _, _ := FindOperation("GET", "/repositories/sample-workspace/sample-repo/src/main/dir/a%20b.go")
	if m.Params["path"] != "dir/a b.go" || m.Params["commit"] != "main" {
		t.Errorf("params %v", m.Params)
	}
	if _, ok, pathOnly := FindOperation("PATCH", "/user"); ok || !pathOnly {
		t.Errorf("PATCH /user: ok %v pathOnly %v", ok, pathOnly)
	}
	if _, ok, pathOnly := FindOperation("GET", "/no/such"); ok || pathOnly {
		t.Errorf("GET /no/such: ok %v pathOnly %v", ok, pathOnly)
	}
}
