package testenv

import (
	"strings"
	"testing"
)

// TestStartPostgres starts a throwaway server and reads and writes it.
func TestStartPostgres(t *testing.T) {
	p := StartPostgres(t)
	if _, err := p.Query(`CREATE TABLE t (v text); INSERT INTO t VALUES ('a'), ('b')`); err != nil {
		t.Fatal(err)
	}
	got, err := p.Query(`SELECT string_agg(v, ',' ORDER BY v) FROM t`)
	if err != nil {
		t.Fatal(err)
	}
	if got != "a,b" {
		t.Errorf("rows %q, want a,b", got)
	}
	if !strings.HasPrefix(p.URL, "postgres://postgres@127.0.0.1:") {
		t.Errorf("URL %q", p.URL)
	}
}

func TestPinnedNodeVersions(t *testing.T) {
	vs := PinnedNodeVersions()
	if strings.Join(vs, " ") != "22.23.3 24.21.0" {
		t.Errorf("pinned versions %v", vs)
	}
}
