package hostsim

import (
	"crypto/rand"
	"encoding/json"
	"fmt"
	"math/big"
	"net/http"
	"strings"
	"time"

	"github.com/connectgen/connectgen/internal/bbworld"
	"github.com/connectgen/connectgen/internal/connectjwt"
	"github.com/connectgen/connectgen/internal/descriptor"
)

// This file is the host as Bitbucket Cloud (spec bitbucket-connect.md):
// an unsigned first install, lifecycle events, iframe URLs and webhooks
// signed HS256 with the shared secret (sub the user, aud the client key),
// Bitbucket's webhook payloads, and a 2.0 REST stand-in that wants the
// app's token in the Authorization header with sub = the client key.

var _ = registerProfile(Bitbucket, newBitbucketProfile)

type bitbucketProfile struct {
	h         *Host
	data      *sampleData
	world     *bbworld.World
	clientKey string
}

func newBitbucketProfile(h *Host) Profile {
	n, err := rand.Int(rand.Reader, big.NewInt(9_000_000))
	if err != nil {
		// crypto/rand does not fail on the systems Go supports.
		panic(err)
	}
	return &bitbucketProfile{h: h, data: newSampleData(), world: bbworld.New(h.apiURL), clientKey: fmt.Sprintf("connection:%d", 1_000_000+n.Int64())}
}

func (p *bitbucketProfile) Product() Product { return Bitbucket }

// ClientKey is "connection:NNNNNNN", as Bitbucket gives unregistered apps.
func (p *bitbucketProfile) ClientKey() string { return p.clientKey }

func (p *bitbucketProfile) SiteURL() string { return p.h.apiURL }

func (p *bitbucketProfile) Labels() Labels {
	return Labels{Site: p.data.s.Workspace, Container: p.data.s.Repository, User: p.data.s.UserName}
}

// Sample returns the sample workspace, repository and user the Bitbucket
// REST stand-in serves and module URLs are filled with.
func (h *Host) Sample() Sample { return h.profiles[Bitbucket].(*bitbucketProfile).data.public() }

func (p *bitbucketProfile) InstallPayload(inst Installation, event string) []byte {
	s := p.data.s
	principal := map[string]any{
		"type":         "user",
		"uuid":         s.UserUUID,
		"account_id":   s.UserAccountID,
		"nickname":     "sample-user",
		"display_name": s.UserName,
		"links": map[string]any{
			"self": map[string]any{"href": p.h.apiURL + "/2.0/users/" + s.UserUUID},
			"html": map[string]any{"href": "https://bitbucket.org/" + s.UserUUID + "/"},
		},
	}
	b, _ := json.Marshal(map[string]any{
		"key":          inst.AppKey,
		"clientKey":    inst.ClientKey,
		"sharedSecret": inst.SharedSecret,
		// Bitbucket sends an RSA public key; ACE keeps it and never uses it
		// for Bitbucket, so a syntactically plausible one does.
		"publicKey":   "MIGfMA0GCSqGSIb3DQEBAQUAA4GNADCBiQKBgQDconnectgenlocalhostsimulatorpublickeyplaceholderAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAIDAQAB",
		"baseUrl":     inst.BaseURL,
		"baseApiUrl":  inst.BaseAPIURL,
		"productType": string(Bitbucket),
		"eventType":   event,
		"principal":   principal,
		"user":        principal,
	})
	return b
}

// InstallToken is nil: Bitbucket's first install is unsigned.
func (p *bitbucketProfile) InstallToken(Installation, *Descriptor) TokenFunc { return nil }

// LifecycleToken: Bitbucket signs later lifecycle events with the
// installation's shared secret, as it signs pages.
func (p *bitbucketProfile) LifecycleToken(inst Installation, _ *Descriptor) TokenFunc {
	return p.PageToken(inst)
}

func (p *bitbucketProfile) LifecycleProbes(inst Installation, d *Descriptor) LifecycleProbes {
	return LifecycleProbes{
		Probes: []LifecycleProbe{
			{Name: "without a token"},
			{Name: "signed with the current secret", Token: p.LifecycleToken(inst, d), Accept: true},
		},
		Rule:   "reinstall needs the current secret",
		Signer: "the shared secret",
	}
}

