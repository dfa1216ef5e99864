package hostsim

import (
	"encoding/json"
	"net/http"
	"strings"
)

// This file is the host as Jira Cloud: what profile_cloud.go shares with
// Confluence, plus Jira's REST routes, error format and page context.

var _ = registerProfile(Jira, newJiraProfile)

type jiraProfile struct{ *cloudProfile }

func newJiraProfile(h *Host) Profile { return &jiraProfile{newCloudProfile(h, Jira, "")} }

func (p *jiraProfile) Labels() Labels {
	l := p.cloudProfile.Labels()
	l.Container = "Sample Project (" + p.cloud.ProjectKey + ")"
	return l
}

// ContextToken has the sample issue and project in its context.
func (p *jiraProfile) ContextToken(inst Installation) (string, error) {
	c := p.cloud
	return p.contextToken(inst, map[string]any{"jira": map[string]any{
		"issue":   map[string]any{"key": c.IssueKey, "id": c.IssueID},
		"project": map[string]any{"key": c.ProjectKey, "id": c.ProjectID},
	}})
}

func (p *jiraProfile) APIError(w http.ResponseWriter, status int, msg string) {
	jiraError(w, status, msg)
}

// jiraError answers in Jira's error format.
func jiraError(w http.ResponseWriter, status int, msg string) {
	writeJSON(w, status, map[string]any{"errorMessages": []string{msg}, "errors": map[string]any{}})
}

// Routes is the Jira REST stand-in.
func (p *jiraProfile) Routes() []Route {
	search := func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, 200, map[string]any{"issues": []any{p.jiraIssue()}, "isLast": true})
	}
	routes := []Route{
		{"GET /rest/api/3/myself", func(w http.ResponseWriter, r *http.Request) { writeJSON(w, 200, p.jiraUser()) }},
		{"GET /rest/api/3/issue/{key}", func(w http.ResponseWriter, r *http.Request) {
			if k := r.PathValue("key"); k != p.cloud.IssueKey && k != p.cloud.IssueID {
				jiraError(w, http.StatusNotFound, "Issue does not exist or you do not have permission to see it.")
				return
			}
			writeJSON(w, 200, p.jiraIssue())
		}},
		{"GET /rest/api/3/search/jql", search},
		{"POST /rest/api/3/search/jql", search},
		// ACE's addon.authorizeJira asks this; the sample user has every
		// permission it asks for, on the sample project and issue.
		{"POST /rest/api/3/permissions/check", func(w http.ResponseWriter, r *http.Request) {
			var in struct {
				GlobalPermissions  []string `json:"globalPermissions"`
				ProjectPermissions []struct {
					Permissions []string `json:"permissions"`
				} `json:"projectPermissions"`
			}
			if err := json.NewDecoder(r.Body).Decode(&in); err != nil {
				jiraError(w, http.StatusBadRequest, "The request body is not JSON: "+err.Error())
				return
			}
			projects := []any{}
			for _, pp := range in.ProjectPermissions {
				for _, perm := range pp.Permissions {
					projects = append(projects, map[string]any{"permission": perm, "projects": []int{10000}, "issues": []int{10001}})
				}
			}
			global := in.GlobalPermissions
			if global == nil {
				global = []string{}
			}
			writeJSON(w, 200, map[string]any{"globalPermissions": global, "projectPermissions": projects})
		}},
	}
	// Jira serves API v2 beside v3 (the same resources; rich text is a
	// string in v2): apps on /rest/api/2/* get the same answers.
	for _, rt := range routes {
		if method, path, ok := strings.Cut(rt.Pattern, " /rest/api/3/"); ok {
			routes = append(routes, Route{method + " /rest/api/2/" + path, rt.Handler})
		}
	}
	return append(routes, p.propertyRoutes()...)
}
