package browsertest

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// TestBrowser loads a page from loopback, reads text the page's script
// wrote, and checks that the recorder sees a request to another host.
func TestBrowser(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		fmt.Fprint(w, `<!doctype html><title>t</title><p id="p">static</p>
<img src="http://external.invalid/pixel.png">
<script>document.getElementById('p').textContent = 'from script';</script>`)
	}))
	defer srv.Close()
	b := New(t)
	var text string
	b.Run(30*time.Second,
		chromedp.Navigate(srv.URL),
		chromedp.Text("#p", &text, chromedp.ByQuery),
	)
	if text != "from script" {
		t.Errorf("text = %q", text)
	}
	b.Screenshot("page")
	ext := b.ExternalRequests()
	if len(ext) != 1 || !strings.HasPrefix(ext[0], "http://external.invalid/") {
		t.Errorf("external requests = %v", ext)
	}
}
