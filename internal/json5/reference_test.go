package json5

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/connectgen/connectgen/internal/testenv"
)

// referenceVersion is the json5 package atlassian-connect-express 11.5.3
// depends on (^2.2.3): the parser that reads descriptors in production.
const referenceVersion = "json5@2.2.3"

// referenceModule installs the reference json5 with npm once into the
// user's cache directory and returns its folder.
func referenceModule(t *testing.T) string {
	t.Helper()
	cache, err := os.UserCacheDir()
	if err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(cache, "connectgen-test", strings.ReplaceAll(referenceVersion, "@", "-"))
	mod := filepath.Join(dir, "node_modules", "json5")
	if _, err := os.Stat(filepath.Join(mod, "package.json")); err == nil {
		return mod
	}
	if err := os.MkdirAll(filepath.Dir(dir), 0o755); err != nil {
		t.Fatal(err)
	}
	// Install beside the final folder and rename, so that a concurrent
	// test process never sees half an install.
	tmp, err := os.MkdirTemp(filepath.Dir(dir), "install-")
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = os.RemoveAll(tmp) }() // cleanup at the end of the test; nothing to check
	out, err := exec.Command("npm", "install", "--prefix", tmp, "--no-audit", "--no-fund", "--loglevel=error", referenceVersion).CombinedOutput()
	if err != nil {
		t.Fatalf("npm install %s (the reference parser; needs node, npm and the npm registry): %v\n%s", referenceVersion, err, out)
	}
	if err := os.Rename(tmp, dir); err != nil {
		if _, serr := os.Stat(filepath.Join(mod, "package.json")); serr != nil {
			t.Fatal(err)
		}
	}
	return mod
}

// referenceScript parses each base64 input of a JSON array on stdin with
// the reference JSON5.parse and prints [ok, value-or-error] per input,
// numbers written as "n:" + String(n) so that Infinity, NaN and -0 survive.
const referenceScript = `
const JSON5 = require(process.argv[1]);
const inputs = JSON.parse(require('fs').readFileSync(0, 'utf8'));
const enc = v => {
  if (typeof v === 'number') return 'n:' + (Object.is(v, -0) ? '-0' : String(v));
  if (typeof v === 'string') return 's:' + v;
  if (Array.isArray(v)) return v.map(enc);
  if (v && typeof v === 'object') { const o = {}; for (const k of Object.keys(v)) o[k] = enc(v[k]); return o; }
  return v;
};
const out = inputs.map(b64 => {
  try { return [true, enc(JSON5.parse(Buffer.from(b64, 'base64').toString('utf8')))]; }
  catch (e) { return [false, String(e.message)]; }
});
process.stdout.write(JSON.stringify(out));
`

// ours encodes our value the way referenceScript encodes JSON5.parse's.
func ours(n *Node) any {
	switch n.Kind {
	case Number:
		f := n.Float
		switch {
		case math.IsNaN(f):
			return "n:NaN"
		case math.IsInf(f, 1):
			return "n:Infinity"
		case math.IsInf(f, -1):
			return "n:-Infinity"
		case f == 0 && math.Signbit(f):
			return "n:-0"
		}
		return "n:" + strconv.FormatFloat(f, 'g', -1, 64)
	case String:
		return "s:" + n.Str
	case Bool:
		return n.Bool
	case Null:
		return nil
	case Array:
		a := make([]any, len(n.Elems))
		for i, e := range n.Elems {
			a[i] = ours(e)
		}
		return a
	}
	m := map[string]any{}
	for _, mem := range n.Members {
		m[mem.Key] = ours(mem.Value)
	}
	return m
}

// sameValue compares "n:" strings by value: JavaScript writes 1e21 as
// "1e+21", Go as "1e+21" too, but 0.000001 differently ("0.000001" and
// "1e-06").
func sameValue(a, b any) bool {
	switch a := a.(type) {
	case string:
		bs, ok := b.(string)
		if !ok {
			return false
		}
		if strings.HasPrefix(a, "n:") && strings.HasPrefix(bs, "n:") {
			if a == bs {
				return true
			}
			fa, err1 := strconv.ParseFloat(a[2:], 64)
			fb, err2 := strconv.ParseFloat(bs[2:], 64)
			return err1 == nil && err2 == nil && fa == fb
		}
		return a == bs
	case []any:
		bs, ok := b.([]any)
		if !ok || len(a) != len(bs) {
			return false
		}
		for i := range a {
			if !sameValue(a[i], bs[i]) {
				return false
			}
		}
		return true
	case map[string]any:
		bm, ok := b.(map[string]any)
		if !ok || len(a) != len(bm) {
			return false
		}
		for k, v := range a {
			if w, ok := bm[k]; !ok || !sameValue(v, w) {
				return false
			}
		}
		return true
	}
	return a == b
}

