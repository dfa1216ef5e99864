// Package hostui is the browser side of connectgen's local Bitbucket host:
// a small Bitbucket-like page listing a sample workspace and repository
// with one entry per page module of the app, a view that shows a module in
// an iframe with a freshly signed URL, and the host's own host script
// (all.js) that the app's pages load instead of Bitbucket's.
//
// The host script answers AP.request over postMessage with the host's REST
// API (through Backend.Request, which calls it on the app's behalf with the
// installation's credentials), resizes the iframe, and logs a clear
// console message for every other AP call instead of failing silently.
//
// hostui knows nothing of installs, JWTs or webhooks: a Backend (the local
// host, internal/hostsim) does that work. Everything the browser loads is
// embedded; the pages carry a Content-Security-Policy that lets them reach
// only this server and the app's origin, both on loopback.
package hostui

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strings"

	"github.com/connectgen/connectgen/internal/descriptor"
	"github.com/connectgen/connectgen/internal/hostsim"
)

// Backend is what the UI needs from the local Bitbucket host. Its methods
// are called from HTTP handlers, concurrently.
type Backend interface {
	// App describes the hosted app and its installation.
	App() AppInfo
	// Pages lists the app's page modules in descriptor order; Kind is one
	// of descriptor's Kind constants.
	Pages() []hostsim.Module
	// SignedURL returns the absolute URL that shows p: the app's base URL
	// joined with p.URL, context parameters filled with the sample
	// workspace, repository and user, and a fresh jwt query parameter.
	SignedURL(p hostsim.Module) (string, error)
	// Events lists the webhook events the app can be sent, with "*"
	// expanded to sample events of the scopes it was granted.
	Events() []string
	// SendWebhook posts a signed sample payload for event to the app and
	// returns its answer. An error means there was no HTTP answer.
	SendWebhook(ctx context.Context, event string) (WebhookResult, error)
	// Request answers an AP.request from one of the app's pages with the
	// host's REST API, called on the app's behalf with the installation's
	// credentials. An error means there was no HTTP answer.
	Request(ctx context.Context, r APIRequest) (hostsim.APIResponse, error)
	// Reinstall posts the installed lifecycle event again (same client key,
	// signed with the current shared secret).
	Reinstall(ctx context.Context) error
	// Uninstall posts the uninstalled lifecycle event.
	Uninstall(ctx context.Context) error
}

// AppInfo describes the hosted app for the page's header and dev panel.
type AppInfo struct {
	Name      string // the descriptor's name
	Key       string // the descriptor's key
	BaseURL   string // the app's base URL; must be on loopback
	ClientKey string // the installation's client key
	Installed bool
	// ForgeAppLink is the descriptor's forgeAppLink when it is a valid
	// Forge installation link: Bitbucket then shows workspace admins a
	// "Get the Forge app" link.
	ForgeAppLink string

	// The sample context the host fills module URLs with, shown on the page.
	Workspace  string // workspace slug, e.g. "sample-workspace"
	Repository string // repository full name, e.g. "sample-workspace/sample-repo"
	User       string // display name of the signed-in sample user

	// Product is the product the host plays, a name of internal/descriptor's
	// product table (the default product when empty). For Jira and Confluence, Workspace is
	// the site's name and Repository the sample project or space.
	Product string
}

// ProductName is the product's name for the page: Bitbucket, Jira or
// Confluence.
func (a AppInfo) ProductName() string {
	return descriptor.Product(a.Product).Title()
}

// Builtin are the product's own entries at the top of the sidebar.
func (a AppInfo) Builtin() []string {
	return descriptor.Product(a.Product).Info().Sidebar
}

// APIExample is a path of the product's REST API, for messages.
func (a AppInfo) APIExample() string {
	return descriptor.Product(a.Product).Info().APIExample
}

