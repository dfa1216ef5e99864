package descriptor

// Jira's, Jira Service Management's and Confluence's page module kinds
// beyond the ones they share with Bitbucket (generalPages, adminPages,
// configurePage, webPanels, webItems): the lists the local Jira and
// Confluence host loads a page for. Issue glances and issue contents keep
// their URL in target.url.
const (
	KindPostInstallPage     = "postInstallPage"
	KindJiraProjectPage     = "jiraProjectPage"
	KindJiraProjectAdminTab = "jiraProjectAdminTabPanel"
	KindJiraIssueTabPanel   = "jiraIssueTabPanel"
	KindJiraIssueGlance     = "jiraIssueGlance"
	KindJiraIssueContent    = "jiraIssueContent"
	KindPortalHeader        = "serviceDeskPortalHeader"
	KindPortalSubHeader     = "serviceDeskPortalSubHeader"
	KindPortalFooter        = "serviceDeskPortalFooter"
	KindSpaceToolsTab       = "spaceToolsTab"
)

var cloudPageKinds = []ModuleKind{
	{"postInstallPage", KindPostInstallPage, true},
	{"jiraProjectPages", KindJiraProjectPage, false},
	{"jiraProjectAdminTabPanels", KindJiraProjectAdminTab, false},
	{"jiraIssueTabPanels", KindJiraIssueTabPanel, false},
	{"jiraIssueGlances", KindJiraIssueGlance, false},
	{"jiraIssueContents", KindJiraIssueContent, false},
	{"serviceDeskPortalHeaders", KindPortalHeader, false},
	{"serviceDeskPortalSubHeaders", KindPortalSubHeader, false},
	{"serviceDeskPortalFooters", KindPortalFooter, false},
	{"spaceToolsTabs", KindSpaceToolsTab, false},
}
