package connectjwt

import (
	"bytes"
	"crypto/rand"
	"crypto/rsa"
	"encoding/base64"
	"encoding/json"
	"errors"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

type rs256Vectors struct {
	PublicKey  string `json:"publicKey"`
	PrivateKey string `json:"privateKey"`
	RS256      []struct {
		Kid     string          `json:"kid"`
		Method  string          `json:"method"`
		URL     string          `json:"url"`
		BaseURL string          `json:"baseUrl"`
		Payload json.RawMessage `json:"payload"`
		Token   string          `json:"token"`
	} `json:"rs256"`
	HS256 []struct {
		Secret  string          `json:"secret"`
		Method  string          `json:"method"`
		URL     string          `json:"url"`
		Payload json.RawMessage `json:"payload"`
		Token   string          `json:"token"`
	} `json:"hs256"`
}

func readRS256Vectors(t testing.TB) (rs256Vectors, *rsa.PrivateKey, *rsa.PublicKey) {
	t.Helper()
	var v rs256Vectors
	readJSON(t, filepath.Join("testdata", "rs256-vectors.json"), &v)
	key, err := ParsePrivateKeyPEM([]byte(v.PrivateKey))
	if err != nil {
		t.Fatal(err)
	}
	pub, err := ParsePublicKeyPEM([]byte(v.PublicKey))
	if err != nil {
		t.Fatal(err)
	}
	if len(v.RS256) == 0 || len(v.HS256) == 0 {
		t.Fatal("rs256-vectors.json has no vectors")
	}
	return v, key, pub
}

// TestRS256Vectors: tokens of atlassian-jwt's encodeAsymmetric verify as
// install tokens, and SignRS256 writes the same bytes where the payload's
// shape is one connectjwt writes (aud as an array).
func TestRS256Vectors(t *testing.T) {
	v, key, pub := readRS256Vectors(t)
	if !pub.Equal(&key.PublicKey) {
		t.Fatal("the vectors' public key is not the private key's")
	}
	for i, vec := range v.RS256 {
		var c Claims
		if err := json.Unmarshal(vec.Payload, &c); err != nil {
			t.Fatal(err)
		}
		now := time.Unix(c.IssuedAt+60, 0)
		got, err := VerifyInstall(vec.Token, pub, Request{Method: vec.Method, URL: vec.URL, BaseURL: vec.BaseURL}, now, vec.BaseURL)
		if err != nil {
			t.Errorf("vector %d: VerifyInstall: %v", i, err)
			continue
		}
		if got.Issuer != c.Issuer || got.QSH != c.QSH {
			t.Errorf("vector %d: claims %+v, want %+v", i, got, c)
		}
		if kid, _ := KeyID(vec.Token); kid != vec.Kid {
			t.Errorf("vector %d: kid %q, want %q", i, kid, vec.Kid)
		}
		if !bytes.Contains(vec.Payload, []byte(`"aud":[`)) {
			continue // a string aud; connectjwt always writes an array
		}
		signed, err := SignRS256(key, vec.Kid, c)
		if err != nil {
			t.Fatal(err)
		}
		if signed != vec.Token {
			t.Errorf("vector %d: SignRS256 wrote\n%s\nwant\n%s", i, signed, vec.Token)
		}
	}
}

// TestHS256JiraVectors: the context token and the outbound Jira token of
// atlassian-jwt are reproduced byte for byte and verify as ACE verifies
// them: the context token without a request (checkValidToken), the
// outbound one against its request.
func TestHS256JiraVectors(t *testing.T) {
	v, _, _ := readRS256Vectors(t)
	for i, vec := range v.HS256 {
		var c Claims
		if err := json.Unmarshal(vec.Payload, &c); err != nil {
			t.Fatal(err)
		}
		signed, err := Sign(vec.Secret, c)
		if err != nil {
			t.Fatal(err)
		}
		if signed != vec.Token {
			t.Errorf("vector %d: Sign wrote\n%s\nwant\n%s", i, signed, vec.Token)
		}
		now := time.Unix(c.IssuedAt+1, 0)
		var req *Request
		if vec.Method != "" {
			req = &Request{Method: vec.Method, URL: vec.URL}
		}
		if _, err := Verify(vec.Token, vec.Secret, req, now); err != nil {
			t.Errorf("vector %d: Verify: %v", i, err)
		}
		if c.QSH == ContextQSH {
			// Bound to no request: a route that checks the qsh refuses it.
			_, err := Verify(vec.Token, vec.Secret, &Request{Method: "GET", URL: "/hello-world"}, now)
			var e *Error
			if !errors.As(err, &e) || e.Reason != ReasonQSH || !strings.Contains(e.Msg, "context token") {
				t.Errorf("vector %d: a context token on a qsh-checking route: %v", i, err)
			}
		}
	}
}

var (
	testKeyOnce sync.Once
	testKey     *rsa.PrivateKey
)

func freshKey(t testing.TB) *rsa.PrivateKey {
	t.Helper()
	testKeyOnce.Do(func() {
		var err error
		if testKey, err = GenerateKey(); err != nil {
			panic(err)
		}
	})
	return testKey
}

func installClaims(t testing.TB, now time.Time) Claims {
	t.Helper()
	c, err := NewClaims("client-1", "", "POST", "http://127.0.0.1:3000/installed", "http://127.0.0.1:3000", now, 3*time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	c.Audience = Audience{"http://127.0.0.1:3000"}
	return c
}

// TestVerifyInstallRefusals: each wrong install token is refused with the
// reason ACE refuses it for, and a right one passes a round trip through
// PEM.
func TestVerifyInstallRefusals(t *testing.T) {
	key := freshKey(t)
	now := time.Unix(1_800_000_000, 0)
	req := Request{Method: "POST", URL: "http://127.0.0.1:3000/installed", BaseURL: "http://127.0.0.1:3000"}
	good := installClaims(t, now)
	sign := func(c Claims) string {
		tok, err := SignRS256(key, "kid-1", c)
		if err != nil {
			t.Fatal(err)
		}
		return tok
	}
	pemPub, err := PublicKeyPEM(&key.PublicKey)
	if err != nil {
		t.Fatal(err)
	}
	pub, err := ParsePublicKeyPEM(pemPub)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := VerifyInstall(sign(good), pub, req, now, "http://127.0.0.1:3000/"); err != nil {
		t.Fatalf("a good install token was refused: %v", err)
	}
	other, err := GenerateKey()
	if err != nil {
		t.Fatal(err)
	}
	otherTok, err := SignRS256(other, "kid-1", good)
	if err != nil {
		t.Fatal(err)
	}
	hsTok, err := Sign("secret", good)
	if err != nil {
		t.Fatal(err)
	}
	noKid := strings.Replace(sign(good), strings.Split(sign(good), ".")[0], base64.RawURLEncoding.EncodeToString([]byte(`{"typ":"JWT","alg":"RS256"}`)), 1)
	wrongAud, expired, wrongQSH, noQSH, noIss := good, good, good, good, good
	wrongAud.Audience = Audience{"https://evil.example.com"}
	expired.ExpiresAt = now.Unix() - 1
	wrongQSH.QSH = strings.Repeat("0", 64)
	noQSH.QSH = ""
	noIss.Issuer = ""
	cases := []struct {
		name, token string
		reason      Reason
		msg         string
	}{
		{"HS256", hsTok, ReasonAlgorithm, `"HS256" is refused`},
		{"alg none", "eyJhbGciOiJub25lIn0." + strings.Split(hsTok, ".")[1] + ".", ReasonAlgorithm, `"none" is refused`},
		{"no kid", noKid, ReasonMalformed, "no kid"},
		{"other key", otherTok, ReasonSignature, "public key of kid"},
		{"wrong aud", sign(wrongAud), ReasonAudience, `aud is "https://evil.example.com"`},
		{"expired", sign(expired), ReasonExpired, "expired"},
		{"wrong qsh", sign(wrongQSH), ReasonQSH, "POST&/installed&"},
		{"no qsh", sign(noQSH), ReasonMissingClaim, "qsh"},
		{"no iss", sign(noIss), ReasonMissingClaim, "iss"},
	}
	for _, tc := range cases {
		_, err := VerifyInstall(tc.token, pub, req, now, "http://127.0.0.1:3000")
		var e *Error
		if !errors.As(err, &e) || e.Reason != tc.reason || !strings.Contains(e.Msg, tc.msg) {
			t.Errorf("%s: got %v, want reason %s containing %q", tc.name, err, tc.reason, tc.msg)
		}
	}
	// The HS256 verifier keeps refusing RS256.
	if _, err := Verify(sign(good), "secret", nil, now); err == nil || !strings.Contains(err.Error(), `"RS256" is refused`) {
		t.Errorf("Verify accepted or misdescribed an RS256 token: %v", err)
	}
}

func TestRSAKeyPEMRoundTrip(t *testing.T) {
	key := freshKey(t)
	b, err := PrivateKeyPEM(key)
	if err != nil {
		t.Fatal(err)
	}
	back, err := ParsePrivateKeyPEM(b)
	if err != nil || !back.Equal(key) {
		t.Fatalf("round trip: %v", err)
	}
	for _, bad := range []struct{ pem, want string }{
		{"", "no PEM block"},
		{"-----BEGIN CERTIFICATE REQUEST-----\nAAAA\n-----END CERTIFICATE REQUEST-----\n", `"CERTIFICATE REQUEST"`},
		{"-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n", "cannot read the public key"},
	} {
		if _, err := ParsePublicKeyPEM([]byte(bad.pem)); err == nil || !strings.Contains(err.Error(), bad.want) {
			t.Errorf("ParsePublicKeyPEM(%q) = %v, want %q", bad.pem, err, bad.want)
		}
	}
	if _, err := ParsePrivateKeyPEM(b[:len(b)/2]); err == nil {
		t.Error("half a private key was read")
	}
}

func TestContextClaims(t *testing.T) {
	now := time.Unix(1_700_000_000, 0)
	c := NewContextClaims("client-1", "557058:u", map[string]any{"jira": map[string]any{"issue": map[string]any{"key": "SAMP-1"}}}, now, 15*time.Minute)
	tok, err := Sign("s3cret", c)
	if err != nil {
		t.Fatal(err)
	}
	got, err := Verify(tok, "s3cret", nil, now)
	if err != nil || got.QSH != ContextQSH || got.ExpiresAt != now.Unix()+900 {
		t.Fatalf("context token %+v: %v", got, err)
	}
	if !strings.Contains(string(mustSegment(t, tok)), `"context":{"jira":{"issue":{"key":"SAMP-1"}}}`) {
		t.Errorf("payload lacks the context: %s", mustSegment(t, tok))
	}
}

func mustSegment(t *testing.T, tok string) []byte {
	_, p, err := Segments(tok)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// TestSignRS256 (from #15): the token verifies with the public key only,
// and the HS256 verifier refuses it.
func TestSignRS256(t *testing.T) {
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	c, err := NewClaims("client-1", "", "POST", "/installed", "", time.Unix(1700000000, 0), 3*time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	c.Audience = Audience{"https://app.example.com"}
	tok, err := SignRS256(key, "kid-1", c)
	if err != nil {
		t.Fatal(err)
	}
	hdr, got, err := Parse(tok)
	if err != nil {
		t.Fatal(err)
	}
	if hdr["alg"] != "RS256" || hdr["kid"] != "kid-1" {
		t.Errorf("header %v", hdr)
	}
	if got.Issuer != "client-1" || len(got.Audience) != 1 || got.Audience[0] != "https://app.example.com" || got.QSH != c.QSH {
		t.Errorf("claims %+v", got)
	}
	// The signature verifies with the public key and not with another.
	parts := strings.Split(tok, ".")
	sig, _ := jwt.NewParser().DecodeSegment(parts[2])
	if err := jwt.SigningMethodRS256.Verify(parts[0]+"."+parts[1], sig, &key.PublicKey); err != nil {
		t.Errorf("signature does not verify: %v", err)
	}
	other, _ := rsa.GenerateKey(rand.Reader, 2048)
	if err := jwt.SigningMethodRS256.Verify(parts[0]+"."+parts[1], sig, &other.PublicKey); err == nil {
		t.Error("signature verifies with another key")
	}
	// HS256 verification refuses it: Connect's page tokens are HS256.
	if _, err := Verify(tok, "secret", nil, time.Unix(1700000000, 0)); err == nil {
		t.Error("Verify accepted an RS256 token")
	}
	if _, err := SignRS256(key, "", c); err == nil {
		t.Error("no error for an empty kid")
	}
}
