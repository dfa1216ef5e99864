package bbworld

import (
	"net/url"
	"strconv"
	"strings"
)

// The entities below are rendered as the REST API 2.0 renders them: a
// type, links (self under the API, html on bitbucket.org) and uuids in
// braces.

const web = "https://bitbucket.org"

func link(href string) map[string]any { return map[string]any{"href": href} }

func (w *World) api(p string) string { return w.APIURL + "/2.0" + p }

// esc escapes one path segment as Bitbucket does in its links.
func esc(s string) string { return url.PathEscape(s) }

func (r *Repo) full() string { return WorkspaceSlug + "/" + r.Slug }

// UserJSON is the account as /2.0/user and /2.0/users/{uuid} return it.
func (w *World) UserJSON(u *User) map[string]any {
	m := w.accountJSON(u)
	m["created_on"] = created
	m["account_status"] = "active"
	m["has_2fa_enabled"] = nil
	m["is_staff"] = false
	m["location"] = nil
	return m
}

// accountJSON is an account as it is nested in other entities.
func (w *World) accountJSON(u *User) map[string]any {
	return map[string]any{
		"type": "user", "uuid": u.UUID, "account_id": u.AccountID,
		"nickname": u.Nickname, "display_name": u.DisplayName,
		"links": map[string]any{
			"self":   link(w.api("/users/" + esc(u.UUID))),
			"html":   link(web + "/" + esc(u.UUID) + "/"),
			"avatar": link("https://secure.gravatar.com/avatar/" + u.Nickname + "?d=identicon"),
		},
	}
}

// WorkspaceJSON is the sample workspace.
func (w *World) WorkspaceJSON() map[string]any {
	return map[string]any{
		"type": "workspace", "uuid": WorkspaceUUID, "slug": WorkspaceSlug, "name": WorkspaceName,
		"is_private": true, "is_privacy_enforced": false, "forking_mode": "allow_forks",
		"created_on": created, "updated_on": created,
		"links": map[string]any{
			"self":         link(w.api("/workspaces/" + WorkspaceSlug)),
			"html":         link(web + "/" + WorkspaceSlug + "/"),
			"avatar":       link(web + "/workspaces/" + WorkspaceSlug + "/avatar/"),
			"members":      link(w.api("/workspaces/" + WorkspaceSlug + "/members")),
			"owners":       link(w.api("/workspaces/" + WorkspaceSlug + "/members?q=permission%3D%22owner%22")),
			"projects":     link(w.api("/workspaces/" + WorkspaceSlug + "/projects")),
			"repositories": link(w.api("/repositories/" + WorkspaceSlug)),
			"snippets":     link(w.api("/snippets/" + WorkspaceSlug)),
		},
	}
}

// workspaceRef is the workspace as nested in a repository.
func (w *World) workspaceRef() map[string]any {
	return map[string]any{
		"type": "workspace", "uuid": WorkspaceUUID, "slug": WorkspaceSlug, "name": WorkspaceName,
		"links": map[string]any{
			"self":   link(w.api("/workspaces/" + WorkspaceSlug)),
			"html":   link(web + "/" + WorkspaceSlug + "/"),
			"avatar": link(web + "/workspaces/" + WorkspaceSlug + "/avatar/"),
		},
	}
}

// ProjectJSON is the sample project, owned by the workspace.
func (w *World) ProjectJSON() map[string]any {
	m := w.projectRef()
	m["description"] = "The project of the sample repositories"
	m["is_private"] = true
	m["created_on"] = created
	m["updated_on"] = created
	m["has_publicly_visible_repos"] = false
	m["owner"] = w.teamJSON()
	m["workspace"] = w.workspaceRef()
	return m
}

// teamJSON is the workspace as an account: the owner of its repositories
// and projects.
func (w *World) teamJSON() map[string]any {
	return map[string]any{
		"type": "team", "uuid": WorkspaceUUID, "username": WorkspaceSlug, "display_name": WorkspaceName,
		"links": map[string]any{"self": link(w.api("/workspaces/" + WorkspaceSlug)), "html": link(web + "/" + WorkspaceSlug + "/"), "avatar": link(web + "/workspaces/" + WorkspaceSlug + "/avatar/")},
	}
}

