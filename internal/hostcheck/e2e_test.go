package hostcheck

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"github.com/connectgen/connectgen/internal/apptest"
	"github.com/connectgen/connectgen/internal/hostsim"
	"github.com/connectgen/connectgen/internal/testenv"
)

// checkApp starts the app in dir, runs every check against it from a new
// host, logs the report and returns the host, the report and the host's
// log. The host is closed when the test ends.
func checkApp(t *testing.T, dir string) (*hostsim.Host, *Report, *bytes.Buffer) {
	t.Helper()
	appURL := apptest.StartApp(t, dir)
	log := &bytes.Buffer{}
	h, err := hostsim.New(hostsim.Options{AppURL: appURL, Log: log})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { h.Close() })
	return h, runAllChecks(t, h), log
}

// runAllChecks runs every check of h within a minute and logs the report.
func runAllChecks(t *testing.T, h *hostsim.Host) *Report {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	start := time.Now()
	r := Run(ctx, h)
	t.Logf("Run took %s", time.Since(start))
	var out bytes.Buffer
	r.WriteTextVerbose(&out)
	t.Logf("report:\n%s", out.String())
	return r
}

// TestGeneratedAppPassesEveryCheck runs the checks against the generated
// app on real Node and real atlassian-connect-express.
func TestGeneratedAppPassesEveryCheck(t *testing.T) {
	testenv.Need(t, "npm")
	dir := t.TempDir()
	if err := apptest.NewProject(dir); err != nil {
		t.Fatal(err)
	}
	h, r, log := checkApp(t, dir)
	if !r.OK() {
		t.Fatalf("checks failed: %v\nlog:\n%s", r.Failed(), log.String())
	}
	if len(r.Checks) != 7 {
		t.Fatalf("got %d checks, want 7", len(r.Checks))
	}
	// The page called GET /2.0/user with a valid app token: check 5 must
	// have judged real calls, not none.
	var userCalls int
	for _, c := range h.Calls() {
		if c.Path == "/2.0/user" && c.OK && c.Status == 200 {
			userCalls++
		}
	}
	if userCalls == 0 {
		t.Errorf("the app never called GET /2.0/user successfully; calls: %+v", h.Calls())
	}
	if !strings.Contains(r.Check(CheckWebhooks).Reason, "2 signed webhook") {
		t.Errorf("webhooks: want repo:push and user:account_property_changed sent, got %q", r.Check(CheckWebhooks).Reason)
	}
}
