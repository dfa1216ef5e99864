package cmd

import (
	"bytes"
	"context"
	"reflect"
	"strings"
	"testing"
	"time"
)

// jwtTestFactory is a Factory with buffers, a fixed clock and stdin.
func jwtTestFactory(stdin string, now time.Time) (*Factory, *bytes.Buffer, *bytes.Buffer) {
	out, errOut := &bytes.Buffer{}, &bytes.Buffer{}
	return &Factory{
		IO:     &IOStreams{In: strings.NewReader(stdin), Out: out, ErrOut: errOut},
		Now:    func() time.Time { return now },
		Getenv: func(string) string { return "" },
	}, out, errOut
}

func TestJWTSignFlags(t *testing.T) {
	f, _, _ := jwtTestFactory("", time.Unix(0, 0))
	var got *jwtSignOptions
	c := newJWTSignCmd(f, func(o *jwtSignOptions) error { got = o; return nil })
	c.SetArgs([]string{"--secret", "s", "--iss", "i", "--sub", "u", "--aud", "a,b", "--aud", "c", "--method", "POST", "--url", "/x", "--base-url", "https://h/b", "--ttl", "30s"})
	if err := c.Execute(); err != nil {
		t.Fatal(err)
	}
	want := &jwtSignOptions{f: f, Secret: "s", Issuer: "i", Subject: "u", Audience: []string{"a", "b", "c"}, Method: "POST", URL: "/x", BaseURL: "https://h/b", TTL: 30 * time.Second}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("options = %+v\nwant      %+v", got, want)
	}
}

func TestJWTDecodeFlags(t *testing.T) {
	f, _, _ := jwtTestFactory("", time.Unix(0, 0))
	var got *jwtDecodeOptions
	c := newJWTDecodeCmd(f, func(o *jwtDecodeOptions) error { got = o; return nil })
	c.SetArgs([]string{"TOKEN", "--secret", "s", "--url", "/x"})
	if err := c.Execute(); err != nil {
		t.Fatal(err)
	}
	if got.Token != "TOKEN" || got.Secret != "s" || got.URL != "/x" || got.Method != "GET" || got.methodSet {
		t.Errorf("options = %+v", got)
	}
}

// TestJWTExitCodes runs the commands as Main does: 0 when all holds, 1 for
// a refused or unreadable token, 2 for usage errors.
func TestJWTExitCodes(t *testing.T) {
	const secret = "test-shared-secret"
	// jwt-vector.json's token: iat 1700000000, exp 1700000180.
	const token = "eyJ0eXAiOiJKV1QiLCJhbGciOiJIUzI1NiJ9.eyJpc3MiOiJleGFtcGxlLWFwcCIsImlhdCI6MTcwMDAwMDAwMCwiZXhwIjoxNzAwMDAwMTgwLCJxc2giOiJiYjRkZjg0Y2YzNGJhNWI2NTgzZDBlMTllN2UzMTNhZmE2YjZmNGI2ZDQ2ZjgyMjY3ZDIwYjE1MjVlMWE3NmYxIiwic3ViIjoiY29ubmVjdGlvbjoxMjM0NTYifQ.Afwhccf539bbgg-CpZQQYwYuNj7gTDWODgKuzyXavOE"
	tests := []struct {
		name  string
		args  []string
		stdin string
		now   int64
		code  int
		out   string
	}{
		{"sign", []string{"jwt", "sign", "--secret", secret, "--iss", "example-app", "--sub", "connection:123456", "--url", "/2.0/user/"}, "", 1700000000, 0, token + "\n"},
		{"decode ok", []string{"jwt", "decode", token, "--secret", secret, "--url", "/2.0/user"}, "", 1700000100, 0, "qsh:       ok: GET&/2.0/user&"},
		{"decode stdin", []string{"jwt", "decode", "-", "--secret", secret}, "  " + token + "\n", 1700000100, 0, "signature: ok"},
		{"decode expired", []string{"jwt", "decode", token, "--secret", secret}, "", 1700000181, 1, "token expired at 2023-11-14T22:16:20Z, 1s ago"},
		{"decode wrong qsh", []string{"jwt", "decode", token, "--url", "/2.0/users"}, "", 1700000100, 1, "expected canonical request: GET&/2.0/users&"},
		{"decode malformed", []string{"jwt", "decode", "x.y"}, "", 1700000100, 1, ""},
		{"decode no token", []string{"jwt", "decode"}, "", 0, 2, ""},
		{"sign no url", []string{"jwt", "sign", "--secret", "s", "--iss", "i"}, "", 0, 2, ""},
		{"qsh bad flag", []string{"jwt", "qsh", "--nope"}, "", 0, 2, ""},
		{"jwt alone", []string{"jwt"}, "", 0, 2, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, out, errOut := jwtTestFactory(tt.stdin, time.Unix(tt.now, 0))
			code := execute(context.Background(), f, tt.args)
			if code != tt.code {
				t.Errorf("exit %d, want %d\nstdout: %s\nstderr: %s", code, tt.code, out, errOut)
			}
			if !strings.Contains(out.String(), tt.out) {
				t.Errorf("stdout %q does not contain %q", out, tt.out)
			}
			if tt.code != 0 && errOut.Len() == 0 {
				t.Error("failed without a message on stderr")
			}
		})
	}
}