func (w *World) projectRef() map[string]any {
	return map[string]any{
		"type": "project", "key": ProjectKey, "uuid": ProjectUUID, "name": ProjectName,
		"links": map[string]any{
			"html":   link(web + "/" + WorkspaceSlug + "/workspace/projects/" + ProjectKey),
			"avatar": link(web + "/account/user/" + WorkspaceSlug + "/projects/" + ProjectKey + "/avatar/32"),
		},
	}
}

// RepoJSON is a repository as /2.0/repositories/{workspace}/{slug} returns it.
func (w *World) RepoJSON(r *Repo) map[string]any {
	m := w.repoRef(r)
	base := "/repositories/" + r.full()
	l := m["links"].(map[string]any)
	for k, p := range map[string]string{"pullrequests": "/pullrequests", "commits": "/commits", "forks": "/forks", "watchers": "/watchers", "downloads": "/downloads", "hooks": "/hooks"} {
		l[k] = link(w.api(base + p))
	}
	l["clone"] = []any{
		map[string]any{"name": "https", "href": "https://bitbucket.org/" + r.full() + ".git"},
		map[string]any{"name": "ssh", "href": "git@bitbucket.org:" + r.full() + ".git"},
	}
	m["slug"] = r.Slug
	m["description"] = r.Description
	m["scm"] = "git"
	m["website"] = nil
	// Repositories belong to the workspace, which Bitbucket renders as a
	// team account (with a username: the workspace slug).
	m["owner"] = w.teamJSON()
	m["workspace"] = w.workspaceRef()
	m["is_private"] = true
	m["project"] = w.projectRef()
	m["fork_policy"] = "no_public_forks"
	m["created_on"] = created
	m["updated_on"] = r.Commits[0].Date
	m["size"] = 123456
	m["language"] = r.Language
	m["uuid"] = r.UUID
	m["mainbranch"] = map[string]any{"type": "branch", "name": r.MainBranch}
	m["override_settings"] = map[string]any{"default_merge_strategy": true, "branching_model": true}
	m["has_issues"] = false
	m["has_wiki"] = false
	return m
}

// repoRef is a repository as nested in other entities.
func (w *World) repoRef(r *Repo) map[string]any {
	return map[string]any{
		"type": "repository", "full_name": r.full(), "name": r.Name, "uuid": r.UUID,
		"links": map[string]any{
			"self":   link(w.api("/repositories/" + r.full())),
			"html":   link(web + "/" + r.full()),
			"avatar": link(web + "/" + r.full() + "/avatar/32/"),
		},
	}
}

// BranchJSON is a branch with its head commit.
func (w *World) BranchJSON(r *Repo, b Branch) map[string]any {
	c, _ := r.Commit(b.Head)
	return map[string]any{
		"type": "branch", "name": b.Name, "target": w.CommitJSON(r, c),
		"merge_strategies":       []any{"merge_commit", "squash", "fast_forward"},
		"default_merge_strategy": "merge_commit",
		"links": map[string]any{
			"self":    link(w.api("/repositories/" + r.full() + "/refs/branches/" + esc(b.Name))),
			"commits": link(w.api("/repositories/" + r.full() + "/commits/" + esc(b.Name))),
			"html":    link(web + "/" + r.full() + "/branch/" + esc(b.Name)),
		},
	}
}

// authorJSON is a commit author, with its type, as Bitbucket sends it.
func (w *World) authorJSON(u *User) map[string]any {
	return map[string]any{"type": "author", "raw": u.DisplayName + " <" + u.Nickname + "@example.com>", "user": w.accountJSON(u)}
}

