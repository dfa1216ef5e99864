package bbworld

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/connectgen/connectgen/internal/descriptor"
)

const testApp = "com.example.sample-app"

// confCase is one request of a test and the status it must get.
type confCase struct {
	method, path, body string
	status             int
}

func c3(r string) string { return hash(r + "3") }

func newTestServer(t *testing.T, scopes []string) (*World, *httptest.Server) {
	t.Helper()
	var w *World
	srv := httptest.NewServer(http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		w.ServeAPI(rw, r, Caller{ClientKey: "client-1", AppKey: testApp, Granted: descriptor.GrantedScopes(scopes, scopes != nil)})
	}))
	t.Cleanup(srv.Close)
	w = New(srv.URL)
	return w, srv
}

func do(t *testing.T, srv *httptest.Server, method, path, body string) (*http.Response, []byte) {
	t.Helper()
	req, err := http.NewRequest(method, srv.URL+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = resp.Body.Close() }() // read whole below
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp, b
}
