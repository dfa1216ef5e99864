// Package connectjwt is the JWT that Atlassian Connect uses between a host
// (Bitbucket, Jira, Confluence) and an app: HS256 tokens signed with the
// installation's shared secret and bound to one request by the query
// string hash (qsh), and the RS256 tokens Jira and Confluence sign
// lifecycle requests with (rs256.go: signed with the host's private key,
// verified with the public key an app fetches by the token's kid).
//
// The canonical request behind the qsh is computed exactly as Atlassian's
// atlassian-jwt 2.0.3 does (the library inside atlassian-connect-express),
// quirks included, since a hash that differs from the app's in any corner
// case means "Authentication failed: query hash does not match". Signing
// and signature checks use github.com/golang-jwt/jwt/v5; this package adds
// the Connect claims, the qsh, and errors that say precisely why a token is
// refused. Verify takes only HS256 and VerifyInstall only RS256: "none" and
// every other algorithm are refused before the signature is looked at.
package connectjwt

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strings"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// Claims are the claims of a Connect JWT.
type Claims struct {
	Issuer    string         `json:"iss"`
	Subject   string         `json:"sub,omitempty"`
	Audience  Audience       `json:"aud,omitempty"`
	IssuedAt  int64          `json:"iat"`
	ExpiresAt int64          `json:"exp"`
	QSH       string         `json:"qsh,omitempty"`
	Context   map[string]any `json:"context,omitempty"`
}

// Audience is the aud claim. The JWT spec allows a string or an array and
// Connect hosts send either; it is always marshalled as an array.
type Audience []string

// UnmarshalJSON accepts a string, an array of strings or null.
func (a *Audience) UnmarshalJSON(b []byte) error {
	var one string
	if err := json.Unmarshal(b, &one); err == nil {
		*a = Audience{one}
		return nil
	}
	var many []string
	if err := json.Unmarshal(b, &many); err != nil {
		return errors.New("aud must be a string or an array of strings")
	}
	*a = many
	return nil
}

// MarshalJSON writes the claims in the order ACE's httpClient writes them
// (iss, iat, exp, qsh, sub) and, like JSON.stringify, without escaping
// <, > and &, so that Sign reproduces atlassian-jwt's tokens byte for byte.
// (json.Marshal of Claims escapes them again; Sign calls this directly.)
// Context keys come out sorted, and U+2028/U+2029 escaped, where
// JavaScript keeps insertion order and writes them raw.
func (c Claims) MarshalJSON() ([]byte, error) {
	var b bytes.Buffer
	fields := []struct {
		name  string
		value any
		skip  bool
	}{
		{"iss", c.Issuer, false},
		{"iat", c.IssuedAt, false},
		{"exp", c.ExpiresAt, false},
		{"qsh", c.QSH, c.QSH == ""},
		{"sub", c.Subject, c.Subject == ""},
		{"aud", []string(c.Audience), len(c.Audience) == 0},
		{"context", c.Context, len(c.Context) == 0},
	}
	b.WriteByte('{')
	first := true
	for _, f := range fields {
		if f.skip {
			continue
		}
		if !first {
			b.WriteByte(',')
		}
		first = false
		b.WriteString(`"` + f.name + `":`)
		if err := writeJSON(&b, f.value); err != nil {
			return nil, fmt.Errorf("claim %s: %w", f.name, err)
		}
	}
	b.WriteByte('}')
	return b.Bytes(), nil
}

