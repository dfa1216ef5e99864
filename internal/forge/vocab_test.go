package forge

import (
	"encoding/json"
	"sort"
	"testing"

	"github.com/connectgen/connectgen/internal/descriptor"
)

// The Connect vocabulary the mapping must cover, read from the schema the
// validator checks a Bitbucket descriptor with.

// table is a named mapping table, for the tests that walk all of them.
type table struct {
	Name string
	Rows []Row
}

// tables returns every mapping table.
func tables() []table {
	return []table{
		{"modules", copyRows(moduleRows)},
		{"locations", copyRows(locationRows)},
		{"scopes", copyRows(scopeRows)},
		{"events", copyRows(eventRows)},
		{"lifecycle", copyRows(lifecycleRows)},
		{"keys", copyRows(keyRows)},
		{"conditions", []Row{conditionRow}},
	}
}

func copyRows(rows []Row) []Row { return append([]Row(nil), rows...) }

func bitbucketSchema(t testing.TB) map[string]any {
	t.Helper()
	var doc map[string]any
	if err := json.Unmarshal(descriptor.SchemaFor(descriptor.Bitbucket), &doc); err != nil {
		t.Fatalf("the Bitbucket schema: %v", err)
	}
	return doc
}

// schemaAt returns the value at path in the Bitbucket schema.
func schemaAt(t testing.TB, path ...string) any {
	var v any = bitbucketSchema(t)
	for _, p := range path {
		m, _ := v.(map[string]any)
		v = m[p]
	}
	return v
}

// schemaKeys returns the keys of the object at path, sorted.
func schemaKeys(t testing.TB, path ...string) []string {
	m, _ := schemaAt(t, path...).(map[string]any)
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

func moduleKinds(t testing.TB) []string {
	return schemaKeys(t, "$defs", "modules", "properties")
}

func lifecycleHooks(t testing.TB) []string {
	return schemaKeys(t, "properties", "lifecycle", "properties")
}

func rootKeys(t testing.TB) []string { return schemaKeys(t, "properties") }

// knownScopes are the scopes the schema lists for editors, every scope
// Bitbucket accepts.
func knownScopes(t testing.TB) []string {
	list, _ := schemaAt(t, "properties", "scopes", "items", "examples").([]any)
	out := make([]string, 0, len(list))
	for _, s := range list {
		if str, ok := s.(string); ok {
			out = append(out, str)
		}
	}
	return out
}
