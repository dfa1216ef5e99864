package connectjwt

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
)

type qshVector struct {
	Method    string  `json:"method"`
	URL       string  `json:"url"`
	BaseURL   *string `json:"baseUrl"`
	Canonical string  `json:"canonical"`
	QSH       string  `json:"qsh"`
	// Error is set when atlassian-jwt threw for this URL.
	Error string `json:"error,omitempty"`
}

func loadVectors(t testing.TB, path string) []qshVector {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var f struct {
		Vectors []qshVector `json:"vectors"`
	}
	if err := json.Unmarshal(b, &f); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	if len(f.Vectors) == 0 {
		t.Fatalf("%s has no vectors", path)
	}
	return f.Vectors
}

func checkVectors(t *testing.T, vs []qshVector) {
	for _, v := range vs {
		base := ""
		if v.BaseURL != nil {
			base = *v.BaseURL
		}
		got, err := CanonicalRequest(v.Method, v.URL, base)
		if v.Error != "" {
			if err == nil {
				t.Errorf("CanonicalRequest(%q, %q, %q) = %q; atlassian-jwt throws %q", v.Method, v.URL, base, got, v.Error)
			}
			continue
		}
		if err != nil {
			t.Errorf("CanonicalRequest(%q, %q, %q): %v", v.Method, v.URL, base, err)
			continue
		}
		if got != v.Canonical {
			t.Errorf("CanonicalRequest(%q, %q, %q)\n got  %q\n want %q", v.Method, v.URL, base, got, v.Canonical)
		}
		qsh, err := QSH(v.Method, v.URL, base)
		if err != nil || qsh != v.QSH {
			t.Errorf("QSH(%q, %q, %q) = %q, %v; want %q", v.Method, v.URL, base, qsh, err, v.QSH)
		}
	}
}

// TestSharedQSHVectors checks every vector Atlassian's atlassian-jwt
// computed for the team (testdata/qsh-vectors.json; origin in
// testdata/README.md).
func TestSharedQSHVectors(t *testing.T) {
	checkVectors(t, loadVectors(t, filepath.Join("testdata", "qsh-vectors.json")))
}

// TestExtraQSHVectors checks edge cases (malformed escapes, invalid UTF-8,
// astral characters, odd URLs and base URLs, the 1000-pair limit) and
// pseudo-random URLs, all computed by atlassian-jwt 2.0.3 on Node 20 with
// testdata/gen-qsh-vectors.js.
func TestExtraQSHVectors(t *testing.T) {
	checkVectors(t, loadVectors(t, filepath.Join("testdata", "qsh-vectors-extra.json")))
}
