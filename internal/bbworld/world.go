// Package bbworld is the local Bitbucket host's sample world: one
// workspace with a project, two repositories, branches, commits, pull
// requests with reviewers, participants and comments, commit statuses and
// users, rendered as Bitbucket's REST API 2.0 returns them (type, links,
// uuids in braces). The same entities fill REST answers, webhook payloads
// and module context parameters, so an id seen in one is found in the
// others. What an app writes (statuses, Code Insights reports and
// annotations, pull request comments, app properties) is kept per
// installation.
package bbworld

import (
	"fmt"
	"sort"
	"strings"
	"sync"
)

// IDs of the sample world that other packages name (the host's Sample).
const (
	WorkspaceSlug = "sample-workspace"
	WorkspaceUUID = "{5f2e2e58-63a0-4b1c-9a39-0d2a3c2b7a10}"
	WorkspaceName = "Sample Workspace"
	ProjectKey    = "SAMP"
	ProjectUUID   = "{a1b2c3d4-0000-4000-8000-00000000beef}"
	ProjectName   = "Sample Project"
	RepoSlug      = "sample-repo"
	RepoUUID      = "{0e2d4d5c-7c39-4d4e-8f7a-5e4b3a2c1d00}"
	Repo2Slug     = "sample-service"
	Repo2UUID     = "{9b7c3e21-4d5a-4f60-8e1b-2c3d4e5f6a70}"
	UserUUID      = "{6a8b1ee2-3f4d-4a51-9b2c-7d8e9f0a1b2c}"
	UserAccountID = "557058:4f4f1c0e-6d0b-4e6e-9a0a-3c3d3e3f4041"
	UserName      = "Sample User"
	UserNickname  = "sample-user"
	// created is when the sample world began.
	created = "2021-02-03T04:05:06.000000+00:00"
)

// User is an Atlassian account of the sample world.
type User struct {
	UUID, AccountID, Nickname, DisplayName string
}

// Commit is a commit of a sample repository, newest first in Repo.Commits.
type Commit struct {
	Hash, Message, Date string
	Author              *User
	Parents             []string
	// Files are the files the commit changed: path → content after it.
	Files map[string]string
	// Removed lines per path, for the diffstat.
	Removed map[string]int
}

// Branch is a branch and the hash of its head.
type Branch struct{ Name, Head string }

// Repo is a sample repository.
type Repo struct {
	Slug, Name, UUID, Description, Language string
	MainBranch                              string
	Branches                                []Branch
	Commits                                 []*Commit // newest first, all branches
	PullRequests                            []*PullRequest
	Statuses                                map[string][]Status // commit hash → statuses the world starts with
}

// Participant is a pull request participant.
type Participant struct {
	User     *User
	Role     string // PARTICIPANT or REVIEWER
	Approved bool
	State    string // approved, changes_requested or ""
	On       string
}

// PullRequest is a sample pull request.
type PullRequest struct {
	ID                          int
	Title, Description, State   string
	Author                      *User
	Source, Destination         string // branch names
	Reviewers                   []*User
	Participants                []Participant
	Comments                    []*Comment
	CreatedOn, UpdatedOn        string
	CloseSourceBranch           bool
	MergeCommit, ClosedByNick   string
	sourceHead, destinationHead string
}

// Comment is a pull request comment.
type Comment struct {
	ID        int
	User      *User
	Raw       string
	Inline    *Inline
	ParentID  int
	CreatedOn string
}

// Inline anchors a comment to a line of a file.
type Inline struct {
	Path string
	To   int
}

// Status is a commit status.
type Status struct {
	Key, Name, State, Description, URL, RefName, CreatedOn, UpdatedOn string
}

// World is the sample world and the writes of each installation.
type World struct {
	// APIURL is the REST API's origin (http://127.0.0.1:port), which
	// self links name; web links point at https://bitbucket.org.
	APIURL string

	Users    []*User
	Owner    *User // the installing user, the actor of events
	Repos    []*Repo
	mu       sync.Mutex
	installs map[string]*State
}

