package connectjwt

import (
	"fmt"
	"strings"
	"unicode/utf16"
	"unicode/utf8"
)

// This file reproduces how atlassian-jwt reads a URL: Node's legacy
// url.parse(rawUrl, true) (pathname and query object via querystring.parse)
// and jsuri's path() for the base URL. Go's net/url disagrees with them in
// ways that change the hash (auto-escaping of ' and spaces in the path,
// '+' in keys, malformed escapes, invalid UTF-8), so the steps are ported
// rather than approximated. Strings are handled as valid UTF-8 throughout;
// where Node works on UTF-16 code units the code says so.

// queryParams is Node's query object: each key once, with its values in the
// order they appeared.
type queryParams struct {
	values map[string][]string
}

// jsWhitespace is what JavaScript's \s matches.
func jsWhitespace(r rune) bool {
	switch r {
	case '\t', '\n', '\v', '\f', '\r', ' ', 0xA0, 0x1680, 0x2028, 0x2029, 0x202F, 0x205F, 0x3000, 0xFEFF:
		return true
	}
	return 0x2000 <= r && r <= 0x200A
}

// urlParseWhitespace is url.parse's trimming: code units below 33, NBSP and BOM.
func urlParseWhitespace(r rune) bool {
	return r < 33 || r == 0xA0 || r == 0xFEFF
}

