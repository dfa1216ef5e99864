package descriptor

import (
	"encoding/json"
	"fmt"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/connectgen/connectgen/internal/json5"
)

// The embedded schema is checked by the small validator below rather than
// a general JSON Schema library: the schema is ours and uses a handful of
// keywords, and a general library costs every command its start-up (the
// one used before compiled every draft's metaschema at package init, a
// third of `connectgen new`'s run time). compileSchema refuses a keyword
// it does not implement, so the schema cannot silently outgrow it, and
// TestSchemaMatchesReference checks its verdicts against that library.

// schemaNode is one compiled (sub)schema.
type schemaNode struct {
	types      []string
	ref        *schemaNode
	properties map[string]*schemaNode
	propNames  []string // sorted, for "allowed here" lists
	// additional is the schema for properties not in properties; nil with
	// closed set means none are allowed.
	additional *schemaNode
	closed     bool
	required   []string
	items      *schemaNode
	enum       []any
	minLength  int // -1 when absent
	maxLength  int // -1 when absent
	pattern    *regexp.Regexp
	// skip is a top-level property the root leaves out of the check
	// (rootSkipped for Bitbucket; none for Jira and Confluence).
	skip string
}

// annotations are keywords that do not constrain an instance.
var annotations = map[string]bool{
	"$schema": true, "$id": true, "$comment": true, "$defs": true,
	"title": true, "description": true, "examples": true, "default": true,
}

type schemaCompiler struct {
	defs     map[string]any
	compiled map[string]*schemaNode
}

// compileSchema compiles the schema document src.
func compileSchema(src []byte) (*schemaNode, error) {
	var doc map[string]any
	if err := json.Unmarshal(src, &doc); err != nil {
		return nil, err
	}
	c := &schemaCompiler{compiled: map[string]*schemaNode{}}
	c.defs, _ = doc["$defs"].(map[string]any)
	root, err := c.compile(doc, "")
	if err != nil {
		return nil, err
	}
	// Definitions no $ref reaches are compiled too, so that a mistake in
	// one is found now and not when someone first refers to it.
	for name := range c.defs {
		if _, err := c.def(name); err != nil {
			return nil, err
		}
	}
	return root, nil
}

func (c *schemaCompiler) def(name string) (*schemaNode, error) {
	if s, ok := c.compiled[name]; ok {
		return s, nil
	}
	raw, ok := c.defs[name].(map[string]any)
	if !ok {
		return nil, fmt.Errorf("$ref to #/$defs/%s, which is not a schema object", name)
	}
	s := &schemaNode{}
	c.compiled[name] = s // before compiling, for recursive references
	if err := c.fill(s, raw, "/$defs/"+json5.PointerToken(name)); err != nil {
		return nil, err
	}
	return s, nil
}

func (c *schemaCompiler) compile(raw any, loc string) (*schemaNode, error) {
	m, ok := raw.(map[string]any)
	if !ok {
		return nil, fmt.Errorf("%s: a schema must be an object", locName(loc))
	}
	s := &schemaNode{}
	return s, c.fill(s, m, loc)
}

