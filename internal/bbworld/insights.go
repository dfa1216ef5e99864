package bbworld

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
)

// Code Insights reports and annotations, and app properties: what apps
// write, kept per installation.

func (c *call) reportKey() (k string, cm *Commit, ok bool) {
	if cm, ok = c.commit(); !ok {
		return "", nil, false
	}
	return commitKey(c.repo, cm), cm, true
}

func (w *World) reportJSON(r *Repo, cm *Commit, id string, rep map[string]any) map[string]any {
	out := map[string]any{}
	for k, v := range rep {
		out[k] = v
	}
	out["type"] = "report"
	out["external_id"] = id
	return out
}

var reportTypes = map[string]bool{"SECURITY": true, "COVERAGE": true, "TEST": true, "BUG": true}
var reportResults = map[string]bool{"PASSED": true, "FAILED": true, "PENDING": true}
var annotationTypes = map[string]bool{"VULNERABILITY": true, "CODE_SMELL": true, "BUG": true}
var annotationResults = map[string]bool{"PASSED": true, "FAILED": true, "SKIPPED": true, "IGNORED": true}
var severities = map[string]bool{"CRITICAL": true, "HIGH": true, "MEDIUM": true, "LOW": true}

// checkEnum adds a field error when v is set and not one of allowed.
func checkEnum(errs map[string]any, field string, v any, allowed map[string]bool, required bool) {
	s, _ := v.(string)
	switch {
	case v == nil && required:
		errs[field] = []any{"This field is required."}
	case v != nil && !allowed[s]:
		errs[field] = []any{fmt.Sprintf("%v is not a valid choice: %s.", v, strings.Join(sortedKeys(allowed), ", "))}
	}
}

func fieldErrors(c *call, errs map[string]any) bool {
	if len(errs) == 0 {
		return false
	}
	writeError(c.rw, http.StatusBadRequest, "Bad request", map[string]any{"fields": errs})
	return true
}

func (w *World) annotationJSON(id string, a map[string]any) map[string]any {
	out := map[string]any{}
	for k, v := range a {
		out[k] = v
	}
	out["type"] = "report_annotation"
	out["external_id"] = id
	return out
}

func (c *call) putAnnotation(k, reportID, id string, in map[string]any) (map[string]any, bool) {
	errs := map[string]any{}
	checkEnum(errs, "annotation_type", in["annotation_type"], annotationTypes, true)
	if s, _ := in["summary"].(string); s == "" {
		errs["summary"] = []any{"This field is required."}
	}
	checkEnum(errs, "result", in["result"], annotationResults, false)
	checkEnum(errs, "severity", in["severity"], severities, false)
	if l, ok := in["line"]; ok {
		if f, isNum := l.(float64); !isNum || f < 1 || f != float64(int(f)) {
			errs["line"] = []any{"A valid integer of at least 1 is required."}
		}
	}
	if fieldErrors(c, errs) {
		return nil, false
	}
	ak := k + "/" + reportID
	if c.st.annotations[ak] == nil {
		c.st.annotations[ak] = map[string]map[string]any{}
	}
	t := now()
	a := map[string]any{"uuid": uuidFor(ak + "/" + id), "created_on": t, "updated_on": t}
	if old, ok := c.st.annotations[ak][id]; ok {
		a["created_on"], a["uuid"] = old["created_on"], old["uuid"]
	}
	for _, f := range []string{"annotation_type", "path", "line", "summary", "details", "result", "severity", "link"} {
		if v, ok := in[f]; ok {
			a[f] = v
		}
	}
	c.st.annotations[ak][id] = a
	c.st.remember("annotation:"+ak, id)
	return c.w.annotationJSON(id, a), true
}

// uuidFor makes a stable {uuid} from a key.
func uuidFor(key string) string {
	h := hash(key + "uuid")
	return "{" + h[0:8] + "-" + h[8:12] + "-4" + h[13:16] + "-8" + h[17:20] + "-" + h[20:32] + "}"
}

