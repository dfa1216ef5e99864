package connectjwt

import (
	"crypto/rsa"
	"encoding/base64"
	"encoding/json"
	"errors"

	"github.com/golang-jwt/jwt/v5"
)

// SignRS256 returns the RS256 token for c, signed with key, with kid in
// its header: how Jira and Confluence sign the installed and uninstalled
// lifecycle requests (the app fetches the public key for kid from
// Atlassian's key server, or CONNECT_KEYS_CDN_URL).
func SignRS256(key *rsa.PrivateKey, kid string, c Claims) (string, error) {
	if key == nil {
		return "", errors.New("cannot sign: no RSA key")
	}
	if kid == "" {
		return "", errors.New("cannot sign: the key id (kid) is empty")
	}
	hdr, err := json.Marshal(struct {
		Alg string `json:"alg"`
		Typ string `json:"typ"`
		Kid string `json:"kid"`
	}{"RS256", "JWT", kid})
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
