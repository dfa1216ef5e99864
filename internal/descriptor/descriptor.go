// Package descriptor checks a Connect app descriptor
// (atlassian-connect.json) the way Bitbucket, Jira or Confluence would at
// install time, so that mistakes surface at the developer's desk instead
// of as a failed install. The product comes from Options.Product, else
// DetectProduct; Jira's and Confluence's rules are in product.go, cloud.go
// and their schemas (schema-jira.json, schema-confluence.json), written
// from Atlassian's Connect module reference (see the spec, §4, and
// testdata/jira-confluence/README.md for how they differ from the 2019
// public schema).
//
// Atlassian publishes no schema for Bitbucket descriptors and
// atlassian-connect-express validates only Jira and Confluence ones, so the
// rules here come from Bitbucket's module documentation and real
// descriptors (see the spec, §2). The structural rules live in a JSON
// Schema that connectgen writes and embeds (Schema; also written into
// generated projects for editors), checked by a validator for the
// keywords that schema uses (jsonschema.go); the rules a schema cannot
// express (scopes, webhook events and their scopes, locations, URLs,
// unique module keys) are Go code. Every finding has a stable rule id, a
// severity, a JSON pointer and the line and column of the key or value it
// is about, because the descriptor is parsed as JSON5 with positions.
//
// The package is also the one place where descriptor rules live for the
// rest of connectgen: `new` checks app keys with ValidAppKey, `run` and the
// local Bitbucket host refuse descriptors whose Result has errors.
package descriptor

import (
	_ "embed"
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/connectgen/connectgen/internal/json5"
)

// Severity says how much a finding matters: errors make Bitbucket refuse
// the descriptor or break the app, warnings are likely mistakes, notes are
// information.
type Severity string

// The severities.
const (
	SeverityError   Severity = "error"
	SeverityWarning Severity = "warning"
	SeverityNote    Severity = "note"
)

// Finding is one problem in a descriptor.
type Finding struct {
	// Rule is the stable id of the rule, e.g. "unknown-property".
	Rule     string   `json:"rule"`
	Severity Severity `json:"severity"`
	Message  string   `json:"message"`
	// Pointer is the RFC 6901 JSON pointer of the value the finding is
	// about ("" for the whole document).
	Pointer string `json:"pointer"`
	// Line and Column (from 1, columns in characters) locate the key or
	// value in the source.
	Line   int `json:"line"`
	Column int `json:"column"`
	// Suggestion says how to fix it, when there is something to say.
	Suggestion string `json:"suggestion,omitempty"`
}

// Options changes how a descriptor is read.
type Options struct {
	// BaseURL replaces {{localBaseUrl}}, as atlassian-connect-express does
	// when it serves the descriptor. Without it the token stays a
	// placeholder and the rules that need a real URL report that they were
	// skipped.
	BaseURL string
	// Environment replaces {{environment}} and AppKey replaces {{appKey}}
	// (ACE takes them from NODE_ENV and AC_APP_KEY).
	Environment string
	AppKey      string
	// Product is the product whose rules apply; "" detects it from the
	// descriptor (DetectProduct).
	Product Product
}

// Result is the outcome of validating one descriptor.
type Result struct {
	// File is the name the descriptor was read from (a path, a URL or "-").
	File string `json:"file"`
	// Findings are sorted by position.
	Findings []Finding `json:"findings"`
	// Product is the product whose rules were applied, and ProductReason
	// why: given, or what DetectProduct saw.
	Product       Product `json:"product,omitempty"`
	ProductReason string  `json:"productReason,omitempty"`
	// Source is the descriptor as read, for quoting lines.
	Source []byte `json:"-"`

	root *json5.Node
}

// Errors counts the findings of severity error.
func (r *Result) Errors() int { return r.count(SeverityError) }

// Warnings counts the findings of severity warning.
func (r *Result) Warnings() int { return r.count(SeverityWarning) }

// Notes counts the findings of severity note.
func (r *Result) Notes() int { return r.count(SeverityNote) }

func (r *Result) count(s Severity) int {
	n := 0
	for _, f := range r.Findings {
		if f.Severity == s {
			n++
		}
	}
	return n
}

