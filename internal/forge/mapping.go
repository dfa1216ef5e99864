// Package forge moves a Bitbucket Cloud Connect app to Forge: the mapping
// of every part of a Connect descriptor to its Forge equivalent (or to
// "no equivalent" and what to do instead), the migration report built from
// it (Plan), the starter Forge app (Generate) and the descriptor keys that
// point workspace admins to the Forge app (Link).
//
// Bitbucket has no "Connect on Forge" path and Atlassian's converter
// (connect-to-forge) reads only Jira and Confluence descriptors, so the
// tables here are connectgen's own, built from the module, scope and event
// lists of Forge's manifest schema (@forge/manifest 13.7.0) and Atlassian's
// Connect-equivalents page; each row names its source (the spec,
// forge-migration.md §1.6–1.11). Rows marked "inferred" pair names that no
// Atlassian document pairs. The tables are data: tests check every row and
// fail when internal/descriptor learns a module kind, location, scope,
// event or lifecycle hook that has no row here.
package forge

// Fit says how well a Connect item carries over to Forge.
type Fit string

// The fits, from best to worst. Built-in means Forge does the job itself
// (authentication, hosting), so nothing is lost.
const (
	FitGood    Fit = "good"
	FitBuiltIn Fit = "built-in"
	FitPartial Fit = "partial"
	FitWeak    Fit = "weak"
	FitNone    Fit = "none"
)

// rank orders fits for --fail-on: a higher rank is worse.
func (f Fit) rank() int {
	switch f {
	case FitGood, FitBuiltIn:
		return 0
	case FitPartial:
		return 1
	case FitWeak:
		return 2
	}
	return 3
}

// Row is one line of a mapping table.
type Row struct {
	// Connect is the Connect item: a module kind, "kind@location", a
	// scope, an event or a lifecycle hook.
	Connect string `json:"connect"`
	// Forge are the Forge items: module types, permission scopes or
	// trigger events; empty when there is no equivalent.
	Forge []string `json:"forge,omitempty"`
	// Fields says how the Connect fields carry over.
	Fields string `json:"fields,omitempty"`
	Fit    Fit    `json:"fit"`
	// Instead says what to do where the fit is not good, or what is lost.
	Instead string `json:"instead,omitempty"`
	// Source is where the pairing comes from.
	Source string `json:"source"`
}

// Sources of the rows (see the spec for the full references).
const (
	srcEquivalents = "Atlassian's Connect module equivalents page (Bitbucket)"
	srcSchema      = "@forge/manifest 13.7.0 manifest schema"
	srcRFC86       = "RFC-86 replies by Atlassian"
	srcInferred    = "inferred from the names (no Atlassian pairing published)"
	srcEvents      = "@forge/manifest event-to-scope mapping; pairing inferred"
	srcScopes      = "Forge's Bitbucket scope list; pairing inferred from the API-token scope equivalences"
	srcRemoved     = "Bitbucket removed Issues and Wikis in August 2026"
	srcLifecycle   = "Forge events reference (life cycle) and preUninstall module"
)