// PageToken signs a request from the host to the app as Bitbucket does:
// iss and aud the client key, sub the user, with the installation's
// secret.
func (p *bitbucketProfile) PageToken(inst Installation) TokenFunc {
	now := p.h.now()
	return func(method, rawURL string) (string, error) {
		c, err := connectjwt.NewClaims(inst.ClientKey, p.data.s.UserUUID, method, rawURL, p.h.appURL, now, TokenTTL)
		if err != nil {
			return "", err
		}
		c.Audience = connectjwt.Audience{inst.ClientKey}
		return connectjwt.Sign(inst.SharedSecret, c)
	}
}

func (p *bitbucketProfile) ForgedClaims(iss, method, rawURL string, at time.Time) (connectjwt.Claims, error) {
	c, err := connectjwt.NewClaims(iss, p.data.s.UserUUID, method, rawURL, p.h.appURL, at, TokenTTL)
	c.Audience = connectjwt.Audience{iss}
	return c, err
}

// PageURL: Bitbucket adds nothing to an app's page URL but the token.
func (p *bitbucketProfile) PageURL(path, _, _ string) string { return path }

// ContextValues are every field of the API objects a module page is opened
// on (the user, workspace, repository, pull request, branch, commit,
// file…), as Bitbucket's context parameters are (bbworld).
func (p *bitbucketProfile) ContextValues() map[string]string {
	return p.world.ContextValues(p.installKey())
}

// installKey is the current installation's client key ("" before one):
// what an app wrote is kept per installation.
func (p *bitbucketProfile) installKey() string {
	if inst, ok := p.h.Installation(); ok {
		return inst.ClientKey
	}
	return ""
}

// World is the sample world the Bitbucket profile serves.
func (h *Host) World() *bbworld.World {
	return h.profiles[Bitbucket].(*bitbucketProfile).world
}

func (p *bitbucketProfile) ContextToken(inst Installation) (string, error) {
	ctx := map[string]any{"user": map[string]any{"accountId": p.data.s.UserAccountID}}
	return connectjwt.Sign(inst.SharedSecret, connectjwt.NewContextClaims(inst.ClientKey, p.data.s.UserUUID, ctx, p.h.now(), 15*time.Minute))
}

// WebhookEvents expands "*" to one sample event per granted scope family.
// Events Bitbucket no longer sends (issue:*, since Issues were removed)
// are left out: the app never gets them.
func (p *bitbucketProfile) WebhookEvents(d *Descriptor, w Webhook) []string {
	if w.Event != "*" {
		if p.RefuseEvent(w.Event) != "" {
			return nil
		}
		return []string{w.Event}
	}
	granted := grantedScopes(d)
	var evs []string
	for _, f := range descriptor.EventFamilies() {
		if granted[f.Scope] && p.RefuseEvent(f.Sample) == "" {
			evs = append(evs, f.Sample)
		}
	}
	return evs
}

func (p *bitbucketProfile) WebhookRequest(event string) (http.Header, []byte) {
	header := http.Header{
		"X-Event-Key":      {event},
		"X-Request-Uuid":   {uuid4()},
		"X-Hook-Uuid":      {uuid4()},
		"X-Attempt-Number": {"1"},
		"User-Agent":       {"Bitbucket-Webhooks/2.0"},
		"Content-Type":     {"application/json"},
	}
	data, err := p.world.EventData(p.installKey(), event)
	if err != nil {
		// SendWebhook refuses these events first (RefuseEvent); the
		// body says why if one is sent anyway.
		data = map[string]any{"error": err.Error()}
	}
	b, _ := json.Marshal(map[string]any{"event": event, "data": data})
	return header, b
}

// RefuseEvent says why Bitbucket would not send event (issue:* since
// Issues were removed), or "".
func (p *bitbucketProfile) RefuseEvent(event string) string {
	if _, err := p.world.EventData(p.installKey(), event); err != nil {
		return err.Error()
	}
	return ""
}

