package cmd

import (
	"bytes"
	"context"
	"crypto/rsa"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/connectgen/connectgen/internal/connectjwt"
)

// newJWTCmd groups the Connect JWT tools. It takes no runF: the
// subcommands each have their own.
func newJWTCmd(f *Factory) *cobra.Command {
	c := &cobra.Command{
		Use:   "jwt",
		Short: "Compute query hashes, sign and decode Connect JWTs",
		Long: `Tools for the JWTs that a Connect host (Bitbucket, Jira, Confluence) and an
app exchange: HS256 tokens signed with the installation's shared secret and
bound to one request by the query string hash (qsh); Jira's and
Confluence's RS256 install tokens (kid, aud = the app's baseUrl, iss = the
clientKey); context tokens (qsh "context-qsh", from AP.context.getToken).

The qsh is computed exactly as Atlassian's atlassian-jwt (inside
atlassian-connect-express) computes it, so "Authentication failed: query
hash does not match" can be explained by comparing canonical requests.`,
		Example: `  connectgen jwt qsh --method GET --url '/2.0/repositories/acme/app?pagelen=10'
  connectgen jwt sign --secret "$SECRET" --iss my-app --sub connection:123 --url /2.0/user
  connectgen jwt decode "$TOKEN" --secret "$SECRET" --method POST --url /webhook
  connectgen jwt sign --key host.pem --kid k1 --iss "$CLIENT_KEY" --aud https://app.example.com \
    --method POST --url /installed`,
		Args: func(c *cobra.Command, args []string) error {
			if len(args) > 0 {
				return usageErrorf("unknown jwt command %q (available: qsh, sign, decode)", args[0])
			}
			return usageErrorf("jwt needs a command: qsh, sign or decode (see 'connectgen jwt --help')")
		},
		RunE: func(*cobra.Command, []string) error { return nil },
	}
	c.AddCommand(
		newJWTQSHCmd(f, nil),
		newJWTSignCmd(f, nil),
		newJWTDecodeCmd(f, nil),
	)
	return c
}

type jwtQSHOptions struct {
	f *Factory

	Method  string
	URL     string
	BaseURL string
}

func newJWTQSHCmd(f *Factory, runF func(*jwtQSHOptions) error) *cobra.Command {
	opts := &jwtQSHOptions{f: f}
	c := &cobra.Command{
		Use:   "qsh --url URL [--method METHOD] [--base-url URL]",
		Short: "Print the canonical request and query string hash of a request",
		Long: `Print the canonical request (METHOD&path&sorted query) and its SHA-256, the
qsh claim a Connect JWT must carry for that request.

--base-url is the app's base URL as the app sees it (ACE's localBaseUrl);
its path is removed from the request path, as ACE does. A jwt parameter in
the URL is ignored.`,
		Example: `  # The hash for an app's outbound call, as ACE's httpClient signs it
  connectgen jwt qsh --url /2.0/user

  # A webhook delivered to an app that lives under /base
  connectgen jwt qsh --method POST --url 'https://app.example.com/base/webhook?x=1' \
    --base-url https://app.example.com/base`,
		Args: cobra.NoArgs,
		RunE: func(c *cobra.Command, args []string) error {
			if runF != nil {
				return runF(opts)
			}
			return runJWTQSH(c.Context(), opts)
		},
	}
	fl := c.Flags()
	fl.StringVar(&opts.Method, "method", "GET", "HTTP method of the request")
	fl.StringVar(&opts.URL, "url", "", "URL or path of the request, with its query")
	fl.StringVar(&opts.BaseURL, "base-url", "", "the app's base URL, whose path is removed from the request path")
	return c
}

func runJWTQSH(_ context.Context, opts *jwtQSHOptions) error {
	if opts.URL == "" {
		return usageErrorf("--url is required, for example: connectgen jwt qsh --url /2.0/user")
	}
	canonical, err := connectjwt.CanonicalRequest(opts.Method, opts.URL, opts.BaseURL)
	if err != nil {
		return usageErrorf("%w", err)
	}
	qsh, _ := connectjwt.QSH(opts.Method, opts.URL, opts.BaseURL)
	fmt.Fprintf(opts.f.IO.Out, "canonical request: %s\nqsh:               %s\n", canonical, qsh)
	return nil
}

