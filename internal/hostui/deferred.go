package hostui

import (
	"context"
	"errors"
	"sync"

	"github.com/connectgen/connectgen/internal/hostsim"
)

// Deferred is a Backend whose real backend arrives later. The host must
// listen before the app starts, since the app needs the host script's URL
// (AC_HOST_SCRIPT_URL), while the backend can only be made once the app
// runs; serve Handler(d) first and call d.Set when the backend is ready.
// Until then the pages show an app that is not installed and has no
// modules, and the actions fail saying so.
type Deferred struct {
	mu sync.RWMutex
	b  Backend
}

var errNotReady = errors.New("the local host is still starting the app")

// Set makes b the backend that answers from now on.
func (d *Deferred) Set(b Backend) {
	d.mu.Lock()
	d.b = b
	d.mu.Unlock()
}

func (d *Deferred) get() Backend {
	d.mu.RLock()
	defer d.mu.RUnlock()
	return d.b
}

// App implements Backend.
func (d *Deferred) App() AppInfo {
	if b := d.get(); b != nil {
		return b.App()
	}
	return AppInfo{Name: "(starting)"}
}

// Pages implements Backend.
func (d *Deferred) Pages() []hostsim.Module {
	if b := d.get(); b != nil {
		return b.Pages()
	}
	return nil
}

// SignedURL implements Backend.
func (d *Deferred) SignedURL(p hostsim.Module) (string, error) {
	if b := d.get(); b != nil {
		return b.SignedURL(p)
	}
	return "", errNotReady
}

// Events implements Backend.
func (d *Deferred) Events() []string {
	if b := d.get(); b != nil {
		return b.Events()
	}
	return nil
}

// SendWebhook implements Backend.
func (d *Deferred) SendWebhook(ctx context.Context, event string) (WebhookResult, error) {
	if b := d.get(); b != nil {
		return b.SendWebhook(ctx, event)
	}
	return WebhookResult{}, errNotReady
}

// Request implements Backend.
func (d *Deferred) Request(ctx context.Context, r APIRequest) (hostsim.APIResponse, error) {
	if b := d.get(); b != nil {
		return b.Request(ctx, r)
	}
	return hostsim.APIResponse{}, errNotReady
}

// Reinstall implements Backend.
func (d *Deferred) Reinstall(ctx context.Context) error {
	if b := d.get(); b != nil {
		return b.Reinstall(ctx)
	}
	return errNotReady
}

// Uninstall implements Backend.
func (d *Deferred) Uninstall(ctx context.Context) error {
	if b := d.get(); b != nil {
		return b.Uninstall(ctx)
	}
	return errNotReady
}
