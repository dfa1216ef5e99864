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

// The webhook events of Jira and Confluence, from the Connect webhook
// module pages of each product (developer.atlassian.com, cloud/jira/
// platform/modules/webhook and cloud/confluence/modules/webhook) and the
// Jira webhooks page. Products add events, and an event that is not on
// the list is never delivered rather than refused, so validate warns.
var jiraEvents = []string{
	"jira:issue_created", "jira:issue_updated", "jira:issue_deleted", "jira:worklog_updated",
	"comment_created", "comment_updated", "comment_deleted",
	"issue_property_set", "issue_property_deleted",
	"worklog_created", "worklog_updated", "worklog_deleted",
	"attachment_created", "attachment_deleted",
	"issuelink_created", "issuelink_deleted",
	"issuetype_created", "issuetype_updated", "issuetype_deleted",
	"project_created", "project_updated", "project_deleted", "project_soft_deleted",
	"project_restored_deleted", "project_archived", "project_restored_archived",
	"jira:version_created", "jira:version_updated", "jira:version_deleted", "jira:version_released",
	"jira:version_unreleased", "jira:version_moved", "jira:version_merged",
	"user_created", "user_updated", "user_deleted",
	"filter_created", "filter_updated", "filter_deleted",
	"option_voting_changed", "option_watching_changed", "option_unassigned_issues_changed",
	"option_subtasks_changed", "option_attachments_changed", "option_issuelinks_changed",
	"option_timetracking_changed",
	"sprint_created", "sprint_updated", "sprint_deleted", "sprint_started", "sprint_closed",
	"board_created", "board_updated", "board_deleted", "board_configuration_changed",
	"jira_expression_evaluation_failed",
	"connect_addon_enabled", "connect_addon_disabled",
}

var confluenceEvents = []string{
	"page_created", "page_updated", "page_removed", "page_restored", "page_trashed", "page_viewed",
	"page_moved", "page_copied", "page_children_reordered", "page_archived", "page_unarchived",
	"page_initialized", "page_started", "page_snapshotted", "page_published",
	"blog_created", "blog_updated", "blog_removed", "blog_restored", "blog_trashed", "blog_viewed",
	"blueprint_page_created",
	"comment_created", "comment_updated", "comment_removed",
	"content_created", "content_updated", "content_removed", "content_restored", "content_trashed",
	"content_permissions_updated",
	"attachment_created", "attachment_updated", "attachment_removed", "attachment_restored",
	"attachment_trashed", "attachment_viewed", "attachment_archived", "attachment_unarchived",
	"label_added", "label_removed", "label_created", "label_deleted",
	"space_created", "space_updated", "space_removed", "space_logo_updated", "space_permissions_updated",
	"user_created", "user_removed", "user_deactivated", "user_reactivated", "user_followed",
	"group_created", "group_removed",
	"relation_created", "relation_deleted",
	"search_performed", "theme_enabled",
	"connect_addon_enabled", "connect_addon_disabled",
}

// ProductEvents returns the documented webhook events of p.
func ProductEvents(p Product) []string {
	return append([]string(nil), p.Info().events...)
}

// jiraLocations and confluenceLocations are well-known web sections of Jira and Confluence, for
// the did-you-mean of a near miss only: apps may place items in any web
// section, including other apps', so a location not listed is fine.
var (
	jiraLocations = []string{
		"system.top.navigation.bar", "system.user.options/personal", "system.admin/globalsettings",
		"admin_plugins_menu", "atl.admin/menu", "atl.jira.proj.config",
		"atl.jira.view.issue.right.context", "atl.jira.view.issue.left.context",
		"jira.project.sidebar.plugins.navigation", "jira.issue.tools", "jira.navigator.pluggable.items",
		"operations-top-level", "operations-work", "operations-attachments", "operations-voting",
		"operations-operations", "operations-subtasks", "operations-delete",
		"jira.agile.board.tools", "jira.agile.board.configuration",
	}
	confluenceLocations = []string{
		"system.header/left", "system.help/content", "system.user/content", "system.dashboard",
		"system.admin/configuration", "system.admin/globalsettings", "atl.general",
		"system.content.action", "system.content.action/primary", "system.content.action/secondary",
		"system.content.action/modify", "system.content.button", "system.content.metadata",
		"system.space.tools/addons", "system.space.admin/addons",
	}
)

// nearMiss returns the well-known location s is a typo of: the same but
// for case, or at most two edits away (one for short values); "" when s is
// well known itself or not close to any.
func nearMiss(s string, known []string) string {
	if isKnown(known, s) {
		return ""
	}
	limit := 2
	if len([]rune(s)) < 12 {
		limit = 1
	}
	ls := strings.ToLower(s)
	best, bestD := "", limit+1
	for _, k := range known {
		lk := strings.ToLower(k)
		if lk == ls {
			return k
		}
		if d := editDistance(ls, lk); d < bestD {
			best, bestD = k, d
		}
	}
	return best
}
