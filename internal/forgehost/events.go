package forgehost

import (
	"sort"
	"strings"

	"github.com/connectgen/connectgen/internal/descriptor"
)

// World is the sample Bitbucket the local Forge host's events and
// contexts name: the REST stand-in's workspace, repository and user.
type World struct {
	WorkspaceUUID  string
	WorkspaceSlug  string
	RepositoryUUID string
	ProjectUUID    string
	AccountID      string
	UserUUID       string
	PullRequestID  int
}

// Lifecycle events and the merge check triggers.
const (
	EventInstalled = "avi:forge:installed:app"
	EventUpgraded  = "avi:forge:upgraded:app"
)

// MergeCheckTriggers are bitbucket:mergeCheck's triggers.
var MergeCheckTriggers = []string{"on-code-pushed", "on-reviewer-status-changed", "on-merge"}

// bitbucketEvents are the Bitbucket events of Forge's events reference
// (developer.atlassian.com/platform/forge/events-reference/bitbucket/),
// each with the scope it needs and the objects its payload names by UUID
// (or id, for pull requests and comments), beside eventType, actor,
// workspace, repository and project.
var bitbucketEvents = map[string]struct {
	Scope string
	Extra []string
}{
	"avi:bitbucket:created:repository":                  {"read:repository:bitbucket", nil},
	"avi:bitbucket:updated:repository":                  {"read:repository:bitbucket", []string{"changes"}},
	"avi:bitbucket:deleted:repository":                  {"read:repository:bitbucket", nil},
	"avi:bitbucket:push:repository":                     {"read:repository:bitbucket", []string{"changes"}},
	"avi:bitbucket:created:commit-comment":              {"read:repository:bitbucket", []string{"commit", "comment"}},
	"avi:bitbucket:created:build-status":                {"read:repository:bitbucket", []string{"commit", "buildStatus"}},
	"avi:bitbucket:updated:build-status":                {"read:repository:bitbucket", []string{"commit", "buildStatus"}},
	"avi:bitbucket:created:pullrequest":                 {"read:pullrequest:bitbucket", []string{"pullrequest"}},
	"avi:bitbucket:updated:pullrequest":                 {"read:pullrequest:bitbucket", []string{"pullrequest"}},
	"avi:bitbucket:fulfilled:pullrequest":               {"read:pullrequest:bitbucket", []string{"pullrequest"}},
	"avi:bitbucket:rejected:pullrequest":                {"read:pullrequest:bitbucket", []string{"pullrequest"}},
	"avi:bitbucket:created:pullrequest-comment":         {"read:pullrequest:bitbucket", []string{"pullrequest", "comment"}},
	"avi:bitbucket:updated:pullrequest-comment":         {"read:pullrequest:bitbucket", []string{"pullrequest", "comment"}},
	"avi:bitbucket:deleted:pullrequest-comment":         {"read:pullrequest:bitbucket", []string{"pullrequest", "comment"}},
	"avi:bitbucket:resolved:pullrequest-comment":        {"read:pullrequest:bitbucket", []string{"pullrequest", "comment"}},
	"avi:bitbucket:reopened:pullrequest-comment":        {"read:pullrequest:bitbucket", []string{"pullrequest", "comment"}},
	"avi:bitbucket:updated:pullrequest-reviewer-status": {"read:pullrequest:bitbucket", []string{"pullrequest", "reviewer"}},
	"avi:bitbucket:pending:deployment":                  {"read:pipeline:bitbucket", []string{"deployment"}},
	"avi:bitbucket:started:deployment":                  {"read:pipeline:bitbucket", []string{"deployment"}},
	"avi:bitbucket:completed:deployment":                {"read:pipeline:bitbucket", []string{"deployment"}},
}

// BitbucketEvents returns the names of every Bitbucket event the host
// knows, sorted.
func BitbucketEvents() []string {
	var out []string
	for e := range bitbucketEvents {
		out = append(out, e)
	}
	sort.Strings(out)
	return out
}

// EventScope returns the scope an event needs, "" for one the host does
// not know.
func EventScope(event string) string { return bitbucketEvents[event].Scope }

// KnownEvent says whether the host can send event.
func KnownEvent(event string) bool {
	_, ok := bitbucketEvents[event]
	return ok || event == EventInstalled || event == EventUpgraded
}

