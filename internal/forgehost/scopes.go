package forgehost

import (
	"net/http"
	"regexp"
)

// routeScopes maps Bitbucket REST routes to the Forge scope a call needs,
// from the scopes Bitbucket's API reference lists per operation
// (developer.atlassian.com/cloud/bitbucket/rest/), in their Forge
// spelling (forge-migration.md §1.8). The first match wins; a route not
// listed needs no scope here (the REST stand-in answers 404 for routes it
// does not serve).
var routeScopes = []struct {
	re          *regexp.Regexp
	read, write string
	deleteScope string
}{
	{regexp.MustCompile(`^/2\.0/addon(/|$)`), "", "", ""},
	{regexp.MustCompile(`^/2\.0/user(/emails.*)?/?$`), "read:user:bitbucket", "read:user:bitbucket", ""},
	{regexp.MustCompile(`^/2\.0/users/`), "read:user:bitbucket", "read:user:bitbucket", ""},
	{regexp.MustCompile(`^/2\.0/repositories/[^/]+/[^/]+/pullrequests`), "read:pullrequest:bitbucket", "write:pullrequest:bitbucket", "write:pullrequest:bitbucket"},
	{regexp.MustCompile(`^/2\.0/repositories/[^/]+/[^/]+/(pipelines|pipelines_config|deployments|environments)`), "read:pipeline:bitbucket", "write:pipeline:bitbucket", "write:pipeline:bitbucket"},
	{regexp.MustCompile(`^/2\.0/repositories/[^/]+/[^/]+/permissions-config`), "read:permission:bitbucket", "write:permission:bitbucket", "delete:permission:bitbucket"},
	{regexp.MustCompile(`^/2\.0/repositories/[^/]+/[^/]+/?$`), "read:repository:bitbucket", "admin:repository:bitbucket", "delete:repository:bitbucket"},
	{regexp.MustCompile(`^/2\.0/repositories/`), "read:repository:bitbucket", "write:repository:bitbucket", "write:repository:bitbucket"},
	{regexp.MustCompile(`^/2\.0/workspaces/[^/]+/projects`), "read:project:bitbucket", "admin:project:bitbucket", "admin:project:bitbucket"},
	{regexp.MustCompile(`^/2\.0/workspaces`), "read:workspace:bitbucket", "admin:workspace:bitbucket", "admin:workspace:bitbucket"},
}

// RouteScope returns the Forge scope a Bitbucket API call needs, "" when
// none is known.
func RouteScope(method, path string) string {
	for _, r := range routeScopes {
		if !r.re.MatchString(path) {
			continue
		}
		switch method {
		case http.MethodGet, http.MethodHead, http.MethodOptions:
			return r.read
		case http.MethodDelete:
			return r.deleteScope
		default:
			return r.write
		}
	}
	return ""
}
