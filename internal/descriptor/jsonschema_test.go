package descriptor

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"github.com/santhosh-tekuri/jsonschema/v6/kind"

	"github.com/connectgen/connectgen/internal/json5"
)

// TestSchemaCompilerRefuses checks that a schema using something the
// validator does not implement is refused, naming the place, instead of
// being half checked.
func TestSchemaCompilerRefuses(t *testing.T) {
	tests := []struct{ schema, want string }{
		{`{"oneOf": [{"type": "string"}]}`, `schema#/oneOf: keyword "oneOf" is not supported`},
		{`{"properties": {"a": {"minItems": 1}}}`, `schema#/properties/a/minItems: keyword "minItems" is not supported`},
		{`{"$ref": "other.json#/x"}`, `only references to #/$defs/<name> are supported`},
		{`{"$ref": "#/$defs/missing"}`, `#/$defs/missing, which is not a schema object`},
		{`{"$defs": {"x": {"format": "uri"}}}`, `schema#/$defs/x/format: keyword "format"`},
		{`{"type": "text"}`, `unknown type "text"`},
		{`{"type": ["string", 1]}`, `schema#/type: type names must be strings`},
		{`{"required": ["a", 1]}`, `schema#/required: must be an array of strings`},
		{`{"pattern": "(["}`, `schema#/pattern: error parsing regexp`},
		{`{"maxLength": -1}`, `schema#/maxLength: must be a non-negative integer`},
		{`{"enum": []}`, `schema#/enum: must be a non-empty array`},
		{`{"items": true}`, `schema#/items: a schema must be an object`},
	}
	for _, tt := range tests {
		_, err := compileSchema([]byte(tt.schema))
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("compileSchema(%s) = %v; want an error containing %q", tt.schema, err, tt.want)
		}
	}
	if _, err := compileSchema(schemaJSON); err != nil {
		t.Fatalf("the embedded schema does not compile: %v", err)
	}
}

// TestSchemaValidator checks each keyword on small schemas.
func TestSchemaValidator(t *testing.T) {
	schema := `{
		"type": "object",
		"required": ["a", "b"],
		"additionalProperties": false,
		"properties": {
			"a": {"type": "string", "minLength": 1, "maxLength": 3, "pattern": "^[a-z]+$"},
			"b": {"type": "array", "items": {"$ref": "#/$defs/item"}},
			"c": {"enum": ["x", 2, true, null]},
			"d": {"type": ["integer", "null"]},
			"e": {"type": "object", "additionalProperties": {"type": "boolean"}}
		},
		"$defs": {"item": {"type": "object", "required": ["k"], "properties": {"k": {"type": "number"}}}}
	}`
	s, err := compileSchema([]byte(schema))
	if err != nil {
		t.Fatal(err)
	}
	s.skip = rootSkipped
	tests := []struct{ doc, want string }{
		{`{"a": "ab", "b": [{"k": 1}, {"k": 2.5}]}`, ``},
		{`{"b": []}`, `required@ [a]`},
		{`{"a": "", "b": []}`, `minLength@/a 0 1; pattern@/a ""`},
		{`{"a": "abcd", "b": []}`, `maxLength@/a 4 3`},
		{`{"a": "ééé", "b": []}`, `pattern@/a "ééé"`},
		{`{"a": "A", "b": []}`, `pattern@/a "A"`},
		{`{"a": 1, "b": {}}`, `type@/a integer!string; type@/b object!array`},
		{`{"a": "a", "b": [{}, {"k": "1"}]}`, `required@/b/0 [k]; type@/b/1/k string!number`},
		{`{"a": "a", "b": [], "z": 1, "y": 2}`, `additional@ [z y]`},
		{`{"a": "a", "b": [], "c": "y"}`, `enum@/c "y"`},
		{`{"a": "a", "b": [], "c": 2, "d": null}`, ``},
		{`{"a": "a", "b": [], "c": false}`, `enum@/c false`},
		{`{"a": "a", "b": [], "d": 1.5}`, `type@/d number!integer,null`},
		{`{"a": "a", "b": [], "d": 2.0}`, ``},
		{`{"a": "a", "b": [], "e": {"p": true, "q": 1}}`, `type@/e/q integer!boolean`},
		// The last of duplicate keys counts, as in JSON.parse.
		{`{"a": 1, "a": "ok", "b": []}`, ``},
		{`{"a": "ok", "a": 1, "b": []}`, `type@/a integer!string`},
		// apiMigrations at the top level is not checked (ACE removes it).
		{`{"a": "a", "b": [], "apiMigrations": {"gdpr": true}}`, ``},
		{`[]`, `type@ array!object`},
	}
	for _, tt := range tests {
		doc, err := json5.Parse([]byte(tt.doc))
		if err != nil {
			t.Fatal(err)
		}
		var errs []schemaError
		s.validate(doc.Root, nil, &errs)
		var got []string
		for _, e := range errs {
			got = append(got, describeSchemaError(e, false))
		}
		if g := strings.Join(got, "; "); g != tt.want {
			t.Errorf("%s:\n got  %s\n want %s", tt.doc, g, tt.want)
		}
	}
}

