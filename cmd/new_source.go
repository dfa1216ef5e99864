package cmd

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/connectgen/connectgen/internal/descriptor"
	"github.com/connectgen/connectgen/internal/tmplsource"
	"github.com/connectgen/connectgen/scaffold"
)

// openTemplate reads the -t source: a built-in template, or a URL, zip or
// folder, downloaded and checked.
func (o *newOptions) openTemplate(ctx context.Context, available []string) error {
	set, err := parseSet(o.Set)
	if err != nil {
		return err
	}
	o.answers = set
	// A built-in name, in any case (-t JIRA is jira, as atlas-connect
	// reads it); anything else is a URL, zip or folder for the resolver.
	if t, err := checkTemplate(o.Template, available); err == nil {
		o.Template = t
	}
	r := o.f.resolver(o.AllowHTTP)
	spec, err := r.Parse(o.Template)
	if err != nil {
		var ue *tmplsource.UsageError
		if errors.As(err, &ue) {
			// A near miss of a built-in name (-t bitbuket) is a typo,
			// not a path that does not exist.
			if hint := descriptor.DidYouMean(o.Template, available); hint != "" {
				return usageErrorf("%w; %s", err, hint)
			}
			return usageErrorf("%w", err)
		}
		return failf("%w", err)
	}
	o.spec = spec
	o.opened, err = r.Open(ctx, spec)
	if err != nil {
		if ctx.Err() != nil {
			return errInterrupted
		}
		return failf("%w", err)
	}
	return nil
}

// completeVariables asks for the template's own variables, or takes their
// defaults, and checks every answer.
func (o *newOptions) completeVariables(interactive bool) error {
	t := o.opened.Template
	data := scaffold.Data{Name: o.Name, Key: o.Key, AppName: o.AppName, Description: o.Description, VendorName: o.VendorName, VendorURL: o.VendorURL}
	for _, v := range t.Variables() {
		if _, ok := o.answers[v.Name]; ok {
			continue
		}
		def, err := t.DefaultFor(v, data, o.answers)
		if err != nil {
			return failf("%w", err)
		}
		if !interactive {
			o.answers[v.Name] = def
			continue
		}
		for {
			var a string
			if len(v.Choices) > 0 {
				if def == "" {
					def = v.Choices[0]
				}
				a, err = o.f.Prompter.Select(v.Label(), v.Choices, def)
			} else {
				a, err = o.f.Prompter.Input(v.Label(), def)
			}
			if err != nil {
				return err
			}
			a = strings.TrimSpace(a)
			if cerr := v.Check(a); cerr != nil {
				fmt.Fprintf(o.f.IO.ErrOut, "  %v\n", cerr)
				continue
			}
			o.answers[v.Name] = a
			break
		}
	}
	if err := t.CheckAnswers(o.answers); err != nil {
		return usageErrorf("%w", err)
	}
	return nil
}