func registerInsights() {
	const base = "/repositories/{workspace}/{repo_slug}/commit/{commit}/reports"
	serve("GET", base, func(c *call) {
		k, cm, ok := c.reportKey()
		if !ok {
			return
		}
		var out []any
		for _, id := range c.st.order["report:"+k] {
			out = append(out, c.w.reportJSON(c.repo, cm, id, c.st.reports[k][id]))
		}
		c.page(out)
	})
	serve("PUT", base+"/{reportId}", func(c *call) {
		k, cm, ok := c.reportKey()
		if !ok {
			return
		}
		var in map[string]any
		if !c.body(&in) {
			return
		}
		errs := map[string]any{}
		if s, _ := in["title"].(string); s == "" {
			errs["title"] = []any{"This field is required."}
		}
		if s, _ := in["details"].(string); s == "" {
			errs["details"] = []any{"This field is required."}
		}
		checkEnum(errs, "report_type", in["report_type"], reportTypes, true)
		checkEnum(errs, "result", in["result"], reportResults, false)
		if fieldErrors(c, errs) {
			return
		}
		id := c.params["reportId"]
		if c.st.reports[k] == nil {
			c.st.reports[k] = map[string]map[string]any{}
		}
		t := now()
		rep := map[string]any{"uuid": uuidFor(k + "/" + id), "created_on": t, "updated_on": t}
		if old, ok := c.st.reports[k][id]; ok {
			rep["created_on"], rep["uuid"] = old["created_on"], old["uuid"]
		}
		for _, f := range []string{"title", "details", "reporter", "link", "remote_link_enabled", "logo_url", "report_type", "result", "data"} {
			if v, ok := in[f]; ok {
				rep[f] = v
			}
		}
		c.st.reports[k][id] = rep
		c.st.remember("report:"+k, id)
		c.json(200, c.w.reportJSON(c.repo, cm, id, rep))
	})
	serve("GET", base+"/{reportId}", func(c *call) {
		k, cm, ok := c.reportKey()
		if !ok {
			return
		}
		rep, ok := c.st.reports[k][c.params["reportId"]]
		if !ok {
			c.notFound(fmt.Sprintf("Report %s not found", c.params["reportId"]))
			return
		}
		c.json(200, c.w.reportJSON(c.repo, cm, c.params["reportId"], rep))
	})
	serve("DELETE", base+"/{reportId}", func(c *call) {
		k, _, ok := c.reportKey()
		if !ok {
			return
		}
		id := c.params["reportId"]
		delete(c.st.reports[k], id)
		c.st.forget("report:"+k, id)
		delete(c.st.annotations, k+"/"+id)
		delete(c.st.order, "annotation:"+k+"/"+id)
		c.rw.WriteHeader(http.StatusNoContent)
	})
	withReport := func(c *call) (k string, ok bool) {
		if k, _, ok = c.reportKey(); !ok {
			return "", false
		}
		if _, ok = c.st.reports[k][c.params["reportId"]]; !ok {
			c.notFound(fmt.Sprintf("Report %s not found", c.params["reportId"]))
		}
		return k, ok
	}
	serve("GET", base+"/{reportId}/annotations", func(c *call) {
		k, ok := withReport(c)
		if !ok {
			return
		}
		ak := k + "/" + c.params["reportId"]
		var out []any
		for _, id := range c.st.order["annotation:"+ak] {
			out = append(out, c.w.annotationJSON(id, c.st.annotations[ak][id]))
		}
		c.page(out)
	})
	serve("POST", base+"/{reportId}/annotations", func(c *call) {
		k, ok := withReport(c)
		if !ok {
			return
		}
		var in []map[string]any
		if !c.body(&in) {
			return
		}
		if len(in) > 100 {
			c.badRequest("At most 100 annotations can be created in one request.")
			return
		}
		out := []any{}
		for i, a := range in {
			id, _ := a["external_id"].(string)
			if id == "" {
				writeError(c.rw, http.StatusBadRequest, "Bad request", map[string]any{"fields": map[string]any{fmt.Sprintf("[%d].external_id", i): []any{"This field is required."}}})
				return
			}
			res, ok := c.putAnnotation(k, c.params["reportId"], id, a)
			if !ok {
				return
			}
			out = append(out, res)
		}
		c.json(200, out)
	})
	serve("PUT", base+"/{reportId}/annotations/{annotationId}", func(c *call) {
		k, ok := withReport(c)
		if !ok {
			return
		}
		var in map[string]any
		if !c.body(&in) {
			return
		}
		if res, ok := c.putAnnotation(k, c.params["reportId"], c.params["annotationId"], in); ok {
			c.json(200, res)
		}
	})
	serve("GET", base+"/{reportId}/annotations/{annotationId}", func(c *call) {
		k, ok := withReport(c)
		if !ok {
			return
		}
		a, ok := c.st.annotations[k+"/"+c.params["reportId"]][c.params["annotationId"]]
		if !ok {
			c.notFound(fmt.Sprintf("Annotation %s not found", c.params["annotationId"]))
			return
		}
		c.json(200, c.w.annotationJSON(c.params["annotationId"], a))
	})
	serve("DELETE", base+"/{reportId}/annotations/{annotationId}", func(c *call) {
		k, ok := withReport(c)
		if !ok {
			return
		}
		ak := k + "/" + c.params["reportId"]
		delete(c.st.annotations[ak], c.params["annotationId"])
		c.st.forget("annotation:"+ak, c.params["annotationId"])
		c.rw.WriteHeader(http.StatusNoContent)
	})
}

