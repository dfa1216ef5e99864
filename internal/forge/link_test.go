package forge

import (
	"strings"
	"testing"

	"github.com/connectgen/connectgen/internal/descriptor"
)

const (
	testLink = "https://developer.atlassian.com/console/install/0b7c1a2e-4d5f-4a6b-9c8d-7e6f5a4b3c2d?signature=AYABeQ&product=bitbucket"
	testID   = "ari:cloud:ecosystem::app/0b7c1a2e-4d5f-4a6b-9c8d-7e6f5a4b3c2d"
)

func TestLinkKeepsFormatting(t *testing.T) {
	cases := []struct{ name, src, want string }{
		{"after key, own lines",
			"{\n  // the app\n  \"key\": \"my-app\", // stable\n  \"name\": \"My App\"\n}\n",
			"{\n  // the app\n  \"key\": \"my-app\", // stable\n  \"forgeAppLink\": \"" + testLink + "\",\n  \"forgeAppId\": \"" + testID + "\",\n  \"name\": \"My App\"\n}\n"},
		{"tabs and CRLF",
			"{\r\n\t\"key\": \"my-app\",\r\n\t\"name\": \"My App\"\r\n}\r\n",
			"{\r\n\t\"key\": \"my-app\",\r\n\t\"forgeAppLink\": \"" + testLink + "\",\r\n\t\"forgeAppId\": \"" + testID + "\",\r\n\t\"name\": \"My App\"\r\n}\r\n"},
		{"minified",
			`{"key":"my-app","name":"My App"}`,
			`{"key":"my-app", "forgeAppLink": "` + testLink + `", "forgeAppId": "` + testID + `","name":"My App"}`},
		{"key last, JSON5",
			"{\n  name: 'My App',\n  key: 'my-app'\n}",
			"{\n  name: 'My App',\n  key: 'my-app',\n  \"forgeAppLink\": \"" + testLink + "\",\n  \"forgeAppId\": \"" + testID + "\"\n}"},
		{"one key there with an old value, keeping its quotes' place",
			"{\n  \"key\": \"my-app\",\n  \"forgeAppId\": /* old */ \"ari:cloud:ecosystem::app/11111111-2222-4333-8444-555555555555\",\n  \"name\": \"x\"\n}",
			"{\n  \"key\": \"my-app\",\n  \"forgeAppLink\": \"" + testLink + "\",\n  \"forgeAppId\": /* old */ \"" + testID + "\",\n  \"name\": \"x\"\n}"},
		{"empty object", "{}", "{\n  \"forgeAppLink\": \"" + testLink + "\",\n  \"forgeAppId\": \"" + testID + "\"\n}"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r, err := Link("d.json", []byte(c.src), testLink, testID)
			if err != nil {
				t.Fatal(err)
			}
			if string(r.Source) != c.want || !r.Changed {
				t.Errorf("got\n%s\nwant\n%s", r.Source, c.want)
			}
			again, err := Link("d.json", r.Source, testLink, testID)
			if err != nil || again.Changed || string(again.Source) != c.want {
				t.Errorf("linking again changed it: %v\n%s", err, again.Source)
			}
		})
	}
}

// TestLinkFixtures links every real descriptor and checks the result
// still holds everything it held, with the two keys accepted.
func TestLinkFixtures(t *testing.T) {
	for _, f := range fixtures(t) {
		src := readFile(t, f)
		r, err := Link(f, src, testLink, testID)
		if err != nil {
			t.Errorf("%s: %v", f, err)
			continue
		}
		before := descriptor.Validate(f, src, descriptor.Options{})
		if got, want := r.Validation.Root().Get("forgeAppLink").Str, testLink; got != want {
			t.Errorf("%s: forgeAppLink %q", f, got)
		}
		if len(r.Validation.Findings) != len(before.Findings) {
			t.Errorf("%s: %d findings before, %d after linking", f, len(before.Findings), len(r.Validation.Findings))
		}
		// Every line of the original is still there, in order.
		lines := strings.Split(string(r.Source), "\n")
		i := 0
		for _, l := range strings.Split(string(src), "\n") {
			for i < len(lines) && strings.TrimRight(lines[i], ",") != strings.TrimRight(l, ",") {
				i++
			}
			if i == len(lines) {
				t.Errorf("%s: line %q lost", f, l)
				break
			}
		}
	}
}

func TestLinkRefuses(t *testing.T) {
	src := []byte(`{"key": "my-app", "name": "x"}`)
	cases := []struct{ name, link, id, want string }{
		{"bad link", "https://example.com/install", testID, "--app-link: the link points to example.com"},
		{"bad id", testLink, "0b7c1a2e", "--app-id: the app id \"0b7c1a2e\" does not start with"},
		{"mismatch", testLink, "ari:cloud:ecosystem::app/11111111-2222-4333-8444-555555555555", "both must be the same app"},
	}
	for _, c := range cases {
		if _, err := Link("d.json", src, c.link, c.id); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v, want %q", c.name, err, c.want)
		}
	}
	if _, err := Link("d.json", []byte(`{"key": `), testLink, testID); err == nil || !strings.Contains(err.Error(), "cannot be read") {
		t.Errorf("broken JSON: %v", err)
	}
	if _, err := Link("d.json", []byte(`[1]`), testLink, testID); err == nil || !strings.Contains(err.Error(), "not a descriptor") {
		t.Errorf("array: %v", err)
	}
	jira := []byte(`{"key": "j", "scopes": ["READ"], "modules": {"jiraIssueGlances": []}}`)
	if _, err := Link("d.json", jira, testLink, testID); err == nil || !strings.Contains(err.Error(), "Bitbucket only") {
		t.Errorf("jira: %v", err)
	}
}
