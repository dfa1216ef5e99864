package json5

import (
	"errors"
	"math"
	"strconv"
	"strings"
	"testing"
)

func TestParseValid(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{"plain json", `{"a": [1, 2.5, -3e2, true, false, null, "x"]}`, `{"a":[1,2.5,-3e2,true,false,null,"x"]}`},
		{"line comment", "{// c\n\"a\": 1 // d\n}", `{"a":1}`},
		{"block comment", "/* head */ [1, /* mid\n line */ 2] /* tail */", `[1,2]`},
		{"trailing commas", `{"a": [1, 2,], "b": {"c": 3,},}`, `{"a":[1,2],"b":{"c":3}}`},
		{"single quotes", `{'a': 'it\'s "x"'}`, `{"a":"it's \"x\""}`},
		{"unquoted keys", `{a: 1, $b_2: 2, ünï: 3, \u0061b: 4}`, `{"a":1,"$b_2":2,"ünï":3,"ab":4}`},
		{"hex", `[0x1F, -0XfF, +0x0]`, `[31,-255,0]`},
		{"leading and trailing point", `[.5, 5., +1, -.25e1, 5.e2]`, `[0.5,5,1,-0.25e1,5e2]`},
		{"escapes", `"\b\f\n\r\t\v\0\x41\u00e9\ud83d\ude00\q\/"`, `"\u0008\u000c\n\r\t\u000b\u0000Aé😀q/"`},
		{"line continuation", "'a\\\nb\\\r\nc'", `"abc"`},
		{"bom and unicode space", "\uFEFF\u00A0{\u2003\"a\"\u2028:\u20291}", `{"a":1}`},
		{"U+2028 inside a string", "\"a\u2028b\"", "\"a\u2028b\""},
		{"scalar top level", ` "x" `, `"x"`},
		{"nested empty", `{"a": {}, "b": [[], {}]}`, `{"a":{},"b":[[],{}]}`},
		{"zero", `[0, -0, 0.0, 0e5]`, `[0,-0,0.0,0e5]`},
		{"crlf lines", "{\r\n'a': 1,\r\n}", `{"a":1}`},
		{"comment at end without newline", "1 // end", `1`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			doc, err := Parse([]byte(tt.in))
			if err != nil {
				t.Fatalf("Parse(%q): %v", tt.in, err)
			}
			got, err := doc.Root.JSON()
			if err != nil {
				t.Fatal(err)
			}
			if string(got) != tt.want {
				t.Errorf("Parse(%q) = %s, want %s", tt.in, got, tt.want)
			}
		})
	}
}

func TestParseSpecialNumbers(t *testing.T) {
	doc, err := Parse([]byte(`[Infinity, -Infinity, +Infinity, NaN, -NaN, 1e999]`))
	if err != nil {
		t.Fatal(err)
	}
	e := doc.Root.Elems
	if !math.IsInf(e[0].Float, 1) || !math.IsInf(e[1].Float, -1) || !math.IsInf(e[2].Float, 1) {
		t.Errorf("infinities: %v %v %v", e[0].Float, e[1].Float, e[2].Float)
	}
	if !math.IsNaN(e[3].Float) || !math.IsNaN(e[4].Float) {
		t.Errorf("NaN: %v %v", e[3].Float, e[4].Float)
	}
	if !math.IsInf(e[5].Float, 1) {
		t.Errorf("1e999 = %v, want +Inf as in JavaScript", e[5].Float)
	}
	if e[1].Raw != "-Infinity" {
		t.Errorf("Raw = %q", e[1].Raw)
	}
	if _, err := doc.Root.JSON(); err == nil || !strings.Contains(err.Error(), "Infinity is not a JSON number") {
		t.Errorf("JSON() of Infinity: %v", err)
	}
}

