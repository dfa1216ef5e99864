package hostsim

import (
	"encoding/json"
	"fmt"
	"net/http"

	"github.com/connectgen/connectgen/internal/cloudworld"
)

// Jira's and Confluence's stateful parts (internal/cloudworld): app and
// entity properties an app writes, kept per installation, and module
// conditions evaluated against them when a page is opened.

// propertyRoutes serves the app (add-on) properties and the entity
// properties of the sample issue and project (Jira, API v2 and v3) or
// page and space (Confluence).
func (p *cloudProfile) propertyRoutes() []Route {
	serve := func(w http.ResponseWriter, r *http.Request) {
		c := cloudworld.Caller{}
		if d, inst, err := p.h.Installed(); err == nil {
			c = cloudworld.Caller{ClientKey: inst.ClientKey, AppKey: d.Key}
		}
		if !p.props.ServeHTTP(w, r, c) {
			p.h.profile().APIError(w, http.StatusNotFound, fmt.Sprintf("The local %s host does not serve %s %s.", p.product.Title(), r.Method, r.URL.Path))
		}
	}
	var patterns []string
	if p.contextPath == "" {
		patterns = []string{
			"/rest/atlassian-connect/1/addons/{addon}/properties", "/rest/atlassian-connect/1/addons/{addon}/properties/{key}",
			"/rest/api/{v}/issue/{issue}/properties", "/rest/api/{v}/issue/{issue}/properties/{key}",
			"/rest/api/{v}/project/{project}/properties", "/rest/api/{v}/project/{project}/properties/{key}",
		}
	} else {
		patterns = []string{
			"/wiki/rest/atlassian-connect/1/addons/{addon}/properties", "/wiki/rest/atlassian-connect/1/addons/{addon}/properties/{key}",
			"/wiki/rest/api/content/{id}/property", "/wiki/rest/api/content/{id}/property/{key}",
			"/wiki/rest/api/space/{space}/property", "/wiki/rest/api/space/{space}/property/{key}",
		}
	}
	routes := make([]Route, len(patterns))
	for i, pat := range patterns {
		routes[i] = Route{pat, serve}
	}
	return routes
}

// Visibility evaluates a module's conditions for the installation, as the
// product does before showing it.
func (p *cloudProfile) Visibility(m Module) (shown bool, why []string) {
	conds, err := cloudworld.ParseConditions(m.Conditions)
	if err != nil {
		return true, []string{"conditions not evaluated: " + err.Error()}
	}
	c := cloudworld.Caller{}
	if d, inst, err := p.h.Installed(); err == nil {
		c = cloudworld.Caller{ClientKey: inst.ClientKey, AppKey: d.Key}
	}
	v := p.props.Evaluate(c, conds)
	why = v.Reasons
	for _, u := range v.Unevaluated {
		why = append(why, u+" is not evaluated by the local host (counted as true)")
	}
	return v.Shown, why
}

// Properties lists what the installation wrote ("issue 10001 key" →
// value), for the host page.
func (p *cloudProfile) Properties() map[string]json.RawMessage {
	if inst, ok := p.h.Installation(); ok {
		return p.props.Written(inst.ClientKey)
	}
	return nil
}

// FillsWebhookURLs: Jira and Confluence substitute the variables of a
// webhook's URL with the event's issue, project, page or space.
func (p *cloudProfile) FillsWebhookURLs() bool { return true }