type jwtSignOptions struct {
	f *Factory

	Secret   string
	Issuer   string
	Subject  string
	Audience []string
	Method   string
	URL      string
	BaseURL  string
	TTL      time.Duration
	// KeyFile (a PEM RSA private key) makes an RS256 token with Kid in
	// its header, as Jira and Confluence sign installs.
	KeyFile string
	Kid     string
	// Context makes a context token: qsh "context-qsh", no --url.
	Context bool
}

func newJWTSignCmd(f *Factory, runF func(*jwtSignOptions) error) *cobra.Command {
	opts := &jwtSignOptions{f: f}
	c := &cobra.Command{
		Use:   "sign (--secret SECRET | --key PEM --kid KID) --iss ISSUER (--url URL | --context) [flags]",
		Short: "Print a Connect JWT for a request (HS256, or RS256 for Jira/Confluence installs)",
		Long: `Print a Connect JWT for one request: HS256, signed with the shared secret,
with iss, sub, aud, iat, exp (iat + --ttl) and the qsh of the request.

Towards Bitbucket an app signs with iss = its key and sub = the clientKey;
towards Jira and Confluence with iss = its key and aud = the clientKey.
Towards an app the host signs with iss = the clientKey.

With --key (an RSA private key in PEM) and --kid the token is RS256, as
Jira and Confluence sign the installed and uninstalled callbacks: iss the
clientKey, aud the app's baseUrl, qsh of POST /installed. ACE fetches the
public key from $CONNECT_KEYS_CDN_URL/<kid>.

With --context the token is a context token, what AP.context.getToken
gives a page: qsh "context-qsh", bound to no request (no --url).`,
		Example: `  # An app's call to GET /2.0/user, as ACE's httpClient would sign it
  connectgen jwt sign --secret "$SECRET" --iss a-quick-addon --sub connection:123 --url /2.0/user

  # A webhook Bitbucket would deliver to the app, valid for 30 seconds
  connectgen jwt sign --secret "$SECRET" --iss connection:123 --aud connection:123 \
    --method POST --url /webhook --ttl 30s

  # An app's call to Jira's REST API
  connectgen jwt sign --secret "$SECRET" --iss my-jira-app --aud "$CLIENT_KEY" --url /rest/api/3/myself

  # Jira's signed install of an app (RS256; the app fetches the public key by kid)
  openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out host.pem
  connectgen jwt sign --key host.pem --kid local-1 --iss "$CLIENT_KEY" \
    --aud https://app.example.com --method POST --url /installed

  # A context token, as AP.context.getToken returns it
  connectgen jwt sign --secret "$SECRET" --iss "$CLIENT_KEY" --sub 557058:user --context --ttl 15m`,
		Args: cobra.NoArgs,
		RunE: func(c *cobra.Command, args []string) error {
			if runF != nil {
				return runF(opts)
			}
			return runJWTSign(c.Context(), opts)
		},
	}
	fl := c.Flags()
	fl.StringVar(&opts.Secret, "secret", "", "shared secret of the installation")
	fl.StringVar(&opts.Issuer, "iss", "", "iss claim: the app key (app to Bitbucket) or the clientKey (Bitbucket to app)")
	fl.StringVar(&opts.Subject, "sub", "", "sub claim: the clientKey (app to Bitbucket) or the user")
	fl.StringSliceVar(&opts.Audience, "aud", nil, "aud claim; repeat or separate with commas for several")
	fl.StringVar(&opts.Method, "method", "GET", "HTTP method of the request")
	fl.StringVar(&opts.URL, "url", "", "URL or path of the request, with its query")
	fl.StringVar(&opts.BaseURL, "base-url", "", "the receiving app's base URL, whose path is not part of the qsh")
	fl.DurationVar(&opts.TTL, "ttl", 3*time.Minute, "how long the token is valid")
	fl.StringVar(&opts.KeyFile, "key", "", "RSA private key (PEM file) to sign an RS256 install token with, instead of --secret")
	fl.StringVar(&opts.Kid, "kid", "", "kid header of an RS256 token: the name of its public key on the key CDN")
	fl.BoolVar(&opts.Context, "context", false, `sign a context token (qsh "context-qsh") instead of one bound to --url`)
	return c
}

