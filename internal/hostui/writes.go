package hostui

import (
	"encoding/json"
	"fmt"
	"sort"
	"strings"

	"github.com/connectgen/connectgen/internal/hostsim"
)

// Visibler is a Backend that knows whether the product would show a
// module now (its conditions evaluated); a hidden module is reported as
// such on its page instead of being opened.
type Visibler interface {
	Visibility(p hostsim.Module) (shown bool, why []string)
}

// WritesLister is a Backend that lists what the app wrote through the
// REST API (statuses, reports, comments, properties), for the dev panel.
type WritesLister interface {
	Writes() []WriteGroup
}

// WriteGroup is one kind of thing the app wrote.
type WriteGroup struct {
	Title string
	Items []WriteItem
}

// WriteItem is one write: what it is on, and what it says.
type WriteItem struct {
	What, Detail string
}

// Visibility implements Visibler.
func (b hostBackend) Visibility(p hostsim.Module) (bool, []string) { return b.h.Visibility(p) }

// Writes implements WritesLister: the installation's writes to the sample
// world (Bitbucket) or its properties (Jira, Confluence).
func (b hostBackend) Writes() []WriteGroup {
	inst, ok := b.h.Installation()
	if !ok {
		return nil
	}
	var out []WriteGroup
	if props := b.h.Properties(); props != nil {
		g := WriteGroup{Title: "Properties"}
		keys := make([]string, 0, len(props))
		for k := range props {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			g.Items = append(g.Items, WriteItem{What: k, Detail: string(props[k])})
		}
		return append(out, g)
	}
	w := b.h.World().Writes(inst.ClientKey)
	st := WriteGroup{Title: "Commit statuses"}
	for _, s := range w.Statuses {
		st.Items = append(st.Items, WriteItem{What: fmt.Sprintf("%s@%s %s", s.Repository, short(s.Commit), s.Key), Detail: s.State + " " + s.Name + " " + s.URL})
	}
	rp := WriteGroup{Title: "Code Insights reports"}
	for _, r := range w.Reports {
		detail := fmt.Sprintf("%v %v: %v", r.Report["report_type"], r.Report["result"], r.Report["title"])
		for _, a := range r.Annotations {
			detail += fmt.Sprintf("; %v %v:%v %v", a["annotation_type"], a["path"], a["line"], a["summary"])
		}
		rp.Items = append(rp.Items, WriteItem{What: fmt.Sprintf("%s@%s %v", r.Repository, short(r.Commit), r.Report["uuid"]), Detail: detail})
	}
	cm := WriteGroup{Title: "Pull request comments"}
	for _, c := range w.Comments {
		raw := ""
		if content, ok := c.Comment["content"].(map[string]any); ok {
			raw, _ = content["raw"].(string)
		}
		cm.Items = append(cm.Items, WriteItem{What: fmt.Sprintf("%s #%d", c.Repository, c.PullRequest), Detail: raw})
	}
	pr := WriteGroup{Title: "App properties"}
	for _, p := range w.Properties {
		pr.Items = append(pr.Items, WriteItem{What: p.Path, Detail: string(compact(p.Value))})
	}
	return append(out, st, rp, cm, pr)
}

func short(hash string) string {
	if len(hash) > 12 {
		return hash[:12]
	}
	return hash
}

func compact(b json.RawMessage) json.RawMessage {
	var v any
	if json.Unmarshal(b, &v) != nil {
		return b
	}
	out, err := json.Marshal(v)
	if err != nil {
		return b
	}
	return out
}

// hiddenMessage says why the product would not show a module.
func hiddenMessage(product string, why []string) string {
	return fmt.Sprintf("%s would not show this module now, so the local host does not open it: %s.", product, strings.Join(why, "; "))
}
