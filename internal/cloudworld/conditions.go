package cloudworld

import (
	"encoding/json"
	"fmt"
	"reflect"
	"strings"
)

// Condition is a module condition as a descriptor writes it: a named
// condition with params (optionally inverted), or an and/or of others.
type Condition struct {
	Condition string         `json:"condition"`
	Params    map[string]any `json:"params"`
	Invert    bool           `json:"invert"`
	And       []Condition    `json:"and"`
	Or        []Condition    `json:"or"`
}

// ParseConditions reads a module's conditions array.
func ParseConditions(raw json.RawMessage) ([]Condition, error) {
	if len(raw) == 0 {
		return nil, nil
	}
	var cs []Condition
	if err := json.Unmarshal(raw, &cs); err != nil {
		return nil, fmt.Errorf("conditions: %w", err)
	}
	return cs, nil
}

// Verdict is whether a module is shown, and why not.
type Verdict struct {
	Shown bool
	// Reasons say which condition hid the module.
	Reasons []string
	// Unevaluated names conditions the local host does not evaluate;
	// they count as true (shown), as the product shows a module whose
	// condition holds.
	Unevaluated []string
}

// alwaysTrue are conditions that hold for the sample user, a logged-in
// site administrator with every permission on the sample project, issue,
// space and page.
var alwaysTrue = map[string]bool{
	"user_is_logged_in": true, "user_is_admin": true, "user_is_sysadmin": true,
	"has_project_permission": true, "has_issue_permission": true, "can_use_application": true,
	"has_space_permission": true, "has_content_permission": true, "can_edit_space_styles": true,
	"user_can_create_content": true, "user_is_confluence_administrator": true, "can_manage_boards": true,
	"jira_feature_enabled": true, "is_issue_unresolved": true,
}

// alwaysFalse hold for none of the sample entities: the issue is
// unassigned and nobody watches it.
var alwaysFalse = map[string]bool{
	"is_issue_assigned_to_current_user": true, "is_watching_issue": true, "is_issue_reported_by_current_user": true,
}

// Evaluate evaluates a module's conditions (all must hold) for the
// installation c on the sample site, reading entity properties and app
// properties as they are now.
func (w *World) Evaluate(c Caller, conds []Condition) Verdict {
	v := Verdict{Shown: true}
	for _, cond := range conds {
		if !w.eval(c, cond, &v) {
			v.Shown = false
		}
	}
	return v
}

func (w *World) eval(c Caller, cond Condition, v *Verdict) bool {
	var ok bool
	switch {
	case len(cond.And) > 0:
		ok = true
		for _, s := range cond.And {
			ok = w.eval(c, s, v) && ok
		}
	case len(cond.Or) > 0:
		for _, s := range cond.Or {
			if w.eval(c, s, v) {
				ok = true
			}
		}
	default:
		ok = w.evalOne(c, cond, v)
	}
	if cond.Invert {
		ok = !ok
	}
	if !ok && cond.Condition != "" {
		v.Reasons = append(v.Reasons, describe(cond))
	}
	return ok
}

func describe(cond Condition) string {
	s := cond.Condition
	if len(cond.Params) > 0 {
		b, err := json.Marshal(cond.Params)
		if err == nil {
			s += " " + string(b)
		}
	}
	if cond.Invert {
		s = "not " + s
	}
	return s + " is false"
}

func (w *World) evalOne(c Caller, cond Condition, v *Verdict) bool {
	name := cond.Condition
	param := func(k string) string { s, _ := cond.Params[k].(string); return s }
	switch {
	case alwaysTrue[name]:
		return true
	case alwaysFalse[name]:
		return false
	case strings.HasPrefix(name, "entity_property_") || strings.HasPrefix(name, "addon_property_"):
		entity := param("entity")
		if strings.HasPrefix(name, "addon_property_") {
			entity = Addon
		}
		ref := w.entityRef(c, entity)
		if ref == "" {
			v.Unevaluated = append(v.Unevaluated, fmt.Sprintf("%s on entity %q (the local host has no such entity in context)", name, entity))
			return true
		}
		raw, ok := w.Property(c, entity, ref, param("propertyKey"))
		op := name[strings.LastIndex(name, "property_")+len("property_"):]
		if op == "exists" {
			return ok
		}
		if !ok {
			return false
		}
		var val any
		if err := json.Unmarshal(raw, &val); err != nil {
			return false
		}
		if obj := param("objectName"); obj != "" {
			for _, part := range strings.Split(obj, ".") {
				m, isMap := val.(map[string]any)
				if !isMap {
					return false
				}
				if val, ok = m[part]; !ok {
					return false
				}
			}
		}
		want := parseParam(cond.Params["value"])
		switch op {
		case "equal_to":
			return reflect.DeepEqual(val, want)
		case "equal_to_context":
			v.Unevaluated = append(v.Unevaluated, name)
			return true
		case "contains_any", "contains_all":
			have, _ := val.([]any)
			wants, isList := want.([]any)
			if !isList {
				wants = []any{want}
			}
			n := 0
			for _, x := range wants {
				for _, h := range have {
					if reflect.DeepEqual(x, h) {
						n++
						break
					}
				}
			}
			if op == "contains_any" {
				return n > 0
			}
			return n == len(wants)
		case "contains_any_user_group", "contains_any_user_role", "contains_context":
			v.Unevaluated = append(v.Unevaluated, name)
			return true
		}
	}
	v.Unevaluated = append(v.Unevaluated, name)
	return true
}

// parseParam reads a condition's value parameter as the product compares
// it: JSON when it parses ("true", "42", "[\"a\"]", "\"text\""), else the
// plain string.
func parseParam(p any) any {
	s, ok := p.(string)
	if !ok {
		return p
	}
	var v any
	if err := json.Unmarshal([]byte(s), &v); err == nil {
		return v
	}
	return s
}

// entityRef is the sample entity a condition on entity looks at.
func (w *World) entityRef(c Caller, entity string) string {
	switch entity {
	case Addon:
		return c.AppKey
	case Issue:
		return w.Site.IssueID
	case Project:
		return w.Site.ProjectID
	case Content:
		return w.Site.PageID
	case Space:
		return w.Site.SpaceKey
	}
	return ""
}