func runJWTSign(_ context.Context, opts *jwtSignOptions) error {
	switch {
	case opts.Secret != "" && opts.KeyFile != "":
		return usageErrorf("--secret (HS256) and --key (RS256) exclude each other; give one")
	case opts.Secret == "" && opts.KeyFile == "":
		return usageErrorf("--secret is required (or --key and --kid for an RS256 install token)")
	case opts.KeyFile != "" && opts.Kid == "":
		return usageErrorf("--kid is required with --key: it names the public key the app fetches")
	case opts.Kid != "" && opts.KeyFile == "":
		return usageErrorf("--kid is only for RS256 tokens; add --key")
	case opts.KeyFile != "" && opts.Context:
		return usageErrorf("--context tokens are HS256; use --secret")
	case opts.Issuer == "":
		return usageErrorf("--iss is required")
	case opts.Context && opts.URL != "":
		return usageErrorf("--context tokens are bound to no request; drop --url")
	case opts.URL == "" && !opts.Context:
		return usageErrorf("--url is required: a Connect JWT is bound to one request (or --context for a context token)")
	case opts.TTL <= 0:
		return usageErrorf("--ttl must be positive, got %s", opts.TTL)
	}
	now := opts.f.Now()
	var claims connectjwt.Claims
	if opts.Context {
		claims = connectjwt.NewContextClaims(opts.Issuer, opts.Subject, nil, now, opts.TTL)
	} else {
		var err error
		claims, err = connectjwt.NewClaims(opts.Issuer, opts.Subject, opts.Method, opts.URL, opts.BaseURL, now, opts.TTL)
		if err != nil {
			return usageErrorf("%w", err)
		}
	}
	claims.Audience = opts.Audience
	var token string
	var err error
	if opts.KeyFile != "" {
		if len(opts.Audience) == 0 {
			return usageErrorf("an RS256 install token needs --aud, the app's baseUrl (ACE refuses it otherwise)")
		}
		b, rerr := os.ReadFile(opts.KeyFile)
		if rerr != nil {
			return usageErrorf("--key: %w", rerr)
		}
		key, perr := connectjwt.ParsePrivateKeyPEM(b)
		if perr != nil {
			return usageErrorf("--key %s: %w", opts.KeyFile, perr)
		}
		token, err = connectjwt.SignRS256(key, opts.Kid, claims)
	} else {
		token, err = connectjwt.Sign(opts.Secret, claims)
	}
	if err != nil {
		return failf("%w", err)
	}
	fmt.Fprintln(opts.f.IO.Out, token)
	return nil
}

type jwtDecodeOptions struct {
	f *Factory

	Token   string
	Secret  string
	Method  string
	URL     string
	BaseURL string
	// PublicKeyFile (PEM) checks an RS256 token's signature; Audience its
	// aud (the app's baseUrl for an install token).
	PublicKeyFile string
	Audience      string

	methodSet bool
}

