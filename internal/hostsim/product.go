package hostsim

import (
	"crypto/rsa"
	"fmt"
	"net"
	"net/http"
	"strings"
	"sync"

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

// Product is the product the host plays: Options.Product, else what the
// descriptor fetched last is for, else Bitbucket.
func (h *Host) Product() Product {
	if h.opts.Product != "" {
		return h.opts.Product
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.desc != nil && h.desc.Product != "" {
		return h.desc.Product
	}
	return Bitbucket
}

// keyServer is the host's key CDN: the RSA key Jira and Confluence sign
// installs with, its public half served as PEM at /connect-keys/<kid>, as
// ACE 11 fetches it from $CONNECT_KEYS_CDN_URL/<kid>. The key is made on
// first use, so a Bitbucket run never pays for it.
type keyServer struct {
	once sync.Once
	key  *rsa.PrivateKey
	kid  string
	pem  []byte
	err  error
}

// KeysPath is where the host serves its public install key, under its
// REST API's URL: CONNECT_KEYS_CDN_URL is APIURL()+KeysPath.
const KeysPath = "/connect-keys"

func (k *keyServer) get() (*rsa.PrivateKey, string, error) {
	k.once.Do(func() {
		if k.key == nil || k.kid == "" {
			if k.key, k.err = connectjwt.GenerateKey(); k.err != nil {
				return
			}
			k.kid = "connectgen-local/" + uuid4()
		}
		k.pem, k.err = connectjwt.PublicKeyPEM(&k.key.PublicKey)
	})
	return k.key, k.kid, k.err
}

// FreeAddr returns a loopback address (127.0.0.1:PORT) that was free a
// moment ago, for a host whose key CDN address the app must be given
// before the host starts (run --local).
func FreeAddr() (string, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer l.Close()
	return l.Addr().String(), nil
}

// KeysURL is the value of CONNECT_KEYS_CDN_URL an ACE app needs to verify
// the host's signed installs: ACE requests KeysURL()/<kid>.
func (h *Host) KeysURL() string { return h.apiURL + KeysPath }

// serveKey answers GET /connect-keys/<kid> with the PEM public key, as
// text/plain, and 404 for any other kid. ACE does not look at the status:
// the 404 body then fails to decode as a key, which is what it reports.
func (h *Host) serveKey(w http.ResponseWriter, r *http.Request) {
	_, kid, err := h.keys.get()
	want := strings.TrimPrefix(r.URL.Path, KeysPath+"/")
	if err != nil || want != kid {
		h.logf("KEYS GET %s -> 404", r.URL.Path)
		http.Error(w, fmt.Sprintf("no public key with kid %q on the local host", want), http.StatusNotFound)
		return
	}
	h.logf("KEYS GET %s -> 200", r.URL.Path)
	h.mu.Lock()
	h.keyGets++
	h.mu.Unlock()
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	_, _ = w.Write(h.keys.pem) // the app went away; nothing to tell it
}

// keyFetches counts the app's fetches of the public key: a signed
// install refused without one means the app was not pointed at the host's
// key CDN.
func (h *Host) keyFetches() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.keyGets
}
