package json5

import (
	"bytes"
	"encoding/json"
	"errors"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// FuzzParse checks that the parser never panics or hangs, that every
// position it reports agrees with one computed from scratch, and that what
// it accepts converts to JSON that encoding/json accepts and that parses
// back to the same JSON.
func FuzzParse(f *testing.F) {
	seeds := []string{
		`{"a": [1, 2.5e3, true, null, "x"]}`,
		"{// c\n a: 'b', /* d */ c: [0x1F, .5, 5., +Infinity, NaN,],}",
		`"\u00e9\ud83d\ude00\x41\0\
x"`,
		"\uFEFF[\u2028 1 \r\n,\r2]",
		`{"k": 1, "k": 2}`,
		`[[[[[[[[[[]]]]]]]]]]`,
		`{a:{b:{c:{}}}}`,
		`01`, `1e`, `"abc`, `/* x`, `{1:2}`, `'\1'`, `-`, `[1,,]`,
	}
	if fixtures, err := filepath.Glob("../descriptor/testdata/descriptors/*.json"); err == nil {
		for _, p := range fixtures {
			if b, err := os.ReadFile(p); err == nil {
				seeds = append(seeds, string(b))
			}
		}
	}
	for _, s := range seeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, src []byte) {
		doc, err := ParseLimits(src, Limits{MaxDepth: 64})
		if err != nil {
			var se *SyntaxError
			if errors.As(err, &se) {
				if want := position(src, se.Pos.Offset); want != se.Pos {
					t.Fatalf("error position %v, computed from scratch %v", se.Pos, want)
				}
				return
			}
			t.Fatalf("error of type %T: %v", err, err)
		}
		checkPositions(t, src, doc.Root)
		for _, d := range doc.Duplicates {
			// A pointer through an earlier duplicate may find nothing (the
			// last value wins), so only its shape is checked.
			if !strings.HasSuffix(d.Pointer, "/"+PointerToken(d.Key)) || d.First.Offset >= d.Pos.Offset {
				t.Fatalf("duplicate %+v", d)
			}
		}
		js, err := doc.Root.JSON()
		if err != nil {
			if !hasNonFinite(doc.Root) {
				t.Fatalf("JSON() failed without Infinity or NaN: %v", err)
			}
			return
		}
		if !json.Valid(js) {
			t.Fatalf("JSON() produced invalid JSON %q", js)
		}
		doc2, err := Parse(js)
		if err != nil {
			t.Fatalf("re-parsing our JSON %q: %v", js, err)
		}
		js2, err := doc2.Root.JSON()
		if err != nil || !bytes.Equal(js, js2) {
			t.Fatalf("round trip changed %q to %q (%v)", js, js2, err)
		}
	})
}

func checkPositions(t *testing.T, src []byte, n *Node) {
	t.Helper()
	if want := position(src, n.Pos.Offset); want != n.Pos {
		t.Fatalf("node at %v, computed from scratch %v", n.Pos, want)
	}
	if n.End <= n.Pos.Offset || n.End > len(src) {
		t.Fatalf("node %v ends at %d", n.Pos, n.End)
	}
	for _, e := range n.Elems {
		checkPositions(t, src, e)
	}
	for _, m := range n.Members {
		if want := position(src, m.KeyPos.Offset); want != m.KeyPos {
			t.Fatalf("key %q at %v, computed from scratch %v", m.Key, m.KeyPos, want)
		}
		checkPositions(t, src, m.Value)
	}
}

func hasNonFinite(n *Node) bool {
	if n.Kind == Number && (math.IsInf(n.Float, 0) || math.IsNaN(n.Float)) {
		return true
	}
	for _, e := range n.Elems {
		if hasNonFinite(e) {
			return true
		}
	}
	for _, m := range n.Members {
		if hasNonFinite(m.Value) {
			return true
		}
	}
	return false
}

// TestHostileInputs are the inputs the fuzz target is most concerned with:
// each must end in a clear error (not a stack overflow or an out-of-memory
// kill) or parse.
func TestHostileInputs(t *testing.T) {
	tests := []struct {
		name string
		src  []byte
		msg  string
	}{
		{"a million open brackets", bytes.Repeat([]byte("["), 1_000_000), "nesting deeper than 1000 levels"},
		{"a million nested objects", bytes.Repeat([]byte(`{"a":`), 1_000_000), "nesting deeper than 1000 levels"},
		{"40 MiB of spaces", bytes.Repeat([]byte(" "), 40<<20), "more than the limit of 20 MiB"},
		{"unterminated comment of 15 MiB", append([]byte("/*"), bytes.Repeat([]byte("x\n"), 15<<19)...), "1:1: unterminated /* comment"},
		{"unterminated string of 15 MiB", append([]byte(`"`), bytes.Repeat([]byte("é"), 15<<19)...), "1:1: unterminated string"},
		{"huge exponent", []byte("1e999999999999999999999"), ""},
		{"long hex", append([]byte("0x"), bytes.Repeat([]byte("F"), 1<<20)...), ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse(tt.src)
			if tt.msg == "" {
				if err != nil {
					t.Fatalf("Parse: %v", err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.msg) {
				t.Fatalf("Parse error = %v, want %q", err, tt.msg)
			}
		})
	}
}

func TestLargeDocumentOnOneLine(t *testing.T) {
	// 200,000 values on one line: positions must be right at the far end
	// (columns are counted incrementally, not from the line start each time).
	var b strings.Builder
	b.WriteString("[")
	for i := 0; i < 200_000; i++ {
		b.WriteString(`{"k":"v"},`)
	}
	b.WriteString("1]")
	doc, err := Parse([]byte(b.String()))
	if err != nil {
		t.Fatal(err)
	}
	last := doc.Root.Elems[200_000]
	if last.Pos.Line != 1 || last.Pos.Column != 2+200_000*10 {
		t.Errorf("last value at %v", last.Pos)
	}
}
