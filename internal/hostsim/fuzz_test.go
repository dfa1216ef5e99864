package hostsim

import (
	"strings"
	"testing"
)

// FuzzModuleURL feeds module URLs, which come from the app's descriptor,
// through the host's URL handling: it must not panic, a filled URL keeps
// no known context parameter, and a URL the host would load is a path.
func FuzzModuleURL(f *testing.F) {
	for _, s := range []string{
		"/connect-example?repoPath={repository.full_name}",
		"/r/{repository.uuid}/{pullrequest.id}?a&b=&={user.uuid}",
		"https://app.example/sub/p?x={x}",
		"page?{{}}&%zz={repository.full_name",
		"//evil.example/{user.account_id}",
	} {
		f.Add(s, "https://app.example/sub")
	}
	h := &Host{data: newSampleData("http://127.0.0.1:1")}
	f.Fuzz(func(t *testing.T, tmpl, base string) {
		filled, _ := h.fillURL(tmpl, nil)
		for name := range h.data.contextValues() {
			if strings.Contains(filled, "{"+name+"}") && !strings.Contains(tmpl, "{{"+name+"}") {
				t.Fatalf("fillURL(%q) = %q keeps {%s}", tmpl, filled, name)
			}
		}
		h.fillURL(tmpl, func(string) (string, bool) { return xssMarker, true })
		if p, ok := appPath(filled, base); ok && !strings.HasPrefix(p, "/") {
			t.Fatalf("appPath(%q, %q) = %q, not a path", filled, base, p)
		}
	})
}
