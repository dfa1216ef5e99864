package descriptor

import (
	"fmt"
	"sort"
	"strings"

	"github.com/connectgen/connectgen/internal/json5"
)

// ScopeChange is how the scopes a descriptor grants differ from those of
// a previous version, implications followed (repository:write grants
// repository) and a missing scopes array read as all scopes, as Bitbucket
// reads it.
type ScopeChange struct {
	Added   []string `json:"added"`
	Removed []string `json:"removed"`
	// AllScopes is set when the new descriptor has no scopes array and the
	// previous one had: it now asks for every scope.
	AllScopes bool `json:"allScopes,omitempty"`
}

// Increased says whether the new descriptor asks for more than the old.
func (c ScopeChange) Increased() bool { return len(c.Added) > 0 }

func grantedScopes(r *Result) map[string]bool {
	if r.Product.Info().CloudRules {
		// Jira and Confluence grant nothing beyond the declared scopes.
		scopes, _ := r.Scopes()
		return closeCloudScopes(scopes)
	}
	return GrantedScopes(r.Scopes())
}

// CompareScopes compares the scopes of cur with those of prev.
func CompareScopes(prev, cur *Result) ScopeChange {
	before, after := grantedScopes(prev), grantedScopes(cur)
	var c ScopeChange
	for s := range after {
		if !before[s] {
			c.Added = append(c.Added, s)
		}
	}
	for s := range before {
		if !after[s] {
			c.Removed = append(c.Removed, s)
		}
	}
	sort.Strings(c.Added)
	sort.Strings(c.Removed)
	_, prevDeclared := prev.Scopes()
	_, curDeclared := cur.Scopes()
	c.AllScopes = prevDeclared && !curDeclared
	return c
}

// AddScopeIncrease records an increase in c as a scope-increase finding of
// severity sev on r, located at the first scope that brings it (or at the
// descriptor when it has no scopes array). It does nothing when the scopes
// did not increase.
func (r *Result) AddScopeIncrease(c ScopeChange, sev Severity) {
	if !c.Increased() || r.root == nil {
		return
	}
	f := Finding{Rule: "scope-increase", Severity: sev, Line: r.root.Pos.Line, Column: r.root.Pos.Column,
		Suggestion: "ask only for the scopes the app needs; if it needs these, expect installations to stay on the previous version until the owners approve"}
	added := quoteList(c.Added)
	consequence := r.Product.Info().ScopeIncrease
	if c.AllScopes {
		f.Pointer = "/scopes"
		f.Message = fmt.Sprintf("the descriptor no longer lists scopes, which asks for all of them (adds %s): %s", added, consequence)
	} else {
		f.Message = fmt.Sprintf("the descriptor asks for more scopes than the previous one (adds %s): %s", added, consequence)
		scopes := r.root.Get("scopes")
		f.Pointer, f.Line, f.Column = "/scopes", scopes.Pos.Line, scopes.Pos.Column
		addedSet := map[string]bool{}
		for _, s := range c.Added {
			addedSet[s] = true
		}
		for i, e := range scopes.Elems {
			if e.Kind != json5.String {
				continue
			}
			if brings(e.Str, addedSet) {
				f.Pointer, f.Line, f.Column = fmt.Sprintf("/scopes/%d", i), e.Pos.Line, e.Pos.Column
				break
			}
		}
	}
	r.Findings = append(r.Findings, f)
	sortFindings(r.Findings)
}

// brings says whether scope grants any scope of added.
func brings(scope string, added map[string]bool) bool {
	for s := range closeScopes([]string{scope}) {
		if added[s] {
			return true
		}
	}
	return false
}

// String describes the change in one line, e.g. "+issue +pullrequest -wiki".
func (c ScopeChange) String() string {
	var parts []string
	for _, s := range c.Added {
		parts = append(parts, "+"+s)
	}
	for _, s := range c.Removed {
		parts = append(parts, "-"+s)
	}
	if len(parts) == 0 {
		return "no change"
	}
	return strings.Join(parts, " ")
}