// UnmarshalJSON reads the claims leniently where JavaScript is lenient
// (iat and exp may be fractional) and strictly where a wrong type would
// make the token mean something else (iss, sub and qsh must be strings).
// Claim names match exactly: encoding/json would also take "ISS" for iss,
// which ACE would not.
func (c *Claims) UnmarshalJSON(b []byte) error {
	var m map[string]json.RawMessage
	if err := json.Unmarshal(b, &m); err != nil {
		return err
	}
	var out Claims
	for _, f := range []struct {
		name string
		dst  *string
	}{{"iss", &out.Issuer}, {"sub", &out.Subject}, {"qsh", &out.QSH}} {
		if raw, ok := m[f.name]; ok && string(raw) != "null" {
			if err := json.Unmarshal(raw, f.dst); err != nil {
				return fmt.Errorf("claim %s must be a string, not %s", f.name, raw)
			}
		}
	}
	if raw, ok := m["aud"]; ok {
		if err := json.Unmarshal(raw, &out.Audience); err != nil {
			return err
		}
	}
	if raw, ok := m["context"]; ok {
		if err := json.Unmarshal(raw, &out.Context); err != nil {
			return fmt.Errorf("claim context must be an object, not %s", raw)
		}
	}
	var err error
	if out.IssuedAt, err = numericDate("iat", m["iat"]); err != nil {
		return err
	}
	if out.ExpiresAt, err = numericDate("exp", m["exp"]); err != nil {
		return err
	}
	// Empty and absent are the same claim; keep one spelling of it.
	if len(out.Audience) == 0 {
		out.Audience = nil
	}
	if len(out.Context) == 0 {
		out.Context = nil
	}
	*c = out
	return nil
}

// numericDate reads a JWT NumericDate: seconds, possibly fractional.
func numericDate(name string, raw json.RawMessage) (int64, error) {
	if len(raw) == 0 || string(raw) == "null" {
		return 0, nil
	}
	var f float64
	if err := json.Unmarshal(raw, &f); err != nil || math.IsInf(f, 0) || math.Abs(f) > 1<<53 {
		return 0, fmt.Errorf("claim %s must be a number of seconds, got %s", name, raw)
	}
	return int64(f), nil
}

func writeJSON(b *bytes.Buffer, v any) error {
	enc := json.NewEncoder(b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return err
	}
	b.Truncate(b.Len() - 1) // Encode's newline
	return nil
}

// NewClaims fills iat/exp from now and ttl and computes qsh for the request.
func NewClaims(iss, sub, method, rawURL, baseURL string, now time.Time, ttl time.Duration) (Claims, error) {
	qsh, err := QSH(method, rawURL, baseURL)
	if err != nil {
		return Claims{}, err
	}
	return Claims{
		Issuer:    iss,
		Subject:   sub,
		IssuedAt:  now.Unix(),
		ExpiresAt: now.Add(ttl).Unix(),
		QSH:       qsh,
	}, nil
}

// header is written by hand, not by golang-jwt (which sorts the keys), to
// match atlassian-jwt's {"typ":"JWT","alg":"HS256"} byte for byte.
const header = `{"typ":"JWT","alg":"HS256"}`

// Sign returns the HS256 token for c, signed with secret.
func Sign(secret string, c Claims) (string, error) {
	if secret == "" {
		return "", errors.New("cannot sign: the shared secret is empty")
	}
	// Not json.Marshal: it would escape <, > and & in MarshalJSON's output.
	payload, err := c.MarshalJSON()
	if err != nil {
		return "", err
	}
	signing := base64.RawURLEncoding.EncodeToString([]byte(header)) + "." + base64.RawURLEncoding.EncodeToString(payload)
	sig, err := jwt.SigningMethodHS256.Sign(signing, []byte(secret))
	if err != nil {
		return "", err
	}
	return signing + "." + base64.RawURLEncoding.EncodeToString(sig), nil
}

// Reason classifies why a token was refused.
type Reason string

// The reasons a token is refused.
const (
	ReasonMalformed    Reason = "malformed"
	ReasonAlgorithm    Reason = "algorithm"
	ReasonSignature    Reason = "signature"
	ReasonExpired      Reason = "expired"
	ReasonQSH          Reason = "qsh"
	ReasonMissingClaim Reason = "missing-claim"
)

// Error is why Parse or Verify refused a token. On a qsh mismatch
// ExpectedCanonical and ExpectedQSH are what this side computed for the
// request and GotQSH is the token's.
type Error struct {
	Reason            Reason
	Msg               string
	ExpectedCanonical string
	ExpectedQSH       string
	GotQSH            string
}

func (e *Error) Error() string { return e.Msg }

func errorf(r Reason, format string, a ...any) *Error {
	return &Error{Reason: r, Msg: fmt.Sprintf(format, a...)}
}

