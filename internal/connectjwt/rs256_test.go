package connectjwt

import (
	"crypto/rand"
	"crypto/rsa"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

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
