package connectjwt

import (
	"encoding/json"
	"errors"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

type sentVector struct {
	Method    string `json:"method"`
	Written   string `json:"written"`
	Sent      string `json:"sent"`
	BaseURL   string `json:"baseUrl"`
	Canonical string `json:"canonical"`
	QSH       string `json:"qsh"`
}

func loadSentVectors(t *testing.T) []sentVector {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "sent-vectors.json"))
	if err != nil {
		t.Fatal(err)
	}
	var f struct{ Vectors []sentVector }
	if err := json.Unmarshal(b, &f); err != nil {
		t.Fatal(err)
	}
	if len(f.Vectors) < 10 {
		t.Fatalf("sent-vectors.json has %d vectors", len(f.Vectors))
	}
	return f.Vectors
}

// receivedURL is the URL a host sees for a vector: its origin (the
// product's, or a local one for Bitbucket) and the request line ACE sent.
func receivedURL(v sentVector) (full, base string) {
	if v.BaseURL == "" {
		return v.Sent, ""
	}
	u, err := url.Parse(v.BaseURL)
	if err != nil {
		panic(err)
	}
	return u.Scheme + "://" + u.Host + v.Sent, v.BaseURL
}

// TestReceivedRequestsAsACESignsThem checks the requests ACE's httpClient
// really signed and sent (testdata/sent-vectors.json, made by ACE 11.5.3
// and atlassian-jwt 2.0.3 with gen-sent-vectors.js): a host checking the
// request it received accepts each token, braces, parentheses, quotes,
// spaces and non-ASCII paths included.
func TestReceivedRequestsAsACESignsThem(t *testing.T) {
	escaped := 0
	for _, v := range loadSentVectors(t) {
		full, base := receivedURL(v)
		req := Request{Method: v.Method, URL: full, BaseURL: base, Received: true}
		if err := CheckQSH(Claims{QSH: v.QSH}, req); err != nil {
			t.Errorf("%s %s (sent %s): %v", v.Method, v.Written, v.Sent, err)
		}
		if hashCanonical(v.Canonical) != v.QSH {
			t.Errorf("vector %s: qsh is not the hash of its canonical request", v.Written)
		}
		// Without Received only the request as received counts, which
		// is the defect this fixes: every escaped path is refused.
		plain := req
		plain.Received = false
		if got, _ := CanonicalRequest(v.Method, full, base); got != v.Canonical {
			escaped++
			err := CheckQSH(Claims{QSH: v.QSH}, plain)
			var e *Error
			if !errors.As(err, &e) || e.Reason != ReasonQSH {
				t.Errorf("%s %s: the path as received (%s) matched a token signed over %s: %v", v.Method, v.Written, got, v.Canonical, err)
			}
			if w, err := CanonicalRequestAsWritten(v.Method, full, base); err != nil || w != v.Canonical {
				t.Errorf("CanonicalRequestAsWritten(%q, %q, %q) = %q, %v; ACE signed %q", v.Method, full, base, w, err, v.Canonical)
			}
		}
	}
	if escaped < 8 {
		t.Errorf("only %d vectors have a path their client escaped; the file should exercise braces, parentheses and the rest", escaped)
	}
}

// TestReceivedWrongQSHRefused: accepting the unescaped form does not make
// a token for another request acceptable: another path, method or query
// is still refused, and the message names both canonical forms.
func TestReceivedWrongQSHRefused(t *testing.T) {
	vs := loadSentVectors(t)
	for i, v := range vs {
		other := vs[(i+1)%len(vs)]
		full, base := receivedURL(v)
		for _, qsh := range []string{other.QSH, hashCanonical(strings.Replace(v.Canonical, v.Method, "DELETE", 1)), hashCanonical(v.Canonical + "x=1")} {
			err := CheckQSH(Claims{QSH: qsh}, Request{Method: v.Method, URL: full, BaseURL: base, Received: true})
			var e *Error
			if !errors.As(err, &e) || e.Reason != ReasonQSH {
				t.Errorf("%s %s: a wrong qsh was accepted (%v)", v.Method, v.Sent, err)
				continue
			}
			if w, _ := CanonicalRequestAsWritten(v.Method, full, base); w != e.ExpectedCanonical && !strings.Contains(e.Msg, w) {
				t.Errorf("%s: the refusal does not name the unescaped canonical request %s: %s", v.Sent, w, e.Msg)
			}
		}
	}
}

func TestCanonicalRequestAsWrittenErrors(t *testing.T) {
	for _, c := range []struct{ method, url string }{{"G ET", "/a"}, {"GET", "/a%C3%28"}, {"GET", "/a%zz"}} {
		if got, err := CanonicalRequestAsWritten(c.method, c.url, ""); err == nil {
			t.Errorf("CanonicalRequestAsWritten(%q, %q) = %q, want an error", c.method, c.url, got)
		}
	}
}
