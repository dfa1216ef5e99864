package runner

import (
	"net/url"
	"strings"
	"testing"
)

// FuzzNormalizeBaseURL checks that an accepted base URL is absolute,
// https (or http on loopback), without a trailing slash, query or
// fragment, and normalised already.
func FuzzNormalizeBaseURL(f *testing.F) {
	for _, s := range []string{"https://abc.ngrok.app/", "http://localhost:3000", "HTTPS://X.example.com//a//", "http://127.0.0.1:1/?x", "https://[::1]:8443/", "https://u@h", "https://h/%2F/", "https://h/a%20b/"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got, err := NormalizeBaseURL(s)
		if err != nil {
			return
		}
		u, perr := url.Parse(got)
		if perr != nil {
			t.Fatalf("%q normalised to %q, which does not parse: %v", s, got, perr)
		}
		switch {
		case u.Scheme == "https":
		case u.Scheme == "http" && (u.Hostname() == "localhost" || u.Hostname() == "127.0.0.1"):
		default:
			t.Fatalf("%q accepted as %q", s, got)
		}
		if u.Host == "" || u.RawQuery != "" || u.Fragment != "" || u.User != nil || strings.HasSuffix(got, "/") {
			t.Fatalf("%q accepted as %q", s, got)
		}
		again, err := NormalizeBaseURL(got)
		if err != nil || again != got {
			t.Fatalf("%q -> %q -> %q, %v: not stable", s, got, again, err)
		}
	})
}

// FuzzLocalTarget checks that only addresses naming the port are taken.
func FuzzLocalTarget(f *testing.F) {
	for _, s := range []string{"3000", "localhost:3000", "http://127.0.0.1:3000/", "[::1]:3000", "example.com:3000", "", "://:"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, addr string) {
		if localTarget(addr, 3000) && !strings.Contains(addr, "3000") {
			t.Fatalf("%q taken as port 3000", addr)
		}
	})
}