func (c *schemaCompiler) fill(s *schemaNode, m map[string]any, loc string) error {
	s.minLength, s.maxLength = -1, -1
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		v := m[k]
		at := loc + "/" + json5.PointerToken(k)
		bad := func(what string) error { return fmt.Errorf("%s: %s", locName(at), what) }
		switch k {
		case "type":
			switch t := v.(type) {
			case string:
				s.types = []string{t}
			case []any:
				names, ok := stringList(t)
				if !ok {
					return bad("type names must be strings")
				}
				s.types = names
			default:
				return bad("must be a string or an array of strings")
			}
			for _, t := range s.types {
				switch t {
				case "null", "boolean", "number", "integer", "string", "array", "object":
				default:
					return bad(fmt.Sprintf("unknown type %q", t))
				}
			}
		case "$ref":
			ref, _ := v.(string)
			name, ok := strings.CutPrefix(ref, "#/$defs/")
			if !ok || strings.Contains(name, "/") {
				return bad(fmt.Sprintf("only references to #/$defs/<name> are supported, not %q", ref))
			}
			target, err := c.def(name)
			if err != nil {
				return bad(err.Error())
			}
			s.ref = target
		case "properties":
			props, ok := v.(map[string]any)
			if !ok {
				return bad("must be an object")
			}
			s.properties = make(map[string]*schemaNode, len(props))
			for name, p := range props {
				ps, err := c.compile(p, at+"/"+json5.PointerToken(name))
				if err != nil {
					return err
				}
				s.properties[name] = ps
				s.propNames = append(s.propNames, name)
			}
			sort.Strings(s.propNames)
		case "additionalProperties":
			switch a := v.(type) {
			case bool:
				s.closed = !a
			default:
				as, err := c.compile(a, at)
				if err != nil {
					return err
				}
				s.additional = as
			}
		case "required":
			names, ok := stringList(v)
			if !ok {
				return bad("must be an array of strings")
			}
			s.required = names
		case "items":
			is, err := c.compile(v, at)
			if err != nil {
				return err
			}
			s.items = is
		case "enum":
			list, ok := v.([]any)
			if !ok || len(list) == 0 {
				return bad("must be a non-empty array")
			}
			s.enum = list
		case "minLength", "maxLength":
			f, ok := v.(float64)
			if !ok || f < 0 || f != float64(int(f)) {
				return bad("must be a non-negative integer")
			}
			if k == "minLength" {
				s.minLength = int(f)
			} else {
				s.maxLength = int(f)
			}
		case "pattern":
			src, ok := v.(string)
			if !ok {
				return bad("must be a string")
			}
			re, err := regexp.Compile(src)
			if err != nil {
				return bad(err.Error())
			}
			s.pattern = re
		default:
			if !annotations[k] {
				return bad(fmt.Sprintf("keyword %q is not supported by connectgen's schema validator", k))
			}
		}
	}
	return nil
}

// stringList returns v as strings when it is an array of strings.
func stringList(v any) ([]string, bool) {
	list, ok := v.([]any)
	if !ok {
		return nil, false
	}
	out := make([]string, 0, len(list))
	for _, x := range list {
		name, ok := x.(string)
		if !ok {
			return nil, false
		}
		out = append(out, name)
	}
	return out, true
}

func locName(loc string) string {
	if loc == "" {
		return "schema"
	}
	return "schema#" + loc
}

// schemaErrorKind says which keyword an instance failed.
type schemaErrorKind int

const (
	errType schemaErrorKind = iota
	errRequired
	errAdditional
	errEnum
	errPattern
	errMinLength
	errMaxLength
)

// schemaError is one failed keyword at one place in the instance.
type schemaError struct {
	path []string // tokens of the instance location
	kind schemaErrorKind
	// names: the missing properties (errRequired) or the ones not allowed
	// (errAdditional), in order.
	names []string
	// allowed lists the properties the failing schema allows (errAdditional).
	allowed []string
	want    []string // type names (errType)
	got     string   // the value's type (errType) or string (errPattern)
	value   any      // the value (errEnum)
	enum    []any    // the allowed values (errEnum)
	pattern string   // errPattern
	length  int      // the string's length (errMinLength, errMaxLength)
	limit   int      // the bound (errMinLength, errMaxLength)
}

// validate checks n, found at path, against s and appends every failure
// to errs.
func (s *schemaNode) validate(n *json5.Node, path []string, errs *[]schemaError) {
	if s.ref != nil {
		s.ref.validate(n, path, errs)
	}
	if len(s.types) > 0 && !typeMatches(n, s.types) {
		*errs = append(*errs, schemaError{path: clonePath(path), kind: errType, want: s.types, got: typeName(n)})
		return
	}
	if s.enum != nil && !enumHas(s.enum, n) {
		*errs = append(*errs, schemaError{path: clonePath(path), kind: errEnum, value: n.Value(), enum: s.enum})
	}
	switch n.Kind {
	case json5.String:
		if s.minLength >= 0 || s.maxLength >= 0 {
			l := utf8.RuneCountInString(n.Str)
			if s.minLength >= 0 && l < s.minLength {
				*errs = append(*errs, schemaError{path: clonePath(path), kind: errMinLength, length: l, limit: s.minLength})
			}
			if s.maxLength >= 0 && l > s.maxLength {
				*errs = append(*errs, schemaError{path: clonePath(path), kind: errMaxLength, length: l, limit: s.maxLength})
			}
		}
		if s.pattern != nil && !s.pattern.MatchString(n.Str) {
			*errs = append(*errs, schemaError{path: clonePath(path), kind: errPattern, got: n.Str, pattern: s.pattern.String()})
		}
	case json5.Array:
		if s.items != nil {
			for i, e := range n.Elems {
				s.items.validate(e, append(path, strconv.Itoa(i)), errs)
			}
		}
	case json5.Object:
		s.validateObject(n, path, errs)
	}
}

