package hostcheck

import (
	"bytes"
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/connectgen/connectgen/internal/hostsim"
)

// The checks blame the app only for its own faults (issue 24, item 5).

// TestAbsentUninstalledIsNotAFailure: lifecycle.uninstalled is optional;
// without it check 7 is not tried, and says so, instead of failing.
func TestAbsentUninstalledIsNotAFailure(t *testing.T) {
	app := startFakeApp(t, defects{})
	app.extra = map[string]any{"lifecycle": map[string]any{"installed": "/installed"}}
	r := Run(context.Background(), newHost(t, app.url, nil))
	c := r.Check(CheckUninstall)
	if !c.Passed || !strings.HasPrefix(c.Reason, "not tried: the descriptor has no lifecycle.uninstalled URL (optional)") {
		t.Errorf("check 7 without lifecycle.uninstalled: %+v", c)
	}
	if !r.OK() {
		t.Errorf("failed %v", r.Failed())
	}
}

// TestScriptProbeCallsAreNotCheck5s: a REST call the app makes because of
// check 6's <script> value (here with a token that does not match) is the
// app's answer to the probe: check 5 lists it without counting it.
func TestScriptProbeCallsAreNotCheck5s(t *testing.T) {
	app := startFakeApp(t, defects{probeCallsBadly: true})
	r := Run(context.Background(), newHost(t, app.url, nil))
	c := r.Check(CheckAppCalls)
	if !c.Passed || c.Reason != "all 1 call(s) to the REST API carried a valid app token" {
		t.Errorf("check 5: %+v", c)
	}
	if got := strings.Join(c.Details, "\n"); !strings.Contains(got, "GET /2.0/user: 401, refused (401): the token is not valid") || !strings.Contains(got, "not counted: made while serving check 6's <script> probe") {
		t.Errorf("check 5 does not list the probe's call:\n%s", got)
	}
}

// TestFailedUninstallKeepsTheInstallation: after the checks' uninstall
// failed, run --local keeps the installation the app still holds instead
// of installing over it unsigned with the same client key.
func TestFailedUninstallKeepsTheInstallation(t *testing.T) {
	app := startFakeApp(t, defects{uninstallFails: true})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	out := &lockedBuffer{}
	done := make(chan struct{})
	go func() {
		defer close(done)
		CheckThenHost(ctx, out, hostsim.Options{AppURL: app.url, Timeout: 5 * time.Second}, Options{})
	}()
	deadline := time.Now().Add(20 * time.Second)
	for !strings.Contains(out.String(), "Ctrl-C stops it") && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	cancel()
	<-done
	o := out.String()
	if !strings.Contains(o, "FAIL 7 uninstall") || !strings.Contains(o, "still installed in the local host as connection:") {
		t.Errorf("output:\n%s", o)
	}
	app.mu.Lock()
	defer app.mu.Unlock()
	// The last lifecycle request the app got is check 6's signed
	// reinstall, not an unsigned install after the checks.
	if last := app.auths[len(app.auths)-1]; last == "" {
		t.Errorf("the host installed again without a token after a failed uninstall (%d lifecycle requests)", len(app.auths))
	}
}

// TestMinifiedDescriptorPositions: a descriptor served on one line gives
// its findings' columns, not "line 1" for all of them.
func TestMinifiedDescriptorPositions(t *testing.T) {
	app := startFakeApp(t, defects{})
	app.extra = map[string]any{"description": strings.Repeat("long ", 60)}
	r := Run(context.Background(), newHost(t, app.url, nil))
	details := strings.Join(r.Check(CheckDescriptor).Details, "\n")
	if !strings.Contains(details, "warning baseurl-https (/baseUrl, line 1, column ") {
		t.Errorf("check 1 on a minified descriptor:\n%s", details)
	}
	// Named inline in the reason, too.
	if got := r.Check(CheckDescriptor).Reason; !strings.Contains(got, "1 warning(s) (baseurl-https)") {
		t.Errorf("check 1 reason does not name its warning: %s", got)
	}
}

// TestProbeLogLabelsTheAppsComplaints: the app's log lines about the
// host's forged requests are labelled as expected; its other lines are
// not.
func TestProbeLogLabelsTheAppsComplaints(t *testing.T) {
	app := startFakeApp(t, defects{})
	var log lockedBuffer
	probes := &ProbeLog{}
	app.log = probes.Writer(&log)
	r := RunWith(context.Background(), newHost(t, app.url, nil), Options{Probing: probes.Probing})
	if !r.OK() {
		t.Fatalf("failed %v", r.Failed())
	}
	refused, served := 0, 0
	for _, line := range strings.Split(strings.TrimSpace(log.String()), "\n") {
		switch {
		case strings.Contains(line, "refused a "):
			refused++
			if !strings.HasPrefix(line, ProbeLabel) {
				t.Errorf("not labelled: %q", line)
			}
		case strings.HasPrefix(line, "installed ") || line == "served the page":
			served++
		default:
			t.Errorf("unexpected log line %q", line)
		}
	}
	if refused < 12 || served < 2 {
		t.Errorf("%d refusals, %d other lines:\n%s", refused, served, log.String())
	}
}

func TestProbeLogWriter(t *testing.T) {
	p := &ProbeLog{}
	var b bytes.Buffer
	w := p.Writer(&b)
	w.Write([]byte("before\npart"))
	p.Probing(true)
	w.Write([]byte("ial\nduring one\nduring "))
	w.Write([]byte("two\n"))
	p.Probing(false)
	w.Write([]byte("after\n"))
	want := "before\npartial\n" + ProbeLabel + "during one\n" + ProbeLabel + "during two\nafter\n"
	if b.String() != want {
		t.Errorf("got:\n%s\nwant:\n%s", b.String(), want)
	}
}

// lockedBuffer is a bytes.Buffer safe for concurrent use.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}
