package conformance

import (
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"

	"github.com/connectgen/connectgen/internal/bbworld"
	"github.com/connectgen/connectgen/internal/descriptor"
	"github.com/connectgen/connectgen/internal/openapicheck"
)

func doc(t *testing.T) *openapicheck.Doc {
	t.Helper()
	d, err := openapicheck.Load(filepath.Join("..", "..", "openapicheck", "testdata", "bitbucket-swagger.v3.json"))
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// TestRESTConformance calls every case and validates every answer
// against Bitbucket's OpenAPI document; it lists the served routes and
// fails for one that no successful, conformant call reached.
func TestRESTConformance(t *testing.T) {
	var w *bbworld.World
	granted := descriptor.GrantedScopes([]string{"account", "project", "repository:write", "pullrequest:write"}, true)
	srv := httptest.NewServer(http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		w.ServeAPI(rw, r, bbworld.Caller{ClientKey: "client-1", AppKey: App, Granted: granted})
	}))
	defer srv.Close()
	w = bbworld.New(srv.URL)
	res, err := RunREST(doc(t), w, srv.URL, srv.Client())
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range res.Failures {
		t.Error(f)
	}
	for _, r := range res.Uncovered {
		t.Errorf("route %s has no conformance case", r)
	}
	if len(res.Routes) < 40 || len(res.Covered) != len(res.Routes) || res.Conformant != res.Requests {
		t.Errorf("%d routes, %d covered; %d of %d calls conformant", len(res.Routes), len(res.Covered), res.Conformant, res.Requests)
	}
	for _, r := range res.Routes {
		method, tmpl, _ := strings.Cut(r, " ")
		found := false
		for _, op := range bbworld.Operations() {
			found = found || op.Method == method && op.Template == tmpl
		}
		if !found {
			t.Errorf("route %s is not an operation of the OpenAPI document", r)
		}
	}
}

// TestRESTConformanceCatchesADeviation: a stand-in answering a
// repository whose uuid is a number fails the run.
func TestRESTConformanceCatchesADeviation(t *testing.T) {
	var w *bbworld.World
	srv := httptest.NewServer(http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		if strings.HasSuffix(r.URL.Path, "/sample-repo") {
			rw.Header().Set("Content-Type", "application/json")
			_, _ = rw.Write([]byte(`{"type":"repository","uuid":7}`))
			return
		}
		w.ServeAPI(rw, r, bbworld.Caller{ClientKey: "client-1", AppKey: App})
	}))
	defer srv.Close()
	w = bbworld.New(srv.URL)
	res, err := RunREST(doc(t), w, srv.URL, srv.Client())
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Failures) != 1 || !strings.Contains(res.Failures[0], "does not conform") {
		t.Errorf("failures %q", res.Failures)
	}
	for _, r := range res.Covered {
		if r == "GET /repositories/{workspace}/{repo_slug}" {
			t.Error("a route with a failing call counts as covered")
		}
	}
}

// TestEveryEntityConforms validates every entity of every event.
func TestEveryEntityConforms(t *testing.T) {
	res := RunEntities(doc(t), bbworld.New("http://127.0.0.1:1"), "client-1")
	for _, f := range res.Failures {
		t.Error(f)
	}
	if res.Events != len(bbworld.EventEntities) || res.Entities < 80 || res.Conformant != res.Entities {
		t.Errorf("%d events, %d of %d entities conformant", res.Events, res.Conformant, res.Entities)
	}
}