// Parse decodes a token without verifying it, for display and for reading
// iss before choosing the secret. Padding on the segments is tolerated, as
// atlassian-jwt tolerates it when decoding.
func Parse(token string) (header map[string]any, c Claims, err error) {
	hb, pb, err := Segments(token)
	if err != nil {
		return nil, Claims{}, err
	}
	if err := json.Unmarshal(hb, &header); err != nil || header == nil {
		return nil, Claims{}, errorf(ReasonMalformed, "malformed token: header is not a JSON object: %s", describeJSONError(err))
	}
	if !isJSONObject(pb) {
		return nil, Claims{}, errorf(ReasonMalformed, "malformed token: payload is not a JSON object")
	}
	if err := json.Unmarshal(pb, &c); err != nil {
		return nil, Claims{}, errorf(ReasonMalformed, "malformed token: %s", describeJSONError(err))
	}
	return header, c, nil
}

// Segments returns the decoded header and payload of a token as they were
// written, for showing them with unknown fields and in their order.
func Segments(token string) (header, payload []byte, err error) {
	token = strings.TrimSpace(token)
	if token == "" {
		return nil, nil, errorf(ReasonMalformed, "malformed token: it is empty")
	}
	parts := strings.Split(token, ".")
	if len(parts) != 3 {
		return nil, nil, errorf(ReasonMalformed, "malformed token: a JWT has 3 parts separated by '.' (header.payload.signature), this has %d", len(parts))
	}
	if header, err = decodeSegment(parts[0]); err != nil {
		return nil, nil, errorf(ReasonMalformed, "malformed token: header is not base64url: %v", err)
	}
	if payload, err = decodeSegment(parts[1]); err != nil {
		return nil, nil, errorf(ReasonMalformed, "malformed token: payload is not base64url: %v", err)
	}
	return header, payload, nil
}

func describeJSONError(err error) string {
	if err == nil {
		return "null"
	}
	return strings.TrimPrefix(err.Error(), "json: ")
}

func isJSONObject(b []byte) bool {
	b = bytes.TrimSpace(b)
	return len(b) > 0 && b[0] == '{'
}

func decodeSegment(s string) ([]byte, error) {
	return base64.RawURLEncoding.DecodeString(strings.TrimRight(s, "="))
}

// Request is the request a token is checked against: the qsh must be the
// hash of its canonical request.
//
// Received marks a request as a server received it, whose client may have
// signed the path before escaping it: a qsh over CanonicalRequestAsWritten
// is then accepted too. A host checking an app's call sets it (apps on ACE
// sign /2.0/repositories/ws/{uuid} and send %7Buuid%7D); an app checking
// the product's token does not need it.
type Request struct {
	Method, URL, BaseURL string
	Received             bool
}

// Verify checks a token as ACE does, in ACE's order: the algorithm is HS256
// (refusing "none" and everything else), iss is present, the signature
// matches secret, exp has not passed (no leeway, like ACE), and when req is
// not nil, qsh matches the request.
func Verify(token, secret string, req *Request, now time.Time) (Claims, error) {
	hdr, c, err := Parse(token)
	if err != nil {
		return Claims{}, err
	}
	if err := checkAlgorithm(hdr); err != nil {
		return c, err
	}
	if c.Issuer == "" {
		return c, errorf(ReasonMissingClaim, "token has no iss claim, so there is no way to tell whose shared secret signed it")
	}
	if err := VerifySignature(token, secret); err != nil {
		return c, err
	}
	if err := CheckExpiry(c, now); err != nil {
		return c, err
	}
	if req == nil {
		return c, nil
	}
	return c, CheckQSH(c, *req)
}

func checkAlgorithm(hdr map[string]any) error {
	alg, ok := hdr["alg"]
	if !ok {
		return errorf(ReasonAlgorithm, "token header has no alg; Connect tokens are HS256")
	}
	if alg != "HS256" {
		return errorf(ReasonAlgorithm, "token algorithm %s is refused; Connect tokens are HS256", describeAlg(alg))
	}
	return nil
}

