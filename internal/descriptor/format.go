package descriptor

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"
)

// ANSI styles for WriteText with color.
const (
	styleReset  = "\x1b[0m"
	styleBold   = "\x1b[1m"
	styleDim    = "\x1b[2m"
	styleRed    = "\x1b[31m"
	styleYellow = "\x1b[33m"
	styleCyan   = "\x1b[36m"
	styleGreen  = "\x1b[32m"
)

func severityStyle(s Severity) string {
	switch s {
	case SeverityError:
		return styleRed
	case SeverityWarning:
		return styleYellow
	}
	return styleCyan
}

// WriteText writes findings for people: for each one
//
//	file:line:col: severity [rule-id] message
//	  at /json/pointer
//	   12 |     "key": "value"
//	      |     ^
//	  suggestion: …
//
// and a summary line per file. color adds ANSI colours (for terminals).
func WriteText(w io.Writer, results []*Result, color bool) error {
	paint := func(style, s string) string {
		if !color {
			return s
		}
		return style + s + styleReset
	}
	var b bytes.Buffer
	for _, r := range results {
		lines := lineIndex(r.Source)
		for _, f := range r.Findings {
			fmt.Fprintf(&b, "%s: %s %s %s\n",
				paint(styleBold, fmt.Sprintf("%s:%d:%d", r.File, f.Line, f.Column)),
				paint(styleBold+severityStyle(f.Severity), string(f.Severity)),
				paint(styleDim, "["+f.Rule+"]"), f.Message)
			ptr := f.Pointer
			if ptr == "" {
				ptr = `"" (the whole descriptor)`
			}
			fmt.Fprintf(&b, "  at %s\n", ptr)
			if text, caret, ok := sourceLine(r.Source, lines, f.Line, f.Column); ok {
				num := fmt.Sprint(f.Line)
				fmt.Fprintf(&b, "  %s %s %s\n", paint(styleDim, num), paint(styleDim, "|"), text)
				fmt.Fprintf(&b, "  %s %s %s\n", strings.Repeat(" ", len(num)), paint(styleDim, "|"), paint(severityStyle(f.Severity), caret))
			}
			if f.Suggestion != "" {
				fmt.Fprintf(&b, "  %s %s\n", paint(styleGreen, "suggestion:"), f.Suggestion)
			}
		}
		if !r.Product.Info().Default {
			fmt.Fprintf(&b, "%s: checked as a %s descriptor (%s)\n", r.File, r.Product.Title(), r.ProductReason)
		}
		fmt.Fprintln(&b, summary(r, paint))
	}
	_, err := w.Write(b.Bytes())
	return err
}

// summary is "file: valid (0 errors, 1 warning, 2 notes)".
func summary(r *Result, paint func(string, string) string) string {
	verdict := paint(styleBold+styleGreen, "valid")
	if r.Errors() > 0 {
		verdict = paint(styleBold+styleRed, "invalid")
	}
	return fmt.Sprintf("%s: %s (%s, %s, %s)", r.File, verdict,
		plural(r.Errors(), "error"), plural(r.Warnings(), "warning"), plural(r.Notes(), "note"))
}

func plural(n int, word string) string {
	if n == 1 {
		return "1 " + word
	}
	return fmt.Sprintf("%d %ss", n, word)
}

// lineIndex returns the offset each line starts at (lines end at \n, \r\n
// or \r, as the parser counts them).
func lineIndex(src []byte) []int {
	starts := []int{0}
	for i := 0; i < len(src); i++ {
		switch src[i] {
		case '\n':
			starts = append(starts, i+1)
		case '\r':
			if i+1 < len(src) && src[i+1] == '\n' {
				i++
			}
			starts = append(starts, i+1)
		}
	}
	return starts
}

// maxShown is how many characters of a source line are shown; longer lines
// (minified descriptors) are cut around the column.
const maxShown = 120

