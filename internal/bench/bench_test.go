package main

import (
	"archive/zip"
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/connectgen/connectgen/internal/descriptor"
	"github.com/connectgen/connectgen/internal/testenv"
)

// The validate figure must time the path a real descriptor takes, not an
// early error exit.
func TestLargeDescriptorIsValid(t *testing.T) {
	for _, n := range []int{100, 1000} {
		src := largeDescriptor(n)
		r := descriptor.Validate("bench.json", src, descriptor.Options{})
		if len(r.Findings) != 0 {
			t.Fatalf("%d modules: %d findings, first %+v", n, len(r.Findings), r.Findings[0])
		}
		var d struct {
			Modules map[string][]json.RawMessage `json:"modules"`
		}
		if err := json.Unmarshal(src, &d); err != nil {
			t.Fatal(err)
		}
		got := 0
		for _, m := range d.Modules {
			got += len(m)
		}
		if got != n {
			t.Errorf("largeDescriptor(%d) has %d modules", n, got)
		}
	}
}

func TestSampleStatistics(t *testing.T) {
	ms := func(v ...int) sample {
		var s sample
		for _, x := range v {
			s = append(s, time.Duration(x)*time.Millisecond)
		}
		return s
	}
	if got := ms(5, 1, 3).median(); got != 3*time.Millisecond {
		t.Errorf("median of 5,1,3 = %v", got)
	}
	if got := ms(4, 1, 3, 2).median(); got != 2500*time.Microsecond {
		t.Errorf("median of 4,1,3,2 = %v", got)
	}
	if got := ms(4, 1, 3, 2).spread(); got != "1.0 ms – 4.0 ms" {
		t.Errorf("spread = %q", got)
	}
	if got := round(1500 * time.Millisecond); got != "1.50 s" {
		t.Errorf("round = %q", got)
	}
	if got := round(250 * time.Microsecond); got != "250 µs" {
		t.Errorf("round = %q", got)
	}
}

// measure runs the contenders in turn, so drift hits all of them alike.
func TestMeasureInterleaves(t *testing.T) {
	e := &env{o: options{runs: 3, warmup: 1}}
	var calls []string
	c := func(name string, d time.Duration) contender {
		return contender{name, func(i int) (time.Duration, error) {
			calls = append(calls, name)
			return d, nil
		}}
	}
	s, err := e.measure(c("a", time.Millisecond), c("b", 2*time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(calls, ""); got != "abababab" {
		t.Errorf("calls %s; want warm-up ab then ababab", got)
	}
	if len(s) != 2 || len(s[0]) != 3 || s[1].median() != 2*time.Millisecond {
		t.Errorf("samples %v", s)
	}
}

// atlas-connect unpacks the one folder at the top of the zip, as in
// bitbucket.org's archives.
func TestZipTree(t *testing.T) {
	dir := t.TempDir()
	tree := filepath.Join(dir, "tree")
	for name, body := range map[string]string{"a.txt": "A", "sub/b.txt": "B"} {
		p := filepath.Join(tree, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	dst := filepath.Join(dir, "t.zip")
	if err := zipTree(tree, "top", dst); err != nil {
		t.Fatal(err)
	}
	zr, err := zip.OpenReader(dst)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = zr.Close() }() // cleanup at the end of the test; nothing to check
	var names []string
	for _, f := range zr.File {
		names = append(names, f.Name)
	}
	sort.Strings(names)
	if got := strings.Join(names, " "); got != "top/ top/a.txt top/sub/ top/sub/b.txt" {
		t.Errorf("zip holds %s", got)
	}
}

// TestSmoke runs every figure once, as `make bench-smoke` does, so that
// the harness cannot rot: the peers install, the commands it times still
// take the flags it passes, and every figure makes it into the report. It
// asserts nothing about speed; timings under `go test` mean little.
func TestSmoke(t *testing.T) {
	// The peers (atlas-connect, ajv-cli) come from the npm registry and
	// the generated app runs on Node.
	testenv.Need(t, "npm")
	text, err := runAll(options{runs: 1, warmup: 0, out: "-"})
	if err != nil {
		t.Fatalf("%v\n%s", err, text)
	}
	for _, section := range []string{"## new", "### On disk", "## validate", "## run", "## simulate", "## simulate (Jira)", "## install", "## host-api"} {
		if !strings.Contains(text, section) {
			t.Errorf("report has no %q section:\n%s", section, text)
		}
	}
	if strings.Contains(text, "Not measured") {
		t.Errorf("a figure was not measured:\n%s", text)
	}
	// Every table row carries a measured time.
	row := regexp.MustCompile(`(?m)^\| [^|]+ \| ([^|]+) \|`)
	rows := row.FindAllStringSubmatch(text, -1)
	if len(rows) < 10 {
		t.Errorf("only %d table rows:\n%s", len(rows), text)
	}
	timeCell := regexp.MustCompile(`^\d+(\.\d+)? (µs|ms|s)$|^median$|^connectgen validate$|^time to a served descriptor$|^generated app$`)
	for _, r := range rows {
		if c := strings.TrimSpace(r[1]); !timeCell.MatchString(c) {
			t.Errorf("row %q: %q is not a time", r[0], c)
		}
	}
}