func newJWTDecodeCmd(f *Factory, runF func(*jwtDecodeOptions) error) *cobra.Command {
	opts := &jwtDecodeOptions{f: f}
	c := &cobra.Command{
		Use:   "decode TOKEN|- [--secret SECRET] [--method METHOD --url URL [--base-url URL]]",
		Short: "Show a Connect JWT and check its signature, expiry and qsh",
		Long: `Show a token's header and claims, with its times in words. TOKEN may be
"-" to read it from standard input; a leading "JWT " (as in an
Authorization header) is ignored.

With --secret the algorithm (HS256 only) and the signature are checked;
with --public-key (a PEM file) an RS256 install token's kid and signature;
with --aud its aud (the app's baseUrl, as ACE checks an install);
with --url the qsh is checked against that request, and on a mismatch the
canonical request it should have hashed is shown; with either, the expiry
is checked as ACE checks it (whole seconds, no leeway). The exit status is
1 when a check fails or the token cannot be read.`,
		Example: `  # Just look at a token
  connectgen jwt decode "$TOKEN"

  # Why does the app answer "query hash does not match"?
  connectgen jwt decode "$TOKEN" --secret "$SECRET" \
    --method GET --url '/connect-example?repoPath=acme%2Fapp' --base-url https://app.example.com

  # From a pipe
  pbpaste | connectgen jwt decode - --secret "$SECRET"

  # A Jira install token, as the app's ACE would check it
  connectgen jwt decode "$TOKEN" --public-key host.pub.pem --aud https://app.example.com \
    --method POST --url /installed`,
		Args: func(c *cobra.Command, args []string) error {
			if len(args) != 1 {
				return usageErrorf("decode takes one TOKEN (or - for standard input), got %d arguments", len(args))
			}
			return nil
		},
		RunE: func(c *cobra.Command, args []string) error {
			opts.Token = args[0]
			opts.methodSet = c.Flags().Changed("method")
			if runF != nil {
				return runF(opts)
			}
			return runJWTDecode(c.Context(), opts)
		},
	}
	fl := c.Flags()
	fl.StringVar(&opts.Secret, "secret", "", "shared secret to check the signature with")
	fl.StringVar(&opts.Method, "method", "GET", "HTTP method of the request the token was sent with")
	fl.StringVar(&opts.URL, "url", "", "URL or path of the request the token was sent with, to check the qsh")
	fl.StringVar(&opts.BaseURL, "base-url", "", "the receiving app's base URL, whose path is not part of the qsh")
	fl.StringVar(&opts.PublicKeyFile, "public-key", "", "RSA public key (PEM file) to check an RS256 install token with")
	fl.StringVar(&opts.Audience, "aud", "", "the aud the token must have (an install token's: the app's baseUrl)")
	return c
}