// sourceLine returns line number line of src, cut to fit around column
// col, and a caret line pointing at col. Tabs are kept in the caret line
// so that the caret stays aligned in any tab width.
func sourceLine(src []byte, starts []int, line, col int) (text, caret string, ok bool) {
	if line < 1 || line > len(starts) {
		return "", "", false
	}
	start := starts[line-1]
	end := len(src)
	if line < len(starts) {
		end = starts[line]
	}
	raw := strings.TrimRight(string(src[start:end]), "\r\n")
	if !utf8.ValidString(raw) {
		raw = strings.ToValidUTF8(raw, "\uFFFD")
	}
	runes := []rune(raw)
	c := col - 1
	if c > len(runes) {
		c = len(runes)
	}
	from, to := 0, len(runes)
	prefix, suffix := "", ""
	if len(runes) > maxShown {
		from = max(0, c-maxShown/3)
		to = min(len(runes), from+maxShown)
		if from > 0 {
			prefix = "…"
		}
		if to < len(runes) {
			suffix = "…"
		}
	}
	var cb strings.Builder
	cb.WriteString(strings.Repeat(" ", utf8.RuneCountInString(prefix)))
	for _, r := range runes[from:c] {
		if r == '\t' {
			cb.WriteByte('\t')
		} else {
			cb.WriteByte(' ')
		}
	}
	cb.WriteByte('^')
	return prefix + string(runes[from:to]) + suffix, cb.String(), true
}

// Report is the JSON form of a validation: every field of every finding,
// per file, with totals. Error is set instead when validation could not
// run (unreadable input, bad flags).
type Report struct {
	Files    []FileReport `json:"files"`
	Errors   int          `json:"errors"`
	Warnings int          `json:"warnings"`
	Notes    int          `json:"notes"`
	Error    string       `json:"error,omitempty"`
}

// FileReport is one file of a Report.
type FileReport struct {
	File string `json:"file"`
	// Product is the product whose rules applied, ProductReason why.
	Product       Product   `json:"product,omitempty"`
	ProductReason string    `json:"productReason,omitempty"`
	Valid         bool      `json:"valid"`
	Errors        int       `json:"errors"`
	Warnings      int       `json:"warnings"`
	Notes         int       `json:"notes"`
	Findings      []Finding `json:"findings"`
}

// NewReport builds the JSON report of results.
func NewReport(results []*Result) Report {
	rep := Report{Files: []FileReport{}}
	for _, r := range results {
		fr := FileReport{File: r.File, Product: r.Product, ProductReason: r.ProductReason, Valid: r.Errors() == 0, Errors: r.Errors(), Warnings: r.Warnings(), Notes: r.Notes(), Findings: r.Findings}
		if fr.Findings == nil {
			fr.Findings = []Finding{}
		}
		rep.Files = append(rep.Files, fr)
		rep.Errors += fr.Errors
		rep.Warnings += fr.Warnings
		rep.Notes += fr.Notes
	}
	return rep
}

// WriteJSON writes the report of results as indented JSON.
func WriteJSON(w io.Writer, results []*Result) error {
	return writeReport(w, NewReport(results))
}

// WriteJSONError writes a report that carries only a fatal error, so that
// machines reading --format json get JSON in every case.
func WriteJSONError(w io.Writer, err error) error {
	return writeReport(w, Report{Files: []FileReport{}, Error: err.Error()})
}

func writeReport(w io.Writer, rep Report) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(rep)
}

// WriteGitHub writes findings as GitHub Actions workflow commands, which
// show as annotations on the pull request: errors as ::error, warnings as
// ::warning, notes as ::notice. A plain summary line per file follows.
func WriteGitHub(w io.Writer, results []*Result) error {
	var b bytes.Buffer
	for _, r := range results {
		for _, f := range r.Findings {
			cmd := "notice"
			switch f.Severity {
			case SeverityError:
				cmd = "error"
			case SeverityWarning:
				cmd = "warning"
			}
			msg := f.Message
			if f.Pointer != "" {
				msg += " (at " + f.Pointer + ")"
			}
			if f.Suggestion != "" {
				msg += "\n" + f.Suggestion
			}
			fmt.Fprintf(&b, "::%s file=%s,line=%d,col=%d,title=%s::%s\n", cmd,
				escapeProperty(r.File), f.Line, f.Column, escapeProperty(f.Rule), escapeData(msg))
		}
		fmt.Fprintln(&b, summary(r, func(_, s string) string { return s }))
	}
	_, err := w.Write(b.Bytes())
	return err
}

// escapeData and escapeProperty encode text the way the Actions runner
// decodes workflow command values.
func escapeData(s string) string {
	return strings.NewReplacer("%", "%25", "\r", "%0D", "\n", "%0A").Replace(s)
}

func escapeProperty(s string) string {
	return strings.NewReplacer("%", "%25", "\r", "%0D", "\n", "%0A", ":", "%3A", ",", "%2C").Replace(s)
}
