package forgefit

import (
	"crypto/rsa"
	"encoding/base64"
	"encoding/json"
	"errors"
	"io"
	"math/big"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// jwksKey reads the RSA key and kid back from the JWKS.
func jwksKey(t *testing.T, b []byte) (*rsa.PublicKey, string) {
	t.Helper()
	var set struct {
		Keys []struct{ Kty, Kid, Alg, Use, N, E string }
	}
	if err := json.Unmarshal(b, &set); err != nil || len(set.Keys) != 1 {
		t.Fatalf("JWKS %s: %v", b, err)
	}
	k := set.Keys[0]
	if k.Kty != "RSA" || k.Alg != "RS256" || k.Use != "sig" || k.Kid != KeyID {
		t.Errorf("key %+v", k)
	}
	n, err := base64.RawURLEncoding.DecodeString(k.N)
	if err != nil {
		t.Fatal(err)
	}
	e, err := base64.RawURLEncoding.DecodeString(k.E)
	if err != nil {
		t.Fatal(err)
	}
	return &rsa.PublicKey{N: new(big.Int).SetBytes(n), E: int(new(big.Int).SetBytes(e).Int64())}, k.Kid
}

func verify(pub *rsa.PublicKey, tok, aud string) (jwt.MapClaims, error) {
	claims := jwt.MapClaims{}
	_, err := jwt.ParseWithClaims(tok, claims, func(tk *jwt.Token) (any, error) { return pub, nil },
		jwt.WithValidMethods([]string{"RS256"}), jwt.WithIssuer(Issuer), jwt.WithAudience(aud))
	return claims, err
}

// TestSignAndForgeries: a FIT verifies against the served JWKS with the
// contract's claims; each forgery fails the check it is meant to.
func TestSignAndForgeries(t *testing.T) {
	s, err := NewSigner()
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(s)
	defer srv.Close()
	resp, err := srv.Client().Get(srv.URL + JWKSPath)
	if err != nil {
		t.Fatal(err)
	}
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil || resp.Header.Get("Content-Type") != "application/json" {
		t.Fatal(err, resp.Header)
	}
	pub, _ := jwksKey(t, body)
	const app = "ari:cloud:ecosystem::app/0b7c1a2e-4d5f-4a6b-9c8d-7e6f5a4b3c2d"
	c := Claims{AppID: app, InstallationID: "i-1", APIBaseURL: "http://127.0.0.1:1", WorkspaceID: "{w}", ModuleType: "trigger", ModuleKey: "k", Lifetime: time.Minute, Now: time.Now(),
		Context: map[string]any{"workspaceId": "{w}"}, Principal: "acc"}
	tok, err := s.Sign(c.Map())
	if err != nil {
		t.Fatal(err)
	}
	claims, err := verify(pub, tok, app)
	if err != nil {
		t.Fatal(err)
	}
	a := claims["app"].(map[string]any)
	inst := a["installation"].(map[string]any)
	if a["installationId"] != "ari:cloud:ecosystem::installation/i-1" || a["apiBaseUrl"] != "http://127.0.0.1:1" ||
		inst["contexts"].([]any)[0].(map[string]any)["workspaceId"] != "{w}" || claims["principal"] != "acc" || claims["jti"] == "" {
		t.Errorf("claims %v", claims)
	}
	forged, err := s.Forgeries(c)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]error{
		"alg none":                         jwt.ErrTokenSignatureInvalid,
		"HS256 signed with the public key": jwt.ErrTokenSignatureInvalid,
		"signed with another key":          jwt.ErrTokenSignatureInvalid,
		"another app (aud)":                jwt.ErrTokenInvalidAudience,
		"expired":                          jwt.ErrTokenExpired,
		"not yet valid":                    jwt.ErrTokenNotValidYet,
	}
	if len(forged) != 7 || forged[0].Name != "missing token" || forged[0].Token != "" {
		t.Fatalf("forgeries %v", forged)
	}
	for _, f := range forged[1:] {
		_, err := verify(pub, f.Token, app)
		if err == nil {
			t.Errorf("%s verifies", f.Name)
			continue
		}
		if w := want[f.Name]; !errors.Is(err, w) && !errors.Is(err, jwt.ErrTokenUnverifiable) {
			t.Errorf("%s: %v, want %v", f.Name, err, w)
		}
	}
}