// ContextTokener is a Backend that also answers AP.context.getToken: a
// context token (qsh "context-qsh") for the installation, as Jira and
// Confluence give their apps' pages.
type ContextTokener interface {
	ContextToken() (string, error)
}

// WebhookResult is the app's answer to a webhook.
type WebhookResult struct {
	Status int
	Body   string
}

// APIRequest is a request an app page made with AP.request. Path is
// relative to the host's REST API root and may carry a query (/2.0/user,
// /2.0/repositories/ws/repo?fields=name); it never has a scheme or host.
type APIRequest struct {
	Method      string
	Path        string
	ContentType string // of Body, empty without a body
	Body        []byte
}

// kinds orders and names the page module kinds on the host page.
var kinds = []struct{ kind, label, area string }{
	{descriptor.KindRepoPage, "Repository pages", "Repository"},
	{descriptor.KindWebItem, "Web items", "Repository"},
	{descriptor.KindWebPanel, "Web panels", "Repository"},
	{descriptor.KindFileView, "File views", "Repository"},
	{descriptor.KindWebCard, "Web cards", "Repository"},
	{descriptor.KindGeneralPage, "General pages", "Workspace"},
	{descriptor.KindAdminPage, "Admin pages", "Workspace"},
	{descriptor.KindConfigurePage, "Configure pages", "Workspace"},
	{descriptor.KindProfileTab, "Profile tabs", "Profile"},
	{descriptor.KindJiraProjectPage, "Project pages", "Project"},
	{descriptor.KindJiraProjectAdminTab, "Project settings", "Project"},
	{descriptor.KindJiraIssueGlance, "Issue glances", "Issue SAMP-1"},
	{descriptor.KindJiraIssueContent, "Issue content", "Issue SAMP-1"},
	{descriptor.KindJiraIssueTabPanel, "Issue tabs", "Issue SAMP-1"},
	{descriptor.KindPortalHeader, "Portal headers", "Help center"},
	{descriptor.KindPortalSubHeader, "Portal sub-headers", "Help center"},
	{descriptor.KindPortalFooter, "Portal footers", "Help center"},
	{descriptor.KindSpaceToolsTab, "Space tools", "Space"},
	{descriptor.KindPostInstallPage, "Post-install pages", "Apps"},
}

// area is where a kind's entries sit in product's sidebar: Bitbucket's
// workspace pages are Jira's and Confluence's site pages.
func area(kind, product, bitbucket string) string {
	if a, ok := descriptor.Product(product).Info().Areas[kind]; ok {
		return a
	}
	return bitbucket
}

// kindLabel returns the singular, human name of a kind.
func kindLabel(kind string) string {
	for _, k := range kinds {
		if k.kind == kind {
			return strings.TrimSuffix(k.label, "s")
		}
	}
	return kind
}

// loopbackOrigin returns the origin (scheme://host[:port]) of an http(s)
// URL on loopback, or an error saying why the URL is refused.
func loopbackOrigin(raw string) (string, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return "", err
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return "", errors.New("not an http(s) URL")
	}
	if !descriptor.IsLoopback(u.Host) {
		return "", errors.New("the local host shows only apps on loopback (127.0.0.1, localhost, ::1)")
	}
	return u.Scheme + "://" + u.Host, nil
}

// checkAPIPath refuses AP.request URLs that are not plain paths of the
// host's REST API, so a page cannot make the host call elsewhere.
func checkAPIPath(p string, app AppInfo) error {
	if !strings.HasPrefix(p, "/") || strings.HasPrefix(p, "//") || strings.ContainsAny(p, "\\\r\n\x00") {
		return fmt.Errorf("AP.request needs a path of the %s API, such as %s", app.ProductName(), app.APIExample())
	}
	u, err := url.Parse(p)
	if err != nil {
		return err
	}
	if u.Scheme != "" || u.Host != "" || u.User != nil {
		return fmt.Errorf("AP.request needs a path of the %s API, not an absolute URL", app.ProductName())
	}
	return nil
}
