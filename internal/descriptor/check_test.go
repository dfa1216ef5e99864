package descriptor

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestCheck: the product is the one given, else config.json's beside the
// descriptor, else detected, each with its reason; a config.json naming
// no known product and a missing descriptor are errors of their own types.
func TestCheck(t *testing.T) {
	desc := `{"key": "k", "baseUrl": "{{localBaseUrl}}", "authentication": {"type": "jwt"}, "scopes": ["READ"]}`
	dir := func(config string) string {
		d := t.TempDir()
		_ = os.WriteFile(filepath.Join(d, FileName), []byte(desc), 0o644) // the test checks what follows, not this call
		if config != "" {
			_ = os.WriteFile(filepath.Join(d, "config.json"), []byte(config), 0o644) // the test checks what follows, not this call
		}
		return d
	}
	ctx := context.Background()
	for _, tt := range []struct {
		config, given string
		want          Product
		reason        string
	}{
		{`{product: 'confluence'}`, "", Confluence, "config.json"},
		{`{product: 'confluence'}`, "jira", Jira, "--product"},
	} {
		res, err := Check(ctx, dir(tt.config), CheckOptions{Options: Options{Product: Product(tt.given), BaseURL: "https://abc.ngrok.app"}})
		if err != nil {
			t.Fatal(err)
		}
		if res.Product != tt.want || res.ProductReason != tt.reason {
			t.Errorf("config %s, given %q: %s (%s), want %s (%s)", tt.config, tt.given, res.Product, res.ProductReason, tt.want, tt.reason)
		}
	}
	res, err := Check(ctx, dir(""), CheckOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if res.ProductReason == "config.json" || res.ProductReason == "--product" {
		t.Errorf("no config.json: product %s (%s), want it detected", res.Product, res.ProductReason)
	}
	_, err = Check(ctx, dir(`{"product": "bamboo"}`), CheckOptions{})
	var pc *ProductConfigError
	if !errors.As(err, &pc) || !strings.Contains(err.Error(), "bamboo") || !strings.Contains(err.Error(), "config.json") {
		t.Errorf("config.json naming bamboo: %v", err)
	}
	_, err = Check(ctx, t.TempDir(), CheckOptions{})
	var nf *NotFoundError
	if !errors.As(err, &nf) {
		t.Errorf("no descriptor: %v, want a *NotFoundError", err)
	}
}
