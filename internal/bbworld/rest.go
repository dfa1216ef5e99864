package bbworld

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"
)

// Caller is the installation a REST call comes from, as the host's
// authentication established it.
type Caller struct {
	ClientKey, AppKey string
	// Granted are the scopes the app holds, implications followed (nil:
	// no scope is checked).
	Granted map[string]bool
}

// call is one request being answered.
type call struct {
	w      *World
	rw     http.ResponseWriter
	r      *http.Request
	c      Caller
	st     *State
	params map[string]string
	repo   *Repo
}

type handler func(*call)

var served = map[string]handler{}

func serve(method, template string, h handler) { served[method+" "+template] = h }

// Routes lists the operations the local host serves, "METHOD /template",
// sorted.
func Routes() []string {
	out := make([]string, 0, len(served))
	for k := range served {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// NotServedMessage is the start of the 501 answer for a documented
// operation the local host does not serve.
const NotServedMessage = "not served by the local host"

// ServeAPI answers one REST call under /2.0 for caller c: a documented
// operation the host serves is answered from the sample world and c's
// writes, after its scopes are checked; a documented one it does not
// serve answers 501 naming it; anything else answers as Bitbucket does
// for a URL with no API (404) or a method the path does not take (405).
func (w *World) ServeAPI(rw http.ResponseWriter, r *http.Request, c Caller) {
	p, ok := strings.CutPrefix(r.URL.EscapedPath(), "/2.0/")
	if !ok {
		noAPI(rw)
		return
	}
	m, found, pathOnly := FindOperation(r.Method, "/"+p)
	switch {
	case pathOnly:
		writeError(rw, http.StatusMethodNotAllowed, fmt.Sprintf("Method %s not allowed for /2.0/%s", r.Method, p), nil)
		return
	case !found:
		noAPI(rw)
		return
	}
	if missing := missingScopes(m.Scopes, c.Granted); len(missing) > 0 {
		granted := sortedKeys(c.Granted)
		e := map[string]any{
			"message": "Your credentials lack one or more required privilege scopes.",
			"detail":  fmt.Sprintf("%s /2.0%s needs the scope %s, which the app does not hold: add it to the descriptor's scopes.", r.Method, m.Template, strings.Join(missing, " and ")),
			"data":    map[string]any{"required": m.Scopes, "granted": granted},
		}
		writeJSON(rw, http.StatusForbidden, map[string]any{"type": "error", "error": e})
		return
	}
	h := served[r.Method+" "+m.Template]
	if h == nil {
		writeError(rw, http.StatusNotImplemented, fmt.Sprintf("%s /2.0%s is %s", r.Method, m.Template, NotServedMessage),
			"Bitbucket serves this operation; the local host serves the calls Connect apps make most (connectgen simulate --help lists them).")
		return
	}
	cl := &call{w: w, rw: rw, r: r, c: c, st: w.State(c.ClientKey), params: m.Params}
	if ws, ok := m.Params["workspace"]; ok && !IsWorkspace(ws) {
		writeError(rw, http.StatusNotFound, fmt.Sprintf("No workspace with identifier '%s'.", ws), nil)
		return
	}
	if slug, ok := m.Params["repo_slug"]; ok {
		if cl.repo, ok = w.Repo(slug); !ok {
			writeError(rw, http.StatusNotFound, fmt.Sprintf("Repository %s/%s not found", m.Params["workspace"], slug), nil)
			return
		}
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	h(cl)
}

func missingScopes(required []string, granted map[string]bool) []string {
	if granted == nil {
		return nil
	}
	var missing []string
	for _, s := range required {
		if !granted[s] {
			missing = append(missing, s)
		}
	}
	return missing
}

// noAPI is Bitbucket's answer for a URL no API is hosted at.
func noAPI(rw http.ResponseWriter) {
	writeError(rw, http.StatusNotFound, "Resource not found",
		"There is no API hosted at this URL.\n\nFor information about our API's, please refer to the documentation at: https://developer.atlassian.com/bitbucket/api/2/reference/")
}

// writeError answers in Bitbucket's error format; detail is a string
// (the document's error.detail) or structured data (error.data).
func writeError(rw http.ResponseWriter, status int, msg string, detail any) {
	e := map[string]any{"message": msg}
	switch d := detail.(type) {
	case nil:
	case string:
		e["detail"] = d
	default:
		e["data"] = d
	}
	writeJSON(rw, status, map[string]any{"type": "error", "error": e})
}

func writeJSON(rw http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		http.Error(rw, err.Error(), http.StatusInternalServerError)
		return
	}
	rw.Header().Set("Content-Type", "application/json; charset=utf-8")
	rw.WriteHeader(status)
	_, _ = rw.Write(b) // the client went away; nothing to tell it
}

func (c *call) json(status int, v any) { writeJSON(c.rw, status, v) }

func (c *call) notFound(msg string) { writeError(c.rw, http.StatusNotFound, msg, nil) }

func (c *call) badRequest(msg string) { writeError(c.rw, http.StatusBadRequest, msg, nil) }

// page answers a paginated list: ?page= and ?pagelen= (10 by default, at
// most 100), next and previous links as Bitbucket gives them.
func (c *call) page(values []any) {
	q := c.r.URL.Query()
	pagelen, page := 10, 1
	if n, err := strconv.Atoi(q.Get("pagelen")); err == nil && n > 0 {
		pagelen = min(n, 100)
	}
	if n, err := strconv.Atoi(q.Get("page")); err == nil && n > 0 {
		page = n
	}
	start := min((page-1)*pagelen, len(values))
	end := min(start+pagelen, len(values))
	out := map[string]any{"pagelen": pagelen, "page": page, "size": len(values), "values": append([]any{}, values[start:end]...)}
	link := func(p int) string {
		q.Set("page", strconv.Itoa(p))
		return c.w.APIURL + c.r.URL.Path + "?" + q.Encode()
	}
	if end < len(values) {
		out["next"] = link(page + 1)
	}
	if page > 1 {
		out["previous"] = link(page - 1)
	}
	c.json(http.StatusOK, out)
}

func (c *call) body(v any) bool {
	b, err := io.ReadAll(io.LimitReader(c.r.Body, 1<<20))
	if err != nil {
		c.badRequest("cannot read the request body: " + err.Error())
		return false
	}
	if err := json.Unmarshal(b, v); err != nil {
		c.badRequest("The request body is not valid JSON: " + err.Error())
		return false
	}
	return true
}

func (c *call) commit() (*Commit, bool) {
	ref := c.params["commit"]
	cm, ok := c.repo.Commit(ref)
	if !ok {
		c.notFound(fmt.Sprintf("Commit not found: %s", ref))
	}
	return cm, ok
}

func (c *call) pullRequest() (*PullRequest, bool) {
	raw := c.params["pull_request_id"]
	if raw == "" {
		raw = c.params["pullrequest_id"]
	}
	id, err := strconv.Atoi(raw)
	var p *PullRequest
	ok := err == nil
	if ok {
		p, ok = c.repo.PullRequest(id)
	}
	if !ok {
		c.notFound(fmt.Sprintf("Pull request %s not found", raw))
	}
	return p, ok
}

func now() string { return time.Now().UTC().Format("2006-01-02T15:04:05.000000+00:00") }

func init() {
	serve("GET", "/user", func(c *call) { c.json(200, c.w.UserJSON(c.w.Owner)) })
	serve("GET", "/users/{selected_user}", func(c *call) {
		u, ok := c.w.User(c.params["selected_user"])
		if !ok {
			c.notFound(fmt.Sprintf("User %s not found", c.params["selected_user"]))
			return
		}
		c.json(200, c.w.UserJSON(u))
	})
	serve("GET", "/workspaces", func(c *call) { c.page([]any{c.w.WorkspaceJSON()}) })
	serve("GET", "/workspaces/{workspace}", func(c *call) { c.json(200, c.w.WorkspaceJSON()) })
	serve("GET", "/user/workspaces", func(c *call) {
		c.page([]any{map[string]any{"type": "workspace_access", "administrator": true, "workspace": map[string]any{
			"type": "workspace", "uuid": WorkspaceUUID, "slug": WorkspaceSlug, "name": WorkspaceName,
			"links": map[string]any{"self": link(c.w.api("/workspaces/" + WorkspaceSlug)), "avatar": link(web + "/workspaces/" + WorkspaceSlug + "/avatar/")}},
			"links": map[string]any{"self": link(c.w.api("/user/workspaces/" + WorkspaceSlug + "/permission"))}}})
	})
	members := func(c *call) {
		var out []any
		for _, u := range c.w.Users {
			perm := "member"
			if u == c.w.Owner {
				perm = "owner"
			}
			out = append(out, c.w.membershipJSON(u, perm))
		}
		c.page(out)
	}
	serve("GET", "/workspaces/{workspace}/permissions", members)
	serve("GET", "/workspaces/{workspace}/members", members)
	serve("GET", "/user/permissions/workspaces", func(c *call) { c.page([]any{c.w.membershipJSON(c.w.Owner, "owner")}) })
	serve("GET", "/workspaces/{workspace}/projects", func(c *call) { c.page([]any{c.w.ProjectJSON()}) })
	serve("GET", "/workspaces/{workspace}/projects/{project_key}", func(c *call) {
		if c.params["project_key"] != ProjectKey && c.params["project_key"] != ProjectUUID {
			c.notFound(fmt.Sprintf("Project %s not found", c.params["project_key"]))
			return
		}
		c.json(200, c.w.ProjectJSON())
	})
	serve("GET", "/repositories/{workspace}", func(c *call) {
		var out []any
		for _, r := range c.w.Repos {
			out = append(out, c.w.RepoJSON(r))
		}
		c.page(out)
	})
	serve("GET", "/repositories/{workspace}/{repo_slug}", func(c *call) { c.json(200, c.w.RepoJSON(c.repo)) })
	serve("GET", "/repositories/{workspace}/{repo_slug}/refs/branches", func(c *call) {
		var out []any
		for _, b := range c.repo.Branches {
			out = append(out, c.w.BranchJSON(c.repo, b))
		}
		c.page(out)
	})
	serve("GET", "/repositories/{workspace}/{repo_slug}/refs/branches/{name}", func(c *call) {
		for _, b := range c.repo.Branches {
			if b.Name == c.params["name"] {
				c.json(200, c.w.BranchJSON(c.repo, b))
				return
			}
		}
		c.notFound(fmt.Sprintf("Branch %s not found", c.params["name"]))
	})
	commits := func(c *call) {
		head := c.params["revision"]
		if head == "" {
			head = c.r.URL.Query().Get("include")
		}
		var hist []*Commit
		if head == "" {
			hist = c.repo.Commits
		} else if hist = c.repo.History(head); len(hist) == 0 {
			c.notFound(fmt.Sprintf("Revision %s not found", head))
			return
		}
		var out []any
		for _, cm := range hist {
			out = append(out, c.w.CommitJSON(c.repo, cm))
		}
		c.page(out)
	}
	serve("GET", "/repositories/{workspace}/{repo_slug}/commits", commits)
	serve("GET", "/repositories/{workspace}/{repo_slug}/commits/{revision}", commits)
	serve("GET", "/repositories/{workspace}/{repo_slug}/commit/{commit}", func(c *call) {
		if cm, ok := c.commit(); ok {
			c.json(200, c.w.CommitJSON(c.repo, cm))
		}
	})
	serve("GET", "/repositories/{workspace}/{repo_slug}/diff/{spec}", func(c *call) {
		from, to, ok := c.spec()
		if !ok {
			return
		}
		c.rw.Header().Set("Content-Type", "text/plain; charset=utf-8")
		c.rw.WriteHeader(200)
		_, _ = io.WriteString(c.rw, c.repo.diff(from, to)) // the client went away
	})
	serve("GET", "/repositories/{workspace}/{repo_slug}/diffstat/{spec}", func(c *call) {
		from, to, ok := c.spec()
		if ok {
			c.page(c.w.diffstat(c.repo, from, to))
		}
	})
	serve("GET", "/repositories/{workspace}/{repo_slug}/src/{commit}/{path}", func(c *call) {
		cm, ok := c.commit()
		if !ok {
			return
		}
		c.src(cm, c.params["path"])
	})
	serve("GET", "/repositories/{workspace}/{repo_slug}/src", func(c *call) {
		cm, _ := c.repo.Commit(c.repo.MainBranch)
		c.src(cm, "")
	})
	serve("GET", "/repositories/{workspace}/{repo_slug}/commit/{commit}/statuses", func(c *call) {
		cm, ok := c.commit()
		if !ok {
			return
		}
		var out []any
		for _, s := range c.w.Statuses(c.st, c.repo, cm) {
			out = append(out, c.w.StatusJSON(c.repo, cm, s))
		}
		c.page(out)
	})
	serve("POST", "/repositories/{workspace}/{repo_slug}/commit/{commit}/statuses/build", func(c *call) { c.putStatus("", 201) })
	serve("PUT", "/repositories/{workspace}/{repo_slug}/commit/{commit}/statuses/build/{key}", func(c *call) { c.putStatus(c.params["key"], 200) })
	serve("GET", "/repositories/{workspace}/{repo_slug}/commit/{commit}/statuses/build/{key}", func(c *call) {
		cm, ok := c.commit()
		if !ok {
			return
		}
		for _, s := range c.w.Statuses(c.st, c.repo, cm) {
			if s.Key == c.params["key"] {
				c.json(200, c.w.StatusJSON(c.repo, cm, s))
				return
			}
		}
		c.notFound(fmt.Sprintf("Commit status %s not found", c.params["key"]))
	})
	serve("GET", "/repositories/{workspace}/{repo_slug}/pullrequests", func(c *call) {
		states := c.r.URL.Query()["state"]
		if len(states) == 0 {
			states = []string{"OPEN"}
		}
		var out []any
		for _, p := range c.repo.PullRequests {
			for _, s := range states {
				if strings.EqualFold(s, p.State) {
					out = append(out, c.w.PullRequestJSON(c.repo, p, c.st))
				}
			}
		}
		c.page(out)
	})
	serve("GET", "/repositories/{workspace}/{repo_slug}/pullrequests/{pull_request_id}", func(c *call) {
		if p, ok := c.pullRequest(); ok {
			c.json(200, c.w.PullRequestJSON(c.repo, p, c.st))
		}
	})
	prRedirect := func(kind string) handler {
		return func(c *call) {
			p, ok := c.pullRequest()
			if !ok {
				return
			}
			spec := c.repo.full() + ":" + p.sourceHead[:12] + "%0D" + p.destinationHead[:12]
			c.rw.Header().Set("Location", c.w.api("/repositories/"+c.repo.full()+"/"+kind+"/"+spec+"?from_pullrequest_id="+itoa(p.ID)+"&topic=true"))
			c.rw.WriteHeader(http.StatusFound)
		}
	}
	serve("GET", "/repositories/{workspace}/{repo_slug}/pullrequests/{pull_request_id}/diff", prRedirect("diff"))
	serve("GET", "/repositories/{workspace}/{repo_slug}/pullrequests/{pull_request_id}/diffstat", prRedirect("diffstat"))
	serve("GET", "/repositories/{workspace}/{repo_slug}/pullrequests/{pull_request_id}/comments", func(c *call) {
		p, ok := c.pullRequest()
		if !ok {
			return
		}
		var out []any
		for _, cm := range append(append([]*Comment{}, p.Comments...), c.st.comments(c.repo, p.ID)...) {
			out = append(out, c.w.CommentJSON(c.repo, p, cm))
		}
		c.page(out)
	})
	serve("GET", "/repositories/{workspace}/{repo_slug}/pullrequests/{pull_request_id}/comments/{comment_id}", func(c *call) {
		p, ok := c.pullRequest()
		if !ok {
			return
		}
		for _, cm := range append(append([]*Comment{}, p.Comments...), c.st.comments(c.repo, p.ID)...) {
			if itoa(cm.ID) == c.params["comment_id"] {
				c.json(200, c.w.CommentJSON(c.repo, p, cm))
				return
			}
		}
		c.notFound(fmt.Sprintf("Comment %s not found", c.params["comment_id"]))
	})
	serve("POST", "/repositories/{workspace}/{repo_slug}/pullrequests/{pull_request_id}/comments", func(c *call) {
		p, ok := c.pullRequest()
		if !ok {
			return
		}
		var in struct {
			Content struct{ Raw string } `json:"content"`
			Inline  *struct {
				Path string `json:"path"`
				To   int    `json:"to"`
			} `json:"inline"`
			Parent *struct{ ID int } `json:"parent"`
		}
		if !c.body(&in) {
			return
		}
		if strings.TrimSpace(in.Content.Raw) == "" {
			writeError(c.rw, http.StatusBadRequest, "Bad request", map[string]any{"fields": map[string]any{"content": []any{"This field is required."}}})
			return
		}
		c.st.nextComment++
		cm := &Comment{ID: c.st.nextComment, User: c.w.Owner, Raw: in.Content.Raw, CreatedOn: now()}
		if in.Inline != nil {
			cm.Inline = &Inline{Path: in.Inline.Path, To: in.Inline.To}
		}
		if in.Parent != nil {
			cm.ParentID = in.Parent.ID
		}
		k := c.repo.UUID + "/" + itoa(p.ID)
		c.st.prComments[k] = append(c.st.prComments[k], cm)
		c.json(201, c.w.CommentJSON(c.repo, p, cm))
	})
	serve("GET", "/repositories/{workspace}/{repo_slug}/pullrequests/{pull_request_id}/activity", func(c *call) {
		if p, ok := c.pullRequest(); ok {
			c.page(c.w.activity(c.repo, p, c.st))
		}
	})
	serve("GET", "/repositories/{workspace}/{repo_slug}/pullrequests/{pull_request_id}/statuses", func(c *call) {
		p, ok := c.pullRequest()
		if !ok {
			return
		}
		cm, _ := c.repo.Commit(p.sourceHead)
		var out []any
		for _, s := range c.w.Statuses(c.st, c.repo, cm) {
			out = append(out, c.w.StatusJSON(c.repo, cm, s))
		}
		c.page(out)
	})
	serve("GET", "/user/permissions/repositories", func(c *call) {
		var out []any
		for _, r := range c.w.Repos {
			out = append(out, map[string]any{"type": "repository_permission", "permission": "admin",
				"user": c.w.accountJSON(c.w.Owner), "repository": c.w.repoRef(r)})
		}
		c.page(out)
	})
	serve("GET", "/repositories/{workspace}/{repo_slug}/commit/{commit}/comments", func(c *call) {
		cm, ok := c.commit()
		if !ok {
			return
		}
		var out []any
		if cm.Hash == c.repo.Commits[0].Hash {
			out = append(out, c.w.commitCommentJSON(c.repo, cm))
		}
		c.page(out)
	})
	serve("GET", "/repositories/{workspace}/{repo_slug}/pullrequests/{pull_request_id}/commits", func(c *call) {
		p, ok := c.pullRequest()
		if !ok {
			return
		}
		var out []any
		for _, cm := range c.repo.History(p.sourceHead) {
			if cm.Hash == p.destinationHead {
				break
			}
			out = append(out, c.w.CommitJSON(c.repo, cm))
		}
		c.page(out)
	})
	registerInsights()
	registerProperties()
}

func (w *World) membershipJSON(u *User, perm string) map[string]any {
	return map[string]any{
		"type": "workspace_membership", "permission": perm,
		"user": w.accountJSON(u), "workspace": w.workspaceRef(),
		"links": map[string]any{"self": link(w.api("/workspaces/" + WorkspaceSlug + "/members/" + esc(u.UUID)))},
	}
}

func (c *call) putStatus(key string, status int) {
	cm, ok := c.commit()
	if !ok {
		return
	}
	var in struct {
		Key, State, Name, Description, URL, Refname string
	}
	if !c.body(&in) {
		return
	}
	if key != "" {
		in.Key = key
	}
	var errs = map[string]any{}
	if in.Key == "" {
		errs["key"] = []any{"This field is required."}
	}
	switch in.State {
	case "SUCCESSFUL", "FAILED", "INPROGRESS", "STOPPED":
	case "":
		errs["state"] = []any{"This field is required."}
	default:
		errs["state"] = []any{fmt.Sprintf("%q is not a valid choice: SUCCESSFUL, FAILED, INPROGRESS or STOPPED.", in.State)}
	}
	if in.URL == "" && key == "" {
		errs["url"] = []any{"This field is required."}
	}
	if len(errs) > 0 {
		writeError(c.rw, http.StatusBadRequest, "Bad request", map[string]any{"fields": errs})
		return
	}
	k := commitKey(c.repo, cm)
	if c.st.statuses[k] == nil {
		c.st.statuses[k] = map[string]Status{}
	}
	s, existed := c.st.statuses[k][in.Key]
	t := now()
	if !existed {
		s.CreatedOn = t
	}
	s.Key, s.State, s.Name, s.Description, s.URL, s.RefName, s.UpdatedOn = in.Key, in.State, in.Name, in.Description, in.URL, in.Refname, t
	if s.Name == "" {
		s.Name = in.Key
	}
	c.st.statuses[k][in.Key] = s
	c.st.remember("status:"+k, in.Key)
	c.json(status, c.w.StatusJSON(c.repo, cm, s))
}

// spec reads a diff spec: "a..b", "a" (against its parent) or Bitbucket's
// "ws/repo:a\rb" (a pull request's), as from-and-to commits.
func (c *call) spec() (from, to *Commit, ok bool) {
	s := c.params["spec"]
	if i := strings.LastIndex(s, ":"); i >= 0 {
		s = s[i+1:]
	}
	var a, b string
	switch {
	case strings.Contains(s, ".."):
		a, b, _ = strings.Cut(s, "..")
	case strings.Contains(s, "\r"):
		a, b, _ = strings.Cut(s, "\r")
	default:
		a = s
	}
	if from, ok = c.repo.Commit(a); !ok {
		c.notFound(fmt.Sprintf("Commit not found: %s", a))
		return nil, nil, false
	}
	if b == "" {
		if len(from.Parents) == 0 {
			return from, nil, true
		}
		b = from.Parents[0]
	}
	if to, ok = c.repo.Commit(b); !ok {
		c.notFound(fmt.Sprintf("Commit not found: %s", b))
		return nil, nil, false
	}
	return from, to, true
}

// diff is a unified diff from base (may be nil) to head, whole files.
func (r *Repo) diff(head, base *Commit) string {
	newTree := r.Tree(head)
	oldTree := map[string]string{}
	if base != nil {
		oldTree = r.Tree(base)
	}
	var b strings.Builder
	for _, p := range sortedKeys(newTree) {
		o, had := oldTree[p]
		if had && o == newTree[p] {
			continue
		}
		fmt.Fprintf(&b, "diff --git a/%s b/%s\n", p, p)
		oldLines, newLines := lines(o), lines(newTree[p])
		if had {
			fmt.Fprintf(&b, "--- a/%s\n", p)
		} else {
			fmt.Fprintf(&b, "new file mode 100644\n--- /dev/null\n")
		}
		fmt.Fprintf(&b, "+++ b/%s\n@@ -%d,%d +1,%d @@\n", p, min(1, len(oldLines)), len(oldLines), len(newLines))
		for _, l := range oldLines {
			b.WriteString("-" + l + "\n")
		}
		for _, l := range newLines {
			b.WriteString("+" + l + "\n")
		}
	}
	return b.String()
}

func lines(s string) []string {
	if s == "" {
		return nil
	}
	return strings.Split(strings.TrimSuffix(s, "\n"), "\n")
}

func (w *World) diffstat(r *Repo, head, base *Commit) []any {
	newTree := r.Tree(head)
	oldTree := map[string]string{}
	if base != nil {
		oldTree = r.Tree(base)
	}
	var out []any
	for _, p := range sortedKeys(newTree) {
		o, had := oldTree[p]
		if had && o == newTree[p] {
			continue
		}
		entry := map[string]any{"type": "diffstat", "lines_added": len(lines(newTree[p])), "lines_removed": len(lines(o)),
			"new": w.fileRef(r, head, p), "status": "added"}
		if had {
			entry["status"] = "modified"
			entry["old"] = w.fileRef(r, base, p)
		}
		out = append(out, entry)
	}
	return out
}

func (w *World) fileRef(r *Repo, c *Commit, p string) map[string]any {
	return map[string]any{"type": "commit_file", "path": p, "escaped_path": p,
		"commit": w.commitRef(r, c),
		"links":  map[string]any{"self": link(w.api("/repositories/" + r.full() + "/src/" + c.Hash + "/" + escPath(p)))}}
}

func escPath(p string) string {
	parts := strings.Split(p, "/")
	for i, s := range parts {
		parts[i] = url.PathEscape(s)
	}
	return strings.Join(parts, "/")
}

// src answers a file's raw content, or a directory's listing.
func (c *call) src(cm *Commit, p string) {
	tree := c.repo.Tree(cm)
	p = strings.Trim(p, "/")
	if content, ok := tree[p]; ok && p != "" {
		c.rw.Header().Set("Content-Type", "text/plain; charset=utf-8")
		c.rw.WriteHeader(200)
		_, _ = io.WriteString(c.rw, content) // the client went away
		return
	}
	prefix := ""
	if p != "" {
		prefix = p + "/"
	}
	seen := map[string]bool{}
	var out []any
	for _, f := range sortedKeys(tree) {
		rest, ok := strings.CutPrefix(f, prefix)
		if !ok {
			continue
		}
		if dir, _, isDir := strings.Cut(rest, "/"); isDir {
			if !seen[dir] {
				seen[dir] = true
				out = append(out, map[string]any{"type": "commit_directory", "path": prefix + dir, "commit": c.w.commitRef(c.repo, cm),
					"links": map[string]any{"self": link(c.w.api("/repositories/" + c.repo.full() + "/src/" + cm.Hash + "/" + escPath(prefix+dir) + "/"))}})
			}
			continue
		}
		e := c.w.fileRef(c.repo, cm, f)
		e["size"] = len(tree[f])
		e["mimetype"] = nil
		e["attributes"] = []any{}
		out = append(out, e)
	}
	if len(out) == 0 {
		c.notFound(fmt.Sprintf("No such file or directory: %s", p))
		return
	}
	c.page(out)
}

// activity is a pull request's activity, newest first: comments,
// approvals and the update that opened it.
func (w *World) activity(r *Repo, p *PullRequest, st *State) []any {
	prRef := map[string]any{"type": "pullrequest", "id": p.ID, "title": p.Title,
		"links": map[string]any{"self": link(w.api("/repositories/" + r.full() + "/pullrequests/" + itoa(p.ID))), "html": link(web + "/" + r.full() + "/pull-requests/" + itoa(p.ID))}}
	var out []any
	all := append(append([]*Comment{}, p.Comments...), st.comments(r, p.ID)...)
	for i := len(all) - 1; i >= 0; i-- {
		out = append(out, map[string]any{"pull_request": prRef, "comment": w.CommentJSON(r, p, all[i])})
	}
	for _, pt := range p.Participants {
		if pt.Approved {
			out = append(out, map[string]any{"pull_request": prRef, "approval": map[string]any{"date": pt.On, "user": w.accountJSON(pt.User), "pullrequest": prRef}})
		}
	}
	src, _ := r.Commit(p.sourceHead)
	dst, _ := r.Commit(p.destinationHead)
	out = append(out, map[string]any{"pull_request": prRef, "update": map[string]any{
		"state": "OPEN", "title": p.Title, "description": p.Description, "reason": "", "date": p.CreatedOn,
		"author":      w.accountJSON(p.Author),
		"source":      map[string]any{"branch": map[string]any{"name": p.Source}, "commit": w.commitRef(r, src), "repository": w.repoRef(r)},
		"destination": map[string]any{"branch": map[string]any{"name": p.Destination}, "commit": w.commitRef(r, dst), "repository": w.repoRef(r)},
	}})
	return out
}
