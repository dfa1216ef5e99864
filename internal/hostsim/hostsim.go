// Package hostsim is connectgen's local Bitbucket, Jira and Confluence
// host: it does to a Connect app what the product does (fetch the
// descriptor, install, sign iframe URLs and webhooks, uninstall) and serves
// a small REST API of the product on a loopback port that answers only the
// app's correctly signed calls. internal/hostcheck drives all of it and
// reports whether the app answers correctly and securely. The product comes from
// the descriptor or Options.Product.
//
// The host is a core and one profile per product. The core (this file,
// lifecycle.go, send.go, api.go, webhooks.go, keys.go) keeps the
// installation, signs and checks tokens, sends and records requests and
// serves the key CDN, where Jira and Confluence apps fetch the public half
// of the RS256 key installs are signed with. Everything a product does
// its own way (install payload and signature, page URLs and tokens,
// webhooks, the REST stand-in's routes and token rules, the security
// probes) is its Profile, one file each: profile_bitbucket.go,
// profile_jira.go, profile_confluence.go (with profile_cloud.go, what Jira
// and Confluence share). The checks that judge an app with the host are
// internal/hostcheck's.
//
// Bitbucket stopped installing new Connect apps in February 2026, so this
// host is the only place a developer can see a new app work end to end;
// it is also how connectgen's own tests prove that the generated app works
// with real atlassian-connect-express (ACE).
//
// The host keeps one installation at a time. Every request it sends the app
// is bounded by Options.Timeout and every answer it reads by
// Options.MaxBody, so a misbehaving app cannot hang or flood it. Requests
// to the app do not follow redirects: Bitbucket's lifecycle and webhook
// calls do not, and a redirect must not lead the simulator off the machine.
//
// All JWT work (signing, verification, qsh) is internal/connectjwt's.
package hostsim

import (
	"crypto/rand"
	"crypto/rsa"
	"errors"
	"fmt"
	"io"
	"math/big"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/connectgen/connectgen/internal/descriptor"
)

// Defaults for Options.
const (
	DefaultAppURL  = "http://127.0.0.1:3000"
	DefaultTimeout = 10 * time.Second
	DefaultMaxBody = 1 << 20
	// TokenTTL is how long the tokens the host signs are valid, as
	// Bitbucket's (and ACE's) three minutes.
	TokenTTL = 3 * time.Minute
)

// Options configure a Host. The zero value of every field has a sensible
// default.
type Options struct {
	// AppURL is the app's base URL; the descriptor is at
	// AppURL/atlassian-connect.json. Module and lifecycle URLs are sent
	// to AppURL joined with their path relative to the descriptor's
	// baseUrl, so a descriptor naming a tunnel still reaches the local app.
	AppURL string
	// Client sends the requests to the app. By default a client with
	// Timeout that does not follow redirects.
	Client *http.Client
	// Timeout bounds each request to the app (default DefaultTimeout).
	Timeout time.Duration
	// MaxBody bounds each answer read from the app and each request body
	// the REST API reads (default DefaultMaxBody bytes).
	MaxBody int64
	// Now is the clock for signing and verifying tokens (default
	// time.Now).
	Now func() time.Time
	// Log receives one line per request the host sends or answers
	// (default: discarded).
	Log io.Writer
	// APIAddr is where the REST API listens (default 127.0.0.1:0, a
	// free loopback port).
	APIAddr string
	// Listener, when not nil, is the REST API's listener instead of one
	// on APIAddr: its address can then be given to a Jira or Confluence
	// app (CONNECT_KEYS_CDN_URL) before the host exists. Close closes it.
	Listener net.Listener
	// ClientKey is the installation's client key (default a fresh
	// "connection:NNNNNNN", as Bitbucket gives unregistered apps, or for
	// Jira and Confluence a fresh UUID).
	ClientKey string
	// Product is the product the host plays, one with a profile. Empty:
	// read from the descriptor (its modules, scopes and webhooks), else
	// the product table's default.
	Product Product
	// InstallKey and InstallKeyID, when set, are the RSA key and kid Jira
	// and Confluence installs are signed with instead of a fresh pair: a
	// later host (connectgen simulate) then signs as the host whose key
	// CDN the app was started with (connectgen run --local).
	InstallKey   *rsa.PrivateKey
	InstallKeyID string
}

// Installation is what the host sent the app in the installed lifecycle
// event.
type Installation struct {
	AppKey       string    `json:"appKey"`
	ClientKey    string    `json:"clientKey"`
	SharedSecret string    `json:"sharedSecret"`
	BaseURL      string    `json:"baseUrl"`
	BaseAPIURL   string    `json:"baseApiUrl"`
	InstalledAt  time.Time `json:"installedAt"`
}

// Host is a running local Bitbucket host for one app. Its methods may be
// called concurrently.
type Host struct {
	opts   Options
	appURL string // without a trailing slash
	client *http.Client
	now    func() time.Time
	log    io.Writer

	ln       net.Listener
	srv      *http.Server
	apiURL   string
	profiles map[Product]Profile

	keys  *keyServer // the signing key of products with SignedInstall
	other *keyServer // a key the app must not trust, for the security check

	mu      sync.Mutex
	keyGets int
	desc    *Descriptor
	inst    *Installation // nil when not installed
	calls   []Call
	bearer  BearerCheck // nil: Bearer tokens go to the profile's token check
}

