package cmd

import (
	"context"
	"strings"
	"testing"
)

// TestNewBitbucketStatusFirst: after the files, new -t bitbucket says
// first that Bitbucket no longer registers or installs new Connect apps,
// and what an already registered app can do; it does not walk through
// registering.
func TestNewBitbucketStatusFirst(t *testing.T) {
	f, out, errOut := testFactory(nil, false)
	if code := execute(context.Background(), f, []string{"new", "app", "-t", "bitbucket", "--yes", "--dir", t.TempDir()}); code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	s := out.String()
	status := strings.Index(s, "Bitbucket Cloud no longer registers or installs new Connect apps (since\n2 February 2026")
	next := strings.Index(s, "Next steps:")
	if status < 0 || next < 0 || status > next {
		t.Fatalf("the platform's status is not the first thing after the files:\n%s", s)
	}
	guidance := s[strings.LastIndex(s[:status], "\n\n"):]
	if !strings.HasPrefix(guidance, "\n\nBitbucket Cloud no longer") {
		t.Errorf("something comes before the status:\n%s", guidance)
	}
	for _, want := range []string{"An app registered before then keeps working", "connectgen run --local", "an already registered app, at its public URL"} {
		if !strings.Contains(guidance, want) {
			t.Errorf("guidance lacks %q:\n%s", want, guidance)
		}
	}
	for _, not := range []string{"Register app", "Develop apps", "To register"} {
		if strings.Contains(s, not) {
			t.Errorf("new walks through registering (%q):\n%s", not, s)
		}
	}
}
