package forge

import (
	"strings"
	"testing"

	"github.com/connectgen/connectgen/internal/descriptor"
)

func isForgeModule(s string) bool {
	for _, m := range forgeModules {
		if m == s {
			return true
		}
	}
	return false
}

func isForgeScope(s string) bool {
	for _, m := range forgeScopes {
		if m == s {
			return true
		}
	}
	return false
}

// checkRow holds what is true of every row: a source, a Forge side exactly
// when the fit is not none, and advice wherever something is lost.
func checkRow(t *testing.T, r Row) {
	t.Helper()
	if r.Source == "" {
		t.Errorf("%s: no source", r.Connect)
	}
	switch r.Fit {
	case FitNone:
		if len(r.Forge) > 0 {
			t.Errorf("%s: fit none but Forge %v", r.Connect, r.Forge)
		}
	case FitBuiltIn:
	case FitGood, FitPartial, FitWeak:
		if len(r.Forge) == 0 {
			t.Errorf("%s: fit %s but no Forge item", r.Connect, r.Fit)
		}
	default:
		t.Errorf("%s: unknown fit %q", r.Connect, r.Fit)
	}
	if r.Fit != FitGood && r.Instead == "" {
		t.Errorf("%s: fit %s without what to do instead", r.Connect, r.Fit)
	}
}

// TestModuleRows checks each module and location row names Forge module
// types that exist, with the Connect kind and location the validator
// knows.
func TestModuleRows(t *testing.T) {
	kinds := moduleKinds(t)
	for _, r := range append(copyRows(moduleRows), locationRows...) {
		t.Run(r.Connect, func(t *testing.T) {
			checkRow(t, r)
			kind, loc, hasLoc := strings.Cut(r.Connect, "@")
			if !contains(kinds, kind) {
				t.Errorf("module kind %q is not one the validator knows (%v)", kind, kinds)
			}
			if hasLoc && !contains(descriptor.KnownLocations(kind), loc) {
				t.Errorf("location %q is not one the validator knows for %s", loc, kind)
			}
			for _, f := range r.Forge {
				if !isForgeModule(f) && f != Trigger {
					t.Errorf("%q is not a Forge Bitbucket module type", f)
				}
			}
		})
	}
}

// TestScopeRows checks each scope row against Forge's scope list and the
// validator's Connect scopes.
func TestScopeRows(t *testing.T) {
	for _, r := range scopeRows {
		t.Run(r.Connect, func(t *testing.T) {
			checkRow(t, r)
			if !contains(knownScopes(t), r.Connect) {
				t.Errorf("%q is not a Connect scope the validator knows", r.Connect)
			}
			for _, f := range r.Forge {
				if !isForgeScope(f) {
					t.Errorf("%q is not a Forge Bitbucket scope", f)
				}
				if strings.HasPrefix(f, "write:") && !contains(r.Forge, "read:"+strings.TrimPrefix(f, "write:")) {
					t.Errorf("%s: Forge's write scopes do not imply read; %q needs its read scope too", r.Connect, f)
				}
			}
			if descriptor.RetiredScope(r.Connect) != "" && r.Fit != FitNone {
				t.Errorf("%s is retired but maps to %v", r.Connect, r.Forge)
			}
		})
	}
}

// TestEventRows checks each event row: the Forge event exists, and the
// Forge scope it needs is one the Connect event's own scope maps to, so a
// migrated app that kept its scopes still receives the event.
func TestEventRows(t *testing.T) {
	for _, r := range eventRows {
		t.Run(r.Connect, func(t *testing.T) {
			checkRow(t, r)
			if !contains(descriptor.KnownEvents(), r.Connect) {
				t.Errorf("%q is not a Connect event the validator knows", r.Connect)
			}
			connectScope, _ := find(scopeRows, descriptor.EventScope(r.Connect))
			for _, f := range r.Forge {
				need, ok := forgeEventScopes[f]
				if !ok {
					t.Fatalf("%q is not a Forge Bitbucket event", f)
				}
				if !contains(connectScope.Forge, need) {
					t.Errorf("%s → %s needs %s, which the Connect scope %q does not map to (%v)", r.Connect, f, need, connectScope.Connect, connectScope.Forge)
				}
			}
			if descriptor.RetiredEvent(r.Connect) != "" && r.Fit != FitNone {
				t.Errorf("%s is retired but maps to %v", r.Connect, r.Forge)
			}
		})
	}
}

func TestLifecycleAndKeyRows(t *testing.T) {
	for _, r := range append(copyRows(lifecycleRows), keyRows...) {
		t.Run(r.Connect, func(t *testing.T) {
			checkRow(t, r)
			if _, ok := find(lifecycleRows, r.Connect); ok && !contains(lifecycleHooks(t), r.Connect) {
				t.Errorf("lifecycle hook %q is not one the validator knows", r.Connect)
			}
			if _, ok := find(keyRows, r.Connect); ok && !contains(rootKeys(t), r.Connect) {
				t.Errorf("key %q is not one the validator knows", r.Connect)
			}
		})
	}
	checkRow(t, conditionRow)
}

// TestEveryConnectItemMapped fails when the validator learns a module
// kind, location, scope, event or lifecycle hook the migration has no row
// for.
func TestEveryConnectItemMapped(t *testing.T) {
	for _, k := range moduleKinds(t) {
		if _, ok := find(moduleRows, k); !ok {
			t.Errorf("module kind %q has no row in moduleRows", k)
		}
		for _, loc := range descriptor.KnownLocations(k) {
			if _, ok := find(locationRows, k+"@"+loc); !ok {
				t.Errorf("location %s@%s has no row in locationRows", k, loc)
			}
		}
	}
	for _, s := range knownScopes(t) {
		if _, ok := find(scopeRows, s); !ok {
			t.Errorf("scope %q has no row in scopeRows", s)
		}
	}
	for _, e := range descriptor.KnownEvents() {
		if _, ok := find(eventRows, e); !ok {
			t.Errorf("event %q has no row in eventRows", e)
		}
	}
	for _, h := range lifecycleHooks(t) {
		if _, ok := find(lifecycleRows, h); !ok {
			t.Errorf("lifecycle hook %q has no row in lifecycleRows", h)
		}
	}
	// The vocabulary itself must not be empty, or the loops above prove
	// nothing.
	if len(moduleKinds(t)) < 14 || len(knownScopes(t)) < 24 || len(descriptor.KnownEvents()) < 32 || len(lifecycleHooks(t)) != 4 {
		t.Errorf("the validator's vocabulary looks truncated: %d kinds, %d scopes, %d events, %d hooks",
			len(moduleKinds(t)), len(knownScopes(t)), len(descriptor.KnownEvents()), len(lifecycleHooks(t)))
	}
	// Forge's side, as transcribed from @forge/manifest 13.7.0.
	if len(forgeModules) != 15 || len(forgeScopes) != 19 || len(forgeEventScopes) != 15 {
		t.Errorf("Forge vocabulary: %d modules (want 15), %d scopes (want 19), %d events (want 15)", len(forgeModules), len(forgeScopes), len(forgeEventScopes))
	}
}

// TestRowsUnique: a Connect item with two rows would map by whichever
// comes first.
func TestRowsUnique(t *testing.T) {
	for _, tb := range tables() {
		seen := map[string]bool{}
		for _, r := range tb.Rows {
			if seen[r.Connect] {
				t.Errorf("%s: %q has two rows", tb.Name, r.Connect)
			}
			seen[r.Connect] = true
		}
	}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