func TestParseErrors(t *testing.T) {
	tests := []struct {
		name, in  string
		line, col int
		msg       string
	}{
		{"empty", "", 1, 1, "empty input"},
		{"only comment", "// nothing\n", 2, 1, "empty input"},
		{"missing comma", "{\n  \"a\": 1\n  \"b\": 2\n}", 3, 3, `expected ',' or '}' after the value of "a"`},
		{"missing colon", `{"a" 1}`, 1, 6, `expected ':' after key "a"`},
		{"unclosed object", "{\"a\": 1,\n", 2, 1, "object opened at 1:1 is not closed"},
		{"unclosed array", "[1,\n2", 2, 2, "array opened at 1:1 is not closed"},
		{"unterminated string", "{\"a\": \"abc\n}", 1, 7, "line break before the closing"},
		{"unterminated string at eof", `"abc`, 1, 1, "no closing"},
		{"unterminated comment", "[1, /* x", 1, 5, "unterminated /* comment"},
		{"bare word", `{"a": yes}`, 1, 7, `unexpected "yes": expected a value`},
		{"double comma", `[1,,2]`, 1, 4, "unexpected character ','"},
		{"leading zero", `[01]`, 1, 2, "leading zero"},
		{"number key", `{1: 2}`, 1, 2, "numbers are not keys"},
		{"octal escape", `"\1"`, 1, 2, "octal"},
		{"bad unicode escape", `"\u12G4"`, 1, 4, `invalid \u escape`},
		{"garbage after value", `{} x`, 1, 4, "after the top-level value"},
		{"two trailing commas", `[1,,]`, 1, 4, "unexpected character ','"},
		{"columns count characters", "{\"é\": ü}", 1, 7, "expected a value"},
		{"invalid utf-8 in string", "\"a\xffb\"", 1, 3, "invalid UTF-8"},
		{"letters after number", `[12ab]`, 1, 4, "in number"},
		{"lone minus", `[-]`, 1, 3, "expected a number"},
		{"exponent without digits", `[1e]`, 1, 4, "exponent"},
		{"hex without digits", `[0x]`, 1, 4, "hex digits"},
		{"single quote mismatch", `['a"]`, 1, 2, "no closing '"},
		{"cr line counting", "[\r1,\r\n2,\rx]", 4, 1, `unexpected "x"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse([]byte(tt.in))
			var se *SyntaxError
			if !errors.As(err, &se) {
				t.Fatalf("Parse(%q) error = %v, want a SyntaxError", tt.in, err)
			}
			if se.Pos.Line != tt.line || se.Pos.Column != tt.col || !strings.Contains(se.Msg, tt.msg) {
				t.Errorf("Parse(%q) = %d:%d %q, want %d:%d containing %q", tt.in, se.Pos.Line, se.Pos.Column, se.Msg, tt.line, tt.col, tt.msg)
			}
			if !strings.HasPrefix(err.Error(), strconv.Itoa(tt.line)+":"+strconv.Itoa(tt.col)+": ") {
				t.Errorf("Error() = %q, want it to start with line:col", err.Error())
			}
		})
	}
}

func TestPositions(t *testing.T) {
	src := "{\n  // comment\n  \"key\": 'välue',\n  list: [1, {\"x\": null}],\n  /* é */ \"é\": true\n}"
	doc, err := Parse([]byte(src))
	if err != nil {
		t.Fatal(err)
	}
	check := func(what string, got Pos, line, col int, text string) {
		t.Helper()
		if got.Line != line || got.Column != col {
			t.Errorf("%s at %d:%d, want %d:%d", what, got.Line, got.Column, line, col)
		}
		if !strings.HasPrefix(src[got.Offset:], text) {
			t.Errorf("%s offset %d points at %q, want %q", what, got.Offset, src[got.Offset:min(len(src), got.Offset+10)], text)
		}
	}
	r := doc.Root
	check("root", r.Pos, 1, 1, "{")
	check("key", r.Members[0].KeyPos, 3, 3, `"key"`)
	check("value", r.Members[0].Value.Pos, 3, 10, `'välue'`)
	check("unquoted key", r.Members[1].KeyPos, 4, 3, "list")
	check("array", r.Members[1].Value.Pos, 4, 9, "[1")
	check("nested value", r.Lookup("/list/1/x").Pos, 4, 19, "null")
	check("key after comment", r.Members[2].KeyPos, 5, 11, `"é"`)
	check("value after multibyte key", r.Members[2].Value.Pos, 5, 16, "true")
	if end := r.Members[0].Value.End; src[end-1] != '\'' {
		t.Errorf("End of string at %d is %q", end, src[end-1])
	}
}

func TestPositionsOnOneLongLine(t *testing.T) {
	// Columns are counted incrementally; the hundredth value of a long line
	// must still be at the right column.
	var b strings.Builder
	b.WriteString("[")
	for i := 0; i < 100; i++ {
		if i > 0 {
			b.WriteString(",")
		}
		b.WriteString(`"ü"`)
	}
	b.WriteString("]")
	doc, err := Parse([]byte(b.String()))
	if err != nil {
		t.Fatal(err)
	}
	last := doc.Root.Elems[99].Pos
	if last.Line != 1 || last.Column != 2+99*4 {
		t.Errorf("last element at %v, want 1:%d", last, 2+99*4)
	}
}

func TestDuplicates(t *testing.T) {
	src := `{"a": 1, "b": {"c": 1, c: 2}, "a": 3, "list": [{"k": 1, "k": 2}]}`
	doc, err := Parse([]byte(src))
	if err != nil {
		t.Fatal(err)
	}
	want := []struct {
		ptr   string
		col   int
		first int
	}{{"/b/c", 24, 16}, {"/a", 31, 2}, {"/list/0/k", 57, 49}}
	if len(doc.Duplicates) != len(want) {
		t.Fatalf("duplicates = %+v, want %d", doc.Duplicates, len(want))
	}
	for i, w := range want {
		d := doc.Duplicates[i]
		if d.Pointer != w.ptr || d.Pos.Column != w.col || d.First.Column != w.first {
			t.Errorf("duplicate %d = %+v, want %s at col %d first at col %d", i, d, w.ptr, w.col, w.first)
		}
	}
	if got := doc.Root.Get("a").Float; got != 3 {
		t.Errorf("Get(a) = %v, want the last value 3", got)
	}
}

func TestDuplicatesInLargeObject(t *testing.T) {
	// Past eight members the parser switches to a map; both paths must agree.
	var b strings.Builder
	b.WriteString("{")
	for i := 0; i < 20; i++ {
		b.WriteString(`"k` + strconv.Itoa(i) + `": 1,`)
	}
	b.WriteString(`"k3": 2, "k15": 3, "k7": 4}`)
	doc, err := Parse([]byte(b.String()))
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, d := range doc.Duplicates {
		got = append(got, d.Key)
	}
	if strings.Join(got, ",") != "k3,k15,k7" {
		t.Errorf("duplicates %v, want k3,k15,k7", got)
	}
}

func TestLookupAndPointerToken(t *testing.T) {
	doc, err := Parse([]byte(`{"a/b": {"c~d": [10, 20]}}`))
	if err != nil {
		t.Fatal(err)
	}
	ptr := "/" + PointerToken("a/b") + "/" + PointerToken("c~d") + "/1"
	if ptr != "/a~1b/c~0d/1" {
		t.Errorf("pointer %q", ptr)
	}
	if n := doc.Root.Lookup(ptr); n == nil || n.Float != 20 {
		t.Errorf("Lookup(%q) = %+v", ptr, n)
	}
	for _, bad := range []string{"/a~1b/c~0d/2", "/a~1b/c~0d/01", "/x", "a", "/a~1b/c~0d/1/z"} {
		if n := doc.Root.Lookup(bad); n != nil {
			t.Errorf("Lookup(%q) = %+v, want nil", bad, n)
		}
	}
}

func TestLimits(t *testing.T) {
	deep := strings.Repeat("[", 5000) + strings.Repeat("]", 5000)
	_, err := Parse([]byte(deep))
	var se *SyntaxError
	if !errors.As(err, &se) || !strings.Contains(se.Msg, "nesting deeper than 1000 levels") || se.Pos.Column != 1001 {
		t.Errorf("deep array: %v", err)
	}
	if !errors.Is(err, ErrTooDeep) {
		t.Errorf("deep array: %v does not wrap ErrTooDeep", err)
	}
	if _, err := Parse([]byte(`[1,,]`)); err == nil || errors.Is(err, ErrTooDeep) {
		t.Errorf("a syntax error: %v, want one that is not ErrTooDeep", err)
	}
	deepObj := strings.Repeat(`{"a":`, 50) + "1" + strings.Repeat("}", 50)
	if _, err := ParseLimits([]byte(deepObj), Limits{MaxDepth: 10}); err == nil || !strings.Contains(err.Error(), "deeper than 10") {
		t.Errorf("deep object with MaxDepth 10: %v", err)
	}
	if _, err := ParseLimits([]byte(deepObj), Limits{MaxDepth: 50}); err != nil {
		t.Errorf("50 levels with MaxDepth 50: %v", err)
	}
	big := make([]byte, 30<<20)
	_, err = Parse(big)
	var tl *TooLargeError
	if !errors.As(err, &tl) || err.Error() != "input is 30 MiB, more than the limit of 20 MiB" {
		t.Errorf("30 MiB input: %v", err)
	}
}

func TestUnmarshal(t *testing.T) {
	var cfg struct {
		Product     string `json:"product"`
		Development struct {
			Port  int             `json:"port"`
			Store map[string]any  `json:"store"`
			List  []float64       `json:"list"`
			Extra map[string]bool `json:"extra"`
		} `json:"development"`
	}
	src := `{
  // ACE config
  product: 'bitbucket',
  "development": {port: 0xBB8, store: {adapter: "sequelize",}, list: [.5, +2,], extra: {a: false, a: true}},
}`
	if err := Unmarshal([]byte(src), &cfg); err != nil {
		t.Fatal(err)
	}
	d := cfg.Development
	if cfg.Product != "bitbucket" || d.Port != 3000 || d.Store["adapter"] != "sequelize" || len(d.List) != 2 || d.List[0] != 0.5 || d.List[1] != 2 || !d.Extra["a"] {
		t.Errorf("Unmarshal = %+v", cfg)
	}
	var v any
	if err := Unmarshal([]byte("{a: NaN}"), &v); err == nil || !strings.HasPrefix(err.Error(), "1:5: NaN") {
		t.Errorf("NaN: %v", err)
	}
	if err := Unmarshal([]byte("{a: }"), &v); err == nil || !strings.HasPrefix(err.Error(), "1:5:") {
		t.Errorf("syntax error: %v", err)
	}
}

func TestValue(t *testing.T) {
	doc, err := Parse([]byte(`{a: [1, "s", true, null, {b: 2}]}`))
	if err != nil {
		t.Fatal(err)
	}
	v := doc.Root.Value().(map[string]any)
	a := v["a"].([]any)
	if a[0] != 1.0 || a[1] != "s" || a[2] != true || a[3] != nil || a[4].(map[string]any)["b"] != 2.0 {
		t.Errorf("Value() = %#v", v)
	}
}

func TestFormatSize(t *testing.T) {
	for n, want := range map[int]string{12: "12 bytes", 1536: "1.5 KiB", 10 << 20: "10 MiB", 3<<20 + 1<<19: "3.5 MiB"} {
		if got := FormatSize(n); got != want {
			t.Errorf("FormatSize(%d) = %q, want %q", n, got, want)
		}
	}
}