// registerProperties serves the app properties of repositories, commits,
// pull requests and users. An app reads and writes only its own
// (app_key must be its key).
func registerProperties() {
	for _, t := range []string{
		"/repositories/{workspace}/{repo_slug}/properties/{app_key}/{property_name}",
		"/repositories/{workspace}/{repo_slug}/commit/{commit}/properties/{app_key}/{property_name}",
		"/repositories/{workspace}/{repo_slug}/pullrequests/{pullrequest_id}/properties/{app_key}/{property_name}",
		"/users/{selected_user}/properties/{app_key}/{property_name}",
	} {
		serve("GET", t, func(c *call) {
			k, ok := c.propertyKey()
			if !ok {
				return
			}
			v, ok := c.st.properties[k]
			if !ok {
				c.notFound(fmt.Sprintf("Property %s not found", c.params["property_name"]))
				return
			}
			c.rw.Header().Set("Content-Type", "application/json; charset=utf-8")
			c.rw.WriteHeader(200)
			_, _ = c.rw.Write(v) // the client went away
		})
		serve("PUT", t, func(c *call) {
			k, ok := c.propertyKey()
			if !ok {
				return
			}
			var v json.RawMessage
			if !c.body(&v) {
				return
			}
			if len(v) > 32*1024 {
				c.badRequest("A property value can be at most 32 KiB.")
				return
			}
			c.st.properties[k] = v
			c.rw.WriteHeader(http.StatusNoContent)
		})
		serve("DELETE", t, func(c *call) {
			k, ok := c.propertyKey()
			if !ok {
				return
			}
			if _, ok := c.st.properties[k]; !ok {
				c.notFound(fmt.Sprintf("Property %s not found", c.params["property_name"]))
				return
			}
			delete(c.st.properties, k)
			c.rw.WriteHeader(http.StatusNoContent)
		})
	}
}

// propertyKey names the property a call addresses, after checking the
// entity exists and the app key is the caller's.
func (c *call) propertyKey() (string, bool) {
	if c.params["app_key"] != c.c.AppKey {
		writeError(c.rw, http.StatusForbidden, fmt.Sprintf("An app can only access its own properties: app_key is %q, the calling app is %q.", c.params["app_key"], c.c.AppKey), nil)
		return "", false
	}
	var entity string
	switch {
	case c.params["selected_user"] != "":
		u, ok := c.w.User(c.params["selected_user"])
		if !ok {
			c.notFound(fmt.Sprintf("User %s not found", c.params["selected_user"]))
			return "", false
		}
		entity = "user " + u.UUID
	case c.params["commit"] != "":
		cm, ok := c.commit()
		if !ok {
			return "", false
		}
		entity = "commit " + c.repo.full() + "@" + cm.Hash
	case c.params["pullrequest_id"] != "":
		p, ok := c.pullRequest()
		if !ok {
			return "", false
		}
		entity = "pullrequest " + c.repo.full() + "#" + itoa(p.ID)
	default:
		entity = "repository " + c.repo.full()
	}
	return entity + " " + c.params["property_name"], true
}
