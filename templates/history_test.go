package templates_test

import (
	"testing"

	"github.com/connectgen/connectgen/scaffold"
	"github.com/connectgen/connectgen/templates"
)

// TestHistory checks that the current version of every template is in the
// history, so that projects made by this build can be updated by later
// ones; -update adds it. It also rebuilds every recorded version and
// checks that it still has the version's hash.
func TestHistory(t *testing.T) {
	for _, name := range scaffold.BuiltinNames(templates.FS) {
		sub, err := scaffold.BuiltinTree(templates.FS, name)
		if err != nil {
			t.Fatal(err)
		}
		if *update {
			v, added, err := scaffold.AddToHistory("history", name, sub)
			if err != nil {
				t.Fatal(err)
			}
			if added {
				t.Logf("added %s %s to the history", name, v)
			}
			continue
		}
		current, err := scaffold.TreeVersion(sub)
		if err != nil {
			t.Fatal(err)
		}
		versions, err := scaffold.HistoryVersions(templates.History(), name)
		if err != nil {
			t.Fatal(err)
		}
		found := false
		for _, v := range versions {
			if v == current {
				found = true
			}
			tree, err := scaffold.HistoryTree(templates.History(), name, v)
			if err != nil {
				t.Fatal(err)
			}
			if got, _ := scaffold.TreeVersion(tree); got != v {
				t.Errorf("%s: history version %s rebuilds as %s", name, v, got)
			}
		}
		if !found {
			t.Errorf("template %s changed: its version %s is not in templates/history; run: go test ./templates -run TestHistory -update", name, current)
		}
	}
}
