package runner

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/connectgen/connectgen/internal/descriptor"
)

// TestReadyMessageProducts: Jira and Confluence apps get no Bitbucket
// install link, and are told why.
func TestReadyMessageProducts(t *testing.T) {
	for _, p := range []descriptor.Product{descriptor.Jira, descriptor.Confluence} {
		m := ReadyMessageFor(p, "https://abc.ngrok.app", "http://127.0.0.1:3000", false)
		if strings.Contains(m, "install link") || strings.Contains(m, "bitbucket.org") {
			t.Errorf("%s: a Bitbucket install link:\n%s", p, m)
		}
		for _, want := range []string{"descriptor:      https://abc.ngrok.app/atlassian-connect.json", p.Title() + " sites no longer install private Connect apps", "npm test", "Ctrl-C stops the app."} {
			if !strings.Contains(m, want) {
				t.Errorf("%s: message lacks %q:\n%s", p, want, m)
			}
		}
	}
	if m := ReadyMessageFor(descriptor.Bitbucket, "https://abc.ngrok.app", "http://127.0.0.1:3000", false); !strings.Contains(m, "install link:    https://bitbucket.org/") {
		t.Errorf("bitbucket lost its install link:\n%s", m)
	}
}

// TestDetectProduct reads config.json's product, as ACE does, and leaves
// it empty when config.json names none or is broken.
func TestDetectProduct(t *testing.T) {
	for config, want := range map[string]descriptor.Product{
		"// c\n{product: 'confluence'}": descriptor.Confluence,
		`{"product": "jira"}`:           descriptor.Jira,
		`{"development": {}}`:           "",
		`{"product": `:                  "",
	} {
		dir := t.TempDir()
		if err := os.WriteFile(filepath.Join(dir, "package.json"), []byte(`{"scripts": {"start": "node app.js"}}`), 0o644); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, DescriptorFile), []byte(`{}`), 0o644); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, "config.json"), []byte(config), 0o644); err != nil {
			t.Fatal(err)
		}
		p, err := Detect(dir)
		if err != nil {
			t.Fatal(err)
		}
		if p.Product != want {
			t.Errorf("config %s: product %q, want %q", config, p.Product, want)
		}
	}
}
