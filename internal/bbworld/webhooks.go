package bbworld

import (
	"fmt"
	"strings"

	"github.com/connectgen/connectgen/internal/descriptor"
)

// IssuesRemoved is when Bitbucket Cloud removed Issues, and with them the
// issue:* webhook events.
const IssuesRemoved = "2026-08-20"

// ErrRemovedEvent is returned for an event Bitbucket no longer sends.
type ErrRemovedEvent struct{ Event string }

func (e *ErrRemovedEvent) Error() string {
	return fmt.Sprintf("Bitbucket no longer sends %s: Issues were removed from Bitbucket Cloud on %s, and with them every issue:* event", e.Event, IssuesRemoved)
}

// EventEntities lists, per event, the entities of its payload beside
// actor and repository (which every repository event has), after
// Bitbucket's "Event payloads" page
// (https://support.atlassian.com/bitbucket-cloud/docs/event-payloads/).
var EventEntities = map[string][]string{
	"repo:push":                           {"push"},
	"repo:fork":                           {"fork"},
	"repo:updated":                        {"changes"},
	"repo:transfer":                       {"previous_owner"},
	"repo:created":                        nil,
	"repo:deleted":                        nil,
	"repo:imported":                       nil,
	"repo:commit_comment_created":         {"comment", "commit"},
	"repo:commit_status_created":          {"commit_status"},
	"repo:commit_status_updated":          {"commit_status"},
	"repo:branch_created":                 {"push"},
	"repo:branch_deleted":                 {"push"},
	"pullrequest:created":                 {"pullrequest"},
	"pullrequest:updated":                 {"pullrequest"},
	"pullrequest:push":                    {"pullrequest", "push"},
	"pullrequest:fulfilled":               {"pullrequest"},
	"pullrequest:rejected":                {"pullrequest"},
	"pullrequest:superseded":              {"pullrequest"},
	"pullrequest:approved":                {"pullrequest", "approval"},
	"pullrequest:unapproved":              {"pullrequest", "approval"},
	"pullrequest:changes_request_created": {"pullrequest", "changes_request"},
	"pullrequest:changes_request_removed": {"pullrequest", "changes_request"},
	"pullrequest:comment_created":         {"pullrequest", "comment"},
	"pullrequest:comment_updated":         {"pullrequest", "comment"},
	"pullrequest:comment_deleted":         {"pullrequest", "comment"},
	"pullrequest:comment_resolved":        {"pullrequest", "comment"},
	"pullrequest:comment_reopened":        {"pullrequest", "comment"},
	"project:updated":                     {"project", "changes"},
	"user:account_property_changed":       {"property"},
}

