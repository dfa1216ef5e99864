// Command bench measures connectgen against its peers and physical floors
// in one run on one machine, and writes BENCHMARKS.md. Every figure is a
// ratio against something measured in the same run, so the numbers stay
// honest on any machine: `connectgen new` against atlas-connect and cp -r,
// `validate` against ajv-cli, `run` against node app.js started directly,
// `simulate` (against a Bitbucket and a Jira app) against the same number
// of plain HTTP requests.
//
// It is run by `make bench`; `make bench-smoke` runs each figure once to
// keep the harness from rotting. It is never a pass/fail gate.
package main

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"syscall"
	"time"
)

type options struct {
	runs   int
	warmup int
	out    string
	only   string
	keep   bool
}

func main() {
	var o options
	flag.IntVar(&o.runs, "runs", 10, "measured runs per figure, after the warm-up")
	flag.IntVar(&o.warmup, "warmup", 1, "unmeasured runs first")
	flag.StringVar(&o.out, "out", "BENCHMARKS.md", "report file; - for standard output")
	flag.StringVar(&o.only, "only", "", "comma-separated figures to run: new,validate,run,simulate,simulate-jira,install,forge-event,host-api (default all)")
	flag.BoolVar(&o.keep, "keep", false, "keep the work directory")
	flag.Parse()
	text, err := runAll(o)
	if text != "" {
		fmt.Print(text)
		if o.out != "-" {
			if werr := writeReport(o.out, text); werr != nil && err == nil {
				err = werr
			}
		}
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
}

// writeReport writes the report to out, relative to the repository root.
func writeReport(out, text string) error {
	if !filepath.IsAbs(out) {
		root, err := repoRoot()
		if err != nil {
			return err
		}
		out = filepath.Join(root, out)
	}
	if err := os.WriteFile(out, []byte(text), 0o644); err != nil {
		return err
	}
	logf("wrote %s", out)
	return nil
}

// env is what every figure shares: the work directory, the built binary
// and the report being written.
type env struct {
	o      options
	work   string
	bin    string
	report *report
}

// runAll measures the figures o asks for and returns the report. A figure
// that fails is reported as not measured and makes the error non-nil.
func runAll(o options) (string, error) {
	work, err := os.MkdirTemp("", "connectgen-bench-")
	if err != nil {
		return "", err
	}
	if !o.keep {
		defer func() { _ = os.RemoveAll(work) }() // a temporary folder; the figures are what counts
	} else {
		fmt.Fprintln(os.Stderr, "work directory:", work)
	}
	root, err := repoRoot()
	if err != nil {
		return "", err
	}
	e := &env{o: o, work: work, bin: filepath.Join(work, "connectgen"), report: newReport(o)}
	logf("building connectgen")
	// Built as `make build` builds it: static, without cgo, without the
	// symbol table and DWARF.
	build := command(root, "go", "build", "-ldflags", "-s -w", "-o", e.bin, ".")
	build.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := build.CombinedOutput(); err != nil {
		return "", fmt.Errorf("go build: %v\n%s", err, out)
	}
	figures := []struct {
		name string
		fn   func(*env) error
	}{
		{"new", benchNew},
		{"validate", benchValidate},
		{"run", benchRun},
		{"simulate", benchSimulate},
		{"simulate-jira", benchSimulateJira},
		{"install", benchInstall},
		{"forge-event", benchForgeEvent},
		{"host-api", benchHostAPI},
	}
	var failed []string
	for _, f := range figures {
		if o.only != "" && !contains(strings.Split(o.only, ","), f.name) {
			continue
		}
		logf("figure %s", f.name)
		if err := f.fn(e); err != nil {
			failed = append(failed, f.name)
			e.report.failure(f.name, err)
			logf("figure %s failed: %v", f.name, err)
		}
	}
	text := e.report.String()
	if len(failed) > 0 {
		return text, fmt.Errorf("figures failed: %s", strings.Join(failed, ", "))
	}
	return text, nil
}

// contender is one of the things a figure compares: fn runs it once and
// returns the time it means to time.
type contender struct {
	name string
	fn   func(i int) (time.Duration, error)
}

// measure runs each contender warm-up times unmeasured, then o.runs times,
// interleaved (a, b, c, a, b, c, …) so that a machine growing slower or
// faster during the figure shifts every contender alike and the ratios
// stay fair. It returns one sample per contender, in order.
func (e *env) measure(cs ...contender) ([]sample, error) {
	for i := 0; i < e.o.warmup; i++ {
		for _, c := range cs {
			if _, err := c.fn(-1 - i); err != nil {
				return nil, fmt.Errorf("%s (warm-up): %w", c.name, err)
			}
		}
	}
	out := make([]sample, len(cs))
	for i := 0; i < e.o.runs; i++ {
		for j, c := range cs {
			d, err := c.fn(i)
			if err != nil {
				return nil, fmt.Errorf("%s: %w", c.name, err)
			}
			out[j] = append(out[j], d)
		}
	}
	return out, nil
}

// sample is a set of measured durations.
type sample []time.Duration

func (s sample) sorted() sample {
	c := append(sample(nil), s...)
	sort.Slice(c, func(i, j int) bool { return c[i] < c[j] })
	return c
}

func (s sample) median() time.Duration {
	c := s.sorted()
	if len(c) == 0 {
		return 0
	}
	if len(c)%2 == 1 {
		return c[len(c)/2]
	}
	return (c[len(c)/2-1] + c[len(c)/2]) / 2
}

func (s sample) spread() string {
	c := s.sorted()
	if len(c) == 0 {
		return "-"
	}
	return fmt.Sprintf("%s – %s", round(c[0]), round(c[len(c)-1]))
}

func round(d time.Duration) string {
	switch {
	case d >= time.Second:
		return fmt.Sprintf("%.2f s", d.Seconds())
	case d >= time.Millisecond:
		return fmt.Sprintf("%.1f ms", float64(d)/float64(time.Millisecond))
	default:
		return fmt.Sprintf("%.0f µs", float64(d)/float64(time.Microsecond))
	}
}

func ratio(a, b time.Duration) float64 {
	if b == 0 {
		return 0
	}
	return float64(a) / float64(b)
}

// timed runs cmd to completion and returns its wall time and peak memory
// (maximum resident set size, in KiB).
func timed(cmd *exec.Cmd) (time.Duration, int64, error) {
	var out bytes.Buffer
	if cmd.Stdout == nil {
		cmd.Stdout = &out
	}
	if cmd.Stderr == nil {
		cmd.Stderr = &out
	}
	start := time.Now()
	err := cmd.Run()
	d := time.Since(start)
	var rss int64
	if cmd.ProcessState != nil {
		if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
			rss = ru.Maxrss
		}
	}
	if err != nil {
		return d, rss, fmt.Errorf("%s: %v\n%s", strings.Join(cmd.Args, " "), err, tail(out.String(), 20))
	}
	return d, rss, nil
}

