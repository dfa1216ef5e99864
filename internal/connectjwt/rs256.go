package connectjwt

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// Jira and Confluence sign the installed and uninstalled lifecycle events
// with RS256: the token's kid names a public key the app fetches as PEM
// from Atlassian's key CDN (ACE: $CONNECT_KEYS_CDN_URL/<kid>), aud is the
// app's baseUrl and iss the client key. Everything else between host and
// app stays HS256 with the installation's shared secret. The functions
// below are that asymmetric half; Verify and VerifySignature keep refusing
// anything but HS256.

// ContextQSH is the fixed qsh of a context token (AP.context.getToken):
// a token not bound to any request, which only routes that accept
// context tokens (ACE's checkValidToken, authenticate(true)) take.
const ContextQSH = "context-qsh"

// ReasonAudience: the token's aud is not the one the verifier expects.
const ReasonAudience Reason = "audience"

// MinRSABits is the smallest RSA key SignRS256 signs with and VerifyRS256
// trusts.
const MinRSABits = 2048

// rs256Header writes the header as atlassian-jwt's encodeAsymmetric does:
// {"typ":"JWT","alg":"RS256","kid":…}.
func rs256Header(kid string) ([]byte, error) {
	k, err := json.Marshal(kid)
	if err != nil {
		return nil, err
	}
	return []byte(`{"typ":"JWT","alg":"RS256","kid":` + string(k) + `}`), nil
}

// SignRS256 returns the RS256 token for c with kid in its header, as Jira
// and Confluence sign an install or uninstall.
func SignRS256(key *rsa.PrivateKey, kid string, c Claims) (string, error) {
	if key == nil {
		return "", errors.New("cannot sign: no RSA private key")
	}
	if key.N.BitLen() < MinRSABits {
		return "", fmt.Errorf("cannot sign: the RSA key has %d bits, at least %d are needed", key.N.BitLen(), MinRSABits)
	}
	if kid == "" {
		return "", errors.New("cannot sign: an RS256 install token needs a kid naming its public key")
	}
	hdr, err := rs256Header(kid)
	if err != nil {
		return "", err
	}
	payload, err := c.MarshalJSON()
	if err != nil {
		return "", err
	}
	signing := base64.RawURLEncoding.EncodeToString(hdr) + "." + base64.RawURLEncoding.EncodeToString(payload)
	sig, err := jwt.SigningMethodRS256.Sign(signing, key)
	if err != nil {
		return "", err
	}
	return signing + "." + base64.RawURLEncoding.EncodeToString(sig), nil
}

// KeyID returns the kid of a token's header, or "" when it has none.
func KeyID(token string) (string, error) {
	hdr, _, err := Parse(token)
	if err != nil {
		return "", err
	}
	kid, _ := hdr["kid"].(string)
	return kid, nil
}

func checkRS256(hdr map[string]any) error {
	alg, ok := hdr["alg"]
	if !ok {
		return errorf(ReasonAlgorithm, "token header has no alg; Jira and Confluence sign installs with RS256")
	}
	if alg != "RS256" {
		return errorf(ReasonAlgorithm, "token algorithm %s is refused; Jira and Confluence sign install and uninstall callbacks with RS256 (HS256 and unsigned installs are refused, as ACE 11 refuses them)", describeAlg(alg))
	}
	if kid, _ := hdr["kid"].(string); kid == "" {
		return errorf(ReasonMalformed, "RS256 token header has no kid, so there is no public key to check it with")
	}
	return nil
}

// VerifyRS256Signature checks only the algorithm (RS256, with a kid) and
// the signature against pub.
func VerifyRS256Signature(token string, pub *rsa.PublicKey) error {
	hdr, _, err := Parse(token)
	if err != nil {
		return err
	}
	if err := checkRS256(hdr); err != nil {
		return err
	}
	if pub == nil {
		return errorf(ReasonSignature, "no public key to check the signature with")
	}
	if pub.N.BitLen() < MinRSABits {
		return errorf(ReasonSignature, "the public key has %d bits; at least %d are needed", pub.N.BitLen(), MinRSABits)
	}
	p := jwt.NewParser(jwt.WithValidMethods([]string{"RS256"}), jwt.WithoutClaimsValidation(), jwt.WithStrictDecoding())
	if _, err := p.Parse(strings.TrimSpace(token), func(*jwt.Token) (any, error) { return pub, nil }); err != nil {
		if errors.Is(err, jwt.ErrTokenSignatureInvalid) {
			return errorf(ReasonSignature, "signature does not match the public key of kid %q", hdr["kid"])
		}
		return mapJWTError(err)
	}
	return nil
}

