package forge

import (
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/connectgen/connectgen/internal/connectjwt"
)

// The vectors internal/connectjwt is tested with, computed by Atlassian's
// atlassian-jwt.
const jwtVectors = "../connectjwt/testdata/jwt-vectors-extra.json"

var qshVectorFiles = []string{"../connectjwt/testdata/qsh-vectors.json", "../connectjwt/testdata/qsh-vectors-extra.json"}

// starterModule writes the generated connect-jwt.js into a folder whose
// package.json makes node read it as an ES module, as Forge's bundler
// does, and returns its path. The file is byte for byte the generated one.
func starterModule(t *testing.T, names ...string) string {
	t.Helper()
	p := planOf(t, "atlassian-connect.json", templateDescriptor(t))
	files, err := Generate(p, GenerateOptions{Version: "test"})
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "package.json"), []byte(`{"type": "module"}`), 0o644); err != nil {
		t.Fatal(err)
	}
	found := 0
	for _, f := range files {
		for _, n := range names {
			if f.Path == "src/migration/"+n {
				if err := os.WriteFile(filepath.Join(dir, n), f.Content, 0o644); err != nil {
					t.Fatal(err)
				}
				found++
			}
		}
	}
	if found != len(names) {
		t.Fatalf("the starter app has %d of %v in src/migration", found, names)
	}
	return dir
}

// TestConnectJWTHelper runs the generated JWT/qsh code with node on the
// vectors and checks every answer against the vector and against
// internal/connectjwt.
func TestConnectJWTHelper(t *testing.T) {
	needTool(t, "running the generated Connect JWT helper", "node")
	dir := starterModule(t, "connect-jwt.js")
	script, _ := filepath.Abs("testdata/check-connect-jwt.mjs")
	jv, _ := filepath.Abs(jwtVectors)
	total := 0
	for _, qshVectors := range qshVectorFiles {
		qv, _ := filepath.Abs(qshVectors)
		out, err := exec.Command("node", script, filepath.Join(dir, "connect-jwt.js"), qv, jv).Output()
		if err != nil {
			var ee *exec.ExitError
			if errors.As(err, &ee) {
				t.Fatalf("node: %v\n%s", err, ee.Stderr)
			}
			t.Fatal(err)
		}
		var got struct {
			QSH []struct{ Canonical, QSH, Error string }
			JWT []struct{ QSH, Token string }
		}
		if err := json.Unmarshal(out, &got); err != nil {
			t.Fatal(err)
		}
		var qf struct {
			Vectors []struct {
				Method, URL, Canonical, QSH, Error string
				BaseURL                            *string `json:"baseUrl"`
			}
		}
		readJSONFile(t, qshVectors, &qf)
		if len(qf.Vectors) == 0 || len(got.QSH) != len(qf.Vectors) {
			t.Fatalf("%s: %d qsh vectors, %d answers", qshVectors, len(qf.Vectors), len(got.QSH))
		}
		total += len(qf.Vectors)
		for i, v := range qf.Vectors {
			g := got.QSH[i]
			base := ""
			if v.BaseURL != nil {
				base = *v.BaseURL
			}
			if v.Error != "" {
				if g.Error == "" {
					t.Errorf("%s %q base %q: atlassian-jwt threw %q, the helper gave %q", v.Method, v.URL, base, v.Error, g.Canonical)
				}
				continue
			}
			if g.Canonical != v.Canonical || g.QSH != v.QSH {
				t.Errorf("%s %q base %q: helper %q %s, atlassian-jwt %q %s (err %s)", v.Method, v.URL, base, g.Canonical, g.QSH, v.Canonical, v.QSH, g.Error)
			}
			if c, err := connectjwt.CanonicalRequest(v.Method, v.URL, base); err == nil && c != g.Canonical {
				t.Errorf("%s %q base %q: helper %q, internal/connectjwt %q", v.Method, v.URL, base, g.Canonical, c)
			}
		}
		checkJWTVectors(t, got.JWT)
	}
	if total < 600 {
		t.Errorf("only %d qsh vectors checked", total)
	}
}

// checkJWTVectors compares the helper's tokens with atlassian-jwt's and
// has internal/connectjwt verify them.
func checkJWTVectors(t *testing.T, got []struct{ QSH, Token string }) {
	t.Helper()
	var jf struct {
		Vectors []struct {
			Secret, Method, URL, Token string
			BaseURL                    *string         `json:"baseUrl"`
			Payload                    json.RawMessage `json:"payload"`
		}
	}
	readJSONFile(t, jwtVectors, &jf)
	if len(jf.Vectors) == 0 || len(got) != len(jf.Vectors) {
		t.Fatalf("%d jwt vectors, %d answers", len(jf.Vectors), len(got))
	}
	for i, v := range jf.Vectors {
		if got[i].Token != v.Token {
			t.Errorf("jwt vector %d: helper signed %s, atlassian-jwt %s", i, got[i].Token, v.Token)
		}
		var c connectjwt.Claims
		if err := json.Unmarshal(v.Payload, &c); err != nil {
			t.Fatal(err)
		}
		if got[i].QSH != c.QSH {
			t.Errorf("jwt vector %d: helper qsh %s, payload %s", i, got[i].QSH, c.QSH)
		}
		if _, err := connectjwt.Verify(got[i].Token, v.Secret, nil, time.Unix(c.IssuedAt, 0)); err != nil {
			t.Errorf("jwt vector %d: internal/connectjwt refuses the helper's token: %v", i, err)
		}
	}
}

func readJSONFile(t *testing.T, path string, v any) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, v); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
}