// nodeURLParse returns url.parse(raw, true).pathname ("" where Node leaves
// it null) and the parsed query (nil when there is no '?'). It fails where
// url.parse throws: user info that is not valid percent-encoding and host
// names that cannot be one. Node also refuses host names that IDNA
// rejects (U+FFFF, a bad "xn--" label); those are not checked here.
func nodeURLParse(raw string) (pathname string, query *queryParams, err error) {
	rest := strings.TrimFunc(raw, urlParseWhitespace)
	// Backslashes before the first '?' or '#' become slashes; '@' there and
	// '#' anywhere rule out the fast path.
	split := strings.IndexAny(rest, "?#")
	head := rest
	if split >= 0 {
		head = rest[:split]
	}
	hasAt := strings.Contains(head, "@")
	hasHash := strings.Contains(rest, "#")
	if strings.Contains(head, `\`) {
		rest = strings.ReplaceAll(head, `\`, "/") + rest[len(head):]
	}

	if !hasHash && !hasAt {
		if p, q, ok := simplePath(rest); ok {
			if q == "" {
				return p, nil, nil
			}
			return p, parseQueryString(q[1:]), nil
		}
	}

	var proto, lowerProto string
	if n := protocolLen(rest); n > 0 {
		proto = rest[:n]
		lowerProto = strings.ToLower(proto)
		rest = rest[n:]
	}
	hostless := lowerProto == "javascript:"
	slashes := false
	if proto != "" || matchesHostPattern(rest) {
		slashes = strings.HasPrefix(rest, "//")
		if slashes && !hostless {
			rest = rest[2:]
		}
	}
	hostname := ""
	if !hostless && (slashes || (proto != "" && !slashedProtocol(proto))) {
		if hostname, rest, err = splitHost(rest); err != nil {
			return "", nil, err
		}
	}
	if !hostless {
		rest = autoEscape(rest)
	}
	qIdx, hIdx := -1, -1
	for i := 0; i < len(rest); i++ {
		if rest[i] == '#' {
			hIdx = i
			break
		}
		if rest[i] == '?' && qIdx == -1 {
			qIdx = i
		}
	}
	if qIdx != -1 {
		end := len(rest)
		if hIdx != -1 {
			end = hIdx
		}
		query = parseQueryString(rest[qIdx+1 : end])
	}
	first := hIdx
	if qIdx != -1 {
		first = qIdx
	}
	switch {
	case first == -1:
		pathname = rest
	case first > 0:
		pathname = rest[:first]
	}
	if pathname == "" && hostname != "" && slashedProtocol(lowerProto) {
		pathname = "/"
	}
	return pathname, query, nil
}

// simplePath matches Node's fast path /^(\/\/?(?!\/)[^?\s]*)(\?[^\s]*)?$/.
func simplePath(s string) (path, search string, ok bool) {
	if !strings.HasPrefix(s, "/") {
		return "", "", false
	}
	n := 1
	if strings.HasPrefix(s, "//") {
		n = 2
	}
	if len(s) > n && s[n] == '/' {
		return "", "", false
	}
	end := len(s)
	if i := strings.IndexByte(s, '?'); i >= 0 {
		end = i
	}
	if strings.IndexFunc(s, jsWhitespace) >= 0 {
		return "", "", false
	}
	return s[:end], s[end:], true
}

// protocolLen is the length of /^[a-z0-9.+-]+:/i at the start of s, or 0.
func protocolLen(s string) int {
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9', c == '.', c == '+', c == '-':
		case c == ':' && i > 0:
			return i + 1
		default:
			return 0
		}
	}
	return 0
}

// matchesHostPattern is /^\/\/[^@/]+@[^@/]+/.
func matchesHostPattern(s string) bool {
	if !strings.HasPrefix(s, "//") {
		return false
	}
	s = s[2:]
	i := strings.IndexAny(s, "@/")
	if i <= 0 || s[i] != '@' {
		return false
	}
	s = s[i+1:]
	return s != "" && s[0] != '@' && s[0] != '/'
}

// slashedProtocol is Node's set; note that url.parse asks it once with the
// protocol as written and once lower-cased.
func slashedProtocol(p string) bool {
	switch p {
	case "http", "http:", "https", "https:", "ftp", "ftp:", "gopher", "gopher:", "file", "file:", "ws", "ws:", "wss", "wss:":
		return true
	}
	return false
}

// splitHost takes the authority off rest as url.parse does and returns the
// hostname and what follows it.
func splitHost(rest string) (hostname, after string, err error) {
	hostEnd, atSign, nonHost := -1, -1, -1
	for i := 0; i < len(rest) && hostEnd == -1; i++ {
		switch rest[i] {
		case '\t', '\n', '\r':
			rest = rest[:i] + rest[i+1:]
			i--
		case ' ', '"', '%', '\'', ';', '<', '>', '\\', '^', '`', '{', '|', '}':
			if nonHost == -1 {
				nonHost = i
			}
		case '#', '/', '?':
			if nonHost == -1 {
				nonHost = i
			}
			hostEnd = i
		case '@':
			atSign = i
			nonHost = -1
		}
	}
	start := 0
	if atSign != -1 {
		if _, ok := decodeURIComponent(rest[:atSign]); !ok {
			return "", "", fmt.Errorf("invalid URL: user info %q is not valid percent-encoding", rest[:atSign])
		}
		start = atSign + 1
	}
	var host string
	if nonHost == -1 {
		host, rest = rest[start:], ""
	} else {
		host, rest = rest[start:nonHost], rest[nonHost:]
	}
	// parseHost: a trailing /:[0-9]*$/ is the port.
	if i := strings.LastIndexByte(host, ':'); i >= 0 && strings.Trim(host[i+1:], "0123456789") == "" {
		host = host[:i]
	}
	hostname = host
	if strings.HasPrefix(hostname, "[") && strings.HasSuffix(hostname, "]") {
		if strings.ContainsRune(hostname, 0) {
			return "", "", fmt.Errorf("invalid URL: host %q", hostname)
		}
		if !strings.HasPrefix(rest, "/") {
			rest = "/" + rest
		}
		return hostname, rest, nil
	}
	// getHostname: the hostname ends at the first character that cannot be
	// in one, and the remainder becomes part of the path.
	if i := strings.IndexAny(hostname, `/\#?:`); i >= 0 {
		rest = "/" + hostname[i:] + rest
		hostname = hostname[:i]
	}
	if hostname != "" && len(hostname) <= 255 {
		// Node's IDNA conversion stops at a NUL, and what it returns may
		// not be empty or hold brackets.
		h := hostname
		if i := strings.IndexByte(h, 0); i >= 0 {
			h = h[:i]
		}
		if h == "" || strings.ContainsAny(h, "[]") {
			return "", "", fmt.Errorf("invalid URL: host %q", hostname)
		}
	}
	return hostname, rest, nil
}