// Forge module types of Bitbucket (all 15 in the schema).
const (
	RepoMainMenuPage               = "bitbucket:repoMainMenuPage"
	RepoSettingsMenuPage           = "bitbucket:repoSettingsMenuPage"
	ProjectSettingsMenuPage        = "bitbucket:projectSettingsMenuPage"
	WorkspaceSettingsMenuPage      = "bitbucket:workspaceSettingsMenuPage"
	WorkspaceGlobalPage            = "bitbucket:workspaceGlobalPage"
	WorkspacePersonalSettingsPage  = "bitbucket:workspacePersonalSettingsPage"
	RepoCodeOverviewCard           = "bitbucket:repoCodeOverviewCard"
	RepoCodeOverviewPanel          = "bitbucket:repoCodeOverviewPanel"
	RepoCodeOverviewAction         = "bitbucket:repoCodeOverviewAction"
	RepoCodeFileViewer             = "bitbucket:repoCodeFileViewer"
	RepoPullRequestCard            = "bitbucket:repoPullRequestCard"
	RepoPullRequestOverviewPanel   = "bitbucket:repoPullRequestOverviewPanel"
	RepoPullRequestAction          = "bitbucket:repoPullRequestAction"
	MergeCheck                     = "bitbucket:mergeCheck"
	DynamicPipelinesProvider       = "bitbucket:dynamicPipelinesProvider"
	Trigger                        = "trigger"
	PreUninstall                   = "preUninstall"
	eventInstalled                 = "avi:forge:installed:app"
	noLinkItem                     = "Forge has no plain link item: a web item that only links elsewhere is dropped; put the link inside a page"
	contextUUIDs                   = "context parameters in the URL come from the extension context instead (useProductContext(); it holds UUIDs such as repository.uuid, not full names)"
	pageFields                     = "key → key, name.value → title, url → a UI Kit resource and a resolver; " + contextUUIDs
	forgeOnlyModules               = MergeCheck + ", " + DynamicPipelinesProvider + ", " + ProjectSettingsMenuPage
	proxyInstead                   = "move the logic into Forge functions (resolvers) that call Bitbucket with requestBitbucket asUser() or asApp()"
	conditionInstead               = "Bitbucket's Forge modules take no displayConditions: check in the resolver (e.g. the user's permission via requestBitbucket) and render nothing when it fails"
	oauthInstead                   = "Forge calls Bitbucket as the user or the app without OAuth (asUser()/asApp()); external OAuth services go in manifest providers"
	linkersInstead                 = "no Forge module rewrites text into links; show the linked items in a card or panel instead"
	webhookPayloadNote             = "Forge event payloads carry UUIDs only: fetch the objects with requestBitbucket in the handler"
	deploymentEventsNote           = "Forge-only events: avi:bitbucket:pending/started/completed:deployment (read:pipeline:bitbucket)"
	installedFields                = "no shared secret exchange: Forge authenticates the app itself; keep the Connect shared secrets only for the data migration"
	lifecycleEnabledDisabledLost   = "Forge sends no enabled/disabled events: an app cannot be disabled without being uninstalled"
	authenticationBuiltIn          = "Forge signs and verifies every call itself; Connect JWTs are needed only while migrating data (the generated migration helper)"
	baseURLBuiltIn                 = "Forge hosts the functions and UI; keep a remote back end only through Forge Remote (remotes + endpoint)"
	contextsAccount                = "Forge apps install in workspaces only (not personal workspaces), like contexts [account]"
	licensingFields                = "enableLicensing → app.licensing.enabled"
	issueWikiRemoved               = "Issues and Wikis were removed from Bitbucket Cloud in August 2026: drop it"
	noForgeEvent                   = "no Forge event"
	modalNote                      = "opens a modal instead of navigating or running a link"
	nothingLostForSupersededEvents = "the app no longer learns about it"
)