// EventData is the data of a webhook for event, as Bitbucket sends a
// Connect app (the body is {"event": event, "data": EventData}): actor,
// repository and the event's entities, all from the sample world and the
// installation's writes (clientKey) — a commit status event carries the
// latest status the app set, a comment event the latest comment it added.
func (w *World) EventData(clientKey, event string) (map[string]any, error) {
	if strings.HasPrefix(event, descriptor.FamilyIssue) {
		return nil, &ErrRemovedEvent{event}
	}
	entities, ok := EventEntities[event]
	if !ok {
		return nil, fmt.Errorf("%q is not a Bitbucket webhook event (known: repo:*, pullrequest:*, project:updated, user:account_property_changed)", event)
	}
	st := w.State(clientKey)
	w.mu.Lock()
	defer w.mu.Unlock()
	r := w.Repos[0]
	pr := r.PullRequests[0]
	head, _ := r.Commit(pr.sourceHead)
	data := map[string]any{"actor": w.accountJSON(w.Owner), "repository": w.RepoJSON(r)}
	for _, e := range entities {
		switch e {
		case "push":
			data["push"] = w.pushJSON(r, event)
		case "fork":
			fork := w.RepoJSON(r)
			fork["full_name"], fork["name"], fork["uuid"] = WorkspaceSlug+"/"+r.Slug+"-fork", r.Name+"-fork", uuidFor(r.UUID+"fork")
			fork["parent"] = w.repoRef(r)
			fork["links"] = map[string]any{"self": link(w.api("/repositories/" + WorkspaceSlug + "/" + r.Slug + "-fork")), "html": link(web + "/" + WorkspaceSlug + "/" + r.Slug + "-fork"), "avatar": link(web + "/" + WorkspaceSlug + "/" + r.Slug + "-fork/avatar/32/")}
			data["fork"] = fork
		case "changes":
			if event == "project:updated" {
				data["changes"] = map[string]any{"name": map[string]any{"old": "Sample", "new": ProjectName}}
			} else {
				data["changes"] = map[string]any{"description": map[string]any{"old": "", "new": r.Description}}
			}
		case "previous_owner":
			data["previous_owner"] = w.accountJSON(helper)
		case "comment":
			if event == "repo:commit_comment_created" {
				data["comment"] = w.commitCommentJSON(r, head)
				break
			}
			cs := append(append([]*Comment{}, pr.Comments...), st.comments(r, pr.ID)...)
			cm := w.CommentJSON(r, pr, cs[len(cs)-1])
			if event == "pullrequest:comment_deleted" {
				cm["deleted"] = true
			}
			if event == "pullrequest:comment_resolved" {
				cm["resolution"] = map[string]any{"type": "comment_resolution", "user": w.accountJSON(w.Owner), "created_on": pr.UpdatedOn}
			}
			data["comment"] = cm
		case "commit":
			data["commit"] = w.CommitJSON(r, head)
		case "commit_status":
			ss := w.Statuses(st, r, head)
			data["commit_status"] = w.StatusJSON(r, head, ss[len(ss)-1])
		case "pullrequest":
			data["pullrequest"] = w.PullRequestJSON(r, pr, st)
		case "approval":
			data["approval"] = map[string]any{"date": pr.Participants[0].On, "user": w.accountJSON(pr.Participants[0].User)}
		case "changes_request":
			data["changes_request"] = map[string]any{"date": pr.UpdatedOn, "user": w.accountJSON(helper)}
		case "project":
			data["project"] = w.ProjectJSON()
		case "property":
			data["property"] = map[string]any{"key": "sample-property", "value": "changed"}
		}
	}
	if strings.HasPrefix(event, descriptor.FamilyProject) || strings.HasPrefix(event, descriptor.FamilyUser) {
		delete(data, "repository")
	}
	return data, nil
}

// pushJSON is repo:push's push: one change moving the pull request's
// source branch from its parent commit to its head (a branch event
// creates or deletes it).
func (w *World) pushJSON(r *Repo, event string) map[string]any {
	pr := r.PullRequests[0]
	head, _ := r.Commit(pr.sourceHead)
	prev, _ := r.Commit(head.Parents[0])
	ref := func(c *Commit) map[string]any {
		b := w.BranchJSON(r, Branch{Name: pr.Source, Head: c.Hash})
		return b
	}
	change := map[string]any{
		"old": ref(prev), "new": ref(head),
		"created": false, "forced": false, "closed": false, "truncated": false,
		"commits": []any{w.CommitJSON(r, head)},
		"links": map[string]any{
			"html":    link(web + "/" + r.full() + "/branches/compare/" + head.Hash + ".." + prev.Hash),
			"diff":    link(w.api("/repositories/" + r.full() + "/diff/" + head.Hash + ".." + prev.Hash)),
			"commits": link(w.api("/repositories/" + r.full() + "/commits?include=" + head.Hash + "&exclude=" + prev.Hash)),
		},
	}
	switch event {
	case "repo:branch_created":
		change["old"], change["created"] = nil, true
	case "repo:branch_deleted":
		change["new"], change["closed"] = nil, true
		change["commits"] = []any{}
	}
	return map[string]any{"changes": []any{change}}
}

func (w *World) commitCommentJSON(r *Repo, c *Commit) map[string]any {
	return map[string]any{
		"type": "commit_comment", "id": 501,
		"content":    map[string]any{"raw": "Nice commit.", "markup": "markdown", "html": "<p>Nice commit.</p>"},
		"user":       w.accountJSON(reviewer),
		"created_on": c.Date, "updated_on": c.Date, "deleted": false,
		"commit": w.commitRef(r, c),
		"links": map[string]any{
			"self": link(w.api("/repositories/" + r.full() + "/commit/" + c.Hash + "/comments/501")),
			"html": link(web + "/" + r.full() + "/commits/" + c.Hash + "#comment-501"),
		},
	}
}
