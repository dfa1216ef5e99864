package hostsim

import (
	"crypto/rsa"
	"fmt"
	"net"
	"net/http"
	"strings"
	"sync"

	"github.com/connectgen/connectgen/internal/connectjwt"
)

// keyServer is the host's key CDN: the RSA key products with
// SignedInstall (Jira, Confluence) sign installs with, its public half served as PEM at /connect-keys/<kid>, as
// ACE 11 fetches it from $CONNECT_KEYS_CDN_URL/<kid>. The key is made on
// first use, so a run of a product without signed installs never pays for it.
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
		if k.key, k.err = connectjwt.GenerateKey(); k.err != nil {
			return
		}
		k.kid = "connectgen-local/" + uuid4()
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
	// A client gone away is nothing to answer.
	_, _ = w.Write(h.keys.pem)
}

// KeyFetches counts the app's fetches of the public key: a signed
// install refused without one means the app was not pointed at the host's
// key CDN.
func (h *Host) KeyFetches() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.keyGets
}

// InstallHint explains a refused signed install, given KeyFetches before
// it: ACE verifies it with the public key it fetches from
// $CONNECT_KEYS_CDN_URL/<kid>. It is "" when the app did fetch the key or
// the product does not sign installs.
func (h *Host) InstallHint(fetchesBefore int) string {
	p := h.Product()
	if !p.Info().SignedInstall || h.KeyFetches() > fetchesBefore {
		return ""
	}
	return fmt.Sprintf("; the app never fetched the host's public key: %s verifies the signed install with the key at $CONNECT_KEYS_CDN_URL/<kid>, so start the app with CONNECT_KEYS_CDN_URL=%s (ACE 11), and fix the host's port with --host-addr if needed",
		p.Title(), h.KeysURL())
}

// PrepareKeys makes the host's install key and the security check's
// other key in the background, when the product signs installs, so that
// neither waits for the other later.
func (h *Host) PrepareKeys() {
	if h.Product().Info().SignedInstall {
		// An error here is the same one the security check meets
		// when it asks for the key, and reports there.
		go func() { _, _, _ = h.other.get() }()
	}
}
