package hostui

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"regexp"
	"sync"
	"time"

	"github.com/connectgen/connectgen/internal/descriptor"
)

// Listen listens on addr (host:port), which must be a loopback address:
// the host's pages act on the installation and must not be reachable from
// the network.
func Listen(addr string) (net.Listener, error) {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return nil, fmt.Errorf("listen address %q: %w", addr, err)
	}
	if !descriptor.IsLoopback(host) {
		return nil, fmt.Errorf("listen address %q is not on loopback (127.0.0.1, localhost, [::1])", addr)
	}
	return net.Listen("tcp", addr)
}

// URL is the host's base URL for a listener from Listen.
func URL(ln net.Listener) string { return "http://" + ln.Addr().String() }

// Serve serves Handler(b) on ln until ctx ends, then shuts the server down,
// giving requests in flight a few seconds to finish. It returns nil when
// ctx ended it.
func Serve(ctx context.Context, ln net.Listener, b Backend) error {
	srv := &http.Server{
		Handler:           Handler(b),
		ReadHeaderTimeout: 10 * time.Second,
		// Webhook and lifecycle buttons wait for the app's answer.
		WriteTimeout: actionTimeout + 10*time.Second,
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
		sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = srv.Shutdown(sctx) // past the grace period the requests in flight are cut; Serve reports how it ended
		if err := <-errc; !errors.Is(err, http.ErrServerClosed) {
			return err
		}
		return nil
	}
}

var scriptSrc = sync.OnceValue(func() *regexp.Regexp {
	return regexp.MustCompile(`(?i)<script[^>]*\ssrc\s*=\s*["']?([^"'\s>]*/all(?:-debug)?\.js)`)
})

// CheckHostScript fetches an app page (a signed module URL) and reports
// whether it loads scriptURL, the host's all.js. The error says which host
// script the page loads instead, if any: an app started without
// AC_HOST_SCRIPT_URL loads Bitbucket's from the internet, and AP.request
// cannot work in the local host.
func CheckHostScript(ctx context.Context, client *http.Client, pageURL, scriptURL string) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, pageURL, nil)
	if err != nil {
		return err
	}
	req.Header.Set("Accept", "text/html")
	resp, err := client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return err
	}
	if resp.StatusCode/100 != 2 {
		return fmt.Errorf("the page answered %d %s", resp.StatusCode, http.StatusText(resp.StatusCode))
	}
	var others []string
	for _, m := range scriptSrc().FindAllSubmatch(body, -1) {
		if string(m[1]) == scriptURL {
			return nil
		}
		others = append(others, string(m[1]))
	}
	if len(others) == 0 {
		return errors.New("the page loads no host script (all.js)")
	}
	return fmt.Errorf("the page loads %s instead of %s", others[0], scriptURL)
}
