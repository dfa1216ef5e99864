package forge

import (
	"testing"

	"github.com/connectgen/connectgen/internal/descriptor"
	"github.com/connectgen/connectgen/internal/json5"
)

// FuzzLink: linking any input either fails cleanly or gives a descriptor
// that parses, holds both values and links again without change.
func FuzzLink(f *testing.F) {
	for _, s := range []string{
		`{"key": "a", "name": "b"}`, "{\n  // c\n  key: 'a', /* d */\n}", `{}`, `{"forgeAppId": 5, "key": "a"}`,
		`{"key": "a" /* x */ , "b": [1, {"c": "}"}]}`, "{\r\n\t\"key\": \"a\",\r\n}", `{"b": 1 // t
}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, src []byte) {
		r, err := Link("f.json", src, testLink, testID)
		if err != nil {
			return
		}
		doc, err := json5.Parse(r.Source)
		if err != nil {
			t.Fatalf("linked %q into %q, which does not parse: %v", src, r.Source, err)
		}
		if doc.Root.Get("forgeAppLink").Str != testLink || doc.Root.Get("forgeAppId").Str != testID {
			t.Fatalf("linked %q into %q without both values", src, r.Source)
		}
		again, err := Link("f.json", r.Source, testLink, testID)
		if err != nil || again.Changed {
			t.Fatalf("linking %q again: %v, changed %v", r.Source, err, again != nil && again.Changed)
		}
	})
}

// FuzzPlan: any input is mapped or refused, never a panic, and a plan's
// summary counts its items.
func FuzzPlan(f *testing.F) {
	f.Add([]byte(`{"key": "a", "scopes": ["repository"], "modules": {"webhooks": [{"event": "*"}], "webItems": [{"key": "x", "location": "y", "conditions": [{"or": []}]}]}}`))
	f.Add([]byte(`{"modules": {"proxy": {"/a": {}}, "configurePage": [{}], "fileViews": [{"file_matches": {"extensions": ["a.b", 1]}}]}}`))
	f.Fuzz(func(t *testing.T, src []byte) {
		p, err := NewPlan(descriptor.Validate("f.json", src, descriptor.Options{}))
		if err != nil {
			return
		}
		n := 0
		for _, c := range p.Summary {
			n += c
		}
		if n != len(p.Items) {
			t.Fatalf("summary counts %d of %d items", n, len(p.Items))
		}
		if _, err := Generate(p, GenerateOptions{}); err != nil && p.AppKey != "" {
			t.Fatalf("generate: %v", err)
		}
	})
}
