package hostsim

import (
	"net/http"
	"net/url"
)

// This file is the host as Confluence Cloud: what profile_cloud.go shares
// with Jira, plus the context path /wiki, Confluence's REST routes, error
// format and page context.

var _ = registerProfile(Confluence, newConfluenceProfile)

type confluenceProfile struct{ *cloudProfile }

func newConfluenceProfile(h *Host) Profile {
	return &confluenceProfile{newCloudProfile(h, Confluence, "/wiki")}
}

func (p *confluenceProfile) Labels() Labels {
	l := p.cloudProfile.Labels()
	l.Container = "Sample Space (" + p.cloud.SpaceKey + ")"
	return l
}

// ContextToken has the sample space and page in its context.
func (p *confluenceProfile) ContextToken(inst Installation) (string, error) {
	c := p.cloud
	return p.contextToken(inst, map[string]any{"confluence": map[string]any{
		"space":   map[string]any{"key": c.SpaceKey, "id": c.SpaceID},
		"content": map[string]any{"id": c.PageID, "type": "page", "version": "1"},
	}})
}

func (p *confluenceProfile) APIError(w http.ResponseWriter, status int, msg string) {
	confluenceError(w, status, msg)
}

// confluenceError answers in Confluence's error format.
func confluenceError(w http.ResponseWriter, status int, msg string) {
	writeJSON(w, status, map[string]any{"statusCode": status, "message": msg})
}

// Routes is the Confluence REST stand-in.
func (p *confluenceProfile) Routes() []Route {
	apiURL := p.h.apiURL
	return append([]Route{
		{"GET /wiki/rest/api/user/current", func(w http.ResponseWriter, r *http.Request) {
			c := p.cloud
			writeJSON(w, 200, map[string]any{
				"type": "known", "accountId": c.AccountID, "accountType": "atlassian", "email": c.Email,
				"publicName": c.DisplayName, "displayName": c.DisplayName,
				"profilePicture": map[string]any{"path": "/wiki/aa-avatar/sample.png", "width": 48, "height": 48, "isDefault": false},
				"_links":         map[string]any{"self": apiURL + "/wiki/rest/api/user?accountId=" + url.QueryEscape(c.AccountID), "base": apiURL + "/wiki"},
			})
		}},
		// ACE's addon.authorizeConfluence asks these two.
		{"GET /wiki/rest/api/user", func(w http.ResponseWriter, r *http.Request) {
			c := p.cloud
			if id := r.URL.Query().Get("accountId"); id != c.AccountID {
				confluenceError(w, http.StatusNotFound, "No user with accountId "+id)
				return
			}
			writeJSON(w, 200, map[string]any{
				"type": "known", "accountId": c.AccountID, "accountType": "atlassian", "displayName": c.DisplayName, "publicName": c.DisplayName,
				"operations": []any{
					map[string]any{"operation": "read", "targetType": "page"}, map[string]any{"operation": "update", "targetType": "page"},
					map[string]any{"operation": "read", "targetType": "space"},
				},
			})
		}},
		{"POST /wiki/rest/api/content/{id}/permission/check", func(w http.ResponseWriter, r *http.Request) {
			if r.PathValue("id") != p.cloud.PageID {
				confluenceError(w, http.StatusNotFound, "No content with id "+r.PathValue("id"))
				return
			}
			writeJSON(w, 200, map[string]any{"hasPermission": true})
		}},
		{"GET /wiki/api/v2/pages/{id}", func(w http.ResponseWriter, r *http.Request) {
			if r.PathValue("id") != p.cloud.PageID {
				confluenceError(w, http.StatusNotFound, "Page not found: "+r.PathValue("id"))
				return
			}
			writeJSON(w, 200, p.confluencePage())
		}},
	}, p.propertyRoutes()...)
}
