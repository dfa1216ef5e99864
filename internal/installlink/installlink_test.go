package installlink

import (
	"errors"
	"net/url"
	"slices"
	"strings"
	"testing"
)

func TestBuildValid(t *testing.T) {
	for _, tc := range []struct {
		name string
		opts Options
		want string
	}{
		{"registered", Options{AddonKey: "a-quick-addon"},
			"https://bitbucket.org/site/addons/authorize?addon_key=a-quick-addon"},
		{"registered with redirect", Options{AddonKey: "my.app_1", RedirectURI: "https://app.example.com/welcome", BaseURL: "https://app.example.com"},
			"https://bitbucket.org/site/addons/authorize?addon_key=my.app_1&redirect_uri=https%3A%2F%2Fapp.example.com%2Fwelcome"},
		{"unregistered", Options{DescriptorURI: "https://app.example.com/atlassian-connect.json"},
			"https://bitbucket.org/site/addons/authorize?descriptor_uri=https%3A%2F%2Fapp.example.com%2Fatlassian-connect.json"},
		{"query values encoded", Options{DescriptorURI: "https://app.example.com/d.json?v=1&x=a b", RedirectURI: "https://app.example.com/base/welcome?from=button&x=%", BaseURL: "https://app.example.com/base/"},
			"https://bitbucket.org/site/addons/authorize?descriptor_uri=https%3A%2F%2Fapp.example.com%2Fd.json%3Fv%3D1%26x%3Da+b&redirect_uri=https%3A%2F%2Fapp.example.com%2Fbase%2Fwelcome%3Ffrom%3Dbutton%26x%3D%25"},
		{"redirect equal to base", Options{DescriptorURI: "https://a.example.com/x", RedirectURI: "https://A.example.com/app", BaseURL: "https://a.example.com/app"},
			"https://bitbucket.org/site/addons/authorize?descriptor_uri=https%3A%2F%2Fa.example.com%2Fx&redirect_uri=https%3A%2F%2FA.example.com%2Fapp"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := Build(tc.opts)
			if err != nil {
				t.Fatalf("Build: %v", err)
			}
			if got != tc.want {
				t.Errorf("Build =\n %s\nwant\n %s", got, tc.want)
			}
			// The query decodes back to exactly the values given.
			u, err := url.Parse(got)
			if err != nil {
				t.Fatal(err)
			}
			q := u.Query()
			if q.Get("addon_key") != tc.opts.AddonKey || q.Get("descriptor_uri") != tc.opts.DescriptorURI || q.Get("redirect_uri") != tc.opts.RedirectURI {
				t.Errorf("query decodes to %v", q)
			}
		})
	}
}

func TestBuildRules(t *testing.T) {
	// The cases where a rule broke for want of a value, and which value.
	wantMissing := map[string]string{"neither identifier": "addon_key", "redirect without base": "baseUrl"}
	for _, tc := range []struct {
		name  string
		opts  Options
		rules []Rule
		msg   string
	}{
		{"neither identifier", Options{}, []Rule{RuleOneIdentifier}, "give the app key"},
		{"both identifiers", Options{AddonKey: "k", DescriptorURI: "https://a.example.com/d.json"}, []Rule{RuleOneIdentifier}, "not both"},
		{"bad key", Options{AddonKey: "my app"}, []Rule{RuleAddonKey}, `has ' '`},
		{"relative descriptor", Options{DescriptorURI: "/atlassian-connect.json"}, []Rule{RuleAbsoluteURI}, "must be an absolute URL"},
		{"hostless descriptor", Options{DescriptorURI: "https:///d.json"}, []Rule{RuleAbsoluteURI}, "descriptor_uri"},
		{"http descriptor", Options{DescriptorURI: "http://app.example.com/atlassian-connect.json"}, []Rule{RuleDescriptorHTTPS}, "must be an https URL"},
		{"template descriptor", Options{DescriptorURI: "https://app.example.com/{user.uuid}/d.json"}, []Rule{RuleNoTemplate}, "{…} parameter"},
		{"relative redirect", Options{AddonKey: "k", RedirectURI: "/welcome", BaseURL: "https://a.example.com"}, []Rule{RuleAbsoluteURI}, `redirect_uri "/welcome"`},
		{"template redirect", Options{AddonKey: "k", RedirectURI: "https://a.example.com/welcome?u={user_uuid}", BaseURL: "https://a.example.com"}, []Rule{RuleNoTemplate}, "redirect_uri"},
		{"redirect elsewhere", Options{AddonKey: "k", RedirectURI: "https://b.example.com/welcome", BaseURL: "https://a.example.com"}, []Rule{RuleRedirectUnderBaseURL}, "does not start with"},
		{"redirect on a longer host", Options{AddonKey: "k", RedirectURI: "https://a.example.com.evil.net/welcome", BaseURL: "https://a.example.com"}, []Rule{RuleRedirectUnderBaseURL}, "baseUrl"},
		{"redirect beside base path", Options{AddonKey: "k", RedirectURI: "https://a.example.com/appx/welcome", BaseURL: "https://a.example.com/app"}, []Rule{RuleRedirectUnderBaseURL}, "baseUrl"},
		{"redirect other scheme", Options{AddonKey: "k", RedirectURI: "http://a.example.com/welcome", BaseURL: "https://a.example.com"}, []Rule{RuleRedirectUnderBaseURL}, "baseUrl"},
		{"redirect without base", Options{AddonKey: "k", RedirectURI: "https://a.example.com/welcome"}, []Rule{RuleRedirectUnderBaseURL}, "not known"},
		{"template base", Options{AddonKey: "k", RedirectURI: "https://a.example.com/welcome", BaseURL: "{{localBaseUrl}}"}, []Rule{RuleNoTemplate}, "baseUrl"},
		{"several at once", Options{DescriptorURI: "http://a.example.com/d.json", RedirectURI: "https://b.example.com/w", BaseURL: "https://a.example.com"},
			[]Rule{RuleDescriptorHTTPS, RuleRedirectUnderBaseURL}, "rule descriptor-https"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := Build(tc.opts)
			if err == nil {
				t.Fatalf("Build = %q, want an error", got)
			}
			if got != "" {
				t.Errorf("Build returned a link with an error: %q", got)
			}
			var re *RuleError
			if !errors.As(err, &re) {
				t.Fatalf("error %v is not a *RuleError", err)
			}
			var rules []Rule
			for _, v := range Violations(err) {
				rules = append(rules, v.Rule)
				if !strings.Contains(v.Error(), "(rule "+string(v.Rule)+")") {
					t.Errorf("message %q does not name its rule", v.Error())
				}
			}
			if m := Violations(err)[0].Missing; m != wantMissing[tc.name] {
				t.Errorf("Missing = %q, want %q", m, wantMissing[tc.name])
			}
			if !slices.Equal(rules, tc.rules) {
				t.Errorf("rules = %v, want %v (%v)", rules, tc.rules, err)
			}
			if !strings.Contains(err.Error(), tc.msg) {
				t.Errorf("error %q does not say %q", err, tc.msg)
			}
		})
	}
}