// moduleRows map module kinds whose Forge equivalent does not depend on a
// location. Kinds with locations are in locationRows, with a row for the
// kind itself (Connect "kind") used when a location has no row.
var moduleRows = []Row{
	{Connect: "webhooks", Forge: []string{Trigger}, Fit: FitPartial, Fields: "one trigger with the mapped events; event → events[], url → a function",
		Instead: "see the events below; " + webhookPayloadNote, Source: srcSchema},
	{Connect: "configurePage", Forge: []string{WorkspaceSettingsMenuPage}, Fit: FitGood, Fields: pageFields + "; useAsConfig: true", Source: srcEquivalents},
	{Connect: "profileTabs", Forge: []string{WorkspacePersonalSettingsPage}, Fit: FitWeak, Fields: pageFields,
		Instead: "Bitbucket has no per-user profile surface in Forge (users live outside workspaces); the nearest is a personal settings page in each workspace", Source: srcRFC86},
	{Connect: "fileViews", Forge: []string{RepoCodeFileViewer}, Fit: FitGood, Fields: "file_matches.extensions → filePattern (a regular expression such as .*\\.(md|txt)$); " + pageFields, Source: srcEquivalents},
	{Connect: "generalPages", Forge: []string{WorkspaceGlobalPage}, Fit: FitPartial, Fields: pageFields,
		Instead: "the page moves to the workspace's \"More\" menu", Source: srcRFC86},
	{Connect: "linkers", Fit: FitNone, Instead: linkersInstead, Source: srcSchema},
	{Connect: "oauthConsumer", Fit: FitBuiltIn, Instead: oauthInstead, Source: srcSchema},
	{Connect: "postInstallRedirect", Forge: []string{WorkspaceGlobalPage}, Fit: FitPartial, Fields: "url → a page with useAsGetStarted: true",
		Instead: "Forge shows a get-started page instead of redirecting after install", Source: srcInferred},
	{Connect: "proxy", Fit: FitNone, Instead: proxyInstead, Source: srcRFC86},
	{Connect: "webItems", Fit: FitNone, Instead: noLinkItem, Source: srcSchema},
	{Connect: "webPanels", Fit: FitNone, Instead: "no Forge panel at this location; see the locations that have one", Source: srcSchema},
	{Connect: "repoPages", Forge: []string{RepoMainMenuPage}, Fit: FitGood, Fields: pageFields + "; params.auiIcon → icon (a resource path or URL, not an AUI name)", Source: srcInferred},
	{Connect: "adminPages", Forge: []string{RepoSettingsMenuPage}, Fit: FitGood, Fields: pageFields, Source: srcEquivalents},
	{Connect: "webCards", Fit: FitNone, Instead: "no Forge card at this location; see the locations that have one", Source: srcSchema},
}

// locationRows map "kind@location".
var locationRows = []Row{
	{Connect: "webItems@org.bitbucket.repository.navigation", Forge: []string{RepoMainMenuPage}, Fit: FitPartial, Fields: pageFields,
		Instead: "a repository menu page replaces the item: Forge has no plain link item", Source: srcInferred},
	{Connect: "webItems@org.bitbucket.repository.actions", Forge: []string{RepoCodeOverviewAction}, Fit: FitPartial, Fields: pageFields, Instead: modalNote, Source: srcInferred},
	{Connect: "webItems@org.bitbucket.pullrequest.summary.actions", Forge: []string{RepoPullRequestAction}, Fit: FitPartial, Fields: pageFields, Instead: modalNote, Source: srcInferred},
	{Connect: "webItems@org.bitbucket.pullrequest.summary.info", Forge: []string{RepoPullRequestCard}, Fit: FitWeak, Fields: pageFields,
		Instead: "the information moves into a card in the pull request's sidebar", Source: srcInferred},
	{Connect: "webItems@org.bitbucket.branch.list.actions", Fit: FitNone, Instead: "Forge has no branch extension point; offer the action from a repository page or action", Source: srcSchema},
	{Connect: "webItems@org.bitbucket.branch.summary.actions", Fit: FitNone, Instead: "Forge has no branch extension point; offer the action from a repository page or action", Source: srcSchema},
	{Connect: "webItems@org.bitbucket.branch.summary.info", Fit: FitNone, Instead: "Forge has no branch extension point; show the information in a repository card", Source: srcSchema},
	{Connect: "webItems@org.bitbucket.commit.summary.actions", Fit: FitNone, Instead: "Forge has no commit extension point; offer the action from a repository page or action", Source: srcSchema},
	{Connect: "webItems@org.bitbucket.commit.summary.info", Fit: FitNone, Instead: "Forge has no commit extension point; show the information in a repository card", Source: srcSchema},
	{Connect: "webItems@org.bitbucket.addon.management", Fit: FitNone, Instead: "use a workspace settings page (bitbucket:workspaceSettingsMenuPage) for the app's management", Source: srcSchema},
	{Connect: "webItems@org.bitbucket.account.admin.mirror.config.actions", Fit: FitNone, Instead: "Forge has no mirror configuration extension point", Source: srcSchema},
	{Connect: "webPanels@org.bitbucket.repository.overview.informationPanel", Forge: []string{RepoCodeOverviewCard, RepoCodeOverviewPanel}, Fit: FitGood,
		Fields: pageFields + "; a card in the Source page's sidebar, or " + RepoCodeOverviewPanel + " for an expandable panel", Source: srcInferred},
	{Connect: "webPanels@org.bitbucket.pullrequest.overview.informationPanel", Forge: []string{RepoPullRequestOverviewPanel, RepoPullRequestCard}, Fit: FitGood,
		Fields: pageFields + "; an expandable panel on the Overview tab, or " + RepoPullRequestCard + " in the sidebar", Source: srcInferred},
	{Connect: "repoPages@org.bitbucket.repository.navigation", Forge: []string{RepoMainMenuPage}, Fit: FitGood, Fields: pageFields + "; params.auiIcon → icon (a resource path or URL, not an AUI name)", Source: srcInferred},
	{Connect: "repoPages@org.bitbucket.repository.actions", Forge: []string{RepoCodeOverviewAction}, Fit: FitPartial, Fields: pageFields, Instead: modalNote, Source: srcInferred},
	{Connect: "adminPages@org.bitbucket.repository.admin", Forge: []string{RepoSettingsMenuPage}, Fit: FitGood, Fields: pageFields, Source: srcEquivalents},
	{Connect: "webCards@org.bitbucket.pullrequest", Forge: []string{RepoPullRequestCard}, Fit: FitGood, Fields: pageFields, Source: srcInferred},
	{Connect: "webCards@org.bitbucket.source", Forge: []string{RepoCodeOverviewCard}, Fit: FitGood, Fields: pageFields, Source: srcInferred},
}

