package runner

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/connectgen/connectgen/internal/descriptor"
)

// DefaultNgrokAPI is where the ngrok agent serves its local API.
const DefaultNgrokAPI = "http://127.0.0.1:4040"

// NormalizeBaseURL checks a base URL as Bitbucket needs it: absolute,
// https (http only on loopback, descriptor.IsLoopback, where the local
// Bitbucket host runs), no query or fragment. A trailing slash is dropped, since
// atlassian-connect-express joins paths to it with another slash.
func NormalizeBaseURL(s string) (string, error) {
	u, err := url.Parse(strings.TrimSpace(s))
	if err != nil {
		return "", fmt.Errorf("base URL %q is not a URL: %w", s, err)
	}
	if !u.IsAbs() || u.Host == "" {
		return "", fmt.Errorf("base URL %q is not absolute; give the full address, such as https://abc.ngrok.app", s)
	}
	switch strings.ToLower(u.Scheme) {
	case "https":
	case "http":
		if !descriptor.IsLoopback(u.Hostname()) {
			return "", fmt.Errorf("base URL %q uses http; Bitbucket installs only https apps (http is allowed on loopback: localhost, 127.0.0.1, [::1])", s)
		}
	default:
		return "", fmt.Errorf("base URL %q must be an https:// URL", s)
	}
	if u.RawQuery != "" || u.Fragment != "" || u.User != nil {
		return "", fmt.Errorf("base URL %q must not have a query, fragment or user", s)
	}
	u.Scheme = strings.ToLower(u.Scheme)
	u.Host = strings.ToLower(u.Host)
	u.Path = strings.TrimRight(u.Path, "/")
	u.RawPath = ""
	return u.String(), nil
}

// TunnelError says why no tunnel was found through ngrok's local API.
type TunnelError struct {
	API  string
	Port int
	// Unreachable is true when nothing answered at API (ngrok not running).
	Unreachable bool
	// Others are the public URLs of tunnels to other addresses.
	Others []string
	Err    error
}

func (e *TunnelError) Error() string {
	var b strings.Builder
	switch {
	case e.Unreachable:
		fmt.Fprintf(&b, "no base URL: --base-url is not set and no ngrok agent answers at %s", e.API)
	case e.Err != nil:
		fmt.Fprintf(&b, "no base URL: --base-url is not set and ngrok's API at %s: %v", e.API, e.Err)
	case len(e.Others) > 0:
		fmt.Fprintf(&b, "no base URL: ngrok has no https tunnel to port %d (its tunnels: %s)", e.Port, strings.Join(e.Others, ", "))
	default:
		fmt.Fprintf(&b, "no base URL: ngrok has no https tunnel to port %d", e.Port)
	}
	fmt.Fprintf(&b, `
Bitbucket must reach the app over https. Start a tunnel in another terminal:
  ngrok http %[1]d                                  (connectgen run finds it)
  cloudflared tunnel --url http://localhost:%[1]d   (then pass --base-url https://….trycloudflare.com)
or try the app with the local Bitbucket host: connectgen run --local`, e.Port)
	return b.String()
}

func (e *TunnelError) Unwrap() error { return e.Err }

// FindNgrokTunnel asks the ngrok agent's local API at api (such as
// DefaultNgrokAPI) for an https tunnel to port on this machine and returns
// its public URL.
func FindNgrokTunnel(ctx context.Context, api string, port int) (string, error) {
	api = strings.TrimRight(api, "/")
	ctx, cancel := context.WithTimeout(ctx, 3*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, api+"/api/tunnels", nil)
	if err != nil {
		return "", &TunnelError{API: api, Port: port, Err: err}
	}
	req.Header.Set("Accept", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		var op *net.OpError
		unreachable := errors.As(err, &op) || errors.Is(err, context.DeadlineExceeded)
		return "", &TunnelError{API: api, Port: port, Unreachable: unreachable, Err: err}
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return "", &TunnelError{API: api, Port: port, Err: fmt.Errorf("it answered %s", resp.Status)}
	}
	var body struct {
		Tunnels []struct {
			PublicURL string `json:"public_url"`
			Proto     string `json:"proto"`
			Config    struct {
				Addr string `json:"addr"`
			} `json:"config"`
		} `json:"tunnels"`
	}
	if err := json.NewDecoder(io.LimitReader(resp.Body, 1<<20)).Decode(&body); err != nil {
		return "", &TunnelError{API: api, Port: port, Err: fmt.Errorf("its answer is not the tunnel list: %w", err)}
	}
	var others []string
	for _, t := range body.Tunnels {
		if strings.HasPrefix(t.PublicURL, "https://") && localTarget(t.Config.Addr, port) {
			return NormalizeBaseURL(t.PublicURL)
		}
		others = append(others, fmt.Sprintf("%s -> %s", t.PublicURL, t.Config.Addr))
	}
	return "", &TunnelError{API: api, Port: port, Others: others}
}

// localTarget says whether an ngrok tunnel address ("3000",
// "localhost:3000", "http://127.0.0.1:3000") is port on this machine.
func localTarget(addr string, port int) bool {
	if i := strings.Index(addr, "://"); i >= 0 {
		addr = addr[i+3:]
	}
	addr = strings.TrimRight(addr, "/")
	host, p := "localhost", addr
	if h, pp, err := net.SplitHostPort(addr); err == nil {
		host, p = h, pp
	}
	n, err := strconv.Atoi(p)
	if err != nil || n != port {
		return false
	}
	// ngrok also forwards to a port given alone or on every interface.
	return host == "" || host == "0.0.0.0" || descriptor.IsLoopback(host)
}
