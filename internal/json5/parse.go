package json5

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Default limits. A Bitbucket descriptor of 10,000 modules is about 2 MB;
// ten times that is still far from anything real, and small enough that a
// hostile input cannot make the tree exhaust memory.
const (
	DefaultMaxDepth = 1000
	DefaultMaxSize  = 20 << 20
)

// Limits bound the work the parser does. Zero fields take the defaults.
type Limits struct {
	// MaxDepth is the deepest nesting of arrays and objects accepted.
	MaxDepth int
	// MaxSize is the largest input, in bytes, accepted.
	MaxSize int
}

// Document is a parsed JSON5 text.
type Document struct {
	Root *Node
	// Duplicates lists every key that repeats an earlier key of the same
	// object, in source order.
	Duplicates []Duplicate
}

// Duplicate is a key that appears more than once in one object.
type Duplicate struct {
	Key string
	// Pointer is the JSON pointer of the repeated member.
	Pointer string
	// Pos is where the repeated key is; First where the key first appeared.
	Pos   Pos
	First Pos
}

// SyntaxError is input that is not JSON5, or nests deeper than allowed;
// errors.Is(err, ErrTooDeep) tells the second from the first.
type SyntaxError struct {
	Msg string
	Pos Pos

	cause error // ErrTooDeep, or nil
}

func (e *SyntaxError) Error() string {
	return fmt.Sprintf("%d:%d: %s", e.Pos.Line, e.Pos.Column, e.Msg)
}

// Unwrap returns ErrTooDeep for input nested deeper than Limits.MaxDepth.
func (e *SyntaxError) Unwrap() error { return e.cause }

// ErrTooDeep is what a *SyntaxError wraps when the input nests deeper than
// Limits.MaxDepth: valid JSON5, perhaps, but refused.
var ErrTooDeep = errors.New("nesting too deep")

// TooLargeError is input larger than Limits.MaxSize; nothing was parsed.
type TooLargeError struct {
	Size, Limit int
}

func (e *TooLargeError) Error() string {
	return fmt.Sprintf("input is %s, more than the limit of %s", FormatSize(e.Size), FormatSize(e.Limit))
}

// FormatSize writes a byte count for people ("512 bytes", "20 MiB", "1.5 KiB").
func FormatSize(n int) string {
	switch {
	case n < 1<<10:
		return fmt.Sprintf("%d bytes", n)
	case n < 1<<20:
		return strings.TrimSuffix(fmt.Sprintf("%.1f", float64(n)/(1<<10)), ".0") + " KiB"
	default:
		return strings.TrimSuffix(fmt.Sprintf("%.1f", float64(n)/(1<<20)), ".0") + " MiB"
	}
}

// Parse parses src with the default limits.
func Parse(src []byte) (*Document, error) { return ParseLimits(src, Limits{}) }

// ParseLimits parses src, refusing input beyond lim. The error is a
// *SyntaxError or a *TooLargeError.
func ParseLimits(src []byte, lim Limits) (*Document, error) {
	if lim.MaxDepth <= 0 {
		lim.MaxDepth = DefaultMaxDepth
	}
	if lim.MaxSize <= 0 {
		lim.MaxSize = DefaultMaxSize
	}
	if len(src) > lim.MaxSize {
		return nil, &TooLargeError{Size: len(src), Limit: lim.MaxSize}
	}
	p := &parser{src: src, maxDepth: lim.MaxDepth, line: 1, col: 1}
	doc := &Document{}
	p.doc = doc
	p.skipSpace()
	if p.err != nil {
		return nil, p.err
	}
	if p.i >= len(src) {
		p.errorf(p.i, "empty input: expected a JSON value")
		return nil, p.err
	}
	doc.Root = p.value()
	if p.err != nil {
		return nil, p.err
	}
	p.skipSpace()
	if p.err != nil {
		return nil, p.err
	}
	if p.i < len(src) {
		p.errorf(p.i, "unexpected %s after the top-level value", p.describe(p.i))
		return nil, p.err
	}
	return doc, nil
}

