package hostui

import (
	"context"
	"testing"
)

// listenHost opens the host page's listener before the app starts, as
// run --local --serve and simulate --serve do (Session.Listen then
// Session.Serve): the app is started with the host script's URL, and the
// page is served once the app is installed. It returns the page's URL and
// the function that serves it with the installed app's backend until the
// test ends.
func listenHost(t *testing.T) (url string, serve func(Backend)) {
	t.Helper()
	ln, err := Listen("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	served := false
	t.Cleanup(func() {
		if !served {
			_ = ln.Close() // never served; nothing else holds it
		}
	})
	return URL(ln), func(b Backend) {
		served = true
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan error, 1)
		go func() { done <- Serve(ctx, ln, b) }()
		t.Cleanup(func() {
			cancel()
			if err := <-done; err != nil {
				t.Errorf("serving the host's page: %v", err)
			}
		})
	}
}