var (
	sampleUser = &User{UUID: UserUUID, AccountID: UserAccountID, Nickname: UserNickname, DisplayName: UserName}
	reviewer   = &User{UUID: "{3c9f1a7e-2b4d-4e6f-8a1b-5c7d9e0f1a2b}", AccountID: "557058:0b1c2d3e-4f50-4617-8293-a4b5c6d7e8f9", Nickname: "rae-reviewer", DisplayName: "Rae Reviewer"}
	helper     = &User{UUID: "{8e7d6c5b-4a39-4281-9f0e-1d2c3b4a5968}", AccountID: "712020:5a6b7c8d-9e0f-4a1b-8c2d-3e4f5a6b7c8d", Nickname: "pat-participant", DisplayName: "Pat Participant"}
)

func hash(seed string) string {
	// Deterministic 40-hex commit hashes, readable in tests.
	var b strings.Builder
	for i := 0; b.Len() < 40; i++ {
		c := seed[i%len(seed)]
		fmt.Fprintf(&b, "%02x", (int(c)*31+i*17)%256)
	}
	return b.String()[:40]
}

// New builds the sample world, with links under apiURL.
func New(apiURL string) *World {
	w := &World{APIURL: strings.TrimRight(apiURL, "/"), Users: []*User{sampleUser, reviewer, helper}, Owner: sampleUser, installs: map[string]*State{}}
	w.Repos = []*Repo{newRepo(RepoSlug, "sample-repo", RepoUUID, "A repository of the local Bitbucket host", "go"),
		newRepo(Repo2Slug, "sample-service", Repo2UUID, "The second repository of the sample workspace", "javascript")}
	// The second repository's pull request is merged.
	pr := w.Repos[1].PullRequests[0]
	pr.State, pr.MergeCommit, pr.ClosedByNick = "MERGED", w.Repos[1].Commits[1].Hash, sampleUser.Nickname
	pr.Title = "Document the service"
	return w
}

func newRepo(slug, name, uuid, desc, lang string) *Repo {
	c1 := &Commit{Hash: hash(slug + "1"), Message: "Initial commit\n", Date: "2026-01-01T09:00:00+00:00", Author: sampleUser,
		Files: map[string]string{"README.md": "# " + name + "\n\nThe sample repository of the local Bitbucket host.\n", "main.go": "package main\n\nfunc main() {}\n"}}
	c2 := &Commit{Hash: hash(slug + "2"), Message: "Describe the build in the README\n", Date: "2026-01-02T03:04:05+00:00", Author: helper, Parents: []string{c1.Hash},
		Files: map[string]string{"README.md": "# " + name + "\n\nThe sample repository of the local Bitbucket host.\n\nBuild with `make`.\n"}, Removed: map[string]int{}}
	c3 := &Commit{Hash: hash(slug + "3"), Message: "Add a widget\n\nThe widget greets.\n", Date: "2026-01-03T10:11:12+00:00", Author: sampleUser, Parents: []string{c2.Hash},
		Files: map[string]string{"widget.go": "package main\n\n// Widget greets.\nfunc Widget() string { return \"hello\" }\n", "main.go": "package main\n\nfunc main() { println(Widget()) }\n"}, Removed: map[string]int{"main.go": 1}}
	r := &Repo{Slug: slug, Name: name, UUID: uuid, Description: desc, Language: lang, MainBranch: "main",
		Branches: []Branch{{"main", c2.Hash}, {"feature/add-widget", c3.Hash}},
		Commits:  []*Commit{c3, c2, c1},
		Statuses: map[string][]Status{c3.Hash: {{Key: "sample-ci", Name: "Sample CI #12", State: "SUCCESSFUL", Description: "12 tests passed", URL: "https://ci.example/builds/12", RefName: "feature/add-widget", CreatedOn: "2026-01-03T10:20:00.000000+00:00", UpdatedOn: "2026-01-03T10:25:00.000000+00:00"}}},
	}
	r.PullRequests = []*PullRequest{{
		ID: 1, Title: "Add a widget", Description: "Adds the widget and calls it from main.", State: "OPEN", Author: sampleUser,
		Source: "feature/add-widget", Destination: "main", sourceHead: c3.Hash, destinationHead: c2.Hash,
		Reviewers: []*User{reviewer},
		Participants: []Participant{
			{User: reviewer, Role: "REVIEWER", Approved: true, State: "approved", On: "2026-01-03T11:00:00.000000+00:00"},
			{User: helper, Role: "PARTICIPANT", On: "2026-01-03T10:40:00.000000+00:00"},
		},
		Comments: []*Comment{
			{ID: 101, User: helper, Raw: "Should the widget say hello in French too?", CreatedOn: "2026-01-03T10:40:00.000000+00:00"},
			{ID: 102, User: reviewer, Raw: "Nice and small.", Inline: &Inline{Path: "widget.go", To: 4}, CreatedOn: "2026-01-03T10:55:00.000000+00:00"},
		},
		CreatedOn: "2026-01-03T10:30:00.000000+00:00", UpdatedOn: "2026-01-03T11:00:00.000000+00:00", CloseSourceBranch: true,
	}}
	return r
}