// autoEscape is url.parse's autoEscapeStr.
func autoEscape(s string) string {
	if !strings.ContainsAny(s, "\t\n\r \"'<>\\^`{|}") {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		switch c := s[i]; c {
		case '\t', '\n', '\r', ' ', '"', '\'', '<', '>', '\\', '^', '`', '{', '|', '}':
			b.WriteByte('%')
			b.WriteByte("0123456789ABCDEF"[c>>4])
			b.WriteByte("0123456789ABCDEF"[c&15])
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}

// parseQueryString ports Node's querystring.parse(qs) with its defaults:
// '&' and '=', '+' read as a space, at most 1000 pairs, and a key or value
// decoded only when it contains a valid %XX escape.
func parseQueryString(qs string) *queryParams {
	q := &queryParams{values: map[string][]string{}}
	if qs == "" {
		return q
	}
	pairs := 1000
	var key, value strings.Builder
	keyEncoded, valEncoded := false, false
	inValue := false // the '=' was seen
	encodeCheck := 0
	add := func() {
		k, v := key.String(), value.String()
		if k != "" && keyEncoded {
			k = decodeComponent(k)
		}
		if v != "" && valEncoded {
			v = decodeComponent(v)
		}
		q.values[k] = append(q.values[k], v)
	}
	for i := 0; i < len(qs); i++ {
		c := qs[i]
		if c == '&' {
			if !inValue && key.Len() == 0 {
				// An empty substring between separators.
				if pairs--; pairs == 0 {
					return q
				}
				continue
			}
			add()
			if pairs--; pairs == 0 {
				return q
			}
			key.Reset()
			value.Reset()
			keyEncoded, valEncoded, inValue = false, false, false
			encodeCheck = 0
			continue
		}
		if !inValue {
			if c == '=' {
				inValue = true
				encodeCheck = 0
				continue
			}
			if !keyEncoded {
				if c == '%' {
					encodeCheck = 1
					key.WriteByte(c)
					continue
				} else if encodeCheck > 0 {
					if isHex(c) {
						if encodeCheck++; encodeCheck == 3 {
							keyEncoded = true
						}
						key.WriteByte(c)
						continue
					}
					encodeCheck = 0
				}
			}
			if c == '+' {
				key.WriteByte(' ')
				continue
			}
			// Node lets the character fall through to the value's escape
			// check, so once the key is known to be encoded a further %XX
			// in it marks the value as encoded too.
			if !valEncoded {
				if c == '%' {
					encodeCheck = 1
				} else if encodeCheck > 0 {
					if isHex(c) {
						if encodeCheck++; encodeCheck == 3 {
							valEncoded = true
						}
					} else {
						encodeCheck = 0
					}
				}
			}
			key.WriteByte(c)
			continue
		}
		if c == '+' {
			// Unlike in the key, a '+' does not reset the escape check.
			value.WriteByte(' ')
			continue
		}
		if !valEncoded {
			if c == '%' {
				encodeCheck = 1
			} else if encodeCheck > 0 {
				if isHex(c) {
					if encodeCheck++; encodeCheck == 3 {
						valEncoded = true
					}
				} else {
					encodeCheck = 0
				}
			}
		}
		value.WriteByte(c)
	}
	if !inValue && key.Len() == 0 {
		// Ended on an empty substring.
		return q
	}
	add()
	return q
}

func isHex(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}

func unhex(c byte) byte {
	switch {
	case '0' <= c && c <= '9':
		return c - '0'
	case 'a' <= c && c <= 'f':
		return c - 'a' + 10
	default:
		return c - 'A' + 10
	}
}

// decodeComponent is querystring.unescape: decodeURIComponent, and when
// that throws (a malformed escape, escapes that are not UTF-8) Node's
// unescapeBuffer(s).toString().
func decodeComponent(s string) string {
	if v, ok := decodeURIComponent(s); ok {
		return v
	}
	return unescapeBuffer(s)
}

// decodeURIComponent follows ECMAScript: every '%' needs two hex digits,
// and escaped bytes must form whole, valid UTF-8 sequences by themselves.
func decodeURIComponent(s string) (string, bool) {
	if !strings.Contains(s, "%") {
		return s, true
	}
	var b strings.Builder
	for i := 0; i < len(s); {
		if s[i] != '%' {
			b.WriteByte(s[i])
			i++
			continue
		}
		if i+2 >= len(s) || !isHex(s[i+1]) || !isHex(s[i+2]) {
			return "", false
		}
		lead := unhex(s[i+1])<<4 | unhex(s[i+2])
		i += 3
		n := 0
		switch {
		case lead < 0x80:
			b.WriteByte(lead)
			continue
		case lead&0xE0 == 0xC0:
			n = 2
		case lead&0xF0 == 0xE0:
			n = 3
		case lead&0xF8 == 0xF0:
			n = 4
		default:
			return "", false
		}
		seq := []byte{lead}
		for k := 1; k < n; k++ {
			if i+2 >= len(s) || s[i] != '%' || !isHex(s[i+1]) || !isHex(s[i+2]) {
				return "", false
			}
			c := unhex(s[i+1])<<4 | unhex(s[i+2])
			if c&0xC0 != 0x80 {
				return "", false
			}
			seq = append(seq, c)
			i += 3
		}
		if !utf8.Valid(seq) {
			return "", false
		}
		b.Write(seq)
	}
	return b.String(), true
}

// unescapeBuffer ports Node's querystring.unescapeBuffer(s) followed by
// Buffer.toString('utf8'). It works on UTF-16 code units and stores each in
// one byte, so a literal character above U+00FF keeps only its low byte.
func unescapeBuffer(s string) string {
	units := utf16.Encode([]rune(s))
	out := make([]byte, 0, len(units))
	maxLength := len(units) - 2
	for i := 0; i < len(units); {
		c := units[i]
		if c == '%' && i < maxLength {
			i++
			h := units[i]
			if h > 0xFF || !isHex(byte(h)) {
				out = append(out, '%')
				continue
			}
			i++
			l := units[i]
			if l > 0xFF || !isHex(byte(l)) {
				// '%' and the first digit go out as they are; the
				// second character is looked at again.
				out = append(out, '%')
				c = h
				i--
			} else {
				c = uint16(unhex(byte(h))<<4 | unhex(byte(l)))
			}
		}
		out = append(out, byte(c))
		i++
	}
	return decodeUTF8(out)
}

// decodeUTF8 decodes bytes as the WHATWG Encoding Standard (and so Node's
// Buffer.toString) does: each maximal invalid subpart becomes one U+FFFD.
func decodeUTF8(p []byte) string {
	if utf8.Valid(p) {
		return string(p)
	}
	var b strings.Builder
	var cp rune
	needed, seen := 0, 0
	lower, upper := byte(0x80), byte(0xBF)
	for i := 0; i < len(p); i++ {
		c := p[i]
		if needed == 0 {
			switch {
			case c < 0x80:
				b.WriteByte(c)
			case 0xC2 <= c && c <= 0xDF:
				needed, cp = 1, rune(c&0x1F)
			case 0xE0 <= c && c <= 0xEF:
				if c == 0xE0 {
					lower = 0xA0
				}
				if c == 0xED {
					upper = 0x9F
				}
				needed, cp = 2, rune(c&0x0F)
			case 0xF0 <= c && c <= 0xF4:
				if c == 0xF0 {
					lower = 0x90
				}
				if c == 0xF4 {
					upper = 0x8F
				}
				needed, cp = 3, rune(c&0x07)
			default:
				b.WriteRune(utf8.RuneError)
			}
			continue
		}
		if c < lower || c > upper {
			cp, needed, seen = 0, 0, 0
			lower, upper = 0x80, 0xBF
			b.WriteRune(utf8.RuneError)
			i-- // the byte starts over
			continue
		}
		lower, upper = 0x80, 0xBF
		cp = cp<<6 | rune(c&0x3F)
		if seen++; seen == needed {
			b.WriteRune(cp)
			cp, needed, seen = 0, 0, 0
		}
	}
	if needed != 0 {
		b.WriteRune(utf8.RuneError)
	}
	return b.String()
}

// sanitizeUTF8 makes a Go string into the JavaScript string Node would
// have: invalid UTF-8 replaced as Buffer.toString replaces it.
func sanitizeUTF8(s string) string {
	if utf8.ValidString(s) {
		return s
	}
	return decodeUTF8([]byte(s))
}

// jsuriPath is new Uri(baseUrl).path() from jsuri 1.3.1, whose parser is the
// regular expression
//
//	^(?:(?![^:@]+:[^:@\/]*@)([^:\/?#.]+):)?(?:\/\/)?((?:(([^:@\/]*)(?::([^:@]*))?)?@)?
//	(\[[0-9a-fA-F:.]+\]|[^:\/?#]*)(?::(\d+|(?=:)))?(:)?)((((?:[^?#](?!…))*\/?)?([^?#\/]*))…
//
// walked here by hand (RE2 has no look-ahead). The path is everything from
// the end of the authority up to '?' or '#'.
func jsuriPath(s string) string {
	i := 0
	if !startsWithUserinfo(s) {
		j := strings.IndexFunc(s, func(r rune) bool { return strings.ContainsRune(":/?#.", r) })
		if j > 0 && s[j] == ':' {
			i = j + 1
		}
	}
	if strings.HasPrefix(s[i:], "//") {
		i += 2
	}
	// user[:password]@
	j := i
	for j < len(s) && !strings.ContainsRune(":@/", rune(s[j])) {
		j++
	}
	if j < len(s) && s[j] == ':' {
		j++
		for j < len(s) && s[j] != ':' && s[j] != '@' {
			j++
		}
	}
	if j < len(s) && s[j] == '@' {
		i = j + 1
	}
	// host: an IPv6 literal or [^:/?#]*
	if k := ipv6Literal(s[i:]); k > 0 {
		i += k
	} else {
		for i < len(s) && !strings.ContainsRune(":/?#", rune(s[i])) {
			i++
		}
	}
	// :port, or a lone ':' before another ':', then an optional ':'
	if i < len(s) && s[i] == ':' {
		k := i + 1
		for k < len(s) && '0' <= s[k] && s[k] <= '9' {
			k++
		}
		if k > i+1 {
			i = k
		} else if k < len(s) && s[k] == ':' {
			i = k
		}
	}
	if i < len(s) && s[i] == ':' {
		i++
	}
	end := strings.IndexAny(s[i:], "?#")
	if end < 0 {
		return s[i:]
	}
	return s[i : i+end]
}

// startsWithUserinfo is the look-ahead [^:@]+:[^:@\/]*@ at the start.
func startsWithUserinfo(s string) bool {
	i := strings.IndexAny(s, ":@")
	if i <= 0 || s[i] != ':' {
		return false
	}
	rest := s[i+1:]
	j := strings.IndexAny(rest, ":@/")
	return j >= 0 && rest[j] == '@'
}

// ipv6Literal is the length of \[[0-9a-fA-F:.]+\] at the start of s, or 0.
func ipv6Literal(s string) int {
	if !strings.HasPrefix(s, "[") {
		return 0
	}
	for i := 1; i < len(s); i++ {
		c := s[i]
		if c == ']' {
			if i == 1 {
				return 0
			}
			return i + 1
		}
		if !isHex(c) && c != ':' && c != '.' {
			return 0
		}
	}
	return 0
}
