package runner

import (
	"crypto/rand"
	"crypto/rsa"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/connectgen/connectgen/internal/connectjwt"
	"github.com/connectgen/connectgen/internal/hostsim"
)

// LocalHostFile is where run --local records its local host in the
// project, for connectgen simulate in another terminal; run removes it
// when it stops.
const LocalHostFile = ".connectgen/local-host.json"

// LocalHost is run --local's host as simulate needs it: a Jira or
// Confluence app verifies signed installs with the key it fetches from
// the CONNECT_KEYS_CDN_URL it was started with (run's host), so a second
// host must sign with that key and kid. The key is a throwaway made for
// this run, on loopback only.
type LocalHost struct {
	Addr       string `json:"hostAddr"` // run's host: REST API and key CDN
	AppURL     string `json:"appUrl"`
	KeyID      string `json:"keyId"`
	PrivateKey string `json:"privateKey"` // PEM, PKCS #8
	PID        int    `json:"pid"`

	key *rsa.PrivateKey
}

// NewLocalHost makes the record of a new local host at addr for the app
// at appURL, with a fresh install key.
func NewLocalHost(addr, appURL string) (*LocalHost, error) {
	key, err := connectjwt.GenerateKey()
	if err != nil {
		return nil, err
	}
	pem, err := connectjwt.PrivateKeyPEM(key)
	if err != nil {
		return nil, err
	}
	id := make([]byte, 16)
	if _, err := rand.Read(id); err != nil {
		return nil, err
	}
	return &LocalHost{
		Addr: addr, AppURL: appURL, KeyID: "connectgen-run/" + hex.EncodeToString(id),
		PrivateKey: string(pem), PID: os.Getpid(), key: key,
	}, nil
}

// HostOptions sets the install key of opts to the recorded one.
func (l *LocalHost) HostOptions(opts *hostsim.Options) error {
	if l.key == nil {
		key, err := connectjwt.ParsePrivateKeyPEM([]byte(l.PrivateKey))
		if err != nil {
			return fmt.Errorf("%s: %w", LocalHostFile, err)
		}
		l.key = key
	}
	opts.InstallKey, opts.InstallKeyID = l.key, l.KeyID
	return nil
}

// Record writes l into the project in dir, readable by its owner only,
// and returns the file's path.
func (l *LocalHost) Record(dir string) (string, error) {
	path := filepath.Join(dir, filepath.FromSlash(LocalHostFile))
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return "", err
	}
	b, err := json.MarshalIndent(l, "", "  ")
	if err != nil {
		return "", err
	}
	if err := os.WriteFile(path, append(b, '\n'), 0o600); err != nil {
		return "", err
	}
	return path, nil
}

// ReadLocalHost reads the local host run --local recorded in the project
// in dir for the app at appURL. It returns nil and no error when there is
// none, or the record is of another app.
func ReadLocalHost(dir, appURL string) (*LocalHost, error) {
	b, err := os.ReadFile(filepath.Join(dir, filepath.FromSlash(LocalHostFile)))
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var l LocalHost
	if err := json.Unmarshal(b, &l); err != nil {
		return nil, fmt.Errorf("%s: %w", LocalHostFile, err)
	}
	if strings.TrimRight(l.AppURL, "/") != strings.TrimRight(appURL, "/") {
		return nil, nil
	}
	return &l, nil
}
