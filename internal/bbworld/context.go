package bbworld

import (
	"fmt"
	"strconv"
	"strings"
)

// Context parameters. Bitbucket's "Context parameters" page
// (https://developer.atlassian.com/cloud/bitbucket/context-parameters/)
// says every parameter is deduced from the API object it names:
// {repository.full_name} is the full_name of the repository as the REST
// API returns it, {repository.owner.username} its owner's username, and
// so on. The local host resolves them the same way, against the objects
// of the sample world a page of each kind is opened on: the viewing user,
// the workspace, the repository, its pull request, the pull request's
// source branch and head commit, a file at that commit, and a user whose
// profile is shown (target_user).

// ContextObjects are the API objects a module URL's context parameters
// are taken from, by their first name segment.
func (w *World) ContextObjects(clientKey string) map[string]any {
	st := w.State(clientKey)
	w.mu.Lock()
	defer w.mu.Unlock()
	r := w.Repos[0]
	pr := r.PullRequests[0]
	head, _ := r.Commit(pr.sourceHead)
	file := w.fileRef(r, head, "README.md")
	file["name"] = "README.md"
	file["size"] = len(r.Tree(head)["README.md"])
	return map[string]any{
		"user":        w.UserJSON(w.Owner),
		"target_user": w.UserJSON(reviewer),
		"workspace":   w.WorkspaceJSON(),
		"repository":  w.RepoJSON(r),
		"pullrequest": w.PullRequestJSON(r, pr, st),
		"branch":      w.BranchJSON(r, Branch{Name: pr.Source, Head: head.Hash}),
		"commit":      w.CommitJSON(r, head),
		"file":        file,
		"project":     w.ProjectJSON(),
	}
}

// ResolveContext returns the value of the context parameter name (e.g.
// "repository.owner.username") from objs, and false when the object or
// one of its fields does not exist or is not a scalar. Bitbucket
// substitutes an unresolvable parameter with the empty string; the host
// does the same and lists it.
func ResolveContext(objs map[string]any, name string) (string, bool) {
	parts := strings.Split(name, ".")
	var cur any = objs
	for _, p := range parts {
		switch v := cur.(type) {
		case map[string]any:
			var ok bool
			if cur, ok = v[p]; !ok {
				return "", false
			}
		case []any:
			i, err := strconv.Atoi(p)
			if err != nil || i < 0 || i >= len(v) {
				return "", false
			}
			cur = v[i]
		default:
			return "", false
		}
	}
	switch v := cur.(type) {
	case string:
		return v, true
	case bool:
		return strconv.FormatBool(v), true
	case int:
		return strconv.Itoa(v), true
	case float64:
		return strconv.FormatFloat(v, 'f', -1, 64), true
	case nil, map[string]any, []any:
		return "", false
	default:
		return fmt.Sprint(v), true
	}
}

// ContextValues flattens the context objects to every scalar parameter
// they resolve ("repository.owner.username" → "sample-workspace",
// "repository.links.html.href"), for hosts that fill module URLs from a
// map. Lists are left out: context parameters name fields, not items.
func (w *World) ContextValues(clientKey string) map[string]string {
	out := map[string]string{}
	var walk func(prefix string, v any)
	walk = func(prefix string, v any) {
		switch x := v.(type) {
		case map[string]any:
			for k, e := range x {
				walk(prefix+"."+k, e)
			}
		case []any:
		default:
			if s, ok := ResolveContext(map[string]any{"v": x}, "v"); ok {
				out[prefix[1:]] = s
			}
		}
	}
	for name, obj := range w.ContextObjects(clientKey) {
		walk("."+name, obj)
	}
	return out
}
