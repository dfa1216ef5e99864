package hostsim

import (
	"fmt"
	"net/http"
	"time"

	"github.com/connectgen/connectgen/internal/connectjwt"
	"github.com/connectgen/connectgen/internal/descriptor"
)

// Product is the Atlassian product the host plays, in internal/descriptor's
// vocabulary (--product is read with descriptor.ParseProduct).
type Product = descriptor.Product

// The products the host plays.
const (
	Bitbucket  = descriptor.Bitbucket
	Jira       = descriptor.Jira
	Confluence = descriptor.Confluence
)

// Profile is what the host does as one product: everything that differs
// between Bitbucket, Jira and Confluence. The core (Host) keeps the
// installation, sends and records requests, checks tokens' lifetimes and
// serves the key CDN; it asks the profile of the product it plays for the
// rest. A profile is one file, profile_<product>.go, that registers itself
// with registerProfile; its product's facts are its entry in
// internal/descriptor's product table.
type Profile interface {
	// Product is the product the profile plays.
	Product() Product
	// ClientKey is the installation's client key when Options.ClientKey
	// is empty, in the product's style.
	ClientKey() string
	// Labels name the sample context for the local host's page.
	Labels() Labels

	LifecycleProfile
	PageProfile
	WebhookProfile
	APIProfile
}

// LifecycleProfile is how a product installs and uninstalls an app.
type LifecycleProfile interface {
	// SiteURL is the product's base URL as the install payload gives it.
	SiteURL() string
	// InstallPayload is the body of the installed and uninstalled events.
	InstallPayload(inst Installation, event string) []byte
	// InstallToken signs the first installed event; nil sends it
	// unsigned.
	InstallToken(inst Installation, d *Descriptor) TokenFunc
	// LifecycleToken signs a lifecycle event of an existing installation.
	LifecycleToken(inst Installation, d *Descriptor) TokenFunc
	// LifecycleProbes are the reinstalls the security check sends: the
	// forged ones must be refused, the genuine one accepted.
	LifecycleProbes(inst Installation, d *Descriptor) LifecycleProbes
}

// PageProfile is how a product opens an app's pages.
type PageProfile interface {
	// PageToken signs an iframe URL or a webhook.
	PageToken(inst Installation) TokenFunc
	// PageURL adds the parameters the product puts on every iframe URL
	// to an app path.
	PageURL(path, appKey, moduleKey string) string
	// ContextValues are the values of the context parameters module URLs
	// may hold.
	ContextValues() map[string]string
	// ContextToken is what AP.context.getToken gives a page of the app.
	ContextToken(inst Installation) (string, error)
	// ForgedClaims are the claims of the host's page and webhook tokens,
	// for the forgeries of the security check.
	ForgedClaims(iss, method, rawURL string, at time.Time) (connectjwt.Claims, error)
}

// WebhookProfile is how a product sends an app its events.
type WebhookProfile interface {
	// WebhookEvents expands a webhook entry to the events the host sends
	// it.
	WebhookEvents(d *Descriptor, w Webhook) []string
	// WebhookRequest is the headers and body of event's webhook.
	WebhookRequest(event string) (http.Header, []byte)
}

// APIProfile is a product's REST stand-in.
type APIProfile interface {
	// Routes is the REST stand-in's route table, answered once the
	// caller was authenticated (a Bearer token by the Host's BearerCheck,
	// else CheckToken).
	Routes() []Route
	// APIError answers in the product's error format.
	APIError(w http.ResponseWriter, status int, msg string)
	// CheckToken returns why r's app token is not valid for the
	// installation, or "", and the token's claims (the core then checks
	// their lifetime). Host.readAppToken does what every product checks.
	CheckToken(r *http.Request) (connectjwt.Claims, string)
	// SignRequest signs a REST call on the app's behalf, as the app does:
	// the path to request and its token.
	SignRequest(inst Installation, method, path string) (reqPath, token string, err error)
}

// Route is one route of a profile's REST stand-in: a net/http ServeMux
// pattern ("GET /2.0/user") and its handler.
type Route struct {
	Pattern string
	Handler http.HandlerFunc
}

// Labels name a profile's sample context for people: the site or
// workspace, the project, space or repository, and the signed-in user.
type Labels struct {
	Site, Container, User string
}

// LifecycleProbes are the security check's reinstalls of one product.
type LifecycleProbes struct {
	// Probes are sent in order, each with the installation's payload.
	Probes []LifecycleProbe
	// Rule says in a few words what the product wants of an install.
	Rule string
	// Signer names what signs the genuine lifecycle events, for reports.
	Signer string
}

// LifecycleProbe is one reinstall: Name completes "reinstall …" ("without
// a token", "signed with the current secret"); Accept says whether the app
// must accept it.
type LifecycleProbe struct {
	Name   string
	Token  TokenFunc
	Accept bool
}

// profiles are the registered profile constructors, by product.
var profiles = map[Product]func(h *Host) Profile{}

// registerProfile adds a product's profile; each profile file calls it
// once, in a package-level declaration.
func registerProfile(p Product, newProfile func(h *Host) Profile) bool {
	if _, dup := profiles[p]; dup {
		panic(fmt.Sprintf("hostsim: two profiles for %s", p))
	}
	profiles[p] = newProfile
	return true
}
