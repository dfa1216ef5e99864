package runner

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/connectgen/connectgen/internal/descriptor"
)

// checkProject is an app folder with the fake app's descriptor and the
// given config.json, for the descriptor check alone (no Node needed).
func checkProject(t *testing.T, config string) *Project {
	t.Helper()
	dir := t.TempDir()
	src, err := os.ReadFile(filepath.Join("testdata", "fakeapp", DescriptorFile))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "package.json"), []byte(`{"scripts": {"start": "node app.js"}}`), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, DescriptorFile), src, 0o644); err != nil {
		t.Fatal(err)
	}
	if config != "" {
		if err := os.WriteFile(filepath.Join(dir, "config.json"), []byte(config), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	p, err := Detect(dir)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// TestCheckDescriptorIsValidates: run's check is descriptor.Check, what
// `connectgen validate` runs: the same findings, the same product and the
// same reason for it, and the same refusal of a broken config.json.
func TestCheckDescriptorIsValidates(t *testing.T) {
	for _, config := range []string{"", `{"product": "bitbucket"}`, `{product: 'jira'}`, `{"development": {}}`} {
		p := checkProject(t, config)
		base := "https://abc.ngrok.app"
		got, err := CheckDescriptor(p, CheckOptions{BaseURL: base, NodeEnv: "development"})
		if err != nil {
			t.Fatalf("config %q: %v", config, err)
		}
		want, err := descriptor.Check(context.Background(), p.Dir, descriptor.CheckOptions{Options: descriptor.Options{BaseURL: base, Environment: "development"}})
		if err != nil {
			t.Fatal(err)
		}
		if got.Product != want.Product || got.ProductReason != want.ProductReason {
			t.Errorf("config %q: run checks as %s (%s), validate as %s (%s)", config, got.Product, got.ProductReason, want.Product, want.ProductReason)
		}
		if !reflect.DeepEqual(got.Findings, want.Findings) {
			t.Errorf("config %q: run finds\n%v\nvalidate finds\n%v", config, got.Findings, want.Findings)
		}
	}
	// config.json's product is named as the reason, as validate names it.
	if res, _ := CheckDescriptor(checkProject(t, `{product: 'jira'}`), CheckOptions{BaseURL: "https://abc.ngrok.app"}); res.Product != descriptor.Jira || res.ProductReason != "config.json" {
		t.Errorf("config.json's jira: checked as %s (%s)", res.Product, res.ProductReason)
	}
	// validate refuses a config.json naming an unknown product; so does run.
	_, err := CheckDescriptor(checkProject(t, `{"product": "bamboo"}`), CheckOptions{BaseURL: "https://abc.ngrok.app"})
	var pc *descriptor.ProductConfigError
	if !errors.As(err, &pc) || !strings.Contains(err.Error(), "bamboo") {
		t.Errorf("config.json with product bamboo: err = %v, want the config.json's product named", err)
	}
}

// TestCheckDescriptorLocal: --local leaves out the http warning, which
// is its point, and keeps every other finding.
func TestCheckDescriptorLocal(t *testing.T) {
	p := checkProject(t, "")
	base := "http://127.0.0.1:3000"
	plain, err := CheckDescriptor(p, CheckOptions{BaseURL: base})
	if err != nil {
		t.Fatal(err)
	}
	local, err := CheckDescriptor(p, CheckOptions{BaseURL: base, Local: true})
	if err != nil {
		t.Fatal(err)
	}
	if !hasRule(plain, "baseurl-https") {
		t.Fatalf("no baseurl-https warning for %s without --local: %v", base, plain.Findings)
	}
	if hasRule(local, "baseurl-https") {
		t.Errorf("--local kept the http warning: %v", local.Findings)
	}
	if len(local.Findings) != len(plain.Findings)-1 {
		t.Errorf("--local dropped more than the http warning: %v, was %v", local.Findings, plain.Findings)
	}
}

func hasRule(res *descriptor.Result, rule string) bool {
	for _, f := range res.Findings {
		if f.Rule == rule {
			return true
		}
	}
	return false
}

// TestRunWatchLocalRestart: a restart under --watch --local checks the
// descriptor as the first start does, without the http warning; without
// --local the same restart shows it.
func TestRunWatchLocalRestart(t *testing.T) {
	for _, local := range []bool{true, false} {
		t.Run(fmt.Sprintf("local=%v", local), func(t *testing.T) {
			p := fakeProject(t)
			r := startRun(t, p, func(c *Config) {
				c.Watch = true
				c.Debounce = 100 * time.Millisecond
				c.Local = local
				c.BaseURL = c.LocalURL()
			})
			r.waitReady()
			desc := filepath.Join(p.Dir, DescriptorFile)
			src, err := os.ReadFile(desc)
			if err != nil {
				t.Fatal(err)
			}
			broken := bytes.Replace(src, []byte(`"scopes": ["account",`), []byte(`"scopes": ["acount",`), 1)
			if bytes.Equal(broken, src) {
				t.Fatal("test descriptor has no scopes to break")
			}
			if err := os.WriteFile(desc, broken, 0o644); err != nil {
				t.Fatal(err)
			}
			r.waitOutput("the descriptor has errors; the running app is kept until it is fixed")
			out := r.out.String()
			if !strings.Contains(out, "acount") {
				t.Errorf("the findings are not shown:\n%s", out)
			}
			if got := strings.Contains(out, "baseurl-https"); got == local {
				t.Errorf("local=%v: http warning shown = %v on restart:\n%s", local, got, out)
			}
			r.sigs <- syscall.SIGINT
			_, _ = r.wait() // the test checks what follows, not this call
			r.assertGone()
		})
	}
}
