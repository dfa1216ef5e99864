package cmd

import (
	"context"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
)

func TestInstallLinkFlags(t *testing.T) {
	f, _, _ := jwtTestFactory("", time.Unix(0, 0))
	var got *installLinkOptions
	c := newInstallLinkCmd(f, func(o *installLinkOptions) error { got = o; return nil })
	c.SetArgs([]string{"--addon-key", "k", "--redirect-uri", "https://a.example.com/w", "--base-url", "https://a.example.com", "--dir", "d", "--format", "html", "--text", "Go"})
	if err := c.Execute(); err != nil {
		t.Fatal(err)
	}
	want := &installLinkOptions{f: f, AddonKey: "k", RedirectURI: "https://a.example.com/w", BaseURL: "https://a.example.com", Dir: "d", Format: "html", Text: "Go", dirSet: true}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("options = %+v\nwant      %+v", got, want)
	}
	if c.Example == "" {
		t.Error("install-link has no Example")
	}
}

// TestInstallLinkExitCodes runs the command as Main does: 0 with the link
// on stdout, 2 with the broken rule on stderr and nothing on stdout.
func TestInstallLinkExitCodes(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "atlassian-connect.json"), []byte(`{"key": "a-quick-addon", "baseUrl": "{{localBaseUrl}}"}`), 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		args []string
		code int
		out  string
		err  string
	}{
		{"key", []string{"--addon-key", "k"}, 0, "https://bitbucket.org/site/addons/authorize?addon_key=k\n", ""},
		{"project default", []string{"--dir", dir, "--base-url", "https://b.example.com/"}, 0,
			"https://bitbucket.org/site/addons/authorize?descriptor_uri=https%3A%2F%2Fb.example.com%2Fatlassian-connect.json\n", ""},
		{"project without base", []string{"--dir", dir}, 2, "", "(rule one-identifier)"},
		{"http descriptor", []string{"--descriptor-uri", "http://b.example.com/d.json"}, 2, "", "(rule descriptor-https)"},
		{"redirect elsewhere", []string{"--addon-key", "k", "--base-url", "https://b.example.com", "--redirect-uri", "https://c.example.com/"}, 2, "", "(rule redirect-under-baseurl)"},
		{"template", []string{"--descriptor-uri", "https://b.example.com/{x}"}, 2, "", "(rule no-uri-template)"},
		{"relative", []string{"--descriptor-uri", "b.example.com/d.json"}, 2, "", "(rule absolute-uri)"},
		{"bad key", []string{"--addon-key", "a/b"}, 2, "", "(rule addon-key)"},
		{"markdown", []string{"--addon-key", "k", "--format", "markdown"}, 0, "[Connect to Bitbucket](https://bitbucket.org/site/addons/authorize?addon_key=k)\n", ""},
		{"bad format", []string{"--addon-key", "k", "--format", "txt"}, 2, "", `--format "txt"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, out, errOut := jwtTestFactory("", time.Unix(0, 0))
			code := execute(context.Background(), f, append([]string{"install-link"}, tt.args...))
			if code != tt.code {
				t.Errorf("exit %d, want %d\nstdout: %s\nstderr: %s", code, tt.code, out, errOut)
			}
			if out.String() != tt.out {
				t.Errorf("stdout = %q, want %q", out, tt.out)
			}
			if !strings.Contains(errOut.String(), tt.err) || (tt.err == "") != (errOut.Len() == 0) {
				t.Errorf("stderr = %q, want it to hold %q", errOut, tt.err)
			}
		})
	}
}