// scopeRows map Connect scopes to Forge permission scopes. Forge's write
// scopes do not imply the read ones, so both are listed.
var scopeRows = []Row{
	{Connect: "account", Forge: []string{"read:user:bitbucket", "read:workspace:bitbucket"}, Fit: FitGood, Source: srcScopes},
	{Connect: "account:write", Forge: []string{"read:user:bitbucket"}, Fit: FitWeak, Instead: "Forge has no scope to change user accounts; reading remains", Source: srcScopes},
	{Connect: "email", Fit: FitNone, Instead: "Forge has no email scope; ask the user, or read the account through requestGraph", Source: srcScopes},
	{Connect: "team", Forge: []string{"read:workspace:bitbucket"}, Fit: FitGood, Source: srcScopes},
	{Connect: "team:write", Forge: []string{"read:workspace:bitbucket", "admin:workspace:bitbucket"}, Fit: FitPartial, Instead: "uncertain pairing: check that the app's calls are allowed with admin:workspace:bitbucket", Source: srcScopes},
	{Connect: "project", Forge: []string{"read:project:bitbucket"}, Fit: FitGood, Source: srcScopes},
	{Connect: "project:admin", Forge: []string{"read:project:bitbucket", "admin:project:bitbucket"}, Fit: FitGood, Source: srcScopes},
	{Connect: "repository", Forge: []string{"read:repository:bitbucket"}, Fit: FitGood, Source: srcScopes},
	{Connect: "repository:write", Forge: []string{"read:repository:bitbucket", "write:repository:bitbucket"}, Fit: FitGood, Source: srcScopes},
	{Connect: "repository:admin", Forge: []string{"admin:repository:bitbucket"}, Fit: FitGood, Source: srcScopes},
	{Connect: "repository:delete", Forge: []string{"delete:repository:bitbucket"}, Fit: FitGood, Source: srcScopes},
	{Connect: "pullrequest", Forge: []string{"read:pullrequest:bitbucket", "read:repository:bitbucket"}, Fit: FitGood, Source: srcScopes},
	{Connect: "pullrequest:write", Forge: []string{"read:pullrequest:bitbucket", "write:pullrequest:bitbucket", "read:repository:bitbucket"}, Fit: FitGood, Source: srcScopes},
	{Connect: "issue", Fit: FitNone, Instead: issueWikiRemoved, Source: srcRemoved},
	{Connect: "issue:write", Fit: FitNone, Instead: issueWikiRemoved, Source: srcRemoved},
	{Connect: "wiki", Fit: FitNone, Instead: issueWikiRemoved, Source: srcRemoved},
	{Connect: "snippet", Fit: FitNone, Instead: "Forge has no snippet scope: snippets cannot be read from a Forge app", Source: srcScopes},
	{Connect: "snippet:write", Fit: FitNone, Instead: "Forge has no snippet scope: snippets cannot be written from a Forge app", Source: srcScopes},
	{Connect: "webhook", Fit: FitNone, Instead: "Forge has no webhook scope: subscribe with triggers instead of managing webhooks through the API", Source: srcScopes},
	{Connect: "pipeline", Forge: []string{"read:pipeline:bitbucket"}, Fit: FitGood, Source: srcScopes},
	{Connect: "pipeline:write", Forge: []string{"read:pipeline:bitbucket", "write:pipeline:bitbucket"}, Fit: FitGood, Source: srcScopes},
	{Connect: "pipeline:variable", Forge: []string{"read:pipeline:bitbucket", "admin:pipeline:bitbucket"}, Fit: FitPartial, Instead: "uncertain pairing: check that variables can be managed with admin:pipeline:bitbucket", Source: srcScopes},
	{Connect: "runner", Forge: []string{"read:runner:bitbucket"}, Fit: FitGood, Source: srcScopes},
	{Connect: "runner:write", Forge: []string{"read:runner:bitbucket", "write:runner:bitbucket"}, Fit: FitGood, Source: srcScopes},
}