type parser struct {
	src      []byte
	i        int
	maxDepth int
	depth    int
	err      *SyntaxError
	doc      *Document
	// path holds the keys and indexes leading to the current value; it is
	// turned into a JSON pointer only when a duplicate key is reported.
	path []string

	// nodes and members are allocated in slabs: one allocation per 64
	// values instead of one each (the tree lives and dies as a whole).
	nodes   []Node
	members []Member

	// Position tracking: line is the current line, lineStart the offset it
	// starts at. Columns are counted lazily and incrementally from colOff
	// (col is the column at colOff), so asking for the position of
	// increasing offsets costs linear time in total, even for a
	// multi-megabyte document on one line.
	line, lineStart int
	colOff, col     int
}

// newline records that a line ends just before offset next.
func (p *parser) newline(next int) {
	p.line++
	p.lineStart = next
	p.colOff = next
	p.col = 1
}

// pos returns the position of offset off, which must not be before the
// start of the current line.
func (p *parser) pos(off int) Pos {
	if off < p.lineStart {
		return position(p.src, off)
	}
	if off < p.colOff || p.colOff < p.lineStart {
		p.colOff, p.col = p.lineStart, 1
	}
	for j := p.colOff; j < off && j < len(p.src); j++ {
		if p.src[j]&0xC0 != 0x80 {
			p.col++
		}
	}
	p.colOff = off
	return Pos{Offset: off, Line: p.line, Column: p.col}
}

// position computes the position of off from scratch; used only for
// errors that point back before the current line.
func position(src []byte, off int) Pos {
	line, col := 1, 1
	for j := 0; j < off && j < len(src); j++ {
		c := src[j]
		switch {
		case c == '\n':
			line, col = line+1, 1
		case c == '\r':
			if j+1 < len(src) && src[j+1] == '\n' {
				continue
			}
			line, col = line+1, 1
		case c&0xC0 != 0x80:
			col++
		}
	}
	return Pos{Offset: off, Line: line, Column: col}
}

func (p *parser) node(k Kind, pos Pos) *Node {
	if len(p.nodes) == 0 {
		p.nodes = make([]Node, 64)
	}
	n := &p.nodes[0]
	p.nodes = p.nodes[1:]
	n.Kind, n.Pos = k, pos
	return n
}

func (p *parser) member(key string, pos Pos, v *Node) *Member {
	if len(p.members) == 0 {
		p.members = make([]Member, 64)
	}
	m := &p.members[0]
	p.members = p.members[1:]
	m.Key, m.KeyPos, m.Value = key, pos, v
	return m
}

func (p *parser) errorf(off int, format string, a ...any) {
	if p.err == nil {
		p.err = &SyntaxError{Msg: fmt.Sprintf(format, a...), Pos: p.pos(off)}
	}
}

// describe names the character at off for an error message.
func (p *parser) describe(off int) string {
	if off >= len(p.src) {
		return "end of input"
	}
	r, size := utf8.DecodeRune(p.src[off:])
	if r == utf8.RuneError && size <= 1 {
		return fmt.Sprintf("byte 0x%02X (invalid UTF-8)", p.src[off])
	}
	return fmt.Sprintf("character %s", strconv.QuoteRune(r))
}

// skipSpace skips white space and comments, counting lines.
func (p *parser) skipSpace() {
	src := p.src
	for p.i < len(src) {
		c := src[p.i]
		switch c {
		case ' ', '\t', '\v', '\f':
			p.i++
		case '\n':
			p.i++
			p.newline(p.i)
		case '\r':
			p.i++
			if p.i < len(src) && src[p.i] == '\n' {
				p.i++
			}
			p.newline(p.i)
		case '/':
			if p.i+1 >= len(src) {
				return
			}
			switch src[p.i+1] {
			case '/':
				p.i += 2
				for p.i < len(src) && src[p.i] != '\n' && src[p.i] != '\r' {
					p.i++
				}
			case '*':
				start := p.i
				p.i += 2
				for {
					if p.i+1 >= len(src) {
						p.i = len(src)
						p.errorf(start, "unterminated /* comment")
						return
					}
					if src[p.i] == '*' && src[p.i+1] == '/' {
						p.i += 2
						break
					}
					switch src[p.i] {
					case '\n':
						p.i++
						p.newline(p.i)
					case '\r':
						p.i++
						if p.i < len(src) && src[p.i] == '\n' {
							p.i++
						}
						p.newline(p.i)
					default:
						p.i++
					}
				}
			default:
				return
			}
		default:
			if c < utf8.RuneSelf {
				return
			}
			r, size := utf8.DecodeRune(src[p.i:])
			if !isSpaceRune(r) {
				return
			}
			p.i += size
		}
	}
}