// Routes is the Bitbucket 2.0 REST stand-in: the sample world answers
// every documented operation it serves, checks the scopes Bitbucket's
// OpenAPI document names for it, answers 501 for the documented ones it
// does not serve and 404 for paths outside the API (bbworld.ServeAPI).
func (p *bitbucketProfile) Routes() []Route {
	return []Route{{"/2.0/", func(w http.ResponseWriter, r *http.Request) {
		c := bbworld.Caller{}
		if d, inst, err := p.h.Installed(); err == nil {
			c = bbworld.Caller{ClientKey: inst.ClientKey, AppKey: d.Key, Granted: grantedScopes(d)}
		}
		p.world.ServeAPI(w, r, c)
	}}}
}

// RewriteRequest: Bitbucket serves /2.0/user/ as /2.0/user (the retired
// template called it with the slash).
func (p *bitbucketProfile) RewriteRequest(r *http.Request) {
	if len(r.URL.Path) > 1 && strings.HasSuffix(r.URL.Path, "/") {
		r.URL.Path = strings.TrimRight(r.URL.Path, "/")
	}
}

func (p *bitbucketProfile) APIError(w http.ResponseWriter, status int, msg string) {
	apiError(w, status, msg)
}

// apiError answers in Bitbucket's error format.
func apiError(w http.ResponseWriter, status int, msg string) {
	writeJSON(w, status, map[string]any{"type": "error", "error": map[string]any{"message": msg}})
}

// CheckToken: Bitbucket reads an app's token only from the Authorization
// header and wants sub = the client key; the qsh is over the path and
// query.
func (p *bitbucketProfile) CheckToken(r *http.Request) (connectjwt.Claims, string) {
	token, claims, inst, why := p.h.readAppToken(r, false, "the token is in the query string; Bitbucket reads an app's token only from the header Authorization: JWT <token>")
	if why != "" {
		return claims, why
	}
	if claims.Subject != inst.ClientKey {
		return claims, fmt.Sprintf("sub is %q; it must be the installation's client key %q", claims.Subject, inst.ClientKey)
	}
	if _, err := connectjwt.Verify(token, inst.SharedSecret, &connectjwt.Request{Method: r.Method, URL: r.URL.RequestURI(), Received: true}, p.h.now()); err != nil {
		return claims, "the token is not valid: " + err.Error()
	}
	return claims, ""
}

// SignRequest signs as the app does: iss = app key, sub = client key, qsh
// over the request.
func (p *bitbucketProfile) SignRequest(inst Installation, method, path string) (string, string, error) {
	c, err := connectjwt.NewClaims(inst.AppKey, inst.ClientKey, method, path, "", p.h.now(), TokenTTL)
	if err != nil {
		return "", "", err
	}
	tok, err := connectjwt.Sign(inst.SharedSecret, c)
	return path, tok, err
}

// Sample names the sample data the host serves and fills module URLs with.
type Sample struct {
	Workspace      string `json:"workspace"`      // slug
	WorkspaceUUID  string `json:"workspaceUuid"`  // {…}
	Repository     string `json:"repository"`     // full name, workspace/slug
	RepositoryUUID string `json:"repositoryUuid"` // {…}
	UserUUID       string `json:"userUuid"`
	UserAccountID  string `json:"userAccountId"`
	UserName       string `json:"userName"` // display name
}

// sampleData names the sample world's workspace, repository and user.
type sampleData struct{ s Sample }

func newSampleData() *sampleData {
	return &sampleData{s: Sample{
		Workspace:      bbworld.WorkspaceSlug,
		WorkspaceUUID:  bbworld.WorkspaceUUID,
		Repository:     bbworld.WorkspaceSlug + "/" + bbworld.RepoSlug,
		RepositoryUUID: bbworld.RepoUUID,
		UserUUID:       bbworld.UserUUID,
		UserAccountID:  bbworld.UserAccountID,
		UserName:       bbworld.UserName,
	}}
}

func (d *sampleData) public() Sample { return d.s }