// eventRows map Connect webhook events to Forge trigger events.
var eventRows = []Row{
	{Connect: "repo:push", Forge: []string{"avi:bitbucket:push:repository"}, Fit: FitGood, Source: srcEvents},
	{Connect: "repo:created", Forge: []string{"avi:bitbucket:created:repository"}, Fit: FitGood, Source: srcEvents},
	{Connect: "repo:updated", Forge: []string{"avi:bitbucket:updated:repository"}, Fit: FitGood, Source: srcEvents},
	{Connect: "repo:deleted", Forge: []string{"avi:bitbucket:deleted:repository"}, Fit: FitGood, Source: srcEvents},
	{Connect: "pullrequest:created", Forge: []string{"avi:bitbucket:created:pullrequest"}, Fit: FitGood, Source: srcEvents},
	{Connect: "pullrequest:updated", Forge: []string{"avi:bitbucket:updated:pullrequest"}, Fit: FitGood, Source: srcEvents},
	{Connect: "pullrequest:fulfilled", Forge: []string{"avi:bitbucket:fulfilled:pullrequest"}, Fit: FitGood, Source: srcEvents},
	{Connect: "pullrequest:rejected", Forge: []string{"avi:bitbucket:rejected:pullrequest"}, Fit: FitGood, Source: srcEvents},
	{Connect: "pullrequest:comment_created", Forge: []string{"avi:bitbucket:created:pullrequest-comment"}, Fit: FitGood, Source: srcEvents},
	{Connect: "pullrequest:comment_updated", Forge: []string{"avi:bitbucket:updated:pullrequest-comment"}, Fit: FitGood, Source: srcEvents},
	{Connect: "pullrequest:comment_deleted", Forge: []string{"avi:bitbucket:deleted:pullrequest-comment"}, Fit: FitGood, Source: srcEvents},
	{Connect: "pullrequest:approved", Forge: []string{"avi:bitbucket:updated:pullrequest-reviewer-status"}, Fit: FitPartial, Instead: "one reviewer-status event for approvals and change requests: read the new status in the handler", Source: srcEvents},
	{Connect: "pullrequest:unapproved", Forge: []string{"avi:bitbucket:updated:pullrequest-reviewer-status"}, Fit: FitPartial, Instead: "one reviewer-status event for approvals and change requests: read the new status in the handler", Source: srcEvents},
	{Connect: "pullrequest:changes_request_created", Forge: []string{"avi:bitbucket:updated:pullrequest-reviewer-status"}, Fit: FitPartial, Instead: "one reviewer-status event for approvals and change requests: read the new status in the handler", Source: srcEvents},
	{Connect: "pullrequest:changes_request_removed", Forge: []string{"avi:bitbucket:updated:pullrequest-reviewer-status"}, Fit: FitPartial, Instead: "one reviewer-status event for approvals and change requests: read the new status in the handler", Source: srcEvents},
	{Connect: "pullrequest:push", Fit: FitNone, Instead: "no event for pushes to a pull request; a bitbucket:mergeCheck with the on-code-pushed trigger runs on them, or avi:bitbucket:updated:pullrequest may do", Source: srcEvents},
	{Connect: "pullrequest:superseded", Fit: FitNone, Instead: noForgeEvent + ": " + nothingLostForSupersededEvents, Source: srcEvents},
	{Connect: "pullrequest:comment_resolved", Fit: FitNone, Instead: noForgeEvent + ": " + nothingLostForSupersededEvents + " (avi:bitbucket:updated:pullrequest-comment may cover it)", Source: srcEvents},
	{Connect: "pullrequest:comment_reopened", Fit: FitNone, Instead: noForgeEvent + ": " + nothingLostForSupersededEvents + " (avi:bitbucket:updated:pullrequest-comment may cover it)", Source: srcEvents},
	{Connect: "repo:fork", Fit: FitNone, Instead: noForgeEvent + ": forks are not reported; avi:bitbucket:created:repository fires for the new repository in the workspace", Source: srcEvents},
	{Connect: "repo:transfer", Fit: FitNone, Instead: noForgeEvent + ": transfers are not reported", Source: srcEvents},
	{Connect: "repo:imported", Fit: FitNone, Instead: noForgeEvent + ": imports are not reported", Source: srcEvents},
	{Connect: "repo:branch_created", Fit: FitNone, Instead: noForgeEvent + ": read branches from avi:bitbucket:push:repository", Source: srcEvents},
	{Connect: "repo:branch_deleted", Fit: FitNone, Instead: noForgeEvent + ": read branches from avi:bitbucket:push:repository", Source: srcEvents},
	{Connect: "repo:commit_comment_created", Fit: FitNone, Instead: noForgeEvent + ": commit comments are not reported", Source: srcEvents},
	{Connect: "repo:commit_status_created", Fit: FitNone, Instead: noForgeEvent + ": build statuses are not reported; poll the commit statuses API, or use the deployment events for Pipelines", Source: srcEvents},
	{Connect: "repo:commit_status_updated", Fit: FitNone, Instead: noForgeEvent + ": build statuses are not reported; poll the commit statuses API, or use the deployment events for Pipelines", Source: srcEvents},
	{Connect: "issue:created", Fit: FitNone, Instead: issueWikiRemoved, Source: srcRemoved},
	{Connect: "issue:updated", Fit: FitNone, Instead: issueWikiRemoved, Source: srcRemoved},
	{Connect: "issue:comment_created", Fit: FitNone, Instead: issueWikiRemoved, Source: srcRemoved},
	{Connect: "project:updated", Fit: FitNone, Instead: noForgeEvent + ": project changes are not reported", Source: srcEvents},
	{Connect: "user:account_property_changed", Fit: FitNone, Instead: noForgeEvent + ": store per-user data in Forge storage instead of account properties", Source: srcEvents},
}