func command(dir, name string, args ...string) *exec.Cmd {
	c := exec.Command(name, args...)
	c.Dir = dir
	return c
}

// waitServed polls url until it answers 200 with a body containing want,
// and returns when it did, or an error after limit or when exited closes.
func waitServed(url, want string, limit time.Duration, exited <-chan struct{}) error {
	client := &http.Client{Timeout: time.Second}
	deadline := time.Now().Add(limit)
	for time.Now().Before(deadline) {
		select {
		case <-exited:
			return errors.New("the process exited before serving")
		default:
		}
		resp, err := client.Get(url)
		if err == nil {
			body, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
			resp.Body.Close()
			if resp.StatusCode == 200 && strings.Contains(string(body), want) {
				return nil
			}
		}
		time.Sleep(5 * time.Millisecond)
	}
	return fmt.Errorf("%s not served within %s", url, limit)
}

func repoRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for d := dir; ; d = filepath.Dir(d) {
		if _, err := os.Stat(filepath.Join(d, "go.mod")); err == nil {
			return d, nil
		}
		if filepath.Dir(d) == d {
			return "", errors.New("run bench inside the connectgen repository")
		}
	}
}

func logf(format string, a ...any) {
	fmt.Fprintf(os.Stderr, "bench: "+format+"\n", a...)
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if strings.TrimSpace(x) == s {
			return true
		}
	}
	return false
}

func tail(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

func versionOf(name string, args ...string) string {
	out, err := exec.Command(name, args...).Output()
	if err != nil {
		return "not found"
	}
	return strings.TrimSpace(strings.SplitN(string(out), "\n", 2)[0])
}

// report collects the figures and renders BENCHMARKS.md.
type report struct {
	o        options
	sections []string
}

func newReport(o options) *report { return &report{o: o} }

func (r *report) add(section string) { r.sections = append(r.sections, section) }

func (r *report) failure(name string, err error) {
	r.add(fmt.Sprintf("## %s\n\nNot measured: %s\n", name, strings.ReplaceAll(err.Error(), "\n", "\n    ")))
}

func (r *report) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "# connectgen benchmarks\n\n")
	fmt.Fprintf(&b, "Written by `make bench` (internal/bench) on %s. Each figure is the median of %d runs after %d warm-up run(s), with the fastest and slowest run as the spread; every ratio compares two things measured in this same run.\n\n",
		time.Now().UTC().Format("2006-01-02 15:04 MST"), r.o.runs, r.o.warmup)
	fmt.Fprintf(&b, "Machine: %s/%s, %d CPUs; %s; node %s; npm %s.\n\n", runtime.GOOS, runtime.GOARCH, runtime.NumCPU(),
		versionOf("go", "version"), versionOf("node", "--version"), versionOf("npm", "--version"))
	for _, s := range r.sections {
		b.WriteString(s)
		b.WriteString("\n")
	}
	return b.String()
}

// table renders rows of cells as a Markdown table.
func table(header []string, rows [][]string) string {
	var b strings.Builder
	b.WriteString("| " + strings.Join(header, " | ") + " |\n")
	b.WriteString("|" + strings.Repeat("---|", len(header)) + "\n")
	for _, r := range rows {
		b.WriteString("| " + strings.Join(r, " | ") + " |\n")
	}
	return b.String()
}
