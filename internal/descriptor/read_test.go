package descriptor

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestRead(t *testing.T) {
	const doc = `{"key": "k"}`
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, FileName), []byte(doc), 0o644); err != nil {
		t.Fatal(err)
	}
	other := filepath.Join(dir, "other.json")
	if err := os.WriteFile(other, []byte(doc), 0o644); err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/" + FileName:
			_, _ = w.Write([]byte(doc)) // the test checks what follows, not this call
		case "/big":
			_, _ = w.Write([]byte(strings.Repeat(" ", 2048))) // the test checks what follows, not this call
		case "/slow":
			time.Sleep(300 * time.Millisecond)
		default:
			http.NotFound(w, r)
		}
	}))
	defer srv.Close()

	ok := []struct{ source, name string }{
		{dir, filepath.Join(dir, FileName)},
		{other, other},
		{srv.URL + "/" + FileName, srv.URL + "/" + FileName},
		{Stdin, "<stdin>"},
	}
	for _, tc := range ok {
		name, src, err := Read(context.Background(), tc.source, ReadOptions{Stdin: strings.NewReader(doc)})
		if err != nil || name != tc.name || string(src) != doc {
			t.Errorf("Read(%q) = %q, %q, %v; want %q and the document", tc.source, name, src, err, tc.name)
		}
	}

	var nf *NotFoundError
	if _, _, err := Read(context.Background(), filepath.Join(dir, "gone.json"), ReadOptions{}); !errors.As(err, &nf) || err.Error() != filepath.Join(dir, "gone.json")+" does not exist" {
		t.Errorf("missing file: %v, want a *NotFoundError", err)
	}
	if _, _, err := Read(context.Background(), t.TempDir(), ReadOptions{}); !errors.As(err, &nf) || !strings.HasSuffix(nf.Path, FileName) {
		t.Errorf("folder without a descriptor: %v, want a *NotFoundError for its %s", err, FileName)
	}

	var tl *TooLargeError
	for _, source := range []string{other, srv.URL + "/big", Stdin} {
		_, _, err := Read(context.Background(), source, ReadOptions{MaxSize: 10, Stdin: strings.NewReader(strings.Repeat("x", 11))})
		if !errors.As(err, &tl) || tl.Limit != 10 || !strings.Contains(err.Error(), "more than the limit of 10 bytes") {
			t.Errorf("%s over the limit: %v, want a *TooLargeError", source, err)
		}
	}

	var fe *FetchError
	_, _, err := Read(context.Background(), srv.URL+"/missing", ReadOptions{})
	if !errors.As(err, &fe) || fe.Status != http.StatusNotFound || !strings.HasSuffix(err.Error(), "the server answered 404 Not Found") {
		t.Errorf("404: %v, want a *FetchError with the status", err)
	}
	_, _, err = Read(context.Background(), srv.URL+"/slow", ReadOptions{Timeout: 50 * time.Millisecond})
	if !errors.As(err, &fe) || fe.Status != 0 || fe.Timeout != 50*time.Millisecond || !strings.Contains(err.Error(), "no complete answer within 50ms") {
		t.Errorf("slow server: %v, want a *FetchError with the timeout", err)
	}
	_, _, err = Read(context.Background(), "http://127.0.0.1:1/"+FileName, ReadOptions{})
	if !errors.As(err, &fe) || fe.Status != 0 || fe.Err == nil {
		t.Errorf("nothing listening: %v, want a *FetchError with the cause", err)
	}
}