// lifecycleRows map lifecycle callbacks.
var lifecycleRows = []Row{
	{Connect: "installed", Forge: []string{Trigger + " " + eventInstalled}, Fit: FitPartial, Fields: installedFields,
		Instead: "the generated app runs the data migration here", Source: srcLifecycle},
	{Connect: "uninstalled", Forge: []string{PreUninstall}, Fit: FitPartial, Fields: "a preUninstall function (55 s, no user context)",
		Instead: "it runs before the uninstall, not after", Source: srcLifecycle},
	{Connect: "enabled", Fit: FitNone, Instead: lifecycleEnabledDisabledLost, Source: srcLifecycle},
	{Connect: "disabled", Fit: FitNone, Instead: lifecycleEnabledDisabledLost, Source: srcLifecycle},
}

// keyRows map the descriptor's top-level keys that matter to the move.
var keyRows = []Row{
	{Connect: "authentication", Fit: FitBuiltIn, Instead: authenticationBuiltIn, Source: srcSchema},
	{Connect: "baseUrl", Fit: FitBuiltIn, Instead: baseURLBuiltIn, Source: srcSchema},
	{Connect: "contexts", Fit: FitBuiltIn, Instead: contextsAccount, Source: srcSchema},
	{Connect: "enableLicensing", Forge: []string{"app.licensing.enabled"}, Fit: FitGood, Fields: licensingFields, Source: srcSchema},
}

