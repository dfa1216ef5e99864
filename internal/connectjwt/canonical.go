package connectjwt

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"sort"
	"strings"
	"unicode/utf16"
	"unicode/utf8"
)

// CanonicalRequest returns METHOD&path&query exactly as atlassian-jwt 2.0.3
// computes it (fromMethodAndUrl + createCanonicalRequest); the path prefix of
// baseURL (may be "") is removed from the path.
//
// rawURL may be absolute ("https://host/x?a=b") or a path ("/x?a=b"). It is
// taken apart the way Node's legacy url.parse and querystring.parse do,
// quirks included, because the app on the other side (ACE) computes the hash
// that way and a hash that is "more correct" than Atlassian's would not match.
// It fails for a method that is not an HTTP token and for the URLs that
// make Node's url.parse throw.
func CanonicalRequest(method, rawURL, baseURL string) (string, error) {
	pathname, query, basePath, err := canonicalParts(method, rawURL, baseURL)
	if err != nil {
		return "", err
	}
	return strings.ToUpper(method) + "&" + canonicalPath(pathname, basePath) + "&" + canonicalQuery(query), nil
}

// canonicalParts checks method and parses rawURL and baseURL as Node's
// url.parse and urijs do: the request's path and query, the base URL's path.
func canonicalParts(method, rawURL, baseURL string) (pathname string, query *queryParams, basePath string, err error) {
	if !isToken(method) {
		return "", nil, "", fmt.Errorf("invalid HTTP method %q", method)
	}
	pathname, query, err = nodeURLParse(sanitizeUTF8(rawURL))
	if err != nil {
		return "", nil, "", err
	}
	return pathname, query, jsuriPath(sanitizeUTF8(baseURL)), nil
}

// CanonicalRequestAsWritten returns the canonical request of a request a
// server received, computed over its path percent-decoded: the path as the
// client wrote and signed it before its HTTP library escaped it. ACE's
// httpClient hashes the path it is given (atlassian-jwt's
// fromExpressRequest over urijs's path()) and then sends it escaped, so an
// app that calls /2.0/repositories/ws/{uuid} or /a(b) signs "{uuid}" and
// "(b)" while the server receives %7Buuid%7D and %28b%29. The query is
// read as CanonicalRequest reads it (ACE signs it decoded and canonicalizes
// it RFC 3986 style, which comes to the same). It fails where
// CanonicalRequest fails and for a path whose escapes are not UTF-8.
func CanonicalRequestAsWritten(method, rawURL, baseURL string) (string, error) {
	pathname, query, basePath, err := canonicalParts(method, rawURL, baseURL)
	if err != nil {
		return "", err
	}
	decoded, ok := decodeURIComponent(pathname)
	if !ok {
		return "", fmt.Errorf("the path %q has escapes that are not UTF-8", pathname)
	}
	if b, ok := decodeURIComponent(basePath); ok {
		basePath = b
	}
	return strings.ToUpper(method) + "&" + canonicalPath(decoded, basePath) + "&" + canonicalQuery(query), nil
}

// QSH returns the query string hash of a request: the hex SHA-256 of its
// CanonicalRequest.
func QSH(method, rawURL, baseURL string) (string, error) {
	c, err := CanonicalRequest(method, rawURL, baseURL)
	if err != nil {
		return "", err
	}
	return hashCanonical(c), nil
}

func hashCanonical(canonical string) string {
	sum := sha256.Sum256([]byte(canonical))
	return hex.EncodeToString(sum[:])
}

// isToken reports whether s is an RFC 9110 token, which every HTTP method is.
func isToken(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
		case strings.IndexByte("!#$%&'*+-.^_`|~", c) >= 0:
		default:
			return false
		}
	}
	return true
}

// canonicalPath follows atlassian-jwt's canonicalizeUri. The prefix test is
// a plain string prefix, not a path-segment one, as in the original.
func canonicalPath(path, basePath string) string {
	path = strings.TrimPrefix(path, basePath)
	if path == "" {
		return "/"
	}
	// An unencoded & in the path would let "/a&b?x" and "/a?b&x" share a hash.
	path = strings.ReplaceAll(path, "&", "%26")
	if path[0] != '/' {
		path = "/" + path
	}
	if len(path) > 1 && path[len(path)-1] == '/' {
		path = path[:len(path)-1]
	}
	return path
}

// canonicalQuery follows atlassian-jwt's canonicalizeQueryString: drop jwt
// (and __proto__, which it skips), sort the keys, sort a repeated key's
// values, encode both RFC 3986 style. Sorting is JavaScript's default sort,
// by UTF-16 code units.
func canonicalQuery(q *queryParams) string {
	if q == nil {
		return ""
	}
	keys := make([]string, 0, len(q.values))
	for k := range q.values {
		if k == "jwt" || k == "__proto__" {
			continue
		}
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool { return lessUTF16(keys[i], keys[j]) })
	var b strings.Builder
	for i, k := range keys {
		if i > 0 {
			b.WriteByte('&')
		}
		b.WriteString(encodeRFC3986(k))
		b.WriteByte('=')
		vals := q.values[k]
		if len(vals) > 1 {
			vals = append([]string(nil), vals...)
			sort.SliceStable(vals, func(i, j int) bool { return lessUTF16(vals[i], vals[j]) })
		}
		for j, v := range vals {
			if j > 0 {
				b.WriteByte(',')
			}
			b.WriteString(encodeRFC3986(v))
		}
	}
	return b.String()
}

// encodeRFC3986 percent-encodes everything but the RFC 3986 unreserved
// characters, with upper-case hex (encodeURIComponent plus !'()* escaped).
func encodeRFC3986(s string) string {
	const hexdigits = "0123456789ABCDEF"
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '-' || c == '.' || c == '_' || c == '~' {
			b.WriteByte(c)
			continue
		}
		b.WriteByte('%')
		b.WriteByte(hexdigits[c>>4])
		b.WriteByte(hexdigits[c&15])
	}
	return b.String()
}

// lessUTF16 orders valid UTF-8 strings as JavaScript compares strings: by
// UTF-16 code units, where a character above U+FFFF (a surrogate pair,
// 0xD800…) sorts before U+E000…U+FFFF although its code point is larger.
func lessUTF16(a, b string) bool {
	for a != "" && b != "" {
		ra, na := utf8.DecodeRuneInString(a)
		rb, nb := utf8.DecodeRuneInString(b)
		if ra != rb {
			ua, ub := utf16Units(ra), utf16Units(rb)
			if ua[0] != ub[0] {
				return ua[0] < ub[0]
			}
			return ua[1] < ub[1]
		}
		a, b = a[na:], b[nb:]
	}
	return a == "" && b != ""
}

func utf16Units(r rune) [2]uint16 {
	if r >= 0x10000 {
		hi, lo := utf16.EncodeRune(r)
		return [2]uint16{uint16(hi), uint16(lo)}
	}
	return [2]uint16{uint16(r), 0}
}