// isSpaceRune is JSON5's white space beyond ASCII: no-break space, the
// byte order mark, the line and paragraph separators and category Zs.
func isSpaceRune(r rune) bool {
	switch r {
	case 0xA0, 0xFEFF, 0x2028, 0x2029:
		return true
	}
	return unicode.Is(unicode.Zs, r)
}

func (p *parser) value() *Node {
	if p.i >= len(p.src) {
		p.errorf(p.i, "unexpected end of input: expected a value")
		return nil
	}
	start := p.i
	c := p.src[start]
	switch {
	case c == '{':
		return p.object()
	case c == '[':
		return p.array()
	case c == '"' || c == '\'':
		pos := p.pos(start)
		s, ok := p.str()
		if !ok {
			return nil
		}
		n := p.node(String, pos)
		n.End, n.Str = p.i, s
		return n
	case c == '-' || c == '+' || c == '.' || (c >= '0' && c <= '9'):
		return p.number()
	case hasWord(p.src[start:], "Infinity") || hasWord(p.src[start:], "NaN"):
		return p.number()
	case c == 't' || c == 'f' || c == 'n':
		word := p.identWord()
		pos := p.pos(start)
		switch word {
		case "true", "false":
			n := p.node(Bool, pos)
			n.End, n.Bool = p.i, word == "true"
			return n
		case "null":
			n := p.node(Null, pos)
			n.End = p.i
			return n
		}
		p.errorf(start, "unexpected %q: expected a value (strings need quotes)", truncate(word))
		return nil
	}
	if isIdentStartByte(c) {
		word := p.identWord()
		p.errorf(start, "unexpected %q: expected a value (strings need quotes)", truncate(word))
		return nil
	}
	p.errorf(start, "unexpected %s: expected a value", p.describe(start))
	return nil
}

func truncate(s string) string {
	if len(s) > 40 {
		return s[:40] + "…"
	}
	return s
}

// identWord consumes a run of ASCII identifier characters, for keywords.
func (p *parser) identWord() string {
	start := p.i
	for p.i < len(p.src) && (isIdentStartByte(p.src[p.i]) || (p.src[p.i] >= '0' && p.src[p.i] <= '9')) {
		p.i++
	}
	return string(p.src[start:p.i])
}

func isIdentStartByte(c byte) bool {
	return c == '$' || c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')
}

func (p *parser) enter(off int) bool {
	p.depth++
	if p.depth > p.maxDepth {
		p.errorf(off, "nesting deeper than %d levels", p.maxDepth)
		if p.err.cause == nil && strings.HasPrefix(p.err.Msg, "nesting deeper") {
			p.err.cause = ErrTooDeep
		}
		return false
	}
	return true
}

func (p *parser) object() *Node {
	start := p.i
	n := p.node(Object, p.pos(start))
	if !p.enter(start) {
		return nil
	}
	defer func() { p.depth-- }()
	p.i++
	var seen map[string]Pos
	for {
		p.skipSpace()
		if p.err != nil {
			return nil
		}
		if p.i >= len(p.src) {
			p.errorf(p.i, "unexpected end of input: object opened at %s is not closed", n.Pos)
			return nil
		}
		if p.src[p.i] == '}' {
			p.i++
			n.End = p.i
			return n
		}
		keyOff := p.i
		keyPos := p.pos(keyOff)
		key, ok := p.key()
		if !ok {
			return nil
		}
		if len(n.Members) < 8 {
			for _, m := range n.Members {
				if m.Key == key {
					p.duplicate(key, keyPos, m.KeyPos)
					break
				}
			}
			if len(n.Members) == 7 {
				seen = make(map[string]Pos, 16)
				for _, m := range n.Members {
					if _, dup := seen[m.Key]; !dup {
						seen[m.Key] = m.KeyPos
					}
				}
				if _, dup := seen[key]; !dup {
					seen[key] = keyPos
				}
			}
		} else if first, dup := seen[key]; dup {
			p.duplicate(key, keyPos, first)
		} else {
			seen[key] = keyPos
		}
		p.skipSpace()
		if p.err != nil {
			return nil
		}
		if p.i >= len(p.src) || p.src[p.i] != ':' {
			p.errorf(p.i, "unexpected %s: expected ':' after key %q", p.describe(p.i), truncate(key))
			return nil
		}
		p.i++
		p.skipSpace()
		if p.err != nil {
			return nil
		}
		p.path = append(p.path, PointerToken(key))
		v := p.value()
		p.path = p.path[:len(p.path)-1]
		if v == nil {
			return nil
		}
		n.Members = append(n.Members, p.member(key, keyPos, v))
		p.skipSpace()
		if p.err != nil {
			return nil
		}
		if p.i >= len(p.src) {
			p.errorf(p.i, "unexpected end of input: object opened at %s is not closed", n.Pos)
			return nil
		}
		switch p.src[p.i] {
		case ',':
			p.i++
		case '}':
		default:
			p.errorf(p.i, "unexpected %s: expected ',' or '}' after the value of %q", p.describe(p.i), truncate(key))
			return nil
		}
	}
}

