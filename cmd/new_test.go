package cmd

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/connectgen/connectgen/internal/build"
	"github.com/connectgen/connectgen/templates"
)

// fakePrompter answers prompts from a script and records the questions.
// The test fails when a prompt comes with no scripted answer left, and,
// when the test ends, when a scripted answer was never asked for: a
// script that no longer matches the prompts must not pass silently.
type fakePrompter struct {
	t       testing.TB
	answers []string // one per prompt, in order; "^C" interrupts
	asked   []string
}

// newFakePrompter returns a prompter that gives answers in order.
func newFakePrompter(t testing.TB, answers ...string) *fakePrompter {
	p := &fakePrompter{t: t, answers: answers}
	t.Cleanup(func() {
		if len(p.answers) > 0 {
			t.Errorf("scripted answers never asked for: %q (asked: %q)", p.answers, p.asked)
		}
	})
	return p
}

func (p *fakePrompter) next(q string) (string, error) {
	p.asked = append(p.asked, q)
	if len(p.answers) == 0 {
		p.t.Errorf("prompt %q has no scripted answer (asked: %q)", q, p.asked)
		return "", errInterrupted
	}
	a := p.answers[0]
	p.answers = p.answers[1:]
	if a == "^C" {
		return "", errInterrupted
	}
	return a, nil
}

// tbRecorder is a testing.TB that records failures and runs its cleanups
// when told, to show that fakePrompter's checks fail.
type tbRecorder struct {
	testing.TB
	errors   []string
	cleanups []func()
}

func (r *tbRecorder) Helper()          {}
func (r *tbRecorder) Cleanup(f func()) { r.cleanups = append(r.cleanups, f) }
func (r *tbRecorder) Errorf(format string, a ...any) {
	r.errors = append(r.errors, fmt.Sprintf(format, a...))
}
func (r *tbRecorder) end() {
	for i := len(r.cleanups) - 1; i >= 0; i-- {
		r.cleanups[i]()
	}
}

func TestFakePrompterFailsOnUnusedOrMissingAnswers(t *testing.T) {
	r := &tbRecorder{}
	p := newFakePrompter(r, "shop", "left over")
	if a, err := p.Input("Project name", ""); a != "shop" || err != nil {
		t.Fatalf("Input = %q, %v", a, err)
	}
	r.end()
	if len(r.errors) != 1 || !strings.Contains(r.errors[0], `never asked for: ["left over"]`) {
		t.Errorf("an unused answer: errors %q", r.errors)
	}

	r = &tbRecorder{}
	p = newFakePrompter(r)
	if _, err := p.Confirm("Overwrite?", false); err == nil {
		t.Error("a prompt without an answer returned no error")
	}
	r.end()
	if len(r.errors) != 1 || !strings.Contains(r.errors[0], `prompt "Overwrite?" has no scripted answer`) {
		t.Errorf("a missing answer: errors %q", r.errors)
	}
}

func (p *fakePrompter) Input(message, def string) (string, error) {
	a, err := p.next(message)
	if a == "" {
		a = def
	}
	return a, err
}

func (p *fakePrompter) Confirm(message string, def bool) (bool, error) {
	a, err := p.next(message)
	return a == "y", err
}

func (p *fakePrompter) Select(message string, options []string, def string) (string, error) {
	a, err := p.next(message)
	if a == "" {
		a = def
	}
	return a, err
}

func testFactory(p Prompter, tty bool) (*Factory, *bytes.Buffer, *bytes.Buffer) {
	out, errOut := &bytes.Buffer{}, &bytes.Buffer{}
	return &Factory{
		IO:        &IOStreams{In: strings.NewReader(""), Out: out, ErrOut: errOut, InTTY: tty, OutTTY: tty},
		Prompter:  p,
		Templates: templates.FS,
		Now:       func() time.Time { return time.Date(2026, 11, 23, 0, 0, 0, 0, time.UTC) },
		Getenv:    func(string) string { return "" },
	}, out, errOut
}

func TestNewInteractive(t *testing.T) {
	dir := t.TempDir()
	p := newFakePrompter(t, "shop", "bitbucket", "", "My Shop", "", "ACME", "https://acme.example")
	f, out, errOut := testFactory(p, true)
	code := execute(context.Background(), f, []string{"new", "--dir", dir})
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	want := "Project name|Template|App key|App name|Description|Vendor name|Vendor URL"
	if got := strings.Join(p.asked, "|"); got != want {
		t.Errorf("asked %s, want %s", got, want)
	}
	b, err := os.ReadFile(filepath.Join(dir, "shop", "atlassian-connect.json"))
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{`"key": "shop"`, `"name": "My Shop"`, `"name": "ACME"`, `"url": "https://acme.example"`} {
		if !strings.Contains(string(b), s) {
			t.Errorf("descriptor lacks %s:\n%s", s, b)
		}
	}
	if !strings.Contains(out.String(), "Next steps:") {
		t.Errorf("output: %s", out)
	}
}

// A value that breaks a rule is asked for again on a terminal.
func TestNewInteractiveRetries(t *testing.T) {
	dir := t.TempDir()
	p := newFakePrompter(t, "bad key!", "good.key", "", "", "", "")
	f, _, errOut := testFactory(p, true)
	if code := execute(context.Background(), f, []string{"new", "shop", "-t", "bitbucket", "--dir", dir}); code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	if len(p.asked) != 6 || p.asked[0] != "App key" || p.asked[1] != "App key" {
		t.Errorf("asked %v", p.asked)
	}
	b, _ := os.ReadFile(filepath.Join(dir, "shop", "atlassian-connect.json"))
	if !strings.Contains(string(b), `"key": "good.key"`) {
		t.Errorf("descriptor:\n%s", b)
	}
}

