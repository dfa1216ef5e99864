package hostcheck

import (
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/connectgen/connectgen/internal/testenv"
)

// TestBrokenAppFailsExactlyItsChecks runs the checks against
// testdata/brokenapp, which handles its lifecycle right but accepts
// unsigned webhooks, skips the qsh on its page, echoes repoPath unescaped
// and signs its own API call with iss and sub swapped. Exactly checks 5
// and 6 must fail, each naming the defects.
func TestBrokenAppFailsExactlyItsChecks(t *testing.T) {
	testenv.Need(t, "node")
	dir, err := filepath.Abs(filepath.Join("testdata", "brokenapp"))
	if err != nil {
		t.Fatal(err)
	}
	h, r, _ := checkApp(t, dir)

	if got, want := r.Failed(), []int{CheckAppCalls, CheckSecurity}; !reflect.DeepEqual(got, want) {
		t.Fatalf("failed checks %v, want %v", got, want)
	}
	if r.Unreachable {
		t.Error("report says unreachable")
	}
	calls := r.Check(CheckAppCalls).Reason
	if !strings.Contains(calls, "GET /2.0/user") || !strings.Contains(calls, `iss is "`+h.ClientKey()+`"`) || !strings.Contains(calls, `app key "broken-app"`) {
		t.Errorf("check 5 reason does not name the swapped iss: %s", calls)
	}
	sec := r.Check(CheckSecurity).Reason
	for _, want := range []string{
		"webhook /webhook accepted a request with no token",
		"webhook /webhook accepted a request with a bad signature",
		"webhook /webhook accepted a request with an expired token",
		"webhook /webhook accepted a request with a qsh for another URL",
		"webhook /webhook accepted a request with alg none",
		"webhook /webhook accepted a request with a token for another client key",
		"page /page?repoPath=sample-workspace%2Fsample-repo accepted a request with a qsh for another URL",
		"page /page echoed repoPath unescaped",
		"8 problem(s)",
	} {
		if !strings.Contains(sec, want) {
			t.Errorf("check 6 reason lacks %q:\n%s", want, sec)
		}
	}
	// What the broken app does right must not be reported.
	for _, forged := range []string{"no token", "a bad signature", "an expired token", "alg none", "a token for another client key"} {
		if wrong := "page /page?repoPath=sample-workspace%2Fsample-repo accepted a request with " + forged + " "; strings.Contains(sec, wrong) {
			t.Errorf("check 6 blames the page for %s, which it refuses:\n%s", forged, sec)
		}
	}
	if strings.Contains(sec, "reinstall") {
		t.Errorf("check 6 blames the reinstall, which the broken app handles right:\n%s", sec)
	}
	u := r.Check(CheckUninstall)
	if !strings.Contains(strings.Join(u.Details, "\n"), "webhook /webhook not tried: it accepts requests without a token") {
		t.Errorf("check 7 should set the open webhook aside: %v", u.Details)
	}
}
