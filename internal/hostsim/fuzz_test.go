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
	h, err := New(Options{})
	if err != nil {
		f.Fatal(err)
	}
	defer h.Close()
	f.Fuzz(func(t *testing.T, tmpl, base string) {
		filled, _ := h.FillURL(tmpl, nil)
		for name := range h.profile().ContextValues() {
			if strings.Contains(filled, "{"+name+"}") && !strings.Contains(tmpl, "{{"+name+"}") {
				t.Fatalf("fillURL(%q) = %q keeps {%s}", tmpl, filled, name)
			}
		}
		h.FillURL(tmpl, func(string) (string, bool) { return "<script>connectgen_xss()</script>", true })
		if p, ok := AppPath(filled, base); ok && !strings.HasPrefix(p, "/") {
			t.Fatalf("AppPath(%q, %q) = %q, not a path", filled, base, p)
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

// TestDetectProduct: the host plays the product internal/descriptor reads
// from the descriptor (its own tests cover the reading).
func TestDetectProduct(t *testing.T) {
	for _, tt := range []struct {
		src  string
		want Product
	}{
		{`{"modules":{"repoPages":[]},"scopes":["repository"]}`, Bitbucket},
		{`{"modules":{"jiraIssueGlances":[]}}`, Jira},
		{`{"modules":{"serviceDeskPortalHeaders":[{"url":"/x"}]}}`, Jira},
		{`{"modules":{"generalPages":[{"location":"system.header/left"}]}}`, Confluence},
		{`{"modules":{"generalPages":[{"location":"system.top.navigation.bar"}]}}`, Jira},
		{`{"scopes":["READ"]}`, Jira},
		{`{"apiMigrations":{"signed-install":true}}`, Jira},
		{`not json`, Bitbucket},
	} {
		d, _ := parseDescriptor("f", []byte(tt.src), "http://127.0.0.1:3000", "")
		got := Bitbucket
		if d != nil {
			got = d.Product
		}
		if got != tt.want {
			t.Errorf("product of %s = %s, want %s", tt.src, got, tt.want)
		}
	}
	if _, err := New(Options{Product: "jria"}); err == nil {
		t.Error("New took an unknown product")
	}
}