func (s *schemaNode) validateObject(n *json5.Node, path []string, errs *[]schemaError) {
	var missing []string
	for _, name := range s.required {
		if n.Member(name) == nil && !(len(path) == 0 && s.skip != "" && name == s.skip) {
			missing = append(missing, name)
		}
	}
	if missing != nil {
		*errs = append(*errs, schemaError{path: clonePath(path), kind: errRequired, names: missing})
	}
	if s.properties == nil && s.additional == nil && !s.closed {
		return
	}
	var extra []string
	for _, m := range lastMembers(n) {
		if len(path) == 0 && s.skip != "" && m.Key == s.skip {
			continue
		}
		if ps, ok := s.properties[m.Key]; ok {
			ps.validate(m.Value, append(path, m.Key), errs)
			continue
		}
		switch {
		case s.additional != nil:
			s.additional.validate(m.Value, append(path, m.Key), errs)
		case s.closed:
			extra = append(extra, m.Key)
		}
	}
	if extra != nil {
		*errs = append(*errs, schemaError{path: clonePath(path), kind: errAdditional, names: extra, allowed: s.propNames})
	}
}

// rootSkipped is a top-level property left out of the schema check: ACE
// deletes apiMigrations from Bitbucket descriptors before serving them, so
// Bitbucket never sees it.
const rootSkipped = "apiMigrations"

// lastMembers returns an object's members without the ones a later member
// of the same key overrides (JSON.parse keeps the last).
func lastMembers(n *json5.Node) []*json5.Member {
	ms := n.Members
	if len(ms) < 2 {
		return ms
	}
	seen := make(map[string]bool, len(ms))
	dup := false
	for _, m := range ms {
		if seen[m.Key] {
			dup = true
			break
		}
		seen[m.Key] = true
	}
	if !dup {
		return ms
	}
	last := make(map[string]int, len(ms))
	for i, m := range ms {
		last[m.Key] = i
	}
	out := make([]*json5.Member, 0, len(last))
	for i, m := range ms {
		if last[m.Key] == i {
			out = append(out, m)
		}
	}
	return out
}

func clonePath(p []string) []string { return append([]string(nil), p...) }

// typeName is a value's JSON Schema type; integral numbers are integers.
func typeName(n *json5.Node) string {
	if n.Kind == json5.Number && isIntegral(n) {
		return "integer"
	}
	return n.Kind.String()
}

// isIntegral says whether a number is a whole number. Infinity and NaN,
// already reported on their own, count as whole so they are not reported
// twice.
func isIntegral(n *json5.Node) bool {
	f := n.Float
	if f-f != 0 {
		return true
	}
	return f == float64(int64(f)) || f > 1<<62 || f < -(1<<62)
}

func typeMatches(n *json5.Node, types []string) bool {
	for _, t := range types {
		switch {
		case t == n.Kind.String():
			return true
		case t == "integer" && n.Kind == json5.Number && isIntegral(n):
			return true
		}
	}
	return false
}

func enumHas(enum []any, n *json5.Node) bool {
	for _, e := range enum {
		switch v := e.(type) {
		case string:
			if n.Kind == json5.String && n.Str == v {
				return true
			}
		case float64:
			if n.Kind == json5.Number && n.Float == v {
				return true
			}
		case bool:
			if n.Kind == json5.Bool && n.Bool == v {
				return true
			}
		case nil:
			if n.Kind == json5.Null {
				return true
			}
		}
	}
	return false
}

// message describes the failure in words, for the keywords the findings
// do not phrase themselves.
func (e schemaError) message() string {
	switch e.kind {
	case errEnum:
		vals := make([]string, len(e.enum))
		for i, v := range e.enum {
			vals[i] = quoteValue(v)
		}
		return fmt.Sprintf("value must be one of %s", strings.Join(vals, ", "))
	case errPattern:
		return fmt.Sprintf("%q does not match the pattern %s", e.got, e.pattern)
	case errType:
		return fmt.Sprintf("got %s, want %s", e.got, strings.Join(e.want, " or "))
	}
	return "does not match the schema"
}
