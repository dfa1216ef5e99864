// Package forgefit signs Forge Invocation Tokens (FITs) as the local Forge
// host, with its own RSA key, and serves that key as a JWKS: what a Forge
// Remote verifies before it trusts a call (iss forge/invocation-token, aud
// the app's ARI, RS256 with a kid from the JWKS). It also makes the forged
// tokens a remote must refuse.
package forgefit

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"math/big"
	"net/http"
	"strings"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// Issuer is the iss of every FIT.
const Issuer = "forge/invocation-token"

// KeyID is the kid of the local host's signing key.
const KeyID = "connectgen-local-forge-1"

// JWKSPath is where the JWKS is served, as Atlassian serves it.
const JWKSPath = "/.well-known/jwks.json"

// Signer holds the local host's signing key and a second key no remote
// may trust (for the "another key" forgery).
type Signer struct {
	key   *rsa.PrivateKey
	other *rsa.PrivateKey
}

// NewSigner makes two fresh 2048-bit RSA keys.
func NewSigner() (*Signer, error) {
	k, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return nil, err
	}
	o, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return nil, err
	}
	return &Signer{key: k, other: o}, nil
}

// Sign signs claims with RS256 and the kid.
func (s *Signer) Sign(claims map[string]any) (string, error) {
	return sign(s.key, claims)
}

func sign(k *rsa.PrivateKey, claims map[string]any) (string, error) {
	t := jwt.NewWithClaims(jwt.SigningMethodRS256, jwt.MapClaims(claims))
	t.Header["kid"] = KeyID
	return t.SignedString(k)
}

// JWKS returns the JSON Web Key Set with the public key.
func (s *Signer) JWKS() []byte {
	pub := s.key.PublicKey
	b, _ := json.Marshal(map[string]any{"keys": []any{map[string]any{ // a map of strings cannot fail
		"kty": "RSA", "use": "sig", "alg": "RS256", "kid": KeyID,
		"n": b64(pub.N.Bytes()),
		"e": b64(big.NewInt(int64(pub.E)).Bytes()),
	}}})
	return b
}

// ServeHTTP serves the JWKS at JWKSPath.
func (s *Signer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path != JWKSPath {
		http.NotFound(w, r)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	_, _ = w.Write(s.JWKS()) // a broken connection is the client's to report
}

// Claims are a FIT's claims for one call, per internal/forgefit/forge-remote-contract.md.
type Claims struct {
	AppID          string // ari:cloud:ecosystem::app/<uuid>
	InstallationID string // a UUID
	APIBaseURL     string
	WorkspaceID    string // {uuid}
	ModuleType     string
	ModuleKey      string
	Lifetime       time.Duration
	Now            time.Time
	// Context and Principal are set for UI calls only.
	Context   map[string]any
	Principal string
}

// Map returns the claims as the token carries them.
func (c Claims) Map() map[string]any {
	iat := c.Now.Unix()
	installation := "ari:cloud:ecosystem::installation/" + c.InstallationID
	m := map[string]any{
		"iss": Issuer,
		"aud": c.AppID,
		"iat": iat,
		"nbf": iat,
		"exp": c.Now.Add(c.Lifetime).Unix(),
		"jti": randomID(),
		"app": map[string]any{
			"id":             c.AppID,
			"appVersion":     "1.0.0",
			"installationId": installation,
			"apiBaseUrl":     c.APIBaseURL,
			"environment":    map[string]any{"type": "DEVELOPMENT", "id": "local-development"},
			"module":         map[string]any{"type": c.ModuleType, "key": c.ModuleKey},
			"installation": map[string]any{
				"id":       installation,
				"contexts": []any{map[string]any{"apiBaseUrl": c.APIBaseURL, "workspaceId": c.WorkspaceID}},
			},
		},
	}
	if c.Context != nil {
		m["context"] = c.Context
	}
	if c.Principal != "" {
		m["principal"] = c.Principal
	}
	return m
}

// Forgery is a token a remote must refuse, and what is wrong with it.
type Forgery struct {
	Name  string
	Token string // "" for no Authorization header at all
}

// Forgeries returns the forged tokens for claims: missing, alg none, HS256
// signed with the public key, another key with the same kid, another
// app's aud, expired, not yet valid.
func (s *Signer) Forgeries(c Claims) ([]Forgery, error) {
	var out []Forgery
	out = append(out, Forgery{Name: "missing token"})
	none := unsigned(map[string]any{"alg": "none", "typ": "JWT"}, c.Map())
	out = append(out, Forgery{Name: "alg none", Token: none})
	pubPEM := pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: mustPKIX(&s.key.PublicKey)})
	hs := jwt.NewWithClaims(jwt.SigningMethodHS256, jwt.MapClaims(c.Map()))
	hs.Header["kid"] = KeyID
	hsTok, err := hs.SignedString(pubPEM)
	if err != nil {
		return nil, err
	}
	out = append(out, Forgery{Name: "HS256 signed with the public key", Token: hsTok})
	other, err := sign(s.other, c.Map())
	if err != nil {
		return nil, err
	}
	out = append(out, Forgery{Name: "signed with another key", Token: other})
	another := c
	another.AppID = "ari:cloud:ecosystem::app/11111111-2222-4333-8444-555555555555"
	tok, err := s.Sign(another.Map())
	if err != nil {
		return nil, err
	}
	out = append(out, Forgery{Name: "another app (aud)", Token: tok})
	expired := c
	expired.Now = c.Now.Add(-10 * time.Minute)
	if tok, err = s.Sign(expired.Map()); err != nil {
		return nil, err
	}
	out = append(out, Forgery{Name: "expired", Token: tok})
	early := c.Map()
	later := c.Now.Add(10 * time.Minute).Unix()
	early["nbf"], early["iat"], early["exp"] = later, later, later+60
	if tok, err = s.Sign(early); err != nil {
		return nil, err
	}
	out = append(out, Forgery{Name: "not yet valid", Token: tok})
	return out, nil
}

func unsigned(header, claims map[string]any) string {
	h, _ := json.Marshal(header) // maps of plain values cannot fail
	c, _ := json.Marshal(claims)
	return b64(h) + "." + b64(c) + "."
}

func mustPKIX(k *rsa.PublicKey) []byte {
	b, err := x509.MarshalPKIXPublicKey(k)
	if err != nil {
		panic(fmt.Sprintf("an RSA public key always marshals: %v", err))
	}
	return b
}

func b64(b []byte) string { return strings.TrimRight(base64.URLEncoding.EncodeToString(b), "=") }

func randomID() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b) // crypto/rand does not fail on Linux
	return fmt.Sprintf("%x", b)
}