func TestHTMLEscapes(t *testing.T) {
	link, err := Build(Options{AddonKey: "k", RedirectURI: "https://a.example.com/w", BaseURL: "https://a.example.com"})
	if err != nil {
		t.Fatal(err)
	}
	got := HTML(link, `<b>"Install" & go</b>`)
	for _, want := range []string{
		`class="ak-button ak-button__appearance-primary"`,
		`href="https://bitbucket.org/site/addons/authorize?addon_key=k&amp;redirect_uri=https%3A%2F%2Fa.example.com%2Fw"`,
		`>&lt;b&gt;&#34;Install&#34; &amp; go&lt;/b&gt;</a>`,
		"npm install @atlaskit/css-reset @atlaskit/reduced-ui-pack",
		"rather than\n  loading them from a CDN",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("HTML lacks %q:\n%s", want, got)
		}
	}
	if strings.Contains(got, "unpkg") || strings.Contains(got, "://cdn") {
		t.Errorf("HTML loads from a CDN:\n%s", got)
	}
	if !strings.Contains(HTML(link, ""), ">Connect to Bitbucket</a>") {
		t.Errorf("default text missing")
	}
}

func TestMarkdown(t *testing.T) {
	got := Markdown("https://bitbucket.org/site/addons/authorize?addon_key=a(b)", `Install [now]\`)
	want := `[Install \[now\]\\](https://bitbucket.org/site/addons/authorize?addon_key=a%28b%29)` + "\n"
	if got != want {
		t.Errorf("Markdown = %q, want %q", got, want)
	}
	if got := Markdown("https://x.example/", ""); got != "[Connect to Bitbucket](https://x.example/)\n" {
		t.Errorf("default text: %q", got)
	}
}

// FuzzBuild: whatever Build accepts is a link to the authorize page whose
// query decodes back to exactly the values given, with a redirect on the
// base URL's host; whatever it refuses names a rule.
func FuzzBuild(f *testing.F) {
	f.Add("a-quick-addon", "", "https://app.example.com/welcome", "https://app.example.com")
	f.Add("", "https://app.example.com/d.json?x=1&y=a b", "", "")
	f.Add("", "https://a.example.com/x", "https://a.example.com.evil.net/w", "https://a.example.com")
	f.Add("k", "", "https://a.example.com/%zz", "https://a.example.com/")
	f.Fuzz(func(t *testing.T, key, desc, redirect, base string) {
		link, err := Build(Options{AddonKey: key, DescriptorURI: desc, RedirectURI: redirect, BaseURL: base})
		if err != nil {
			vs := Violations(err)
			if len(vs) == 0 || link != "" {
				t.Fatalf("error %v with link %q and violations %v", err, link, vs)
			}
			for _, v := range vs {
				if v.Rule == "" || !strings.Contains(v.Error(), "(rule "+string(v.Rule)+")") {
					t.Fatalf("violation %v names no rule", v)
				}
			}
			return
		}
		u, err := url.Parse(link)
		if err != nil {
			t.Fatalf("link %q does not parse: %v", link, err)
		}
		if u.Scheme+"://"+u.Host+u.Path != AuthorizeURL || u.Fragment != "" {
			t.Fatalf("link %q is not the authorize page", link)
		}
		q, err := url.ParseQuery(u.RawQuery)
		if err != nil {
			t.Fatalf("query of %q: %v", link, err)
		}
		if q.Get("addon_key") != key || q.Get("descriptor_uri") != desc || q.Get("redirect_uri") != redirect {
			t.Fatalf("query %v does not give back %q %q %q", q, key, desc, redirect)
		}
		if (key == "") == (desc == "") {
			t.Fatalf("accepted key %q and descriptor %q", key, desc)
		}
		if desc != "" && !strings.HasPrefix(strings.ToLower(desc), "https://") {
			t.Fatalf("accepted descriptor %q", desc)
		}
		if redirect != "" {
			r, _ := url.Parse(redirect)
			b, _ := url.Parse(base)
			if r == nil || b == nil || !strings.EqualFold(r.Host, b.Host) || strings.ContainsAny(redirect+base, "{}") {
				t.Fatalf("accepted redirect %q for base %q", redirect, base)
			}
		}
	})
}
