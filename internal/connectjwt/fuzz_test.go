package connectjwt

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"reflect"
	"regexp"
	"strings"
	"testing"
	"time"
)

// FuzzParse feeds arbitrary tokens to Parse and Verify: no panics, every
// refusal an *Error, and whatever parses survives Sign and Parse unchanged
// and then verifies. Besides the raw token, the fuzzer also varies the
// header and payload JSON of a second token, which reaches the claim
// decoding far more often than random base64 would.
func FuzzParse(f *testing.F) {
	f.Add(sharedVector(f).Token, `{"alg":"HS256"}`, `{"iss":"a","exp":2}`)
	f.Add("eyJhbGciOiJub25lIn0.eyJpc3MiOiJhIn0.", `{"alg":"none"}`, `{"iss":"a","aud":"b","iat":1.5}`)
	f.Add("a.b.c", `[]`, `{"aud":["a","b"],"context":{"x":[1,null,{"y":"\u2028<&>"}]}}`)
	f.Add("...", `{"alg":"HS256","typ":"JWT"}`, `{"iss":7}`)
	f.Add("", `{}`, `{"iss":"a","aud":[],"context":{},"exp":1e3,"ISS":"b"}`)
	f.Fuzz(func(t *testing.T, token, header, payload string) {
		checkToken(t, token)
		checkToken(t, base64.RawURLEncoding.EncodeToString([]byte(header))+"."+base64.RawURLEncoding.EncodeToString([]byte(payload))+".c2ln")
	})
}

func checkToken(t *testing.T, token string) {
	_, c, err := Parse(token)
	if err != nil {
		var e *Error
		if !errors.As(err, &e) || e.Reason != ReasonMalformed {
			t.Fatalf("Parse error %v is not a malformed *Error", err)
		}
	}
	_, verr := Verify(token, "secret", &Request{Method: "GET", URL: "/x"}, time.Unix(1700000000, 0))
	var e *Error
	if verr == nil || !errors.As(verr, &e) {
		// A fuzzer that forges an HMAC has found something else.
		t.Fatalf("Verify(%q) = %v", token, verr)
	}
	if err != nil {
		return
	}
	tok, err := Sign("k", c)
	if err != nil {
		t.Fatalf("Sign(%+v): %v", c, err)
	}
	_, back, err := Parse(tok)
	if err != nil {
		t.Fatalf("Parse(Sign(%+v)): %v", c, err)
	}
	if !reflect.DeepEqual(back, c) {
		t.Fatalf("round trip changed the claims:\n %+v\n %+v", c, back)
	}
	if c.Issuer != "" && c.ExpiresAt != 0 {
		if _, err := Verify(tok, "k", nil, time.Unix(c.ExpiresAt, 0)); err != nil {
			t.Fatalf("Verify(Sign(%+v)): %v", c, err)
		}
	}
}

var canonicalQueryPattern = regexp.MustCompile(`^([A-Za-z0-9._~%-]*=[A-Za-z0-9._~%,-]*(&[A-Za-z0-9._~%-]*=[A-Za-z0-9._~%,-]*)*)?$`)

// plainPathPattern is a path url.parse reads back unchanged.
var plainPathPattern = regexp.MustCompile(`^/([A-Za-z0-9%._~-][A-Za-z0-9/%._~-]*)?$`)

