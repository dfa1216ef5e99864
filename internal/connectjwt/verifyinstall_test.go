package connectjwt

import (
	"crypto/rsa"
	"net/http"
	"strings"
	"time"
)

// The Connect JWT checks as an app does them, for the tests: connectgen
// signs tokens and explains them (jwt decode), and the apps verify them.

// VerifyInstall checks an install or uninstall token as ACE 11's
// verify-installation does, in its order: RS256 with a kid, iss present,
// aud[0] = the app's baseUrl (any of baseURLs), qsh present, the
// signature against pub, exp (no leeway), the qsh against req. The caller
// then compares iss with the payload's clientKey.
func VerifyInstall(token string, pub *rsa.PublicKey, req Request, now time.Time, baseURLs ...string) (Claims, error) {
	hdr, c, err := Parse(token)
	if err != nil {
		return Claims{}, err
	}
	if err := checkRS256(hdr); err != nil {
		return c, err
	}
	if c.Issuer == "" {
		return c, errorf(ReasonMissingClaim, "token has no iss claim; an install token's iss is the client key")
	}
	if err := CheckAudience(c, baseURLs...); err != nil {
		return c, err
	}
	if c.QSH == "" {
		return c, errorf(ReasonMissingClaim, "token has no qsh claim; an install token is bound to POST /installed")
	}
	if err := VerifyRS256Signature(token, pub); err != nil {
		return c, err
	}
	if err := CheckExpiry(c, now); err != nil {
		return c, err
	}
	return c, CheckQSH(c, req)
}

// TokenFromRequest returns the JWT from `Authorization: JWT …` or the `jwt`
// query parameter, or "". The header wins when both are present; ACE
// refuses such a request outright, which is the caller's to decide.
func TokenFromRequest(r *http.Request) string {
	if h := r.Header.Get("Authorization"); strings.HasPrefix(h, "JWT ") {
		return strings.TrimSpace(h[len("JWT "):])
	}
	if r.URL == nil {
		return ""
	}
	return r.URL.Query().Get("jwt")
}
