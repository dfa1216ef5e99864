package runner

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestPrepareErrors: what Prepare refuses before anything starts, typed
// so that the command maps it to its exit code (a *UsageError is exit 2),
// and that ctx ending during npm install is reported as ctx's error.
func TestPrepareErrors(t *testing.T) {
	app := t.TempDir()
	for name, content := range map[string]string{
		"package.json":           `{"name":"x","scripts":{"start":"node app.js"}}`,
		"atlassian-connect.json": `{"key":"x"}`,
	} {
		if err := os.WriteFile(filepath.Join(app, name), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	for _, tc := range []struct {
		name  string
		opts  Options
		usage bool
		msg   string
	}{
		{"not an app", Options{Dir: t.TempDir(), BaseURL: "https://x.example.com"}, true, "no package.json"},
		{"bad port", Options{Dir: app, Port: -1}, true, "--port -1 is not a port number"},
		{"local and base URL", Options{Dir: app, Local: true, BaseURL: "https://x.example.com"}, true, "cannot be combined with --base-url"},
		{"serve without local", Options{Dir: app, Serve: true, BaseURL: "https://x.example.com"}, true, "--serve needs --local"},
		{"listen without serve", Options{Dir: app, Listen: "127.0.0.1:1", BaseURL: "https://x.example.com"}, true, "--listen is the address of the host's page"},
		{"http base URL", Options{Dir: app, BaseURL: "http://x.example.com"}, true, "--base-url: "},
		{"invalid descriptor", Options{Dir: app, BaseURL: "https://x.example.com"}, false, "the descriptor has errors"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			o := tc.opts
			if o.Grace == 0 {
				o.Grace = time.Second
			}
			p, err := Prepare(context.Background(), o)
			if err == nil {
				_ = p.Close() // a test failure follows anyway
				t.Fatal("Prepare succeeded")
			}
			var ue *UsageError
			if errors.As(err, &ue) != tc.usage || !strings.Contains(err.Error(), tc.msg) {
				t.Errorf("error %v (usage error: %v), want %q (usage error: %v)", err, errors.As(err, &ue), tc.msg, tc.usage)
			}
		})
	}
}
