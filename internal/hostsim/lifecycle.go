package hostsim

import (
	"context"
	"errors"
	"fmt"
	"net/http"
)

// lifecyclePath returns the app path of a lifecycle URL.
func lifecyclePath(d *Descriptor, which string) (string, error) {
	raw := d.Lifecycle.Installed
	if which == "uninstalled" {
		raw = d.Lifecycle.Uninstalled
	}
	if raw == "" {
		return "", fmt.Errorf("the descriptor has no lifecycle.%s URL", which)
	}
	p, ok := AppPath(raw, d.BaseURL)
	if !ok {
		return "", fmt.Errorf("lifecycle.%s %q is not under the app's baseUrl %q", which, raw, d.BaseURL)
	}
	return p, nil
}

// Install sends the installed lifecycle event for a new installation: a
// fresh shared secret of 64 characters, signed as the product signs a
// first install (Bitbucket: no JWT; Jira and Confluence: the host's RS256
// key), and keeps the installation when the app answers 2xx. It fetches
// the descriptor first if that was not done yet.
func (h *Host) Install(ctx context.Context) (Installation, error) {
	d, err := h.descriptorOrFetch(ctx)
	if err != nil {
		return Installation{}, err
	}
	secret, err := randomSecret(64)
	if err != nil {
		return Installation{}, err
	}
	p := h.profile()
	inst := Installation{
		AppKey:       d.Key,
		ClientKey:    h.ClientKey(),
		SharedSecret: secret,
		BaseURL:      p.SiteURL(),
		BaseAPIURL:   p.SiteURL(),
		InstalledAt:  h.now(),
	}
	fetches := h.KeyFetches()
	a, err := h.PostLifecycle(ctx, d, inst, "installed", p.InstallToken(inst, d))
	if err != nil {
		return Installation{}, err
	}
	if !a.OK() {
		return Installation{}, fmt.Errorf("POST %s answered %s, want 2xx%s", a.URL, a.Summary(), h.InstallHint(fetches))
	}
	h.mu.Lock()
	h.inst = &inst
	h.mu.Unlock()
	return inst, nil
}

// Reinstall sends the installed event again for the current installation
// (same client key and secret), signed as the product signs lifecycle
// events, as the product does when an app is updated or installed again.
func (h *Host) Reinstall(ctx context.Context) error {
	d, inst, err := h.Installed()
	if err != nil {
		return err
	}
	a, err := h.PostLifecycle(ctx, d, inst, "installed", h.LifecycleToken(inst, d))
	if err != nil {
		return err
	}
	if !a.OK() {
		return fmt.Errorf("POST %s answered %s, want 2xx", a.URL, a.Summary())
	}
	return nil
}

// Uninstall sends the uninstalled lifecycle event, signed as the product
// signs lifecycle events. The host forgets the installation when the app
// answers 2xx.
func (h *Host) Uninstall(ctx context.Context) error {
	d, inst, err := h.Installed()
	if err != nil {
		return err
	}
	a, err := h.PostLifecycle(ctx, d, inst, "uninstalled", h.LifecycleToken(inst, d))
	if err != nil {
		return err
	}
	if !a.OK() {
		return fmt.Errorf("POST %s answered %s, want 2xx", a.URL, a.Summary())
	}
	h.mu.Lock()
	h.inst = nil
	h.mu.Unlock()
	return nil
}

// LifecycleToken signs a lifecycle event of inst as the product does:
// Bitbucket with the installation's shared secret, Jira and Confluence
// with the host's RS256 key.
func (h *Host) LifecycleToken(inst Installation, d *Descriptor) TokenFunc {
	return h.profile().LifecycleToken(inst, d)
}

// LifecycleProbes are the reinstalls the security check sends for the
// product the host plays.
func (h *Host) LifecycleProbes(inst Installation, d *Descriptor) LifecycleProbes {
	return h.profile().LifecycleProbes(inst, d)
}

// PostLifecycle sends event with inst's payload to the app's lifecycle
// URL for it, signed by tok (nil: unsigned), and returns the answer
// without judging it.
func (h *Host) PostLifecycle(ctx context.Context, d *Descriptor, inst Installation, event string, tok TokenFunc) (Answer, error) {
	p, err := lifecyclePath(d, event)
	if err != nil {
		return Answer{}, err
	}
	how := AuthNone
	if tok != nil {
		how = AuthHeader
	}
	return h.Send(ctx, http.MethodPost, p, nil, h.profile().InstallPayload(inst, event), how, tok)
}

func (h *Host) descriptorOrFetch(ctx context.Context) (*Descriptor, error) {
	if d := h.Descriptor(); d != nil {
		return d, nil
	}
	d, err := h.FetchDescriptor(ctx)
	if d == nil {
		return nil, err
	}
	// A descriptor with findings can still be installed by hand; the
	// checks report the findings.
	return d, nil
}

var errNotInstalled = errors.New("the app is not installed; install it first")

// Installed returns the descriptor and the installation, or an error when
// the app is not installed.
func (h *Host) Installed() (*Descriptor, Installation, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.inst == nil || h.desc == nil {
		return nil, Installation{}, errNotInstalled
	}
	return h.desc, *h.inst, nil
}