// conditionRow maps every Connect condition: Bitbucket's Forge modules
// have no declarative conditions.
var conditionRow = Row{Connect: "conditions", Fit: FitNone, Instead: conditionInstead, Source: srcSchema}

func find(rows []Row, connect string) (Row, bool) {
	for _, r := range rows {
		if r.Connect == connect {
			return r, true
		}
	}
	return Row{}, false
}

// Forge's Bitbucket vocabulary, transcribed from @forge/manifest 13.7.0
// (its licence does not allow embedding the files): the module types, the
// permission scopes and the trigger events with the scope each needs.
var (
	forgeModules = []string{
		RepoMainMenuPage, RepoSettingsMenuPage, ProjectSettingsMenuPage, WorkspaceSettingsMenuPage,
		WorkspaceGlobalPage, WorkspacePersonalSettingsPage, RepoCodeOverviewCard, RepoCodeOverviewPanel,
		RepoCodeOverviewAction, RepoCodeFileViewer, RepoPullRequestCard, RepoPullRequestOverviewPanel,
		RepoPullRequestAction, MergeCheck, DynamicPipelinesProvider,
	}
	forgeScopes = []string{
		"read:user:bitbucket", "read:workspace:bitbucket", "admin:workspace:bitbucket",
		"read:project:bitbucket", "admin:project:bitbucket",
		"read:repository:bitbucket", "write:repository:bitbucket", "admin:repository:bitbucket", "delete:repository:bitbucket",
		"read:pullrequest:bitbucket", "write:pullrequest:bitbucket",
		"read:pipeline:bitbucket", "write:pipeline:bitbucket", "admin:pipeline:bitbucket",
		"read:runner:bitbucket", "write:runner:bitbucket",
		"read:permission:bitbucket", "write:permission:bitbucket", "delete:permission:bitbucket",
	}
	forgeEventScopes = map[string]string{
		"avi:bitbucket:created:repository":                  "read:repository:bitbucket",
		"avi:bitbucket:updated:repository":                  "read:repository:bitbucket",
		"avi:bitbucket:push:repository":                     "read:repository:bitbucket",
		"avi:bitbucket:deleted:repository":                  "read:repository:bitbucket",
		"avi:bitbucket:created:pullrequest":                 "read:pullrequest:bitbucket",
		"avi:bitbucket:updated:pullrequest":                 "read:pullrequest:bitbucket",
		"avi:bitbucket:fulfilled:pullrequest":               "read:pullrequest:bitbucket",
		"avi:bitbucket:rejected:pullrequest":                "read:pullrequest:bitbucket",
		"avi:bitbucket:created:pullrequest-comment":         "read:pullrequest:bitbucket",
		"avi:bitbucket:updated:pullrequest-comment":         "read:pullrequest:bitbucket",
		"avi:bitbucket:deleted:pullrequest-comment":         "read:pullrequest:bitbucket",
		"avi:bitbucket:updated:pullrequest-reviewer-status": "read:pullrequest:bitbucket",
		"avi:bitbucket:pending:deployment":                  "read:pipeline:bitbucket",
		"avi:bitbucket:started:deployment":                  "read:pipeline:bitbucket",
		"avi:bitbucket:completed:deployment":                "read:pipeline:bitbucket",
	}
)
