package descriptor

import (
	"strings"
	"testing"
)

// TestIsLoopback fixes the one loopback rule: ::1 is loopback, as is all
// of 127.0.0.0/8 and localhost in any case; names that merely contain
// them are not.
func TestIsLoopback(t *testing.T) {
	for host, want := range map[string]bool{
		"localhost": true, "LocalHost": true, "localhost:3000": true,
		"127.0.0.1": true, "127.0.0.1:3000": true, "127.1.2.3": true,
		"::1": true, "[::1]": true, "[::1]:3000": true, "0:0:0:0:0:0:0:1": true,
		"": false, "0.0.0.0": false, "::": false, "10.0.0.1": false,
		"example.com": false, "localhost.example.com": false, "127.0.0.1.nip.io": false,
		"[::2]:80": false, "::ffff:127.0.0.1": true,
	} {
		if got := IsLoopback(host); got != want {
			t.Errorf("IsLoopback(%q) = %v, want %v", host, got, want)
		}
	}
}

func TestContextParams(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"/p?repoPath={repository.full_name}&u={user.uuid}", "/p?repoPath=<repository.full_name>&u=<user.uuid>"},
		{"/{a}/{b_c}", "/<a>/<b_c>"},
		{"/x{1a}y", "/x{1a}y"},
		{"/x{a..b}y{c}", "/x{a..b}y<c>"},
		{"/x{a{b}c}", "/x{a<b>c}"},
		{"/open{", "/open{"},
		{"/none", "/none"},
	} {
		got := ReplaceContextParams(tc.in, func(n string) string { return "<" + n + ">" })
		if got != tc.want {
			t.Errorf("ReplaceContextParams(%q) = %q, want %q", tc.in, got, tc.want)
		}
		if has := HasContextParam(tc.in); has != strings.Contains(tc.want, "<") {
			t.Errorf("HasContextParam(%q) = %v", tc.in, has)
		}
	}
	if p, problem := contextParamProblem("/x{a b}"); p != "{a b}" || problem == "" {
		t.Errorf("ContextParamProblem = %q, %q", p, problem)
	}
}

func TestPageKinds(t *testing.T) {
	seen := map[string]bool{}
	for _, k := range pageKinds {
		if k.Kind == "" || k.List == "" || seen[k.Kind] {
			t.Errorf("bad or repeated kind %+v", k)
		}
		seen[k.Kind] = true
		if k.Single != (k.List == k.Kind) {
			t.Errorf("%+v: a single-object kind is named like its module", k)
		}
	}
	if len(seen) != 9 {
		t.Errorf("%d page kinds, want 9", len(seen))
	}
}

func TestHasPlaceholder(t *testing.T) {
	for s, want := range map[string]bool{
		"{{localBaseUrl}}": true, "{{localBaseUrl}}/x": true, "app-{{environment}}": true, "{{appKey}}": true,
		"https://app.example.com": false, "{{other}}": false, "{localBaseUrl}": false,
	} {
		if got := HasPlaceholder(s); got != want {
			t.Errorf("HasPlaceholder(%q) = %v, want %v", s, got, want)
		}
	}
}