// FuzzCanonicalRequest checks invariants of the canonical request for any
// method, URL and base URL: it never panics; its parts are well formed; the
// hash is its SHA-256; the method's case and a jwt parameter do not matter;
// and canonicalising a canonical request again changes nothing where
// atlassian-jwt's rules allow it to be stable.
func FuzzCanonicalRequest(f *testing.F) {
	for _, v := range loadVectors(f, "testdata/qsh-vectors-extra.json")[:80] {
		base := ""
		if v.BaseURL != nil {
			base = *v.BaseURL
		}
		f.Add(v.Method, v.URL, base)
	}
	f.Fuzz(func(t *testing.T, method, rawURL, baseURL string) {
		canon, err := CanonicalRequest(method, rawURL, baseURL)
		if err != nil {
			return
		}
		upper := strings.ToUpper(method)
		if !strings.HasPrefix(canon, upper+"&") {
			t.Fatalf("%q does not start with the method", canon)
		}
		rest := canon[len(upper)+1:]
		amp := strings.IndexByte(rest, '&')
		if amp < 0 {
			t.Fatalf("%q has no query part", canon)
		}
		path, query := rest[:amp], rest[amp+1:]
		// (A trailing slash may stay: only one goes, "/a//" becomes "/a/".)
		if !strings.HasPrefix(path, "/") || strings.ContainsAny(path, "?#") {
			t.Fatalf("bad canonical path %q", path)
		}
		if !canonicalQueryPattern.MatchString(query) {
			t.Fatalf("bad canonical query %q", query)
		}
		qsh, err := QSH(method, rawURL, baseURL)
		sum := sha256.Sum256([]byte(canon))
		if err != nil || qsh != hex.EncodeToString(sum[:]) {
			t.Fatalf("QSH = %q, %v; want the hash of %q", qsh, err, canon)
		}
		if other, err := CanonicalRequest(strings.ToLower(method), rawURL, baseURL); err != nil || other != canon {
			t.Fatalf("lower-case method: %q, %v; want %q", other, err, canon)
		}

		// A jwt parameter is not part of the hash.
		if strings.Count(rawURL, "&") < 990 {
			withJWT := ""
			if i := strings.IndexByte(rawURL, '?'); i >= 0 {
				withJWT = rawURL[:i+1] + "jwt=a.b.c&" + rawURL[i+1:]
			} else if !strings.ContainsAny(rawURL, "#") && strings.TrimRightFunc(rawURL, urlParseWhitespace) == rawURL {
				withJWT = rawURL + "?jwt=a.b.c"
			}
			if withJWT != "" {
				if got, err := CanonicalRequest(method, withJWT, baseURL); err != nil || got != canon {
					t.Fatalf("with a jwt parameter %q: %q, %v; want %q", withJWT, got, err, canon)
				}
			}
		}

		// The canonical path and query read back as themselves, unless a
		// repeated key's values (joined with ',') would read as one value
		// or the path holds what url.parse treats specially.
		if !strings.Contains(query, ",") && plainPathPattern.MatchString(path) && (path == "/" || !strings.HasSuffix(path, "/")) {
			again, err := CanonicalRequest(method, path+"?"+query, "")
			if err != nil || again != canon {
				t.Fatalf("canonicalising %q again gave %q, %v", canon, again, err)
			}
		}
	})
}

// FuzzVerifyInstall feeds arbitrary tokens and PEM text to the RS256
// side: no panics, every refusal an *Error, and nothing verifies without
// the key that signed it.
func FuzzVerifyInstall(f *testing.F) {
	v, _, _ := readRS256Vectors(f)
	f.Add(v.RS256[0].Token, v.PublicKey)
	f.Add("eyJhbGciOiJSUzI1NiIsImtpZCI6ImsifQ.eyJpc3MiOiJhIn0.c2ln", "-----BEGIN RSA PUBLIC KEY-----\nAAAA\n-----END RSA PUBLIC KEY-----\n")
	f.Add("", "")
	f.Fuzz(func(t *testing.T, token, pemText string) {
		pub, perr := ParsePublicKeyPEM([]byte(pemText))
		if perr == nil && pub == nil {
			t.Fatal("ParsePublicKeyPEM returned neither key nor error")
		}
		req := Request{Method: "POST", URL: "/installed"}
		_, err := VerifyInstall(token, pub, req, time.Unix(1700000060, 0), "https://app.example.com/base")
		if err == nil {
			if token != v.RS256[0].Token {
				t.Fatalf("VerifyInstall accepted a token it was not given by the vectors: %q", token)
			}
			return
		}
		var e *Error
		if !errors.As(err, &e) {
			t.Fatalf("VerifyInstall error %v is not an *Error", err)
		}
		_, _ = KeyID(token) // must not panic; any answer will do
	})
}