// VerifySignature checks only the algorithm (HS256) and the signature, not
// the claims: Verify does all of it; this is for reporting each check.
func VerifySignature(token, secret string) error {
	hdr, _, err := Parse(token)
	if err != nil {
		return err
	}
	if err := checkAlgorithm(hdr); err != nil {
		return err
	}
	if secret == "" {
		return errorf(ReasonSignature, "no shared secret to check the signature with")
	}
	p := jwt.NewParser(
		jwt.WithValidMethods([]string{"HS256"}),
		// exp is checked by CheckExpiry, the way ACE checks it, to say
		// exactly when.
		jwt.WithoutClaimsValidation(),
		// atlassian-jwt compares the signature as a string, so a second
		// spelling of the same bytes (unused low bits) is not a signature.
		jwt.WithStrictDecoding(),
	)
	if _, err := p.Parse(strings.TrimSpace(token), func(*jwt.Token) (any, error) { return []byte(secret), nil }); err != nil {
		return mapJWTError(err)
	}
	return nil
}

// CheckExpiry refuses claims without exp or whose exp has passed. Like ACE
// it counts whole seconds and allows no leeway: a token is good up to and
// including its exp second.
func CheckExpiry(c Claims, now time.Time) error {
	if c.ExpiresAt == 0 {
		return errorf(ReasonMissingClaim, "token has no exp claim")
	}
	if n := now.Unix(); n > c.ExpiresAt {
		exp := time.Unix(c.ExpiresAt, 0).UTC()
		ago := fmt.Sprintf("%d days", (n-c.ExpiresAt)/86400)
		if n-c.ExpiresAt < 1e9 { // what time.Duration can hold, and then some
			ago = (time.Duration(n-c.ExpiresAt) * time.Second).String()
		}
		return errorf(ReasonExpired, "token expired at %s, %s ago", exp.Format(time.RFC3339), ago)
	}
	return nil
}

// CheckQSH refuses claims whose qsh is missing or is not the hash of req's
// canonical request; the *Error then carries both sides.
func CheckQSH(c Claims, req Request) error {
	if c.QSH == "" {
		return errorf(ReasonMissingClaim, "token has no qsh claim, so it is not bound to this request")
	}
	canonical, err := CanonicalRequest(req.Method, req.URL, req.BaseURL)
	if err != nil {
		return errorf(ReasonQSH, "cannot compute the query hash of the request: %v", err)
	}
	want := hashCanonical(canonical)
	if c.QSH == want {
		return nil
	}
	expected := fmt.Sprintf("expected canonical request %s (qsh %s)", canonical, want)
	if req.Received {
		if written, err := CanonicalRequestAsWritten(req.Method, req.URL, req.BaseURL); err == nil && written != canonical {
			if c.QSH == hashCanonical(written) {
				return nil
			}
			expected += fmt.Sprintf(" or, over the unescaped path as the client wrote it, %s (qsh %s)", written, hashCanonical(written))
		}
	}
	e := errorf(ReasonQSH, "query hash does not match: %s, token has qsh %s", expected, c.QSH)
	if c.QSH == "context-qsh" {
		e.Msg += " (a context token from AP.context.getToken, which only routes checking context tokens accept)"
	}
	e.ExpectedCanonical, e.ExpectedQSH, e.GotQSH = canonical, want, c.QSH
	return e
}

func describeAlg(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprint(v)
	}
	return string(b)
}

// mapJWTError turns golang-jwt's errors into ours. The algorithm and the
// claims were checked before, so what is left is the signature or a
// segment the library reads more strictly than Parse.
func mapJWTError(err error) *Error {
	switch {
	case errors.Is(err, jwt.ErrTokenSignatureInvalid):
		return errorf(ReasonSignature, "signature does not match the shared secret")
	case errors.Is(err, jwt.ErrTokenMalformed):
		return errorf(ReasonMalformed, "malformed token: %s", strings.TrimPrefix(err.Error(), jwt.ErrTokenMalformed.Error()+": "))
	default:
		return errorf(ReasonSignature, "signature cannot be verified: %v", err)
	}
}