func TestNewCtrlCAtPrompt(t *testing.T) {
	dir := t.TempDir()
	p := newFakePrompter(t, "shop", "^C")
	f, _, _ := testFactory(p, true)
	if code := execute(context.Background(), f, []string{"new", "--dir", dir}); code != ExitInterrupted {
		t.Fatalf("exit %d, want %d", code, ExitInterrupted)
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 0 {
		t.Errorf("wrote %v", entries)
	}
}

func TestNewOverwriteConfirm(t *testing.T) {
	dir := t.TempDir()
	f, _, errOut := testFactory(newFakePrompter(t), false)
	if code := execute(context.Background(), f, []string{"new", "shop", "-t", "bitbucket", "--yes", "--dir", dir}); code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	desc := filepath.Join(dir, "shop", "atlassian-connect.json")
	if err := os.WriteFile(desc, []byte("{}"), 0o644); err != nil {
		t.Fatal(err)
	}

	// Declined: nothing replaced, exit 1.
	p := newFakePrompter(t, "n")
	f, _, _ = testFactory(p, true)
	if code := execute(context.Background(), f, []string{"new", "shop", "-t", "bitbucket", "--overwrite", "--dir", dir, "--app-name", "S", "--key", "shop", "--description", "d", "--vendor-name", "v", "--vendor-url", "https://v.example"}); code != 1 {
		t.Fatalf("exit %d", code)
	}
	if b, _ := os.ReadFile(desc); string(b) != "{}" {
		t.Errorf("replaced after no: %s", b)
	}
	// Confirmed.
	p = newFakePrompter(t, "y")
	f, _, _ = testFactory(p, true)
	if code := execute(context.Background(), f, []string{"new", "shop", "-t", "bitbucket", "--overwrite", "--dir", dir, "--app-name", "S", "--key", "shop", "--description", "d", "--vendor-name", "v", "--vendor-url", "https://v.example"}); code != 0 {
		t.Fatalf("exit %d", code)
	}
	if b, _ := os.ReadFile(desc); !strings.Contains(string(b), `"name": "S"`) {
		t.Errorf("not replaced: %s", b)
	}
}

func TestVersion(t *testing.T) {
	f, out, _ := testFactory(newFakePrompter(t), false)
	if code := execute(context.Background(), f, []string{"--version"}); code != 0 {
		t.Fatal(code)
	}
	if got := out.String(); got != "connectgen version "+build.String()+"\n" {
		t.Errorf("version output %q", got)
	}
}

// TestNewInteractiveProduct picks the Confluence template at the prompt:
// the description's default names the product, and the project is a
// Confluence app with Confluence's editor schema.
func TestNewInteractiveProduct(t *testing.T) {
	dir := t.TempDir()
	p := &fakePrompter{answers: []string{"wiki-app", "confluence", "", "", "", "", ""}}
	f, _, errOut := testFactory(p, true)
	if code := execute(context.Background(), f, []string{"new", "--dir", dir}); code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	read := func(name string) string {
		b, err := os.ReadFile(filepath.Join(dir, "wiki-app", name))
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}
	if d := read("atlassian-connect.json"); !strings.Contains(d, `"description": "A Confluence Cloud Connect app"`) || !strings.Contains(d, `"system.header/left"`) {
		t.Errorf("descriptor:\n%s", d)
	}
	if c := read("config.json"); !strings.Contains(c, `"product": "confluence"`) {
		t.Errorf("config.json:\n%s", c)
	}
	if s := read(".vscode/atlassian-connect.schema.json"); !strings.Contains(s, "Confluence Cloud Connect app descriptor") {
		t.Error("the editor schema is not Confluence's")
	}
}

// The next steps name the product the project is for: a built-in
// template's, or the one a plain app's config.json names.
func TestNewNextStepsNameTheProduct(t *testing.T) {
	plain := t.TempDir()
	if err := os.WriteFile(filepath.Join(plain, "package.json"), []byte(`{"name": "x"}`), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(plain, "config.json"), []byte(`{"product": "confluence"}`), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct{ template, want, not string }{
		{"bitbucket", "local Bitbucket host", "Connect is ending for Jira"},
		{"jira", "local Jira host", "Bitbucket"},
		{"jira-service-desk", "local Jira host", "Bitbucket"},
		{"confluence", "local Confluence host", "Bitbucket"},
		{plain, "local Confluence host", "Bitbucket"},
	} {
		f, out, errOut := testFactory(nil, false)
		if code := execute(context.Background(), f, []string{"new", "app", "-t", tc.template, "--yes", "--dir", t.TempDir()}); code != 0 {
			t.Fatalf("%s: exit %d: %s", tc.template, code, errOut)
		}
		next := out.String()[strings.Index(out.String(), "Next steps:"):]
		if !strings.Contains(next, "connectgen run --local") || !strings.Contains(next, tc.want) || strings.Contains(next, tc.not) {
			t.Errorf("%s: next steps want %q, not %q:\n%s", tc.template, tc.want, tc.not, next)
		}
	}
}