func (p *parser) duplicate(key string, at, first Pos) {
	ptr := ""
	for _, t := range p.path {
		ptr += "/" + t
	}
	p.doc.Duplicates = append(p.doc.Duplicates, Duplicate{Key: key, Pointer: ptr + "/" + PointerToken(key), Pos: at, First: first})
}

func (p *parser) array() *Node {
	start := p.i
	n := p.node(Array, p.pos(start))
	if !p.enter(start) {
		return nil
	}
	defer func() { p.depth-- }()
	p.i++
	for {
		p.skipSpace()
		if p.err != nil {
			return nil
		}
		if p.i >= len(p.src) {
			p.errorf(p.i, "unexpected end of input: array opened at %s is not closed", n.Pos)
			return nil
		}
		if p.src[p.i] == ']' {
			p.i++
			n.End = p.i
			return n
		}
		p.path = append(p.path, strconv.Itoa(len(n.Elems)))
		v := p.value()
		p.path = p.path[:len(p.path)-1]
		if v == nil {
			return nil
		}
		n.Elems = append(n.Elems, v)
		p.skipSpace()
		if p.err != nil {
			return nil
		}
		if p.i >= len(p.src) {
			p.errorf(p.i, "unexpected end of input: array opened at %s is not closed", n.Pos)
			return nil
		}
		switch p.src[p.i] {
		case ',':
			p.i++
		case ']':
		default:
			p.errorf(p.i, "unexpected %s: expected ',' or ']' after an array element", p.describe(p.i))
			return nil
		}
	}
}

// key reads an object key: a string or an ECMAScript identifier name.
func (p *parser) key() (string, bool) {
	c := p.src[p.i]
	if c == '"' || c == '\'' {
		return p.str()
	}
	start := p.i
	var b strings.Builder
	first := true
	for p.i < len(p.src) {
		r, size := rune(p.src[p.i]), 1
		if r >= utf8.RuneSelf {
			r, size = utf8.DecodeRune(p.src[p.i:])
		}
		escOff := p.i
		if r == '\\' {
			if p.i+1 >= len(p.src) || p.src[p.i+1] != 'u' {
				p.errorf(p.i, "invalid escape in key: only \\uXXXX is allowed in unquoted keys")
				return "", false
			}
			p.i += 2
			v, ok := p.hex4()
			if !ok {
				return "", false
			}
			r, size = v, 0
		}
		ok := isIDContinue(r)
		if first {
			ok = isIDStart(r)
		}
		if !ok {
			if size == 0 {
				p.errorf(escOff, "escape \\u%04X is not allowed in an unquoted key", r)
				return "", false
			}
			break
		}
		b.WriteRune(r)
		p.i += size
		first = false
	}
	if p.i == start {
		if p.src[p.i] >= '0' && p.src[p.i] <= '9' {
			p.errorf(start, "unexpected %s: a key must be a string or an identifier (numbers are not keys in JSON5)", p.describe(start))
		} else {
			p.errorf(start, "unexpected %s: expected a key or '}'", p.describe(start))
		}
		return "", false
	}
	return b.String(), true
}

func isIDStart(r rune) bool {
	return r == '$' || r == '_' || unicode.IsLetter(r) || unicode.Is(unicode.Nl, r)
}

func isIDContinue(r rune) bool {
	return isIDStart(r) || unicode.IsDigit(r) || unicode.In(r, unicode.Mn, unicode.Mc, unicode.Nd, unicode.Pc) || r == 0x200C || r == 0x200D
}