// CheckAppURL returns an error when raw cannot be an app's base URL: it
// must be an absolute http(s) URL without a query or fragment. New checks
// it too; commands call it to tell a usage error from a failure.
func CheckAppURL(raw string) error {
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return fmt.Errorf("app URL %q is not an absolute http(s) URL", raw)
	}
	if u.RawQuery != "" || u.Fragment != "" {
		return fmt.Errorf("app URL %q must not have a query or fragment", raw)
	}
	return nil
}

// CheckHostAddr refuses a REST API address that is not host:port on
// loopback: the local host never listens beyond this machine.
func CheckHostAddr(addr string) error {
	if _, _, err := net.SplitHostPort(addr); err != nil {
		return fmt.Errorf("host address %q: %w", addr, err)
	}
	if !descriptor.IsLoopback(addr) {
		return fmt.Errorf("host address %q is not on loopback (127.0.0.1, localhost, [::1]): the local host never listens beyond this machine", addr)
	}
	return nil
}

// New starts the host's REST API on a loopback port and returns the host.
// Nothing is sent to the app until a method asks for it. Close stops it.
func New(opts Options) (*Host, error) {
	if opts.AppURL == "" {
		opts.AppURL = DefaultAppURL
	}
	if err := CheckAppURL(opts.AppURL); err != nil {
		return nil, err
	}
	if opts.Timeout <= 0 {
		opts.Timeout = DefaultTimeout
	}
	if opts.MaxBody <= 0 {
		opts.MaxBody = DefaultMaxBody
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Log == nil {
		opts.Log = io.Discard
	}
	if opts.APIAddr == "" {
		opts.APIAddr = "127.0.0.1:0"
	}
	client := opts.Client
	if client == nil {
		client = &http.Client{
			Timeout: opts.Timeout,
			CheckRedirect: func(*http.Request, []*http.Request) error {
				return http.ErrUseLastResponse
			},
		}
	}
	if _, ok := profiles[opts.Product]; opts.Product != "" && !ok {
		return nil, fmt.Errorf("unknown product %q (known: %s)", opts.Product, strings.Join(ProfileNames(), ", "))
	}
	ln := opts.Listener
	if ln == nil {
		if err := CheckHostAddr(opts.APIAddr); err != nil {
			return nil, err
		}
		var err error
		if ln, err = net.Listen("tcp", opts.APIAddr); err != nil {
			return nil, fmt.Errorf("the host's REST API cannot listen: %w", err)
		}
	}
	h := &Host{
		opts:     opts,
		appURL:   strings.TrimRight(opts.AppURL, "/"),
		client:   client,
		now:      opts.Now,
		log:      opts.Log,
		ln:       ln,
		apiURL:   "http://" + ln.Addr().String(),
		keys:     &keyServer{key: opts.InstallKey, kid: opts.InstallKeyID},
		other:    &keyServer{},
		profiles: map[Product]Profile{},
	}
	for p, newProfile := range profiles {
		h.profiles[p] = newProfile(h)
	}
	h.srv = &http.Server{
		Handler:           h.apiHandler(),
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      30 * time.Second,
	}
	go func() { _ = h.srv.Serve(ln) }() // ends with ErrServerClosed when the host is closed
	return h, nil
}

// APIURL is the base URL of the host's REST API (http://127.0.0.1:PORT),
// sent to the app as baseUrl and baseApiUrl.
func (h *Host) APIURL() string { return h.apiURL }

// AppURL is the app's base URL the host talks to.
func (h *Host) AppURL() string { return h.appURL }

// ClientKey is the client key of the host's installation.
func (h *Host) ClientKey() string {
	if h.opts.ClientKey != "" {
		return h.opts.ClientKey
	}
	return h.profile().ClientKey()
}

// Product is the product the host plays: Options.Product, else what the
// descriptor fetched last is for, else the product table's default.
func (h *Host) Product() Product {
	if h.opts.Product != "" {
		return h.opts.Product
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.desc != nil && h.desc.Product != "" {
		if _, ok := h.profiles[h.desc.Product]; ok {
			return h.desc.Product
		}
	}
	return descriptor.DefaultProduct()
}

// profile is the Profile of the product the host plays.
func (h *Host) profile() Profile { return h.profiles[h.Product()] }

// Labels name the sample context of the product the host plays, for
// people (the local host's page).
func (h *Host) Labels() Labels { return h.profile().Labels() }

// ProfileNames lists the products the host can play.
func ProfileNames() []string {
	var names []string
	for _, p := range descriptor.AllProducts() {
		if _, ok := profiles[p.Product]; ok {
			names = append(names, string(p.Product))
		}
	}
	return names
}

// Installation returns the current installation, if the app is installed.
func (h *Host) Installation() (Installation, bool) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.inst == nil {
		return Installation{}, false
	}
	return *h.inst, true
}

// Descriptor returns the descriptor fetched last, or nil.
func (h *Host) Descriptor() *Descriptor {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.desc
}

// Close stops the REST API.
func (h *Host) Close() error {
	err := h.srv.Close()
	if errors.Is(err, http.ErrServerClosed) {
		return nil
	}
	return err
}

func (h *Host) logf(format string, a ...any) {
	fmt.Fprintf(h.log, "hostsim: "+format+"\n", a...)
}

// randomSecret returns n characters from [A-Za-z0-9], as Bitbucket's shared
// secrets look.
func randomSecret(n int) (string, error) {
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
	b := make([]byte, n)
	max := big.NewInt(int64(len(alphabet)))
	for i := range b {
		k, err := rand.Int(rand.Reader, max)
		if err != nil {
			return "", err
		}
		b[i] = alphabet[k.Int64()]
	}
	return string(b), nil
}