// Root is the parsed descriptor with placeholders substituted, or nil when
// it could not be parsed.
func (r *Result) Root() *json5.Node { return r.root }

// Scopes returns the scopes the descriptor declares. declared is false when
// there is no scopes array, which Bitbucket reads as "all scopes".
func (r *Result) Scopes() (scopes []string, declared bool) {
	n := r.root.Get("scopes")
	if n == nil || n.Kind != json5.Array {
		return nil, false
	}
	for _, e := range n.Elems {
		if e.Kind == json5.String {
			scopes = append(scopes, e.Str)
		}
	}
	return scopes, true
}

//go:embed schema.json
var schemaJSON []byte

// App key limits. Bitbucket's docs give no pattern; these are the rules
// Atlassian's Connect descriptor reference gives for Jira and Confluence
// (pattern ^[a-zA-Z0-9-._]+$, at most 64 characters), which every real
// Bitbucket key we have seen follows.
const (
	MaxAppKeyLength    = 64
	MaxModuleKeyLength = 128
	MaxURLLength       = 2048
	MaxEventLength     = 64
)

// ValidAppKey checks an app key before it is written into a descriptor;
// the error names the rule that failed (key-length or key-pattern).
func ValidAppKey(key string) error {
	if key == "" {
		return errors.New("app key is empty (rule key-pattern): use letters, digits, '-', '.' and '_'")
	}
	if n := len([]rune(key)); n > MaxAppKeyLength {
		return fmt.Errorf("app key is %d characters, more than %d (rule key-length)", n, MaxAppKeyLength)
	}
	for i, r := range key {
		if !isAppKeyRune(r) {
			return fmt.Errorf("app key %q has %q at position %d (rule key-pattern): only letters, digits, '-', '.' and '_' are allowed", key, r, len([]rune(key[:i]))+1)
		}
	}
	return nil
}

func isAppKeyRune(r rune) bool {
	return r == '-' || r == '.' || r == '_' || (r >= 'a' && r <= 'z') || (r >= 'A' && r <= 'Z') || (r >= '0' && r <= '9')
}

// Validate parses src as JSON5 and checks it. It never fails: input that
// is not JSON5 is reported as a json-syntax finding.
func Validate(file string, src []byte, opts Options) *Result {
	r := &Result{File: file, Source: src, Findings: []Finding{}, Product: opts.Product}
	if opts.Product != "" {
		r.ProductReason = "given"
	}
	doc, err := json5.Parse(src)
	if err != nil {
		f := Finding{Rule: "json-syntax", Severity: SeverityError, Line: 1, Column: 1}
		var se *json5.SyntaxError
		var tl *json5.TooLargeError
		switch {
		case errors.As(err, &se):
			f.Message = se.Msg
			f.Line, f.Column = se.Pos.Line, se.Pos.Column
			if errors.Is(err, json5.ErrTooDeep) {
				f.Rule = "json-too-deep"
			}
		case errors.As(err, &tl):
			f.Rule = "json-too-large"
			f.Message = fmt.Sprintf("the descriptor is %s, more than the limit of %s", json5.FormatSize(tl.Size), json5.FormatSize(tl.Limit))
		default:
			f.Message = err.Error()
		}
		r.Findings = append(r.Findings, f)
		return r
	}
	r.root = doc.Root
	if r.Product == "" {
		r.Product, r.ProductReason = DetectProduct(doc.Root)
	}
	v := &validation{r: r, opts: opts, product: r.Product}
	for _, d := range doc.Duplicates {
		v.add(Finding{Rule: "json-duplicate-key", Severity: SeverityWarning, Pointer: d.Pointer, Line: d.Pos.Line, Column: d.Pos.Column,
			Message:    fmt.Sprintf("key %q repeats the one at %d:%d; atlassian-connect-express keeps only the last value", d.Key, d.First.Line, d.First.Column),
			Suggestion: "remove one of the two"})
	}
	v.substitute(doc.Root)
	if doc.Root.Kind != json5.Object {
		v.add(Finding{Rule: "type", Severity: SeverityError, Line: doc.Root.Pos.Line, Column: doc.Root.Pos.Column,
			Message: fmt.Sprintf("a descriptor is a JSON object, not %s", article(doc.Root.Kind))})
		return r
	}
	v.nonFinite(doc.Root, nil)
	v.lifecycle()
	v.schema()
	v.rules()
	sortFindings(r.Findings)
	return r
}

