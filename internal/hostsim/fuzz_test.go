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

// FuzzDescriptorProducts feeds descriptors, which the app serves, to the
// product detection and the descriptor reading of each product: no
// panics, the detected product is one the host plays, and every module
// the host would load has a URL.
func FuzzDescriptorProducts(f *testing.F) {
	for _, s := range []string{
		`{"key":"a","baseUrl":"http://127.0.0.1:3000","authentication":{"type":"jwt"},"lifecycle":{"installed":"/i"},"modules":{"jiraIssueGlances":[{"key":"g","target":{"url":"/g?i={issue.key}"}}]}}`,
		`{"modules":{"serviceDeskPortalHeaders":[{"key":"p","url":"/p"}],"webhooks":[{"event":"page_created","url":"/w"}]},"scopes":["READ",7]}`,
		`{"modules":{"generalPages":[{"location":"system.header/left","url":"/x"}],"postInstallPage":{"key":"k","url":"/y"}},"apiMigrations":{"signed-install":"yes"}}`,
		`{"modules":[],"scopes":"READ","lifecycle":null}`,
		`[1,2]`,
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, src string) {
		for _, product := range []Product{"", Jira, Confluence} {
			d, _ := parseDescriptor("f", []byte(src), "http://127.0.0.1:3000", product)
			if d == nil {
				continue
			}
			if d.Product != Bitbucket && d.Product != Jira && d.Product != Confluence {
				t.Fatalf("product of %q = %q", src, d.Product)
			}
			for _, m := range d.Modules {
				if m.URL == "" {
					t.Fatalf("module %+v without a URL from %q", m, src)
				}
			}
		}
	})
}
