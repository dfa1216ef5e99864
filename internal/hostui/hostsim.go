package hostui

import (
	"context"
	"github.com/connectgen/connectgen/internal/descriptor"

	"github.com/connectgen/connectgen/internal/hostsim"
)

// HostBackend is the Backend of a local host from internal/hostsim. The
// host should have fetched the app's descriptor (FetchDescriptor or
// Install) before the pages are opened: until then the app has no modules.
func HostBackend(h *hostsim.Host) Backend { return hostBackend{h} }

type hostBackend struct{ h *hostsim.Host }

func (b hostBackend) App() AppInfo {
	l := b.h.Labels()
	app := AppInfo{
		BaseURL:    b.h.AppURL(),
		ClientKey:  b.h.ClientKey(),
		Workspace:  l.Site,
		Repository: l.Container,
		User:       l.User,
	}
	if p := b.h.Product(); !p.Info().Default {
		app.Product = string(p)
	}
	if d := b.h.Descriptor(); d != nil {
		app.Name, app.Key = d.Name, d.Key
		if problem, _ := descriptor.CheckForgeAppLink(d.ForgeAppLink); d.ForgeAppLink != "" && problem == "" {
			app.ForgeAppLink = d.ForgeAppLink
		}
	}
	_, app.Installed = b.h.Installation()
	return app
}

// ContextToken answers AP.context.getToken (hostsim.Host.ContextToken).
func (b hostBackend) ContextToken() (string, error) { return b.h.ContextToken() }

func (b hostBackend) Pages() []hostsim.Module { return b.h.Modules() }

func (b hostBackend) SignedURL(p hostsim.Module) (string, error) { return b.h.SignedURL(p.URL) }

func (b hostBackend) Events() []string { return b.h.Events() }

func (b hostBackend) SendWebhook(ctx context.Context, event string) (WebhookResult, error) {
	status, body, err := b.h.SendWebhook(ctx, event)
	return WebhookResult{Status: status, Body: body}, err
}

func (b hostBackend) Request(ctx context.Context, r APIRequest) (hostsim.APIResponse, error) {
	return b.h.Request(ctx, r.Method, r.Path, r.ContentType, r.Body)
}

// Reinstall sends the installed event again, signed with the current
// secret; after an uninstall there is no installation to repeat, so the
// button installs afresh (same client key, new secret), as a user
// installing the app again from Bitbucket would.
func (b hostBackend) Reinstall(ctx context.Context) error {
	if _, ok := b.h.Installation(); !ok {
		_, err := b.h.Install(ctx)
		return err
	}
	return b.h.Reinstall(ctx)
}

func (b hostBackend) Uninstall(ctx context.Context) error { return b.h.Uninstall(ctx) }
