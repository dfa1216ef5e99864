package descriptor

import (
	"sort"
	"strings"
)

// The vocabularies below are from the spec (§2), which took them from
// Bitbucket's module and scope documentation.

// knownScopes are the scopes Bitbucket accepts in a Connect descriptor.
var knownScopes = []string{
	"account", "account:write", "email", "team", "team:write", "project", "project:admin",
	"repository", "repository:write", "repository:admin", "repository:delete",
	"pullrequest", "pullrequest:write", "issue", "issue:write", "wiki",
	"snippet", "snippet:write", "webhook", "pipeline", "pipeline:write", "pipeline:variable",
	"runner", "runner:write",
}

// removedScopes were accepted once and are refused now.
var removedScopes = map[string]struct{ since, instead string }{
	"project:write": {"2023-05-15", `use "project:admin" to change projects, or "project" to read them`},
}

// impliedScopes says what a scope grants besides itself. Bitbucket's scope
// page states "repository:write implies repository" and that
// repository:admin implies neither; the ":write implies read" pairs of
// the other families and "pullrequest implies repository" are stated
// there too. A scope missing here only makes the checks stricter.
var impliedScopes = map[string][]string{
	"repository:write":  {"repository"},
	"pullrequest":       {"repository"},
	"pullrequest:write": {"pullrequest", "repository"},
	"issue:write":       {"issue"},
	"snippet:write":     {"snippet"},
	"account:write":     {"account"},
	"team:write":        {"team"},
	"project:admin":     {"project"},
	"pipeline:write":    {"pipeline"},
	"runner:write":      {"runner"},
}

// closeScopes returns the set of scopes granted by scopes, implications
// followed.
func closeScopes(scopes []string) map[string]bool { return closeWith(scopes, impliedScopes) }

// closeWith returns scopes and every scope they imply by implied.
func closeWith(scopes []string, implied map[string][]string) map[string]bool {
	set := map[string]bool{}
	var add func(string)
	add = func(s string) {
		if set[s] {
			return
		}
		set[s] = true
		for _, t := range implied[s] {
			add(t)
		}
	}
	for _, s := range scopes {
		add(s)
	}
	return set
}

// knownEvents are the webhook events of the Connect docs and the REST API.
var knownEvents = []string{
	"issue:comment_created", "issue:created", "issue:updated", "project:updated",
	"pullrequest:approved", "pullrequest:comment_created", "pullrequest:comment_deleted",
	"pullrequest:comment_reopened", "pullrequest:comment_resolved", "pullrequest:comment_updated",
	"pullrequest:created", "pullrequest:fulfilled", "pullrequest:rejected", "pullrequest:superseded",
	"pullrequest:unapproved", "pullrequest:updated", "pullrequest:push",
	"pullrequest:changes_request_created", "pullrequest:changes_request_removed",
	"repo:branch_created", "repo:branch_deleted", "repo:commit_comment_created",
	"repo:commit_status_created", "repo:commit_status_updated", "repo:created", "repo:deleted",
	"repo:fork", "repo:imported", "repo:push", "repo:transfer", "repo:updated",
	"user:account_property_changed",
}

// EventFamily is a family of webhook events: the prefix of their names,
// the scope an app needs to receive them (since 2020 Bitbucket delivers
// an event only with its scope) and one event of the family, which the
// local host sends for a "*" webhook.
type EventFamily struct{ Prefix, Scope, Sample string }

// eventFamilies: the spec names pullrequest, repo and issue; project:updated
// needs project and the user event account, by the same reading.
var eventFamilies = []EventFamily{
	{FamilyRepo, "repository", "repo:push"},
	{FamilyPullRequest, "pullrequest", "pullrequest:created"},
	{FamilyIssue, "issue", "issue:created"},
	{FamilyProject, "project", "project:updated"},
	{FamilyUser, "account", "user:account_property_changed"},
}

// The prefixes of the event families.
const (
	FamilyRepo        = "repo:"
	FamilyPullRequest = "pullrequest:"
	FamilyIssue       = "issue:"
	FamilyProject     = "project:"
	FamilyUser        = "user:"
)

// EventFamilyOf returns the family of event, and false for an event of no
// known family.
func EventFamilyOf(event string) (EventFamily, bool) {
	for _, f := range eventFamilies {
		if strings.HasPrefix(event, f.Prefix) {
			return f, true
		}
	}
	return EventFamily{}, false
}

// EventFamilies lists the families of webhook events.
func EventFamilies() []EventFamily { return append([]EventFamily(nil), eventFamilies...) }

// EventScope returns the scope an app needs to receive event, or "".
func EventScope(event string) string {
	f, _ := EventFamilyOf(event)
	return f.Scope
}

// GrantedScopes returns every scope an app holds, implications followed;
// a descriptor without a scopes array (declared false) holds them all.
func GrantedScopes(scopes []string, declared bool) map[string]bool {
	if !declared {
		scopes = knownScopes
	}
	return closeScopes(scopes)
}

func isKnown(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// Module kinds and where each may appear. Bitbucket's list of locations is
// longer than what could be recovered, so an unknown location is a
// warning, not an error.
var knownLocations = map[string][]string{
	"webItems": {
		"org.bitbucket.repository.navigation", "org.bitbucket.repository.actions",
		"org.bitbucket.branch.list.actions", "org.bitbucket.branch.summary.actions",
		"org.bitbucket.branch.summary.info", "org.bitbucket.commit.summary.actions",
		"org.bitbucket.commit.summary.info", "org.bitbucket.pullrequest.summary.actions",
		"org.bitbucket.pullrequest.summary.info", "org.bitbucket.addon.management",
		"org.bitbucket.account.admin.mirror.config.actions",
	},
	"webPanels": {
		"org.bitbucket.repository.overview.informationPanel",
		"org.bitbucket.pullrequest.overview.informationPanel",
	},
	"repoPages":  {"org.bitbucket.repository.navigation", "org.bitbucket.repository.actions"},
	"adminPages": {"org.bitbucket.repository.admin"},
	"webCards":   {"org.bitbucket.pullrequest", "org.bitbucket.source"},
}

// locationKinds lists, for a location, the module kinds it is known for.
func locationKinds(loc string) []string {
	var kinds []string
	for k, locs := range knownLocations {
		if isKnown(locs, loc) {
			kinds = append(kinds, k)
		}
	}
	sort.Strings(kinds)
	return kinds
}

// knownContexts: account is the default; personal was removed on 2023-01-01.
var knownContexts = []string{"account"}