// CommitJSON is a commit as /commit/{hash} returns it.
func (w *World) CommitJSON(r *Repo, c *Commit) map[string]any {
	m := w.commitRef(r, c)
	parents := []any{}
	for _, p := range c.Parents {
		if pc, ok := r.Commit(p); ok {
			parents = append(parents, w.commitRef(r, pc))
		}
	}
	m["author"] = w.authorJSON(c.Author)
	m["committer"] = map[string]any{"type": "committer", "raw": c.Author.DisplayName + " <" + c.Author.Nickname + "@example.com>", "user": w.accountJSON(c.Author)}
	m["date"] = c.Date
	m["message"] = c.Message
	m["summary"] = map[string]any{"raw": c.Message, "markup": "markdown", "html": "<p>" + strings.TrimSpace(strings.SplitN(c.Message, "\n", 2)[0]) + "</p>"}
	m["parents"] = parents
	m["repository"] = w.repoRef(r)
	l := m["links"].(map[string]any)
	base := "/repositories/" + r.full()
	l["diff"] = link(w.api(base + "/diff/" + c.Hash))
	l["approve"] = link(w.api(base + "/commit/" + c.Hash + "/approve"))
	l["comments"] = link(w.api(base + "/commit/" + c.Hash + "/comments"))
	l["statuses"] = link(w.api(base + "/commit/" + c.Hash + "/statuses"))
	l["patch"] = link(w.api(base + "/patch/" + c.Hash))
	return m
}

// commitRef is a commit as nested (a parent, a pull request's endpoint).
func (w *World) commitRef(r *Repo, c *Commit) map[string]any {
	return map[string]any{
		"type": "commit", "hash": c.Hash,
		"links": map[string]any{
			"self": link(w.api("/repositories/" + r.full() + "/commit/" + c.Hash)),
			"html": link(web + "/" + r.full() + "/commits/" + c.Hash),
		},
	}
}

// PullRequestJSON is a pull request as /pullrequests/{id} returns it;
// comments added by the installation st count in comment_count.
func (w *World) PullRequestJSON(r *Repo, p *PullRequest, st *State) map[string]any {
	base := "/repositories/" + r.full() + "/pullrequests/" + itoa(p.ID)
	reviewers := []any{}
	for _, u := range p.Reviewers {
		reviewers = append(reviewers, w.accountJSON(u))
	}
	parts := []any{}
	for _, pt := range p.Participants {
		parts = append(parts, w.participantJSON(pt))
	}
	src, _ := r.Commit(p.sourceHead)
	dst, _ := r.Commit(p.destinationHead)
	endpoint := func(branch string, c *Commit) map[string]any {
		return map[string]any{"branch": map[string]any{"name": branch}, "commit": map[string]any{"hash": c.Hash}, "repository": w.repoRef(r)}
	}
	m := map[string]any{
		"type": "pullrequest", "id": p.ID, "title": p.Title, "description": p.Description, "state": p.State,
		"rendered": map[string]any{
			"title":       map[string]any{"raw": p.Title, "markup": "markdown", "html": "<p>" + p.Title + "</p>"},
			"description": map[string]any{"raw": p.Description, "markup": "markdown", "html": "<p>" + p.Description + "</p>"},
		},
		"summary":             map[string]any{"raw": p.Description, "markup": "markdown", "html": "<p>" + p.Description + "</p>"},
		"author":              w.accountJSON(p.Author),
		"source":              endpoint(p.Source, src),
		"destination":         endpoint(p.Destination, dst),
		"comment_count":       len(p.Comments) + len(st.comments(r, p.ID)),
		"task_count":          0,
		"close_source_branch": p.CloseSourceBranch,
		"reason":              "",
		"created_on":          p.CreatedOn,
		"updated_on":          p.UpdatedOn,
		"reviewers":           reviewers,
		"participants":        parts,
		"draft":               false,
		"queued":              false,
		"links": map[string]any{
			"self":     link(w.api(base)),
			"html":     link(web + "/" + r.full() + "/pull-requests/" + itoa(p.ID)),
			"commits":  link(w.api(base + "/commits")),
			"approve":  link(w.api(base + "/approve")),
			"diff":     link(w.api("/repositories/" + r.full() + "/diff/" + r.full() + ":" + src.Hash[:12] + "%0D" + dst.Hash[:12] + "?from_pullrequest_id=" + itoa(p.ID))),
			"diffstat": link(w.api("/repositories/" + r.full() + "/diffstat/" + r.full() + ":" + src.Hash[:12] + "%0D" + dst.Hash[:12] + "?from_pullrequest_id=" + itoa(p.ID))),
			"comments": link(w.api(base + "/comments")),
			"activity": link(w.api(base + "/activity")),
			"merge":    link(w.api(base + "/merge")),
			"decline":  link(w.api(base + "/decline")),
		},
	}
	if p.State == "MERGED" || p.State == "DECLINED" {
		mc, _ := r.Commit(p.MergeCommit)
		m["merge_commit"] = map[string]any{"hash": mc.Hash}
		if u, ok := w.User(p.ClosedByNick); ok {
			m["closed_by"] = w.accountJSON(u)
		}
	}
	return m
}

