// Package json5 parses JSON5 (https://spec.json5.org), the dialect
// atlassian-connect-express reads atlassian-connect.json and config.json in:
// comments, trailing commas, single-quoted strings, unquoted keys,
// hexadecimal numbers, Infinity and NaN.
//
// It exists, rather than a JSON decoder, for two reasons. Descriptors are
// written by hand and ACE accepts JSON5, so connectgen must accept what ACE
// accepts. And `connectgen validate` reports every finding at a line and
// column, so the parser keeps a tree of nodes that remember where each key
// and value started, reports syntax errors as line:col and lists duplicate
// keys (which JSON.parse silently resolves in favour of the last one).
//
// It accepts and refuses what json5@2.2.3 (the parser ACE uses) accepts and
// refuses, which a test checks against that package, with two deliberate
// differences: input must be UTF-8 (Node would silently turn invalid bytes
// into U+FFFD; they almost always mean a file saved in another encoding),
// and "__proto__" is an ordinary key.
//
// Parsing is bounded: input larger than Limits.MaxSize and nesting deeper
// than Limits.MaxDepth end in an error instead of exhausting memory or the
// stack, and the work is linear in the size of the input.
package json5

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"strings"
)

// Kind is the type of a JSON value.
type Kind uint8

// The kinds of value.
const (
	Null Kind = iota
	Bool
	Number
	String
	Array
	Object
)

func (k Kind) String() string {
	switch k {
	case Null:
		return "null"
	case Bool:
		return "boolean"
	case Number:
		return "number"
	case String:
		return "string"
	case Array:
		return "array"
	case Object:
		return "object"
	}
	return "invalid"
}

// Pos is a place in the source. Line and Column count from 1; Column counts
// Unicode code points (not bytes) from the start of the line, as editors
// show it. Offset is the byte offset from the start of the input.
type Pos struct {
	Offset int `json:"offset"`
	Line   int `json:"line"`
	Column int `json:"column"`
}

func (p Pos) String() string { return fmt.Sprintf("%d:%d", p.Line, p.Column) }

// Node is one value of the parsed document.
type Node struct {
	Kind Kind
	// Pos is where the value starts; End is the byte offset just past it.
	Pos Pos
	End int

	Bool bool
	// Str is the decoded value of a String.
	Str string
	// Raw is a Number's literal as written ("0x1F", "+.5", "-Infinity");
	// Float is its value.
	Raw   string
	Float float64
	// Elems are an Array's elements, Members an Object's members in
	// source order (duplicates included).
	Elems   []*Node
	Members []*Member
}

// Member is one key and value of an object.
type Member struct {
	Key    string
	KeyPos Pos
	Value  *Node
}

// Get returns the value of key in an object, or nil. When a key appears
// more than once the last one wins, as in JSON.parse.
func (n *Node) Get(key string) *Node {
	if n == nil || n.Kind != Object {
		return nil
	}
	for i := len(n.Members) - 1; i >= 0; i-- {
		if n.Members[i].Key == key {
			return n.Members[i].Value
		}
	}
	return nil
}

// Member returns the member for key in an object (the last one when
// duplicated), or nil.
func (n *Node) Member(key string) *Member {
	if n == nil || n.Kind != Object {
		return nil
	}
	for i := len(n.Members) - 1; i >= 0; i-- {
		if n.Members[i].Key == key {
			return n.Members[i]
		}
	}
	return nil
}

// Value returns the node as plain Go values: map[string]any, []any,
// string, float64, bool or nil. Duplicate keys resolve to the last value.
func (n *Node) Value() any {
	if n == nil {
		return nil
	}
	switch n.Kind {
	case Bool:
		return n.Bool
	case Number:
		return n.Float
	case String:
		return n.Str
	case Array:
		a := make([]any, len(n.Elems))
		for i, e := range n.Elems {
			a[i] = e.Value()
		}
		return a
	case Object:
		m := make(map[string]any, len(n.Members))
		for _, mem := range n.Members {
			m[mem.Key] = mem.Value.Value()
		}
		return m
	}
	return nil
}