// referenceCorpus are inputs on the edges of the grammar.
var referenceCorpus = []string{
	`{}`, `[]`, `null`, `true`, `false`, `"x"`, `'x'`, `0`, `-0`, `+0`, `1`, `-1`, `+1`,
	`.5`, `5.`, `-.5`, `+5.`, `1e3`, `1E-3`, `1e+3`, `.5e1`, `5.e1`, `0x1f`, `0XAB`, `-0x10`, `+0x10`,
	`Infinity`, `-Infinity`, `+Infinity`, `NaN`, `-NaN`, `+NaN`, `1e400`, `-1e400`, `4.9e-324`, `1e-400`,
	`01`, `00`, `0.`, `-`, `+`, `.`, `e1`, `1e`, `1e+`, `0x`, `0xg`, `1.2.3`, `--1`, `Infinityx`, `NaNa`, `infinity`, `nan`,
	`"\b\f\n\r\t\v\0"`, `"\x41\x4a"`, `"\u0041"`, `"\ud83d\ude00"`, `"\ud83d"`, `"\ude00"`, `"\q\w"`, `"\'\""`, `'\"'`,
	`"\1"`, `"\01"`, `"\08"`, `"\x4"`, `"\u12"`, `"\u12g4"`, "\"a\\\nb\"", "\"a\\\r\nb\"", "\"a\\\rb\"", "\"a\\\u2028b\"", "\"a\u2028b\"",
	"\"a\nb\"", "\"a\rb\"", "'a\tb'", `"unterminated`, `'`, `"`,
	`{a: 1}`, `{$a: 1}`, `{_a: 1}`, `{a1: 1}`, `{1a: 1}`, `{1: 1}`, `{-a: 1}`, `{ü: 1}`, `{\u0061: 1}`, `{a\u0062: 1}`, `{\u0031: 1}`,
	`{'a': 1}`, `{"a": 1,}`, `[1,]`, `[1,,]`, `[,]`, `{,}`, `{"a"}`, `{"a":}`, `{"a" 1}`, `{a:1 b:2}`, `[1 2]`,
	`{"a": 1, "a": 2}`, `{"__proto__": 1}`, `{"constructor": {}}`, `{"1": "x", "b": "y", "0": "z"}`,
	"// c\n1", "/* c */ 1", "1 // c", "1 /* c */", "/* c", "/ 1", "1 /", "[1 /* c */, 2]", "/** x **/ 1",
	"\uFEFF1", "\u00A01", "\u20281\u2029", "\u30001", "\t\v\f 1", "\u200B1",
	`{a: [{b: {c: [null, true, "x", 1.5]}}]}`, `[[[[[[]]]]]]`, `{"":""}`, `{'': ''}`,
	"", " ", "1 2", "{} {}", `tru`, `nul`, `True`, `undefined`, `{a: undefined}`,
	"\"\x00\"", "\"\x1f\"", "\"\x7f\"", "[\"\xff\"]", "{\"\xe9\": 1}", "\"é\"",
}

// knownDifferences are inputs where we deliberately differ from the
// reference; the test checks that they still differ, so that the list
// stays true.
var knownDifferences = map[string]string{
	// JavaScript treats the key as the object's prototype, so it vanishes
	// from the value; for us it is a key like any other.
	`{"__proto__": 1}`: "__proto__",
	// Node decodes the file with U+FFFD for invalid bytes before JSON5
	// sees it; we report them, since they almost always mean a file saved
	// in another encoding than UTF-8.
	"[\"\xff\"]":    "invalid UTF-8",
	"{\"\xe9\": 1}": "invalid UTF-8",
}

// TestAgainstReference compares the parser with json5@2.2.3, the parser
// ACE reads descriptors with: the same inputs are accepted and give the
// same values, and the same inputs are refused.
func TestAgainstReference(t *testing.T) {
	testenv.Need(t, "npm")
	mod := referenceModule(t)
	inputs := append([]string{}, referenceCorpus...)
	// The real descriptors are internal/descriptor's fixtures.
	fixtures, _ := filepath.Glob("../descriptor/testdata/descriptors/*.json")
	if len(fixtures) == 0 {
		t.Fatal("no descriptors in ../descriptor/testdata/descriptors")
	}
	for _, p := range fixtures {
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		inputs = append(inputs, string(b))
	}
	corpus, _ := filepath.Glob("testdata/fuzz/FuzzParse/*")
	for _, p := range corpus {
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		if s, ok := fuzzCorpusValue(b); ok {
			inputs = append(inputs, s)
		}
	}
	b64 := make([]string, len(inputs))
	for i, in := range inputs {
		b64[i] = base64.StdEncoding.EncodeToString([]byte(in))
	}
	stdin, _ := json.Marshal(b64)
	cmd := exec.Command("node", "-e", referenceScript, mod)
	cmd.Stdin = bytes.NewReader(stdin)
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("node: %v", err)
	}
	var results [][2]any
	if err := json.Unmarshal(out, &results); err != nil {
		t.Fatal(err)
	}
	if len(results) != len(inputs) {
		t.Fatalf("%d results for %d inputs", len(results), len(inputs))
	}
	for i, in := range inputs {
		refOK := results[i][0].(bool)
		doc, err := Parse([]byte(in))
		if why, ok := knownDifferences[in]; ok {
			if refOK && err == nil && sameValue(ours(doc.Root), results[i][1]) {
				t.Errorf("%q: listed as a known difference (%s) but agrees with the reference", in, why)
			}
			continue
		}
		switch {
		case refOK && err != nil:
			t.Errorf("%q: reference accepts it (%v), we refuse it: %v", in, results[i][1], err)
		case !refOK && err == nil:
			t.Errorf("%q: reference refuses it (%v), we accept it", in, results[i][1])
		case refOK && !sameValue(ours(doc.Root), results[i][1]):
			t.Errorf("%q: reference gives %v, we give %v", in, results[i][1], ours(doc.Root))
		}
	}
}

// fuzzCorpusValue reads the []byte value of a "go test fuzz v1" file.
func fuzzCorpusValue(b []byte) (string, bool) {
	lines := strings.SplitN(string(b), "\n", 2)
	if len(lines) < 2 || lines[0] != "go test fuzz v1" {
		return "", false
	}
	v := strings.TrimSpace(lines[1])
	if !strings.HasPrefix(v, "[]byte(") || !strings.HasSuffix(v, ")") {
		return "", false
	}
	s, err := strconv.Unquote(v[len("[]byte(") : len(v)-1])
	return s, err == nil
}
