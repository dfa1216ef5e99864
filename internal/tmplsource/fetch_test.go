package tmplsource

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/connectgen/connectgen/internal/tmplsource/ziptest"
)

// templateServer serves a template zip on 127.0.0.1 at a mixed-case path,
// and the failure cases beside it.
func templateServer(t *testing.T, zipData []byte) *httptest.Server {
	t.Helper()
	done := make(chan struct{})
	mux := http.NewServeMux()
	mux.HandleFunc("/Templates/ACE-App.zip", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/zip")
		_, _ = w.Write(zipData) // the test checks what follows, not this call
	})
	mux.HandleFunc("/latest", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "/Templates/ACE-App.zip", http.StatusFound)
	})
	mux.HandleFunc("/away", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "http://templates.example.com/app.zip", http.StatusFound)
	})
	mux.HandleFunc("/loop", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "/loop", http.StatusFound)
	})
	mux.HandleFunc("/slow.zip", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Length", "1000")
		_, _ = w.Write([]byte("PK")) // the test checks what follows, not this call
		w.(http.Flusher).Flush()
		select { // hold the answer until the client gives up (bounded)
		case <-r.Context().Done():
		case <-done:
		case <-time.After(30 * time.Second):
		}
	})
	mux.HandleFunc("/big.zip", func(w http.ResponseWriter, r *http.Request) {
		_, _ = w.Write(bytes.Repeat([]byte("x"), 5000)) // the test checks what follows, not this call
	})
	mux.HandleFunc("/big-chunked.zip", func(w http.ResponseWriter, r *http.Request) {
		for i := 0; i < 5; i++ {
			_, _ = w.Write(bytes.Repeat([]byte("x"), 1000)) // the test checks what follows, not this call
			w.(http.Flusher).Flush()
		}
	})
	srv := httptest.NewServer(mux)
	t.Cleanup(func() { close(done); srv.Close() })
	return srv
}

func testZip() []byte {
	return ziptest.Build(
		ziptest.File("acme-template-9f8e7d/package.json", `{"name": "template", "version": "1.0.0"}`),
		ziptest.File("acme-template-9f8e7d/app.js", "console.log('hi')\n"),
	)
}

func TestDownload(t *testing.T) {
	zipData := testZip()
	srv := templateServer(t, zipData)
	lim := DefaultLimits
	lim.MaxDownload = 4096
	tests := []struct {
		name, path, wantErr string
	}{
		{"mixed-case URL kept as given", "/Templates/ACE-App.zip", ""},
		{"redirect", "/latest", ""},
		{"lower-cased URL is another file", "/templates/ace-app.zip", "404 Not Found"},
		{"404", "/missing.zip", "the server answered 404 Not Found; check the URL"},
		{"redirect to plain http elsewhere", "/away", "refusing plain http:// for http://templates.example.com/app.zip"},
		{"redirect loop", "/loop", "more than 5 redirects"},
		{"slow server", "/slow.zip", "no complete answer within the time limit"},
		{"body over the limit", "/big.zip", "more than the 4096 bytes accepted"},
		{"chunked body over the limit", "/big-chunked.zip", "more than the 4096 bytes accepted"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			l := &Loader{Limits: lim, Timeout: 500 * time.Millisecond}
			tree, err := l.Load(context.Background(), Spec{Kind: URL, Ref: srv.URL + tc.path})
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("err = %v, want %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got := string(tree.FS["app.js"].Data); got != "console.log('hi')\n" || tree.Hash != HashBytes(zipData) {
				t.Errorf("app.js = %q, hash %s; files %v", got, tree.Hash, keys(tree.FS))
			}
		})
	}
}

func TestPlainHTTPPolicy(t *testing.T) {
	l := &Loader{}
	_, err := l.Load(context.Background(), Spec{Kind: URL, Ref: "http://templates.example.com/app.zip"})
	if err == nil || !strings.Contains(err.Error(), "use https:// or pass --allow-http") {
		t.Fatalf("err = %v", err)
	}
	for _, host := range []string{"127.0.0.1", "localhost", "[::1]", "127.1.2.3"} {
		if err := l.CheckURL(mustURL(t, "http://"+host+":8080/t.zip")); err != nil {
			t.Errorf("%s: %v", host, err)
		}
	}
	l.AllowHTTP = true
	if err := l.CheckURL(mustURL(t, "http://templates.example.com/app.zip")); err != nil {
		t.Errorf("with AllowHTTP: %v", err)
	}
}

// The cache: a URL that cannot be reached falls back to the copy read
// earlier, with a warning; a recorded hash is found after the source
// changed.
func TestCache(t *testing.T) {
	zipData := testZip()
	srv := templateServer(t, zipData)
	var warn, progress bytes.Buffer
	l := &Loader{CacheDir: t.TempDir(), Timeout: 5 * time.Second, Warn: &warn, Progress: &progress}
	u := srv.URL + "/Templates/ACE-App.zip"
	first, err := l.Load(context.Background(), Spec{Kind: URL, Ref: u})
	if err != nil {
		t.Fatal(err)
	}
	if want := fmt.Sprintf("\rdownloading %s: %d B of %d B\n", u, len(zipData), len(zipData)); !strings.HasSuffix(progress.String(), want) {
		t.Errorf("progress %q, want it to end in %q", progress.String(), want)
	}
	srv.Close()
	again, err := l.Load(context.Background(), Spec{Kind: URL, Ref: u})
	if err != nil {
		t.Fatal(err)
	}
	if again.Hash != first.Hash || !strings.Contains(warn.String(), "using the copy cached earlier") {
		t.Errorf("hash %s vs %s, warning %q", again.Hash, first.Hash, warn.String())
	}
	byHash, err := l.LoadHash(context.Background(), Spec{Kind: URL, Ref: u}, first.Hash)
	if err != nil || string(byHash.FS["app.js"].Data) != "console.log('hi')\n" {
		t.Fatalf("LoadHash: %v", err)
	}
	_, err = l.LoadHash(context.Background(), Spec{Kind: URL, Ref: u}, "sha256:"+strings.Repeat("0", 64))
	if err == nil {
		t.Fatal("LoadHash of an unknown hash from an unreachable URL succeeded")
	}
}

func TestParse(t *testing.T) {
	dir := t.TempDir()
	builtins := []string{"bitbucket"}
	for _, tc := range []struct {
		arg  string
		kind Kind
		err  string
	}{
		{"bitbucket", Builtin, ""},
		{"https://Example.com/Team/Template.ZIP", URL, ""},
		{"HTTP://127.0.0.1:1/t.zip", URL, ""},
		{"ftp://example.com/t.zip", "", "only http:// and https://"},
		{"https://", "", "not a valid URL"},
		{dir, Dir, ""},
		{dir + "/nope", "", "no such file or directory"},
	} {
		s, err := Parse(tc.arg, builtins)
		if tc.err != "" {
			if err == nil || !strings.Contains(err.Error(), tc.err) || !strings.Contains(err.Error(), "a local .zip file or a local directory") {
				t.Errorf("Parse(%q) = %v, %v; want %q", tc.arg, s, err, tc.err)
			}
			continue
		}
		if err != nil || s.Kind != tc.kind {
			t.Errorf("Parse(%q) = %v, %v; want kind %s", tc.arg, s, err, tc.kind)
		}
		if tc.kind == URL && s.Ref != tc.arg {
			t.Errorf("Parse(%q) changed the URL to %q", tc.arg, s.Ref)
		}
	}
}

func mustURL(t *testing.T, s string) *url.URL {
	t.Helper()
	u, err := url.Parse(s)
	if err != nil {
		t.Fatal(err)
	}
	return u
}