// Lookup returns the node at an RFC 6901 JSON pointer ("" is the node
// itself), or nil when there is none.
func (n *Node) Lookup(pointer string) *Node {
	if pointer == "" {
		return n
	}
	if !strings.HasPrefix(pointer, "/") {
		return nil
	}
	cur := n
	for _, tok := range strings.Split(pointer[1:], "/") {
		tok = strings.ReplaceAll(strings.ReplaceAll(tok, "~1", "/"), "~0", "~")
		switch {
		case cur == nil:
			return nil
		case cur.Kind == Object:
			cur = cur.Get(tok)
		case cur.Kind == Array:
			i, err := strconv.Atoi(tok)
			if err != nil || i < 0 || i >= len(cur.Elems) || strconv.Itoa(i) != tok {
				return nil
			}
			cur = cur.Elems[i]
		default:
			return nil
		}
	}
	return cur
}

// PointerToken escapes one reference token of a JSON pointer (RFC 6901).
func PointerToken(s string) string {
	if !strings.ContainsAny(s, "~/") {
		return s
	}
	return strings.ReplaceAll(strings.ReplaceAll(s, "~", "~0"), "/", "~1")
}

// JSON returns the node as standard JSON text: strings re-quoted, numbers
// in decimal. It fails for Infinity and NaN, which JSON cannot hold.
func (n *Node) JSON() ([]byte, error) {
	var b bytes.Buffer
	if err := appendJSON(&b, n); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

func appendJSON(b *bytes.Buffer, n *Node) error {
	switch n.Kind {
	case Null:
		b.WriteString("null")
	case Bool:
		b.WriteString(strconv.FormatBool(n.Bool))
	case Number:
		s, ok := n.numberJSON()
		if !ok {
			return fmt.Errorf("%s: %s is not a JSON number", n.Pos, n.Raw)
		}
		b.WriteString(s)
	case String:
		appendQuoted(b, n.Str)
	case Array:
		b.WriteByte('[')
		for i, e := range n.Elems {
			if i > 0 {
				b.WriteByte(',')
			}
			if err := appendJSON(b, e); err != nil {
				return err
			}
		}
		b.WriteByte(']')
	case Object:
		b.WriteByte('{')
		for i, m := range n.Members {
			if i > 0 {
				b.WriteByte(',')
			}
			appendQuoted(b, m.Key)
			b.WriteByte(':')
			if err := appendJSON(b, m.Value); err != nil {
				return err
			}
		}
		b.WriteByte('}')
	}
	return nil
}

// numberJSON is the number as a JSON literal: the decimal literal with a
// leading '+' and bare decimal points fixed, or the value for hexadecimal.
func (n *Node) numberJSON() (string, bool) {
	if math.IsInf(n.Float, 0) || math.IsNaN(n.Float) {
		return "", false
	}
	s := n.Raw
	neg := false
	switch {
	case strings.HasPrefix(s, "+"):
		s = s[1:]
	case strings.HasPrefix(s, "-"):
		neg, s = true, s[1:]
	}
	if strings.HasPrefix(s, "0x") || strings.HasPrefix(s, "0X") {
		return strconv.FormatFloat(n.Float, 'g', -1, 64), true
	}
	if strings.HasPrefix(s, ".") {
		s = "0" + s
	}
	if i := strings.IndexByte(s, '.'); i >= 0 && (i+1 == len(s) || s[i+1] < '0' || s[i+1] > '9') {
		s = s[:i] + s[i+1:]
	}
	if neg {
		s = "-" + s
	}
	return s, true
}

func appendQuoted(b *bytes.Buffer, s string) {
	const hex = "0123456789abcdef"
	b.WriteByte('"')
	start := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 0x20 && c != '"' && c != '\\' {
			continue
		}
		b.WriteString(s[start:i])
		switch c {
		case '"', '\\':
			b.WriteByte('\\')
			b.WriteByte(c)
		case '\n':
			b.WriteString(`\n`)
		case '\r':
			b.WriteString(`\r`)
		case '\t':
			b.WriteString(`\t`)
		default:
			b.WriteString(`\u00`)
			b.WriteByte(hex[c>>4])
			b.WriteByte(hex[c&0xF])
		}
		start = i + 1
	}
	b.WriteString(s[start:])
	b.WriteByte('"')
}

// Unmarshal parses JSON5 src with the default limits and stores the result
// in v as encoding/json would store the equivalent JSON. Duplicate keys
// resolve to the last value, as in ACE. Infinity and NaN cannot be stored
// and are an error naming their position.
func Unmarshal(src []byte, v any) error {
	doc, err := Parse(src)
	if err != nil {
		return err
	}
	js, err := doc.Root.JSON()
	if err != nil {
		return err
	}
	return json.Unmarshal(js, v)
}