// Repo finds a repository of the sample workspace by slug or {uuid}.
func (w *World) Repo(slugOrUUID string) (*Repo, bool) {
	for _, r := range w.Repos {
		if strings.EqualFold(r.Slug, slugOrUUID) || strings.EqualFold(r.UUID, slugOrUUID) {
			return r, true
		}
	}
	return nil, false
}

// IsWorkspace reports whether s names the sample workspace (slug or {uuid}).
func IsWorkspace(s string) bool {
	return strings.EqualFold(s, WorkspaceSlug) || strings.EqualFold(s, WorkspaceUUID)
}

// User finds a user by {uuid}, account id or nickname.
func (w *World) User(id string) (*User, bool) {
	for _, u := range w.Users {
		if strings.EqualFold(u.UUID, id) || u.AccountID == id || u.Nickname == id {
			return u, true
		}
	}
	return nil, false
}

// Commit finds a commit of r by hash or hash prefix (at least 7
// characters), or by branch name.
func (r *Repo) Commit(ref string) (*Commit, bool) {
	for _, b := range r.Branches {
		if b.Name == ref {
			ref = b.Head
		}
	}
	if len(ref) < 7 {
		return nil, false
	}
	for _, c := range r.Commits {
		if strings.HasPrefix(c.Hash, strings.ToLower(ref)) {
			return c, true
		}
	}
	return nil, false
}

// History returns the commits reachable from head, newest first.
func (r *Repo) History(head string) []*Commit {
	var out []*Commit
	for c, ok := r.Commit(head); ok; {
		out = append(out, c)
		if len(c.Parents) == 0 {
			break
		}
		c, ok = r.Commit(c.Parents[0])
	}
	return out
}

// Tree is the content of every file at commit c: the files of its
// history, newest content winning.
func (r *Repo) Tree(c *Commit) map[string]string {
	hist := r.History(c.Hash)
	files := map[string]string{}
	for i := len(hist) - 1; i >= 0; i-- {
		for p, content := range hist[i].Files {
			files[p] = content
		}
	}
	return files
}

// PullRequest finds a pull request of r by id.
func (r *Repo) PullRequest(id int) (*PullRequest, bool) {
	for _, p := range r.PullRequests {
		if p.ID == id {
			return p, true
		}
	}
	return nil, false
}

func sortedKeys[V any](m map[string]V) []string {
	ks := make([]string, 0, len(m))
	for k := range m {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	return ks
}