// hex4 reads the four hex digits of a \u escape.
func (p *parser) hex4() (rune, bool) {
	if p.i+4 > len(p.src) {
		p.errorf(p.i, "incomplete \\u escape: expected four hex digits")
		return 0, false
	}
	v, err := strconv.ParseUint(string(p.src[p.i:p.i+4]), 16, 32)
	if err != nil {
		p.errorf(p.i, "invalid \\u escape: expected four hex digits")
		return 0, false
	}
	p.i += 4
	return rune(v), true
}

// str reads a single- or double-quoted string starting at p.i.
func (p *parser) str() (string, bool) {
	src := p.src
	start := p.i
	quote := src[start]
	p.i++
	// Fast path: no escapes.
	j := p.i
	for j < len(src) {
		c := src[j]
		if c == quote || c == '\\' || c == '\n' || c == '\r' {
			break
		}
		if c >= utf8.RuneSelf {
			r, size := utf8.DecodeRune(src[j:])
			if r == utf8.RuneError && size == 1 {
				p.errorf(j, "invalid UTF-8 in string")
				return "", false
			}
			j += size
			continue
		}
		j++
	}
	if j < len(src) && src[j] == quote {
		s := string(src[p.i:j])
		p.i = j + 1
		return s, true
	}
	var b strings.Builder
	b.Write(src[p.i:j])
	p.i = j
	for {
		if p.i >= len(src) {
			p.errorf(start, "unterminated string: no closing %c before the end of input", quote)
			return "", false
		}
		c := src[p.i]
		switch {
		case c == quote:
			p.i++
			return b.String(), true
		case c == '\n' || c == '\r':
			p.errorf(start, "unterminated string: line break before the closing %c (use \\n)", quote)
			return "", false
		case c == '\\':
			if !p.escape(&b) {
				return "", false
			}
		case c >= utf8.RuneSelf:
			r, size := utf8.DecodeRune(src[p.i:])
			if r == utf8.RuneError && size == 1 {
				p.errorf(p.i, "invalid UTF-8 in string")
				return "", false
			}
			b.WriteRune(r)
			p.i += size
		default:
			b.WriteByte(c)
			p.i++
		}
	}
}

// escape reads one escape sequence at p.i (the backslash) into b.
func (p *parser) escape(b *strings.Builder) bool {
	src := p.src
	off := p.i
	p.i++
	if p.i >= len(src) {
		p.errorf(off, "unterminated string: input ends in an escape")
		return false
	}
	c := src[p.i]
	p.i++
	switch c {
	case 'b':
		b.WriteByte('\b')
	case 'f':
		b.WriteByte('\f')
	case 'n':
		b.WriteByte('\n')
	case 'r':
		b.WriteByte('\r')
	case 't':
		b.WriteByte('\t')
	case 'v':
		b.WriteByte('\v')
	case '0':
		if p.i < len(src) && src[p.i] >= '0' && src[p.i] <= '9' {
			p.errorf(off, "invalid escape \\0 followed by a digit (octal escapes are not JSON5)")
			return false
		}
		b.WriteByte(0)
	case 'x':
		if p.i+2 > len(src) {
			p.errorf(off, "incomplete \\x escape: expected two hex digits")
			return false
		}
		v, err := strconv.ParseUint(string(src[p.i:p.i+2]), 16, 8)
		if err != nil {
			p.errorf(off, "invalid \\x escape: expected two hex digits")
			return false
		}
		p.i += 2
		b.WriteRune(rune(v))
	case 'u':
		r, ok := p.hex4()
		if !ok {
			return false
		}
		// A UTF-16 surrogate pair written as two escapes is one code point.
		if r >= 0xD800 && r < 0xDC00 && p.i+6 <= len(src) && src[p.i] == '\\' && src[p.i+1] == 'u' {
			save := p.i
			p.i += 2
			if lo, ok := p.hex4(); ok && lo >= 0xDC00 && lo < 0xE000 {
				r = (r-0xD800)<<10 + (lo - 0xDC00) + 0x10000
			} else {
				p.err = nil
				p.i = save
			}
		}
		b.WriteRune(r)
	case '\n':
		p.newline(p.i)
	case '\r':
		if p.i < len(src) && src[p.i] == '\n' {
			p.i++
		}
		p.newline(p.i)
	case '1', '2', '3', '4', '5', '6', '7', '8', '9':
		p.errorf(off, "invalid escape \\%c (octal escapes are not JSON5)", c)
		return false
	default:
		if c >= utf8.RuneSelf {
			p.i--
			r, size := utf8.DecodeRune(src[p.i:])
			if r == utf8.RuneError && size == 1 {
				p.errorf(p.i, "invalid UTF-8 in string")
				return false
			}
			p.i += size
			// \ before U+2028 or U+2029 is a line continuation.
			if r != 0x2028 && r != 0x2029 {
				b.WriteRune(r)
			}
			return true
		}
		b.WriteByte(c)
	}
	return true
}

