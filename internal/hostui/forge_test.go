package hostui

import (
	"html"
	"strings"
	"testing"
)

// TestForgeAppLink: with forgeAppLink in the descriptor the page shows
// "Get the Forge app" as Bitbucket shows it to workspace admins, and
// nothing without it.
func TestForgeAppLink(t *testing.T) {
	link := "https://developer.atlassian.com/console/install/0b7c1a2e-4d5f-4a6b-9c8d-7e6f5a4b3c2d?signature=AYAB&product=bitbucket"
	w := do(t, Handler(&fakeBackend{appURL: "http://127.0.0.1:3000", installed: true, forgeLink: link}), "GET", "/", "127.0.0.1:8000", nil, "")
	body := w.Body.String()
	if w.Code != 200 || !strings.Contains(body, `id="forge-app-link" href="`+html.EscapeString(link)+`"`) || !strings.Contains(body, ">Get the Forge app</a>") {
		t.Errorf("status %d, no Get the Forge app link to %s in:\n%s", w.Code, link, body)
	}
	w = do(t, Handler(&fakeBackend{appURL: "http://127.0.0.1:3000", installed: true}), "GET", "/", "127.0.0.1:8000", nil, "")
	if strings.Contains(w.Body.String(), "Get the Forge app") {
		t.Error("a descriptor without forgeAppLink shows the Forge link")
	}
}