func (w *World) participantJSON(pt Participant) map[string]any {
	m := map[string]any{"type": "participant", "user": w.accountJSON(pt.User), "role": pt.Role, "approved": pt.Approved, "participated_on": pt.On}
	if pt.State != "" {
		m["state"] = pt.State
	}
	return m
}

// CommentJSON is a pull request comment.
func (w *World) CommentJSON(r *Repo, p *PullRequest, c *Comment) map[string]any {
	base := "/repositories/" + r.full() + "/pullrequests/" + itoa(p.ID)
	m := map[string]any{
		"type": "pullrequest_comment", "id": c.ID,
		"created_on": c.CreatedOn, "updated_on": c.CreatedOn,
		"content": map[string]any{"raw": c.Raw, "markup": "markdown", "html": "<p>" + htmlEscape(c.Raw) + "</p>"},
		"user":    w.accountJSON(c.User),
		"deleted": false, "pending": false,
		"pullrequest": map[string]any{"type": "pullrequest", "id": p.ID, "title": p.Title, "links": map[string]any{
			"self": link(w.api(base)), "html": link(web + "/" + r.full() + "/pull-requests/" + itoa(p.ID))}},
		"links": map[string]any{
			"self": link(w.api(base + "/comments/" + itoa(c.ID))),
			"html": link(web + "/" + r.full() + "/pull-requests/" + itoa(p.ID) + "/_/diff#comment-" + itoa(c.ID)),
		},
	}
	if c.Inline != nil {
		m["inline"] = map[string]any{"to": c.Inline.To, "path": c.Inline.Path}
	}
	if c.ParentID != 0 {
		m["parent"] = map[string]any{"id": c.ParentID, "links": map[string]any{"self": link(w.api(base + "/comments/" + itoa(c.ParentID)))}}
	}
	return m
}

// StatusJSON is a commit status.
func (w *World) StatusJSON(r *Repo, c *Commit, s Status) map[string]any {
	m := map[string]any{
		"type": "build", "key": s.Key, "name": s.Name, "state": s.State, "description": s.Description,
		"url": s.URL, "created_on": s.CreatedOn, "updated_on": s.UpdatedOn,
		"links": map[string]any{
			"self":   link(w.api("/repositories/" + r.full() + "/commit/" + c.Hash + "/statuses/build/" + esc(s.Key))),
			"commit": link(w.api("/repositories/" + r.full() + "/commit/" + c.Hash)),
		},
		// Not in the document's schema (which allows more properties);
		// Bitbucket sends both, in REST answers and webhooks.
		"repository": w.repoRef(r),
		"commit":     w.commitRef(r, c),
	}
	if s.RefName != "" {
		m["refname"] = s.RefName
	}
	return m
}

func htmlEscape(s string) string {
	return strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", `"`, "&quot;", "'", "&#39;").Replace(s)
}

func itoa(i int) string { return strconv.Itoa(i) }