// CheckAudience refuses claims whose first aud, without a trailing slash,
// is none of want (each also compared without a trailing slash), as ACE
// checks an install's aud against the app's baseUrl.
func CheckAudience(c Claims, want ...string) error {
	if len(c.Audience) == 0 {
		return errorf(ReasonAudience, "token has no aud claim; an install token's aud must be the app's baseUrl %s", strings.Join(want, " or "))
	}
	got := strings.TrimRight(c.Audience[0], "/")
	for _, w := range want {
		if got == strings.TrimRight(w, "/") {
			return nil
		}
	}
	return errorf(ReasonAudience, "aud is %q; it must be the app's baseUrl %s", c.Audience[0], strings.Join(want, " or "))
}

// NewContextClaims returns the claims of a context token, what
// AP.context.getToken gives a page: iss the client key, sub the user, the
// fixed qsh "context-qsh" and the page's context.
func NewContextClaims(clientKey, sub string, context map[string]any, now time.Time, ttl time.Duration) Claims {
	return Claims{
		Issuer:    clientKey,
		Subject:   sub,
		IssuedAt:  now.Unix(),
		ExpiresAt: now.Add(ttl).Unix(),
		QSH:       ContextQSH,
		Context:   context,
	}
}

// GenerateKey returns a fresh RSA key of MinRSABits bits.
func GenerateKey() (*rsa.PrivateKey, error) {
	return rsa.GenerateKey(rand.Reader, MinRSABits)
}

// PublicKeyPEM is pub as a PEM "PUBLIC KEY" (SPKI), what Atlassian's key
// CDN serves and ACE reads.
func PublicKeyPEM(pub *rsa.PublicKey) ([]byte, error) {
	der, err := x509.MarshalPKIXPublicKey(pub)
	if err != nil {
		return nil, err
	}
	return pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der}), nil
}

// PrivateKeyPEM is key as a PEM "PRIVATE KEY" (PKCS #8).
func PrivateKeyPEM(key *rsa.PrivateKey) ([]byte, error) {
	der, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return nil, err
	}
	return pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}), nil
}

// ParsePublicKeyPEM reads an RSA public key from PEM: "PUBLIC KEY" (SPKI),
// "RSA PUBLIC KEY" (PKCS #1) or a certificate.
func ParsePublicKeyPEM(b []byte) (*rsa.PublicKey, error) {
	block, _ := pem.Decode(b)
	if block == nil {
		return nil, errors.New("no PEM block found; a public key starts with -----BEGIN PUBLIC KEY-----")
	}
	var key any
	var err error
	switch block.Type {
	case "PUBLIC KEY":
		key, err = x509.ParsePKIXPublicKey(block.Bytes)
	case "RSA PUBLIC KEY":
		key, err = x509.ParsePKCS1PublicKey(block.Bytes)
	case "CERTIFICATE":
		var cert *x509.Certificate
		if cert, err = x509.ParseCertificate(block.Bytes); err == nil {
			key = cert.PublicKey
		}
	default:
		return nil, fmt.Errorf("PEM block is %q; want PUBLIC KEY, RSA PUBLIC KEY or CERTIFICATE", block.Type)
	}
	if err != nil {
		return nil, fmt.Errorf("cannot read the %s: %v", strings.ToLower(block.Type), err)
	}
	pub, ok := key.(*rsa.PublicKey)
	if !ok {
		return nil, fmt.Errorf("the key is %T; RS256 needs an RSA key", key)
	}
	return pub, nil
}

// ParsePrivateKeyPEM reads an RSA private key from PEM: "PRIVATE KEY"
// (PKCS #8) or "RSA PRIVATE KEY" (PKCS #1).
func ParsePrivateKeyPEM(b []byte) (*rsa.PrivateKey, error) {
	block, _ := pem.Decode(b)
	if block == nil {
		return nil, errors.New("no PEM block found; a private key starts with -----BEGIN PRIVATE KEY-----")
	}
	var key any
	var err error
	switch block.Type {
	case "PRIVATE KEY":
		key, err = x509.ParsePKCS8PrivateKey(block.Bytes)
	case "RSA PRIVATE KEY":
		key, err = x509.ParsePKCS1PrivateKey(block.Bytes)
	default:
		return nil, fmt.Errorf("PEM block is %q; want PRIVATE KEY or RSA PRIVATE KEY", block.Type)
	}
	if err != nil {
		return nil, fmt.Errorf("cannot read the %s: %v", strings.ToLower(block.Type), err)
	}
	k, ok := key.(*rsa.PrivateKey)
	if !ok {
		return nil, fmt.Errorf("the key is %T; RS256 needs an RSA key", key)
	}
	return k, nil
}