// number reads a JSON5 number: decimal, hexadecimal, Infinity or NaN, each
// with an optional sign.
func (p *parser) number() *Node {
	src := p.src
	start := p.i
	pos := p.pos(start)
	neg := false
	if src[p.i] == '+' || src[p.i] == '-' {
		neg = src[p.i] == '-'
		p.i++
	}
	done := func(f float64) *Node {
		if p.i < len(src) && (isIdentStartByte(src[p.i]) || (src[p.i] >= '0' && src[p.i] <= '9') || src[p.i] == '.') {
			p.errorf(p.i, "unexpected %s in number", p.describe(p.i))
			return nil
		}
		if neg {
			f = -f
		}
		n := p.node(Number, pos)
		n.End, n.Raw, n.Float = p.i, string(src[start:p.i]), f
		return n
	}
	rest := src[p.i:]
	switch {
	case hasWord(rest, "Infinity"):
		p.i += len("Infinity")
		return done(math.Inf(1))
	case hasWord(rest, "NaN"):
		p.i += len("NaN")
		return done(math.NaN())
	case len(rest) >= 2 && rest[0] == '0' && (rest[1] == 'x' || rest[1] == 'X'):
		p.i += 2
		digits := p.i
		f := 0.0
		for p.i < len(src) && isHex(src[p.i]) {
			f = f*16 + float64(hexVal(src[p.i]))
			p.i++
		}
		if p.i == digits {
			p.errorf(p.i, "unexpected %s: expected hex digits after 0x", p.describe(p.i))
			return nil
		}
		return done(f)
	}
	intDigits := p.digits()
	if intDigits > 1 && src[p.i-intDigits] == '0' {
		p.errorf(p.i-intDigits, "leading zero in number (octal is not JSON5)")
		return nil
	}
	fracDigits := 0
	if p.i < len(src) && src[p.i] == '.' {
		p.i++
		fracDigits = p.digits()
	}
	if intDigits == 0 && fracDigits == 0 {
		if p.i == start || (p.i == start+1 && (src[start] == '+' || src[start] == '-')) {
			p.errorf(p.i, "unexpected %s: expected a number", p.describe(p.i))
		} else {
			p.errorf(start, "invalid number %q", string(src[start:p.i]))
		}
		return nil
	}
	if p.i < len(src) && (src[p.i] == 'e' || src[p.i] == 'E') {
		p.i++
		if p.i < len(src) && (src[p.i] == '+' || src[p.i] == '-') {
			p.i++
		}
		if p.digits() == 0 {
			p.errorf(p.i, "unexpected %s: expected the exponent's digits", p.describe(p.i))
			return nil
		}
	}
	lit := string(src[start:p.i])
	if neg || src[start] == '+' {
		lit = lit[1:]
	}
	// ParseFloat accepts ".5" and "5." and saturates to ±Inf on overflow,
	// as JavaScript does; the error for overflow is therefore ignored.
	f, err := strconv.ParseFloat(lit, 64)
	if err != nil && !isRangeErr(err) {
		p.errorf(start, "invalid number %q", truncate(string(src[start:p.i])))
		return nil
	}
	return done(f)
}

func isRangeErr(err error) bool {
	return errors.Is(err, strconv.ErrRange)
}

func (p *parser) digits() int {
	n := 0
	for p.i < len(p.src) && p.src[p.i] >= '0' && p.src[p.i] <= '9' {
		p.i++
		n++
	}
	return n
}

func hasWord(b []byte, w string) bool {
	return len(b) >= len(w) && string(b[:len(w)]) == w
}

func isHex(c byte) bool {
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F')
}

func hexVal(c byte) int {
	switch {
	case c >= '0' && c <= '9':
		return int(c - '0')
	case c >= 'a' && c <= 'f':
		return int(c-'a') + 10
	}
	return int(c-'A') + 10
}
