package bbworld

import (
	"encoding/json"
	"sort"
)

// State is what one installation wrote: commit statuses, Code Insights
// reports and their annotations, pull request comments and app
// properties. Each installation (client key) has its own; a reinstall
// keeps it, as Bitbucket keeps data an app wrote.
type State struct {
	statuses    map[string]map[string]Status         // repo uuid/hash → key → status
	reports     map[string]map[string]map[string]any // repo uuid/hash → report id → report
	annotations map[string]map[string]map[string]any // repo uuid/hash/report → annotation id → annotation
	prComments  map[string][]*Comment                // repo uuid/pr id → comments added
	properties  map[string]json.RawMessage           // property path → value
	order       map[string][]string                  // insertion order of keys, per map key
	nextComment int
}

func newState() *State {
	return &State{
		statuses: map[string]map[string]Status{}, reports: map[string]map[string]map[string]any{},
		annotations: map[string]map[string]map[string]any{}, prComments: map[string][]*Comment{},
		properties: map[string]json.RawMessage{}, order: map[string][]string{}, nextComment: 1000,
	}
}

// State returns the writes of installation clientKey, created empty on
// first use.
func (w *World) State(clientKey string) *State {
	w.mu.Lock()
	defer w.mu.Unlock()
	st := w.installs[clientKey]
	if st == nil {
		st = newState()
		w.installs[clientKey] = st
	}
	return st
}

// Lock and Unlock guard every State of w; REST handlers and the host page
// hold the lock while they read or write one.
func (w *World) Lock()   { w.mu.Lock() }
func (w *World) Unlock() { w.mu.Unlock() }

func commitKey(r *Repo, c *Commit) string { return r.UUID + "/" + c.Hash }

func (st *State) remember(scope, key string) {
	for _, k := range st.order[scope] {
		if k == key {
			return
		}
	}
	st.order[scope] = append(st.order[scope], key)
}

func (st *State) forget(scope, key string) {
	ks := st.order[scope]
	for i, k := range ks {
		if k == key {
			st.order[scope] = append(ks[:i:i], ks[i+1:]...)
			return
		}
	}
}

func (st *State) comments(r *Repo, pr int) []*Comment {
	if st == nil {
		return nil
	}
	return st.prComments[r.UUID+"/"+itoa(pr)]
}

// Statuses are the statuses of commit c: the world's own, then those the
// installation wrote (a write with an existing key replaces it).
func (w *World) Statuses(st *State, r *Repo, c *Commit) []Status {
	byKey := map[string]Status{}
	var keys []string
	for _, s := range r.Statuses[c.Hash] {
		byKey[s.Key] = s
		keys = append(keys, s.Key)
	}
	k := commitKey(r, c)
	for _, key := range st.order["status:"+k] {
		if _, seen := byKey[key]; !seen {
			keys = append(keys, key)
		}
		byKey[key] = st.statuses[k][key]
	}
	out := make([]Status, 0, len(keys))
	for _, key := range keys {
		out = append(out, byKey[key])
	}
	return out
}

// Written is one installation's writes, for the host page.
type Written struct {
	Statuses   []WrittenStatus  `json:"statuses"`
	Reports    []WrittenReport  `json:"reports"`
	Comments   []WrittenComment `json:"comments"`
	Properties []WrittenProp    `json:"properties"`
}

// WrittenStatus is a status an app set on a commit.
type WrittenStatus struct {
	Repository, Commit string
	Status
}

// WrittenReport is a Code Insights report with its annotations.
type WrittenReport struct {
	Repository, Commit string
	Report             map[string]any
	Annotations        []map[string]any
}

// WrittenComment is a comment an app added to a pull request.
type WrittenComment struct {
	Repository  string
	PullRequest int
	Comment     map[string]any
}

// WrittenProp is an app property.
type WrittenProp struct {
	Path  string
	Value json.RawMessage
}

// Writes lists what installation clientKey wrote, for the host page.
func (w *World) Writes(clientKey string) Written {
	st := w.State(clientKey)
	w.mu.Lock()
	defer w.mu.Unlock()
	out := Written{Statuses: []WrittenStatus{}, Reports: []WrittenReport{}, Comments: []WrittenComment{}, Properties: []WrittenProp{}}
	for _, r := range w.Repos {
		for _, c := range r.Commits {
			k := commitKey(r, c)
			for _, key := range st.order["status:"+k] {
				out.Statuses = append(out.Statuses, WrittenStatus{r.full(), c.Hash, st.statuses[k][key]})
			}
			for _, id := range st.order["report:"+k] {
				wr := WrittenReport{Repository: r.full(), Commit: c.Hash, Report: st.reports[k][id]}
				ak := k + "/" + id
				for _, aid := range st.order["annotation:"+ak] {
					wr.Annotations = append(wr.Annotations, st.annotations[ak][aid])
				}
				out.Reports = append(out.Reports, wr)
			}
		}
		for _, p := range r.PullRequests {
			for _, c := range st.comments(r, p.ID) {
				out.Comments = append(out.Comments, WrittenComment{r.full(), p.ID, w.CommentJSON(r, p, c)})
			}
		}
	}
	paths := make([]string, 0, len(st.properties))
	for p := range st.properties {
		paths = append(paths, p)
	}
	sort.Strings(paths)
	for _, p := range paths {
		out.Properties = append(out.Properties, WrittenProp{p, st.properties[p]})
	}
	return out
}