// EventPayload returns the payload Forge sends a trigger for event: the
// documented fields, naming objects by UUID rather than carrying them.
func (w World) EventPayload(event, appID string) map[string]any {
	if event == EventInstalled || event == EventUpgraded {
		p := map[string]any{
			"eventType":          event,
			"id":                 "9a2f1a9e-7c51-4d4f-8f0e-2b1c0d9e8f7a",
			"installerAccountId": w.AccountID,
			"app":                map[string]any{"id": appID, "version": "1.0.0"},
			"environment":        map[string]any{"id": localEnvironmentID},
			"context":            map[string]any{"workspaceId": w.WorkspaceUUID},
		}
		if event == EventUpgraded {
			p["upgradedAt"] = "2026-12-04T12:00:00.000Z"
		}
		return p
	}
	p := map[string]any{
		"eventType":  event,
		"actor":      map[string]any{"type": "user", "accountId": w.AccountID, "uuid": w.UserUUID},
		"workspace":  map[string]any{"uuid": w.WorkspaceUUID},
		"repository": map[string]any{"uuid": w.RepositoryUUID},
		"project":    map[string]any{"uuid": w.ProjectUUID},
	}
	for _, x := range bitbucketEvents[event].Extra {
		switch x {
		case "pullrequest":
			p["pullrequest"] = map[string]any{"id": w.PullRequestID}
		case "comment":
			p["comment"] = map[string]any{"id": 101}
		case "commit":
			p["commit"] = map[string]any{"hash": sampleCommit}
		case "buildStatus":
			p["buildStatus"] = map[string]any{"key": "local-build", "state": "SUCCESSFUL"}
		case "reviewer":
			p["reviewer"] = map[string]any{"accountId": w.AccountID, "uuid": w.UserUUID, "state": "approved"}
		case "deployment":
			p["deployment"] = map[string]any{"uuid": "{3c1d2e3f-4a5b-4c6d-8e7f-9a0b1c2d3e4f}"}
			p["environment"] = map[string]any{"uuid": "{7d6c5b4a-3f2e-4d1c-9b0a-8f7e6d5c4b3a}"}
		case "changes":
			if strings.HasPrefix(event, "avi:bitbucket:push") {
				p["changes"] = []any{map[string]any{"new": map[string]any{"type": "branch", "name": "main", "target": map[string]any{"hash": sampleCommit}}}}
			}
		}
	}
	return p
}

// MergeCheckPayload is what a bitbucket:mergeCheck function gets for a
// trigger (the contract in internal/forgefit/forge-remote-contract.md).
func (w World) MergeCheckPayload(trigger string) map[string]any {
	return map[string]any{
		"trigger":    trigger,
		"workspace":  map[string]any{"uuid": w.WorkspaceUUID},
		"repository": map[string]any{"uuid": w.RepositoryUUID},
		"pullrequest": map[string]any{
			"id":          w.PullRequestID,
			"source":      map[string]any{"commit": map[string]any{"hash": sampleCommit}, "branch": map[string]any{"name": "feature"}},
			"destination": map[string]any{"commit": map[string]any{"hash": "1a2b3c4d5e6f7a8b9c0d1e2f3a4b5c6d7e8f9a0b"}, "branch": map[string]any{"name": "main"}},
		},
	}
}

const (
	sampleCommit       = "7f3c1b2a9d8e6f5a4b3c2d1e0f9a8b7c6d5e4f3a"
	localEnvironmentID = "local-development"
)

// ExtensionContext is the context a UI module's resolver sees (what the
// product's bridge sends): the module's location with the workspace,
// repository and pull request of the page.
func (w World) ExtensionContext(mod Module) map[string]any {
	ext := map[string]any{"type": mod.Type, "workspace": map[string]any{"uuid": w.WorkspaceUUID}}
	t := strings.TrimPrefix(mod.Type, productPrefix)
	if strings.HasPrefix(t, "repo") {
		ext["repository"] = map[string]any{"uuid": w.RepositoryUUID}
	}
	if strings.Contains(t, "PullRequest") {
		ext["pullRequest"] = map[string]any{"id": w.PullRequestID}
	}
	if strings.HasPrefix(t, "project") {
		ext["project"] = map[string]any{"uuid": w.ProjectUUID}
	}
	if t == "repoCodeFileViewer" {
		ext["file"] = map[string]any{"path": "README.md"}
	}
	return map[string]any{
		"moduleKey":       mod.Key,
		"localId":         mod.Key + "-local",
		"workspaceId":     w.WorkspaceUUID,
		"cloudId":         w.WorkspaceUUID,
		"environmentId":   localEnvironmentID,
		"environmentType": "DEVELOPMENT",
		"accountId":       w.AccountID,
		"extension":       ext,
	}
}

// productPrefix starts the type of every Bitbucket module
// (bitbucket:repoMainMenuPage).
const productPrefix = string(descriptor.Bitbucket) + ":"
