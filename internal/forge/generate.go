package forge

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/url"
	"regexp"
	"strings"

	"github.com/connectgen/connectgen/internal/descriptor"
	"github.com/connectgen/connectgen/internal/tmplsource"
	"github.com/connectgen/connectgen/scaffold"
	"github.com/connectgen/connectgen/templates"
)

// The starter app is the built-in template StarterTemplate (or
// RemoteTemplate), rendered through scaffold like every other template:
// strict rendering, a staged write, and a record in .connectgen.json so
// that connectgen update can bring a newer starter into the app. The
// template's variables carry what the plan found (modules, events,
// scopes…); FORGE-PLAN.md, the report, is made by code beside it.
//
// The starter uses UI Kit (render: native), not Custom UI: a Connect
// page's iframe becomes a small React tree of Atlassian components with no
// build step, no static bundle and no Content Security Policy to manage,
// and Atlassian's own Bitbucket templates (bitbucket-repository-code-
// overview-card…) are UI Kit. A page that needs its own HTML, CSS or a
// large client library is the case for Custom UI; the README says how.
//
// Its npm packages must resolve on the registry the app is installed
// from, which may lag behind Atlassian's releases: @forge/react 12
// (12.3.1) needs @atlaskit/navigation-system 11, which such a registry may
// not have yet, so the starter uses @forge/react 11 (11.17.0, React 18)
// and the @forge/bridge major version @forge/react 11 itself depends on
// (5), so that the page bundles one bridge. The template's package.json
// and README say so; the tests npm-install exactly these versions and run
// every generated file on them.
const (
	// StarterTemplate is the template of `forge new`: Forge functions.
	StarterTemplate = "forge"
	// RemoteTemplate is the template of `forge new --remote`: the Connect
	// server kept as a Forge Remote.
	RemoteTemplate = "forge-remote"
)

// Runtime is the Forge runtime of the starter app: Node 22, the version
// connectgen's Connect template runs on too.
const Runtime = "nodejs22.x"

// PlaceholderAppID is the app.id `forge register` replaces, as Atlassian's
// converter writes it: valid for the schema, rejected by forgeAppId's rule.
const PlaceholderAppID = "ari:cloud:ecosystem::app/invalid-run-forge-register"

// PlanFile is the migration report written beside the starter.
const PlanFile = "FORGE-PLAN.md"

// GenerateOptions say what the generator cannot read from the plan.
type GenerateOptions struct {
	// Version is connectgen's version, written into the files.
	Version string
	// Remote keeps the Connect server as a Forge Remote (RemoteTemplate).
	Remote bool
	// BaseURL replaces the descriptor's baseUrl as the remote's URL.
	BaseURL string
}

// templateModule is a module as the template reads it: every field
// present, as strict rendering wants.
type templateModule struct {
	Type            string `json:"type"`
	Key             string `json:"key"`
	Title           string `json:"title"`
	From            string `json:"from"`
	UseAsConfig     bool   `json:"useAsConfig"`
	UseAsGetStarted bool   `json:"useAsGetStarted"`
	FilePattern     string `json:"filePattern"`
}

var npmNameRE = regexp.MustCompile(`[^a-z0-9._-]+`)

// StarterInputs are the values and answers the starter template is
// rendered with for p.
func (p *Plan) StarterInputs(opts GenerateOptions) (scaffold.Data, map[string]string, error) {
	if p.AppKey == "" {
		return scaffold.Data{}, nil, errors.New("the descriptor has no key; the Forge app needs the Connect app key (its data migration and its remote name it)")
	}
	name := strings.Trim(npmNameRE.ReplaceAllString(strings.ToLower(p.AppKey), "-"), "-._")
	if name == "" {
		name = "connect-app"
	}
	if len(name) > 200 {
		name = name[:200]
	}
	appName := p.AppName
	if appName == "" {
		appName = p.AppKey
	}
	data := scaffold.Data{
		Name:        name + "-forge",
		Key:         p.AppKey,
		AppName:     appName,
		Description: "The Forge app that replaces the " + descriptor.Bitbucket.Title() + " Connect app " + p.AppKey,
	}
	mods := make([]templateModule, len(p.Modules))
	for i, m := range p.Modules {
		mods[i] = templateModule(m) // the same fields, without omitempty
	}
	mj, err := json.Marshal(mods)
	if err != nil {
		return data, nil, err
	}
	answers := map[string]string{
		"source":      p.Source,
		"modules":     string(mj),
		"events":      strings.Join(p.Events, " "),
		"scopes":      strings.Join(p.Scopes, " "),
		"uninstalled": fmt.Sprint(p.Uninstalled),
		"licensing":   fmt.Sprint(p.Licensing),
		"baseUrl":     "",
	}
	if opts.Remote {
		base := p.BaseURL
		if opts.BaseURL != "" {
			base = opts.BaseURL
		}
		if err := remoteBaseURL(base); err != nil {
			return data, nil, err
		}
		answers["baseUrl"] = strings.TrimRight(base, "/")
	}
	return data, answers, nil
}

// Generate renders the starter Forge app of a plan, in memory: the files
// of the starter template and FORGE-PLAN.md.
func Generate(p *Plan, opts GenerateOptions) ([]scaffold.File, error) {
	data, answers, err := p.StarterInputs(opts)
	if err != nil {
		return nil, err
	}
	name := StarterTemplate
	if opts.Remote {
		name = RemoteTemplate
	}
	r := &tmplsource.Resolver{Builtins: templates.FS}
	o, err := r.Open(context.Background(), tmplsource.Spec{Kind: tmplsource.Builtin, Ref: name})
	if err != nil {
		return nil, err
	}
	var report bytes.Buffer
	if err := p.WriteMarkdown(&report); err != nil {
		return nil, err
	}
	if opts.Remote {
		if err := p.WriteRemoteMarkdown(&report, answers["baseUrl"]); err != nil {
			return nil, err
		}
	}
	return o.Render(data, answers, opts.Version, scaffold.File{Path: PlanFile, Content: report.Bytes(), Mode: 0o644})
}

// remoteBaseURL checks the URL a Forge Remote is given: absolute https, or
// http on a loopback host for a server on this machine (forge tunnel, the
// local Forge host).
func remoteBaseURL(raw string) error {
	fix := "give the server's public URL with --base-url https://…"
	if raw == "" {
		return fmt.Errorf("the descriptor has no baseUrl for the Forge Remote; %s", fix)
	}
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" || (u.Scheme != "https" && u.Scheme != "http") || strings.Contains(raw, "{{") {
		return fmt.Errorf("the Forge Remote's baseUrl %q is not an absolute http(s) URL (ACE fills {{localBaseUrl}} in only when it serves the descriptor); %s", raw, fix)
	}
	if u.Scheme == "http" && !isLoopback(u.Hostname()) {
		return fmt.Errorf("the Forge Remote's baseUrl %q is plain http; Forge calls remotes over https only (http is for a server on this machine); %s", raw, fix)
	}
	return nil
}

func isLoopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}
