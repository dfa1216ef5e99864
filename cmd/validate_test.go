package cmd

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"testing"
	"time"
)

// validDescriptor has no findings at all.
const validDescriptor = `{"key": "k", "name": "n", "description": "d", "baseUrl": "https://app.example.com",
"authentication": {"type": "jwt"}, "lifecycle": {"installed": "/installed"}}`

func validateFactory(stdin string, tty bool, env map[string]string) (*Factory, *bytes.Buffer, *bytes.Buffer) {
	out, errOut := &bytes.Buffer{}, &bytes.Buffer{}
	return &Factory{
		IO:     &IOStreams{In: strings.NewReader(stdin), Out: out, ErrOut: errOut, InTTY: tty, OutTTY: tty},
		Now:    time.Now,
		Getenv: func(k string) string { return env[k] },
	}, out, errOut
}

func TestValidateFlags(t *testing.T) {
	f, _, _ := validateFactory("", false, nil)
	var got *validateOptions
	c := newValidateCmd(f, func(o *validateOptions) error { got = o; return nil })
	c.SetArgs([]string{"x.json", "--base-url", "https://b", "--format", "github", "--strict", "--previous", "old.json", "--fail-on-scope-increase", "--timeout", "3s"})
	if err := c.Execute(); err != nil {
		t.Fatal(err)
	}
	want := &validateOptions{f: f, Source: "x.json", BaseURL: "https://b", Format: "github", Strict: true, Previous: "old.json",
		FailOnScopeIncrease: true, Timeout: 3 * time.Second, maxSize: got.maxSize}
	if !reflect.DeepEqual(got, want) || got.maxSize != 20<<20 {
		t.Errorf("options = %+v\nwant      %+v", got, want)
	}
	if c.Example == "" {
		t.Error("no Example")
	}
}

// serve starts a server on 127.0.0.1 for the test.
func serve(t *testing.T, h http.HandlerFunc) string {
	t.Helper()
	s := httptest.NewServer(h)
	t.Cleanup(s.Close)
	if !strings.HasPrefix(s.URL, "http://127.0.0.1:") {
		t.Fatalf("server at %s, want loopback", s.URL)
	}
	return s.URL
}

func TestValidateURL(t *testing.T) {
	var gotAccept string
	base := serve(t, func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/atlassian-connect.json":
			gotAccept = r.Header.Get("Accept")
			w.Header().Set("Content-Type", "application/json")
			fmt.Fprint(w, validDescriptor)
		case "/bad.json":
			fmt.Fprint(w, `{"key": "k"}`)
		default:
			http.NotFound(w, r)
		}
	})
	tests := []struct {
		name   string
		args   []string
		code   int
		stdout string
		stderr string
	}{
		{"served descriptor", []string{base + "/atlassian-connect.json"}, 0, base + "/atlassian-connect.json: valid (0 errors, 0 warnings, 0 notes)", ""},
		{"served findings", []string{base + "/bad.json"}, 1, base + `/bad.json:1:1: error [required] the descriptor is missing the required property "name"`, ""},
		{"not found", []string{base + "/missing.json"}, 2, "", "fetching " + base + "/missing.json: the server answered 404 Not Found"},
		{"not found as JSON", []string{base + "/missing.json", "--format", "json"}, 2, `"error": "fetching ` + base + `/missing.json: the server answered 404 Not Found"`, ""},
		{"previous from a URL", []string{base + "/atlassian-connect.json", "--previous", base + "/atlassian-connect.json", "--fail-on-scope-increase"}, 0, "valid", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, out, errOut := validateFactory("", false, nil)
			code := execute(context.Background(), f, append([]string{"validate"}, tt.args...))
			if code != tt.code || !strings.Contains(out.String(), tt.stdout) || !strings.Contains(errOut.String(), tt.stderr) {
				t.Errorf("exit %d, want %d\nstdout:\n%s\nstderr:\n%s", code, tt.code, out, errOut)
			}
		})
	}
	if gotAccept != "application/json" {
		t.Errorf("Accept = %q", gotAccept)
	}
}

func TestValidateURLTimeout(t *testing.T) {
	release := make(chan struct{})
	base := serve(t, func(w http.ResponseWriter, r *http.Request) {
		// Hold the answer until the client gives up (bounded, so a broken
		// client cannot hang the test).
		select {
		case <-r.Context().Done():
		case <-release:
		case <-time.After(30 * time.Second):
		}
	})
	defer close(release)
	f, out, errOut := validateFactory("", false, nil)
	code := execute(context.Background(), f, []string{"validate", base + "/atlassian-connect.json", "--timeout", "200ms"})
	want := "connectgen: fetching " + base + "/atlassian-connect.json: no complete answer within 200ms (raise --timeout to wait longer)\n"
	if code != ExitUsage || errOut.String() != want || out.Len() != 0 {
		t.Errorf("exit %d\nstdout:\n%s\nstderr:\n%q\nwant %q", code, out, errOut, want)
	}
}

func TestValidateURLSizeLimit(t *testing.T) {
	const big = 21 << 20
	chunk := bytes.Repeat([]byte(" "), 64<<10)
	base := serve(t, func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/declared" {
			w.Header().Set("Content-Length", fmt.Sprint(big))
		}
		// Without Content-Length the body is chunked and only counting
		// while reading can stop it.
		for sent := 0; sent < big; sent += len(chunk) {
			if _, err := w.Write(chunk); err != nil {
				return
			}
		}
	})
	for _, path := range []string{"/declared", "/chunked"} {
		f, out, errOut := validateFactory("", false, nil)
		code := execute(context.Background(), f, []string{"validate", base + path})
		if code != ExitUsage || !strings.Contains(errOut.String(), "more than the limit of 20 MiB") || out.Len() != 0 {
			t.Errorf("%s: exit %d\nstdout:\n%s\nstderr:\n%s", path, code, out, errOut)
		}
	}
	// The same limit holds for files and standard input.
	f, _, errOut := validateFactory(strings.Repeat(" ", 2048), false, nil)
	opts := &validateOptions{f: f, Source: "-", Format: "text", Timeout: time.Second, maxSize: 1024}
	err := runValidate(context.Background(), opts)
	if exitCode(err) != ExitUsage || err == nil || !strings.Contains(err.Error(), "more than the limit of 1 KiB") {
		t.Errorf("stdin over the limit: %v (%s)", err, errOut)
	}
}

func TestValidateColor(t *testing.T) {
	bad := `{"key": "k"}`
	f, out, _ := validateFactory(bad, true, nil)
	execute(context.Background(), f, []string{"validate", "-"})
	if !strings.Contains(out.String(), "\x1b[31m") {
		t.Errorf("no colour on a terminal:\n%q", out)
	}
	f, out, _ = validateFactory(bad, true, map[string]string{"NO_COLOR": "1"})
	execute(context.Background(), f, []string{"validate", "-"})
	if strings.Contains(out.String(), "\x1b[") || !strings.Contains(out.String(), "error [required]") {
		t.Errorf("colour with NO_COLOR:\n%q", out)
	}
}
