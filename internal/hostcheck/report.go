package hostcheck

import (
	"encoding/json"
	"fmt"
	"io"
	"time"

	"github.com/connectgen/connectgen/internal/descriptor"
)

// Check is the outcome of one check.
type Check struct {
	ID   int    `json:"id"`
	Name string `json:"name"`
	// Passed is false for a failed and for a skipped check.
	Passed  bool `json:"passed"`
	Skipped bool `json:"skipped,omitempty"`
	// NotTried marks a passed check that had nothing to try (an app
	// without webhooks, say); Reason says why.
	NotTried bool `json:"notTried,omitempty"`
	// Reason says in one line why the check passed or failed.
	Reason string `json:"reason"`
	// Details are what the check did, one line each, problems first.
	Details []string `json:"details,omitempty"`
}

// Report is the outcome of Run.
type Report struct {
	// Product is the product the host played: bitbucket, jira or
	// confluence.
	Product descriptor.Product `json:"product"`
	AppURL  string             `json:"appUrl"`
	APIURL  string             `json:"apiUrl"`
	Checks  []*Check           `json:"checks"`
	// Unreachable is true when the app gave no HTTP answer at all.
	Unreachable bool          `json:"unreachable"`
	Duration    time.Duration `json:"-"`
}

// OK says whether every check passed.
func (r *Report) OK() bool {
	if len(r.Checks) == 0 {
		return false
	}
	for _, c := range r.Checks {
		if !c.Passed {
			return false
		}
	}
	return true
}

// Failed returns the IDs of the checks that did not pass.
func (r *Report) Failed() []int {
	var ids []int
	for _, c := range r.Checks {
		if !c.Passed {
			ids = append(ids, c.ID)
		}
	}
	return ids
}

// Check returns the check with id, or nil.
func (r *Report) Check(id int) *Check {
	for _, c := range r.Checks {
		if c.ID == id {
			return c
		}
	}
	return nil
}

func (r *Report) passed() int {
	n := 0
	for _, c := range r.Checks {
		if c.Passed {
			n++
		}
	}
	return n
}

// WriteText writes one line per check (PASS, FAIL or SKIP, the number, the
// name and the reason), the details of failed checks indented below, then
// a summary line.
func (r *Report) WriteText(w io.Writer) error { return r.writeText(w, false) }

// WriteTextVerbose is WriteText with the details of every check: each
// request sent and its answer.
func (r *Report) WriteTextVerbose(w io.Writer) error { return r.writeText(w, true) }

func (r *Report) writeText(w io.Writer, verbose bool) error {
	ew := &errWriter{w: w}
	fmt.Fprintf(ew, "Local %s host %s -> app %s\n", r.Product.Title(), r.APIURL, r.AppURL)
	for _, c := range r.Checks {
		status := "PASS"
		switch {
		case c.Skipped:
			status = "SKIP"
		case !c.Passed:
			status = "FAIL"
		}
		fmt.Fprintf(ew, "%s %d %-11s %s\n", status, c.ID, c.Name, c.Reason)
		if verbose || (!c.Passed && !c.Skipped) {
			for _, d := range c.Details {
				fmt.Fprintf(ew, "       %s\n", d)
			}
		}
	}
	fmt.Fprintf(ew, "%s (%s)\n", r.summary(), r.Duration.Round(time.Millisecond))
	return ew.err
}

// summary counts the checks as the lines above list them: "7 of 7 checks
// passed, 2 of them not tried", "5 of 7 checks passed, 1 failed, 1
// skipped".
func (r *Report) summary() string {
	var failed, skipped, notTried int
	for _, c := range r.Checks {
		switch {
		case c.Skipped:
			skipped++
		case !c.Passed:
			failed++
		case c.NotTried:
			notTried++
		}
	}
	s := fmt.Sprintf("%d of %d checks passed", r.passed(), len(r.Checks))
	if notTried > 0 {
		s += fmt.Sprintf(", %d of them not tried", notTried)
	}
	if failed > 0 {
		s += fmt.Sprintf(", %d failed", failed)
	}
	if skipped > 0 {
		s += fmt.Sprintf(", %d skipped", skipped)
	}
	return s
}

// WriteJSON writes the report as one JSON object: appUrl, apiUrl, ok,
// unreachable, durationMs, passed, failed and checks.
func (r *Report) WriteJSON(w io.Writer) error {
	e := json.NewEncoder(w)
	e.SetIndent("", "  ")
	return e.Encode(struct {
		*Report
		OK         bool  `json:"ok"`
		DurationMS int64 `json:"durationMs"`
		Passed     int   `json:"passed"`
		Failed     []int `json:"failed"`
	}{r, r.OK(), r.Duration.Milliseconds(), r.passed(), append([]int{}, r.Failed()...)})
}

type errWriter struct {
	w   io.Writer
	err error
}

func (e *errWriter) Write(p []byte) (int, error) {
	if e.err != nil {
		return 0, e.err
	}
	n, err := e.w.Write(p)
	e.err = err
	return n, err
}