// describeSchemaError writes e as the tests compare it. For the
// comparison with the reference library (ref), it leaves out what that
// library reports differently (the value's type, the enum value) and sorts
// the property names.
func describeSchemaError(e schemaError, ref bool) string {
	at := pointerOf(e.path)
	names, detail := fmt.Sprint(e.names), ""
	if ref {
		names = sortedJoin(e.names)
	}
	switch e.kind {
	case errType:
		if !ref {
			detail = e.got + "!"
		}
		return fmt.Sprintf("type@%s %s%s", at, detail, strings.Join(e.want, ","))
	case errRequired:
		return fmt.Sprintf("required@%s %s", at, names)
	case errAdditional:
		return fmt.Sprintf("additional@%s %s", at, names)
	case errEnum:
		if !ref {
			detail = " " + quoteValue(e.value)
		}
		return fmt.Sprintf("enum@%s%s", at, detail)
	case errPattern:
		return fmt.Sprintf("pattern@%s %q", at, e.got)
	case errMinLength:
		return fmt.Sprintf("minLength@%s %d %d", at, e.length, e.limit)
	case errMaxLength:
		return fmt.Sprintf("maxLength@%s %d %d", at, e.length, e.limit)
	}
	return "?"
}

// TestSchemaMatchesReference validates the fixtures and thousands of
// mutations of them with our validator and with a general JSON Schema
// library (santhosh-tekuri/jsonschema, used only here), and requires the
// same failures at the same places.
func TestSchemaMatchesReference(t *testing.T) {
	ref := referenceSchema(t)
	ours := compiledSchema(Bitbucket)

	var docs [][]byte
	files, err := filepath.Glob(filepath.Join(fixturesDir(t), "*.json"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no fixtures: %v", err)
	}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		docs = append(docs, b)
	}
	docs = append(docs, []byte(base))

	rng := rand.New(rand.NewSource(1))
	var cases [][]byte
	for _, d := range docs {
		cases = append(cases, d)
		var v any
		if err := json.Unmarshal(d, &v); err != nil {
			t.Fatal(err)
		}
		for i := 0; i < 400; i++ {
			m := mutate(rng, deepCopy(v), 1+rng.Intn(3))
			b, err := json.Marshal(m)
			if err != nil {
				t.Fatal(err)
			}
			cases = append(cases, b)
		}
	}
	failing := 0
	kinds := map[schemaErrorKind]int{}
	for _, c := range cases {
		want := referenceErrors(t, ref, c)
		doc, err := json5.Parse(c)
		if err != nil {
			t.Fatalf("parse: %v\n%s", err, c)
		}
		var errs []schemaError
		ours.validate(doc.Root, nil, &errs)
		var got []string
		for _, e := range errs {
			got = append(got, describeSchemaError(e, true))
			kinds[e.kind]++
		}
		sort.Strings(got)
		if len(want) > 0 {
			failing++
		}
		if strings.Join(got, "\n") != strings.Join(want, "\n") {
			t.Fatalf("verdicts differ on\n%.2000s\n ours:\n  %s\n reference:\n  %s", c, strings.Join(got, "\n  "), strings.Join(want, "\n  "))
		}
	}
	// The mutations must reach the schema's keywords, or the comparison
	// says little.
	if failing < len(cases)/2 {
		t.Fatalf("only %d of %d cases fail the schema; the mutations are too weak", failing, len(cases))
	}
	for k := errType; k <= errMaxLength; k++ {
		if kinds[k] == 0 {
			t.Errorf("no case failed keyword kind %d; the mutations do not reach it", k)
		}
	}
	t.Logf("%d documents, %d failing the schema, same verdicts", len(cases), failing)
}

func referenceSchema(t *testing.T) *jsonschema.Schema {
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(schemaJSON))
	if err != nil {
		t.Fatal(err)
	}
	c := jsonschema.NewCompiler()
	const id = "https://connectgen.invalid/schemas/bitbucket-connect-descriptor.json"
	if err := c.AddResource(id, doc); err != nil {
		t.Fatal(err)
	}
	return c.MustCompile(id)
}

