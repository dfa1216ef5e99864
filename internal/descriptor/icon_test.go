package descriptor

import (
	"strings"
	"testing"
)

// TestIconOnPagesAndPanels: Bitbucket's module reference lists icon
// ({url, width, height}) for repo pages and web panels as for web items
// and profile tabs, and published apps ship it on repoPages and
// adminPages; validate takes it there, checks its url like any link, and
// still refuses a malformed one.
func TestIconOnPagesAndPanels(t *testing.T) {
	icon := `{"url": "/images/icon.svg", "width": 16, "height": 16}`
	for _, kind := range []struct{ kind, module string }{
		{"repoPages", `{"key": "page", "name": {"value": "Page"}, "url": "/page", "location": "org.bitbucket.repository.navigation", "icon": ` + icon + `}`},
		{"adminPages", `{"key": "admin", "name": {"value": "Admin"}, "url": "/admin", "location": "org.bitbucket.repository.admin", "icon": ` + icon + `}`},
		{"webPanels", `{"key": "panel2", "name": {"value": "Panel"}, "url": "/panel2", "location": "org.bitbucket.repository.overview.informationPanel", "icon": ` + icon + `}`},
	} {
		r := Validate("test.json", edit(t, "/modules/"+kind.kind+"=["+kind.module+"]"), Options{})
		for _, f := range r.Findings {
			if strings.Contains(f.Pointer, "icon") || f.Severity == "error" {
				t.Errorf("%s with an icon: %s %s@%s: %s", kind.kind, f.Severity, f.Rule, f.Pointer, f.Message)
			}
		}
		bad := strings.Replace(kind.module, `"url": "/images/icon.svg"`, `"uri": "/images/icon.svg"`, 1)
		r = Validate("test.json", edit(t, "/modules/"+kind.kind+"=["+bad+"]"), Options{})
		found := false
		for _, f := range r.Findings {
			if strings.Contains(f.Pointer, "/icon") && f.Severity == "error" {
				found = true
			}
		}
		if !found {
			t.Errorf("%s: an icon without url was not refused: %v", kind.kind, findingsOf(r))
		}
	}
}