func runJWTDecode(_ context.Context, opts *jwtDecodeOptions) error {
	f := opts.f
	if opts.URL == "" && (opts.BaseURL != "" || opts.methodSet) {
		return usageErrorf("--method and --base-url describe the request given with --url; add --url")
	}
	if opts.Secret != "" && opts.PublicKeyFile != "" {
		return usageErrorf("--secret (HS256) and --public-key (RS256) exclude each other; give one")
	}
	var pub *rsa.PublicKey
	if opts.PublicKeyFile != "" {
		b, err := os.ReadFile(opts.PublicKeyFile)
		if err != nil {
			return usageErrorf("--public-key: %w", err)
		}
		if pub, err = connectjwt.ParsePublicKeyPEM(b); err != nil {
			return usageErrorf("--public-key %s: %w", opts.PublicKeyFile, err)
		}
	}
	if opts.URL != "" {
		if _, err := connectjwt.CanonicalRequest(opts.Method, opts.URL, opts.BaseURL); err != nil {
			return usageErrorf("%w", err)
		}
	}
	token := opts.Token
	if token == "-" {
		b, err := io.ReadAll(io.LimitReader(f.IO.In, 1<<20))
		if err != nil {
			return failf("reading the token from standard input: %w", err)
		}
		token = string(b)
	}
	token = strings.TrimSpace(token)
	token = strings.TrimSpace(strings.TrimPrefix(token, "JWT "))
	if token == "" {
		return usageErrorf("no token given")
	}

	rawHeader, rawPayload, err := connectjwt.Segments(token)
	if err != nil {
		return failf("%w", err)
	}
	_, claims, err := connectjwt.Parse(token)
	if err != nil {
		return failf("%w", err)
	}
	out := f.IO.Out
	fmt.Fprintf(out, "Header:\n%s\nClaims:\n%s\n", indentJSON(rawHeader), indentJSON(rawPayload))
	now := f.Now()
	if claims.IssuedAt != 0 {
		fmt.Fprintf(out, "Issued:  %s\n", describeTime(claims.IssuedAt, now))
	}
	if claims.ExpiresAt != 0 {
		fmt.Fprintf(out, "Expires: %s\n", describeTime(claims.ExpiresAt, now))
	}

	if opts.Secret == "" && opts.URL == "" && pub == nil && opts.Audience == "" {
		return nil
	}
	fmt.Fprintln(out, "Checks:")
	failed := 0
	report := func(name string, err error) {
		if err == nil {
			return
		}
		failed++
		fmt.Fprintf(out, "  %-10s FAILED: %v\n", name+":", err)
	}
	if opts.Secret != "" {
		err := connectjwt.VerifySignature(token, opts.Secret)
		report("signature", err)
		if err == nil {
			fmt.Fprintf(out, "  %-10s ok: HS256, matches the shared secret\n", "signature:")
		}
		if claims.Issuer == "" {
			report("iss", errors.New("token has no iss claim, so there is no way to tell whose shared secret signed it"))
		}
	}
	if pub != nil {
		err := connectjwt.VerifyRS256Signature(token, pub)
		report("signature", err)
		if err == nil {
			kid, _ := connectjwt.KeyID(token)
			fmt.Fprintf(out, "  %-10s ok: RS256, kid %q, matches the public key\n", "signature:", kid)
		}
		if claims.Issuer == "" {
			report("iss", errors.New("token has no iss claim; an install token's iss is the clientKey"))
		}
	}
	if opts.Audience != "" {
		err := connectjwt.CheckAudience(claims, opts.Audience)
		report("aud", err)
		if err == nil {
			fmt.Fprintf(out, "  %-10s ok: %s\n", "aud:", claims.Audience[0])
		}
	}
	if err := connectjwt.CheckExpiry(claims, now); err != nil {
		report("expiry", err)
	} else {
		fmt.Fprintf(out, "  %-10s ok: valid for %s more\n", "expiry:", describeSeconds(claims.ExpiresAt-now.Unix()))
	}
	if opts.URL != "" {
		err := connectjwt.CheckQSH(claims, connectjwt.Request{Method: opts.Method, URL: opts.URL, BaseURL: opts.BaseURL})
		var je *connectjwt.Error
		switch {
		case err == nil:
			canonical, _ := connectjwt.CanonicalRequest(opts.Method, opts.URL, opts.BaseURL)
			fmt.Fprintf(out, "  %-10s ok: %s\n", "qsh:", canonical)
		case errors.As(err, &je) && je.ExpectedCanonical != "":
			failed++
			fmt.Fprintf(out, "  %-10s FAILED: query hash does not match\n", "qsh:")
			fmt.Fprintf(out, "    expected canonical request: %s\n", je.ExpectedCanonical)
			fmt.Fprintf(out, "    expected qsh:               %s\n", je.ExpectedQSH)
			fmt.Fprintf(out, "    token's qsh:                %s\n", je.GotQSH)
			if je.GotQSH == connectjwt.ContextQSH {
				fmt.Fprintln(out, "    (a context token from AP.context.getToken; only routes that accept context tokens take it)")
			}
		default:
			report("qsh", err)
		}
	}
	if failed > 0 {
		return failf("token refused: %d %s failed", failed, plural(failed, "check", "checks"))
	}
	return nil
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

// indentJSON pretty-prints JSON as it was written (key order kept, unknown
// fields shown), or returns it unchanged if it does not parse.
func indentJSON(b []byte) string {
	var buf bytes.Buffer
	if err := json.Indent(&buf, b, "", "  "); err != nil {
		return string(b)
	}
	return buf.String()
}

// describeTime is a NumericDate in UTC with its distance from now.
func describeTime(sec int64, now time.Time) string {
	t := time.Unix(sec, 0).UTC()
	d := sec - now.Unix()
	switch {
	case d > 0:
		return fmt.Sprintf("%s (%d, in %s)", t.Format(time.RFC3339), sec, describeSeconds(d))
	case d < 0:
		return fmt.Sprintf("%s (%d, %s ago)", t.Format(time.RFC3339), sec, describeSeconds(-d))
	default:
		return fmt.Sprintf("%s (%d, now)", t.Format(time.RFC3339), sec)
	}
}

// describeSeconds is a duration in words; beyond what time.Duration holds
// (a forged exp can be centuries away) it counts days.
func describeSeconds(s int64) string {
	if s > -1e9 && s < 1e9 {
		return (time.Duration(s) * time.Second).String()
	}
	return fmt.Sprintf("%d days", s/86400)
}