// validation carries one run of the checks.
type validation struct {
	r       *Result
	opts    Options
	product Product
	// skipped are pointers whose schema findings a Go rule replaces with a
	// more specific one.
	skipped map[string]bool
}

func (v *validation) add(f Finding) { v.r.Findings = append(v.r.Findings, f) }

// at builds a finding located at node n (its value) with pointer ptr.
func (v *validation) at(n *json5.Node, ptr, rule string, sev Severity, msg, suggestion string) {
	f := Finding{Rule: rule, Severity: sev, Message: msg, Pointer: ptr, Suggestion: suggestion, Line: 1, Column: 1}
	if n != nil {
		f.Line, f.Column = n.Pos.Line, n.Pos.Column
	}
	v.add(f)
}

// atKey builds a finding located at the key of member m.
func (v *validation) atKey(m *json5.Member, ptr, rule string, sev Severity, msg, suggestion string) {
	v.add(Finding{Rule: rule, Severity: sev, Message: msg, Pointer: ptr, Suggestion: suggestion, Line: m.KeyPos.Line, Column: m.KeyPos.Column})
}

// Placeholders atlassian-connect-express replaces when it serves the
// descriptor.
const (
	tokenBaseURL     = "{{localBaseUrl}}"
	tokenEnvironment = "{{environment}}"
	tokenAppKey      = "{{appKey}}"
)

// HasPlaceholder reports whether s holds one of the placeholders that
// atlassian-connect-express replaces when it serves the descriptor
// ({{localBaseUrl}}, {{environment}}, {{appKey}}): such a value is not
// known until the app runs.
func HasPlaceholder(s string) bool {
	return strings.Contains(s, tokenBaseURL) || strings.Contains(s, tokenEnvironment) || strings.Contains(s, tokenAppKey)
}

// substitute replaces the placeholders in string values as ACE does:
// values only (never keys), and only the first occurrence in each string
// (ACE calls String.prototype.replace with a string pattern).
func (v *validation) substitute(n *json5.Node) {
	switch n.Kind {
	case json5.String:
		for _, p := range [...]struct{ token, value string }{
			{tokenBaseURL, v.opts.BaseURL}, {tokenEnvironment, v.opts.Environment}, {tokenAppKey, v.opts.AppKey},
		} {
			if p.value != "" {
				n.Str = strings.Replace(n.Str, p.token, p.value, 1)
			}
		}
	case json5.Array:
		for _, e := range n.Elems {
			v.substitute(e)
		}
	case json5.Object:
		for _, m := range n.Members {
			v.substitute(m.Value)
		}
	}
}

// nonFinite reports Infinity and NaN: JSON5 allows them, but ACE serves the
// descriptor through JSON.stringify, which turns them into null. path holds
// the pointer tokens to n; the pointer is built only for a finding.
func (v *validation) nonFinite(n *json5.Node, path []string) {
	switch n.Kind {
	case json5.Number:
		if math.IsInf(n.Float, 0) || math.IsNaN(n.Float) {
			ptr := ""
			for _, t := range path {
				ptr += "/" + t
			}
			v.at(n, ptr, "type", SeverityError, fmt.Sprintf("%s is not a JSON number; atlassian-connect-express would serve it as null", n.Raw), "use a finite number")
		}
	case json5.Array:
		for i, e := range n.Elems {
			if e.Kind >= json5.Number && e.Kind != json5.String {
				v.nonFinite(e, append(path, strconv.Itoa(i)))
			}
		}
	case json5.Object:
		for _, m := range n.Members {
			if k := m.Value.Kind; k == json5.Number || k == json5.Array || k == json5.Object {
				v.nonFinite(m.Value, append(path, json5.PointerToken(m.Key)))
			}
		}
	}
}

func article(k json5.Kind) string {
	switch k {
	case json5.Array, json5.Object:
		return "an " + k.String()
	case json5.Null:
		return "null"
	}
	return "a " + k.String()
}