// referenceErrors validates src with the reference library and returns its
// leaf errors in describeSchemaError's form for it, sorted.
func referenceErrors(t *testing.T, s *jsonschema.Schema, src []byte) []string {
	inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(src))
	if err != nil {
		t.Fatal(err)
	}
	if m, ok := inst.(map[string]any); ok {
		delete(m, rootSkipped)
	}
	var ve *jsonschema.ValidationError
	if !errors.As(s.Validate(inst), &ve) {
		return nil
	}
	var out []string
	var walk func(e *jsonschema.ValidationError)
	walk = func(e *jsonschema.ValidationError) {
		if len(e.Causes) > 0 {
			for _, c := range e.Causes {
				walk(c)
			}
			return
		}
		at := pointerOf(e.InstanceLocation)
		switch k := e.ErrorKind.(type) {
		case *kind.Type:
			out = append(out, fmt.Sprintf("type@%s %s", at, strings.Join(k.Want, ",")))
		case *kind.Required:
			out = append(out, fmt.Sprintf("required@%s %s", at, sortedJoin(k.Missing)))
		case *kind.AdditionalProperties:
			out = append(out, fmt.Sprintf("additional@%s %s", at, sortedJoin(k.Properties)))
		case *kind.Enum:
			out = append(out, fmt.Sprintf("enum@%s", at))
		case *kind.Pattern:
			out = append(out, fmt.Sprintf("pattern@%s %q", at, k.Got))
		case *kind.MinLength:
			out = append(out, fmt.Sprintf("minLength@%s %d %d", at, k.Got, k.Want))
		case *kind.MaxLength:
			out = append(out, fmt.Sprintf("maxLength@%s %d %d", at, k.Got, k.Want))
		default:
			out = append(out, fmt.Sprintf("%T@%s", k, at))
		}
	}
	walk(ve)
	sort.Strings(out)
	return out
}

func sortedJoin(s []string) string {
	c := append([]string(nil), s...)
	sort.Strings(c)
	return strings.Join(c, ",")
}

func deepCopy(v any) any {
	switch x := v.(type) {
	case map[string]any:
		m := make(map[string]any, len(x))
		for k, e := range x {
			m[k] = deepCopy(e)
		}
		return m
	case []any:
		a := make([]any, len(x))
		for i, e := range x {
			a[i] = deepCopy(e)
		}
		return a
	}
	return v
}

// replacements are values a mutation puts in place of another: every
// type, strings the schema's lengths and patterns refuse, and values of
// the shapes the schema expects in the wrong place.
var replacements = []any{
	nil, true, 0.0, 7.0, 1.5, -3.0, "", "x", "bad key!", "web_item", "jwt", "JWT", "Jwt",
	strings.Repeat("k", 65), strings.Repeat("u", 2049), strings.Repeat("é", 100),
	[]any{}, []any{"x"}, []any{map[string]any{}}, map[string]any{},
	map[string]any{"value": "x"}, map[string]any{"key": "a", "name": map[string]any{"value": "n"}, "url": "/x"},
}

// mutate changes n random places of v: replaces a value, deletes a member
// or adds one, and returns the result.
func mutate(rng *rand.Rand, v any, n int) any {
	for i := 0; i < n; i++ {
		var paths [][]any
		collectPaths(v, nil, &paths)
		p := paths[rng.Intn(len(paths))]
		if len(p) == 0 {
			continue
		}
		parent := v
		for _, tok := range p[:len(p)-1] {
			parent = child(parent, tok)
		}
		last := p[len(p)-1]
		switch op := rng.Intn(10); {
		case op < 6:
			set(parent, last, deepCopy(replacements[rng.Intn(len(replacements))]))
		case op < 8:
			if m, ok := parent.(map[string]any); ok {
				delete(m, last.(string))
			} else {
				set(parent, last, nil)
			}
		default:
			if m, ok := parent.(map[string]any); ok {
				names := []string{"bogus", "Name", "urls", "$schema", "apiMigrations", "conditions", "weight"}
				m[names[rng.Intn(len(names))]] = deepCopy(replacements[rng.Intn(len(replacements))])
			} else {
				set(parent, last, map[string]any{"unknown": 1.0})
			}
		}
	}
	return v
}

func collectPaths(v any, prefix []any, out *[][]any) {
	*out = append(*out, prefix)
	switch x := v.(type) {
	case map[string]any:
		keys := make([]string, 0, len(x))
		for k := range x {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			collectPaths(x[k], append(append([]any(nil), prefix...), k), out)
		}
	case []any:
		for i, e := range x {
			collectPaths(e, append(append([]any(nil), prefix...), i), out)
		}
	}
}

func child(v any, tok any) any {
	switch x := v.(type) {
	case map[string]any:
		return x[tok.(string)]
	case []any:
		return x[tok.(int)]
	}
	return nil
}

func set(v any, tok any, val any) {
	switch x := v.(type) {
	case map[string]any:
		x[tok.(string)] = val
	case []any:
		x[tok.(int)] = val
	}
}
