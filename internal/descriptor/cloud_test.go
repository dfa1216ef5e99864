package descriptor

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/connectgen/connectgen/internal/json5"
)

// jiraBase and confluenceBase are Jira and Confluence descriptors with no
// findings; each cloud rule case changes one thing in one of them.
const jiraBase = `{
  "key": "test-app",
  "name": "Test App",
  "description": "An app for tests",
  "vendor": {"name": "Example", "url": "https://example.com"},
  "baseUrl": "https://app.example.com",
  "authentication": {"type": "jwt"},
  "lifecycle": {"installed": "/installed", "uninstalled": "/uninstalled"},
  "scopes": ["READ", "WRITE"],
  "apiMigrations": {"signed-install": true, "context-qsh": true, "gdpr": true},
  "modules": {
    "generalPages": [{"key": "hello", "location": "system.top.navigation.bar", "name": {"value": "Hello"}, "url": "/hello-world", "conditions": [{"condition": "user_is_logged_in"}]}],
    "webhooks": [{"event": "jira:issue_created", "url": "/issue-created"}],
    "jiraIssueGlances": [{"key": "glance", "name": {"value": "Glance"}, "icon": {"width": 24, "height": 24, "url": "/icon.svg"}, "content": {"type": "label", "label": {"value": "2 things"}}, "target": {"type": "web_panel", "url": "/glance?issueKey={issue.key}"}}],
    "jiraProjectPages": [{"key": "project-page", "name": {"value": "Project page"}, "url": "/project?projectKey={project.key}"}],
    "jiraIssueFields": [{"key": "field", "name": {"value": "Field"}, "description": {"value": "A field"}, "type": "string"}],
    "jiraWorkflowPostFunctions": [{"key": "post", "name": {"value": "Post"}, "triggered": {"url": "/triggered"}}],
    "jiraEntityProperties": [{"key": "props", "name": {"value": "Props"}, "entityType": "issue", "keyConfigurations": [{"propertyKey": "stats", "extractions": [{"objectName": "count", "type": "number"}]}]}],
    "dialogs": [{"key": "dialog", "url": "/dialog"}],
    "webItems": [{"key": "item", "name": {"value": "Item"}, "location": "jira.issue.tools", "target": {"type": "dialogmodule", "options": {"key": "dialog"}}}],
    "serviceDeskPortalHeaders": [{"key": "portal-header", "url": "/hello-world"}],
    "configurePage": {"key": "configure", "name": {"value": "Configure"}, "url": "/configure"}
  }
}`

const confluenceBase = `{
  "key": "test-app",
  "name": "Test App",
  "description": "An app for tests",
  "baseUrl": "https://app.example.com",
  "authentication": {"type": "jwt"},
  "lifecycle": {"installed": "/installed", "uninstalled": "/uninstalled"},
  "scopes": ["read", "SPACE_ADMIN"],
  "apiMigrations": {"signed-install": true},
  "modules": {
    "generalPages": [{"key": "hello", "location": "system.header/left", "name": {"value": "Hello"}, "url": "/hello-world"}],
    "staticContentMacros": [{"key": "static-macro", "name": {"value": "Static"}, "url": "/static?id={macro.id}", "outputType": "block", "bodyType": "none"}],
    "dynamicContentMacros": [{"key": "dynamic-macro", "name": {"value": "Dynamic"}, "url": "/dynamic", "parameters": [{"identifier": "n", "name": {"value": "N"}, "type": "int"}]}],
    "spaceToolsTabs": [{"key": "space-tab", "name": {"value": "Tab"}, "url": "/space?spaceKey={space.key}", "location": "contenttools"}],
    "contentBylineItems": [{"key": "byline", "name": {"value": "Byline"}, "url": "/byline?contentId={content.id}", "context": "addon"}]
  }
}`

func cloudRuleCases(t *testing.T) []ruleCase {
	jira := func(changes ...string) []byte { return editOf(t, jiraBase, changes...) }
	conf := func(changes ...string) []byte { return editOf(t, confluenceBase, changes...) }
	J, C := Options{Product: Jira}, Options{Product: Confluence}
	return []ruleCase{
		{name: "jira base has no findings", src: []byte(jiraBase), opts: J},
		{name: "jira base has no findings when detected", src: []byte(jiraBase)},
		{name: "confluence base has no findings", src: []byte(confluenceBase), opts: C},
		{name: "confluence base has no findings when detected", src: []byte(confluenceBase)},

		// Lifecycle and base URL name the product.
		{name: "jira lifecycle-installed-missing", src: jira("-/lifecycle/installed"), opts: J, want: []string{"error lifecycle-installed-missing@/lifecycle/installed"}, message: "verify Jira's requests"},
		{name: "confluence baseurl-https", src: conf(`/baseUrl="http://app.example.com"`), opts: C, want: []string{"error baseurl-https@/baseUrl"}, message: "Confluence refuses apps served over http"},
		{name: "jira required baseUrl", src: jira("-/baseUrl"), opts: J, want: []string{"error required@"}, message: `"baseUrl"`},

		// Scopes.
		{name: "jira scope-unknown", src: jira(`/scopes=["READ", "WRTIE"]`), opts: J, want: []string{"error scope-unknown@/scopes/1"}, sugg: `did you mean "WRITE"?`},
		{name: "jira scope-unknown: an OAuth scope", src: jira(`/scopes=["READ", "read:jira-work"]`), opts: J, want: []string{"error scope-unknown@/scopes/1"}, sugg: "not Connect scopes"},
		{name: "jira scope pass: every Connect scope in any case", src: jira(`/scopes=["read", "Write", "DELETE", "project_admin", "ADMIN", "ACT_AS_USER", "access_email_addresses"]`), opts: J},
		{name: "jira scope-product", src: jira(`/scopes=["READ", "SPACE_ADMIN"]`), opts: J, want: []string{"warning scope-product@/scopes/1"}, message: "Confluence's, not Jira's", sugg: `use "PROJECT_ADMIN"`},
		{name: "confluence scope-product", src: conf(`/scopes=["READ", "PROJECT_ADMIN"]`), opts: C, want: []string{"warning scope-product@/scopes/1"}},
		{name: "jira webhook-scope-missing", src: jira(`/scopes=["ACT_AS_USER"]`), opts: J, want: []string{"error webhook-scope-missing@/modules/webhooks/0"}, sugg: `add "READ"`},
		{name: "jira webhook scope pass: ADMIN implies READ", src: jira(`/scopes=["ADMIN"]`), opts: J},

		// Webhook events: a warning with did-you-mean from the product's list.
		{name: "jira webhook-event-unlisted", src: jira(`/modules/webhooks/0/event="jira:issue_craeted"`), opts: J, want: []string{"warning webhook-event-unlisted@/modules/webhooks/0/event"}, message: "never sends it", sugg: `did you mean "jira:issue_created"?`},
		{name: "jira webhook-event-unlisted: the jira: prefix left out", src: jira(`/modules/webhooks/0/event="issue_updated"`), opts: J, want: []string{"warning webhook-event-unlisted@/modules/webhooks/0/event"}, sugg: `did you mean "jira:issue_updated"?`},
		{name: "jira webhook-event-unlisted: a Confluence event", src: jira(`/modules/webhooks/0/event="page_created"`), opts: J, want: []string{"warning webhook-event-unlisted@/modules/webhooks/0/event"}, message: "is Confluence's, not Jira's"},
		{name: "jira webhook-event-unlisted: a Bitbucket event", src: jira(`/modules/webhooks/0/event="repo:push"`), opts: J, want: []string{"warning webhook-event-unlisted@/modules/webhooks/0/event"}, message: "is Bitbucket's, not Jira's"},
		{name: "jira webhook events pass", src: jira(`/modules/webhooks=[{"event": "comment_created", "url": "/c"}, {"event": "worklog_deleted", "url": "/w"}, {"event": "jira:version_released", "url": "/v"}, {"event": "sprint_started", "url": "/s"}, {"event": "board_configuration_changed", "url": "/b"}, {"event": "connect_addon_enabled", "url": "/e"}]`), opts: J},
		{name: "confluence webhook-event-unlisted", src: conf(`/modules/webhooks=[{"event": "page_craeted", "url": "/p"}]`), opts: C, want: []string{"warning webhook-event-unlisted@/modules/webhooks/0/event"}, sugg: `did you mean "page_created"?`},
		{name: "confluence webhook-event-unlisted: a Jira event", src: conf(`/modules/webhooks=[{"event": "jira:issue_created", "url": "/p"}]`), opts: C, want: []string{"warning webhook-event-unlisted@/modules/webhooks/0/event"}, message: "is Jira's, not Confluence's"},
		{name: "confluence webhook events pass", src: conf(`/modules/webhooks=[{"event": "page_trashed", "url": "/p"}, {"event": "blog_created", "url": "/b"}, {"event": "label_added", "url": "/l"}, {"event": "space_created", "url": "/s"}, {"event": "attachment_created", "url": "/a"}, {"event": "connect_addon_disabled", "url": "/d"}]`), opts: C},

		// Locations: a note for a near miss of a well-known one only.
		{name: "jira location-near-miss", src: jira(`/modules/generalPages/0/location="system.top.navigaton.bar"`), opts: J, want: []string{"note location-near-miss@/modules/generalPages/0/location"}, message: "close to the well-known", sugg: `did you mean "system.top.navigation.bar"?`},
		{name: "jira location-near-miss: web panel, case", src: jira(`/modules/webPanels=[{"key": "panel", "name": {"value": "P"}, "url": "/p", "location": "atl.jira.view.issue.Right.context"}]`), opts: J, want: []string{"note location-near-miss@/modules/webPanels/0/location"}, sugg: `"atl.jira.view.issue.right.context"`},
		{name: "jira location-near-miss: web item", src: jira(`/modules/webItems/0/location="jira.project.sidebar.plugin.navigation"`), opts: J, want: []string{"note location-near-miss@/modules/webItems/0/location"}, sugg: `"jira.project.sidebar.plugins.navigation"`},
		{name: "jira location pass: another app's web section", src: jira(`/modules/webItems/0/location="com.example.other-app:section"`), opts: J},
		{name: "jira location pass: three edits from a known one is not a typo", src: jira(`/modules/webItems/0/location="operations-view"`), opts: J},
		{name: "jira location pass: a real location close to another", src: jira(`/modules/webPanels=[{"key": "panel", "name": {"value": "P"}, "url": "/p", "location": "atl.jira.view.issue.left.context"}]`), opts: J},
		{name: "confluence location-near-miss", src: conf(`/modules/generalPages/0/location="system.header/lfet"`), opts: C, want: []string{"note location-near-miss@/modules/generalPages/0/location"}, sugg: `did you mean "system.header/left"?`},
		{name: "confluence location-near-miss: web section", src: conf(`/modules/webSections=[{"key": "section", "name": {"value": "S"}, "location": "atl.genral"}]`), opts: C, want: []string{"note location-near-miss@/modules/webSections/0/location"}, sugg: `did you mean "atl.general"?`},
		{name: "confluence location pass: unknown", src: conf(`/modules/webItems=[{"key": "item", "name": {"value": "I"}, "url": "/i", "location": "system.content.action/secondary"}, {"key": "item2", "name": {"value": "I"}, "url": "/i", "location": "my.own.section"}]`), opts: C},

		// apiMigrations.
		{name: "jira api-migration-unknown", src: jira(`/apiMigrations={"signed-instal": true}`), opts: J, want: []string{"error api-migration-unknown@/apiMigrations/signed-instal"}, sugg: `did you mean "signed-install"?`},
		{name: "jira apiMigrations type", src: jira(`/apiMigrations={"context-qsh": "yes"}`), opts: J, want: []string{"error type@/apiMigrations/context-qsh"}},
		{name: "confluence signed-install-false", src: conf(`/apiMigrations={"signed-install": false}`), opts: C, want: []string{"warning signed-install-false@/apiMigrations/signed-install"}},

		// Module kinds and the fields each needs.
		{name: "jira module-product", src: jira(`/modules/staticContentMacros=[{"key": "m", "name": {"value": "M"}, "url": "/m"}]`), opts: J, want: []string{"warning module-product@/modules/staticContentMacros"}, message: "a Confluence module"},
		{name: "confluence module-product", src: conf(`/modules/jiraIssueGlances=[]`), opts: C, want: []string{"warning module-product@/modules/jiraIssueGlances"}, message: "a Jira module"},
		{name: "jira unknown module kind", src: jira(`/modules/generalPage=[]`), opts: J, want: []string{"warning unknown-property@/modules/generalPage"}, sugg: `did you mean "generalPages"?`},
		{name: "jira unknown top-level property", src: jira(`/descripton="x"`), opts: J, want: []string{"warning unknown-property@/descripton"}, sugg: `did you mean "description"?`},
		{name: "jira page: unknown property", src: jira(`/modules/generalPages/0/locaton="x"`), opts: J, want: []string{"error unknown-property@/modules/generalPages/0/locaton"}, sugg: `did you mean "location"?`},
		{name: "jira generalPages required url", src: jira("-/modules/generalPages/0/url"), opts: J, want: []string{"error required@/modules/generalPages/0"}, message: `"url"`},
		{name: "jira jiraIssueGlances required target", src: jira("-/modules/jiraIssueGlances/0/target"), opts: J, want: []string{"error required@/modules/jiraIssueGlances/0"}, message: `"target"`},
		{name: "jira jiraIssueGlances target type", src: jira(`/modules/jiraIssueGlances/0/target/type="panel"`), opts: J, want: []string{"error schema@/modules/jiraIssueGlances/0/target/type"}},
		{name: "jira jiraProjectPages required name", src: jira("-/modules/jiraProjectPages/0/name"), opts: J, want: []string{"error required@/modules/jiraProjectPages/0"}},
		{name: "jira jiraIssueFields required type", src: jira("-/modules/jiraIssueFields/0/type"), opts: J, want: []string{"error required@/modules/jiraIssueFields/0"}, message: `"type"`},
		{name: "jira jiraWorkflowPostFunctions required triggered", src: jira("-/modules/jiraWorkflowPostFunctions/0/triggered"), opts: J, want: []string{"error required@/modules/jiraWorkflowPostFunctions/0"}, message: `"triggered"`},
		{name: "jira jiraEntityProperties entityType", src: jira(`/modules/jiraEntityProperties/0/entityType="comment"`), opts: J, want: []string{"error schema@/modules/jiraEntityProperties/0/entityType"}},
		{name: "jira webhooks required url", src: jira("-/modules/webhooks/0/url"), opts: J, want: []string{"error required@/modules/webhooks/0"}},
		{name: "jira dialogs required url", src: jira("-/modules/dialogs/0/url"), opts: J, want: []string{"error required@/modules/dialogs/0"}},
		{name: "jira webItems required location", src: jira("-/modules/webItems/0/location"), opts: J, want: []string{"error required@/modules/webItems/0"}},
		{name: "jira serviceDeskPortalHeaders required url", src: jira("-/modules/serviceDeskPortalHeaders/0/url"), opts: J, want: []string{"error required@/modules/serviceDeskPortalHeaders/0"}},
		{name: "jira configurePage is one object", src: jira(`/modules/configurePage=[{"key": "configure", "name": {"value": "Configure"}, "url": "/configure"}]`), opts: J, want: []string{"error configurepage-object@/modules/configurePage"}},
		{name: "confluence staticContentMacros required url", src: conf("-/modules/staticContentMacros/0/url"), opts: C, want: []string{"error required@/modules/staticContentMacros/0"}},
		{name: "confluence dynamicContentMacros outputType", src: conf(`/modules/dynamicContentMacros/0/outputType="paragraph"`), opts: C, want: []string{"error schema@/modules/dynamicContentMacros/0/outputType"}},
		{name: "confluence macro parameter required identifier", src: conf(`/modules/dynamicContentMacros/0/parameters=[{"name": {"value": "N"}, "type": "int"}]`), opts: C, want: []string{"error required@/modules/dynamicContentMacros/0/parameters/0"}},
		{name: "confluence spaceToolsTabs required url", src: conf("-/modules/spaceToolsTabs/0/url"), opts: C, want: []string{"error required@/modules/spaceToolsTabs/0"}},
		{name: "confluence contentBylineItems required name", src: conf("-/modules/contentBylineItems/0/name"), opts: C, want: []string{"error required@/modules/contentBylineItems/0"}},

		// Keys, URLs.
		{name: "jira module-key-pattern", src: jira(`/modules/dialogs/0/key="my_dialog"`), opts: J, want: []string{"error module-key-pattern@/modules/dialogs/0/key"}, sugg: `"my-dialog"`},
		{name: "jira module-key-length", src: jira(`/modules/dialogs/0/key="` + strings.Repeat("k", 101) + `"`), opts: J, want: []string{"error module-key-length@/modules/dialogs/0/key"}, message: "more than 100"},
		{name: "jira module-key-duplicate", src: jira(`/modules/dialogs/0/key="hello"`), opts: J, want: []string{"error module-key-duplicate@/modules/generalPages/0/key"}, message: "already used by dialogs[0]"},
		{name: "jira url-absolute-https of a post function", src: jira(`/modules/jiraWorkflowPostFunctions/0/triggered/url="http://app.example.com/t"`), opts: J, want: []string{"error url-absolute-https@/modules/jiraWorkflowPostFunctions/0/triggered/url"}},
		{name: "confluence url-context-param", src: conf(`/modules/spaceToolsTabs/0/url="/space?k={space.key"`), opts: C, want: []string{"error url-context-param@/modules/spaceToolsTabs/0/url"}, sugg: "{content.id}"},
		{name: "jira placeholder", src: jira(`/baseUrl="{{localBaseUrl}}"`), opts: J, want: []string{"note placeholder@/baseUrl"}},
	}
}

// TestDetectProduct checks the product validate picks without --product.
func TestDetectProduct(t *testing.T) {
	tests := []struct {
		name, src string
		want      Product
		reason    string
	}{
		{"bitbucket base", base, Bitbucket, "location org.bitbucket"},
		{"jira base", jiraBase, Jira, "module kind jiraIssueGlances"},
		{"confluence base", confluenceBase, Confluence, "module kind"},
		{"scopes in capitals only", `{"scopes": ["READ"]}`, Jira, "scopes or apiMigrations"},
		{"apiMigrations only", `{"apiMigrations": {"signed-install": true}}`, Jira, "scopes or apiMigrations"},
		{"confluence location", `{"scopes": ["READ"], "modules": {"generalPages": [{"location": "system.header/left"}]}}`, Confluence, "location system.header/left"},
		{"space admin", `{"scopes": ["SPACE_ADMIN"]}`, Confluence, "scope SPACE_ADMIN"},
		{"nothing", `{}`, Bitbucket, "nothing in the descriptor"},
	}
	for _, tt := range tests {
		doc, err := json5.Parse([]byte(tt.src))
		if err != nil {
			t.Fatal(err)
		}
		got, why := DetectProduct(doc.Root)
		if got != tt.want || !strings.Contains(why, tt.reason) {
			t.Errorf("%s: DetectProduct = %s (%s), want %s (%s…)", tt.name, got, why, tt.want, tt.reason)
		}
	}
}

func TestParseProduct(t *testing.T) {
	for in, want := range map[string]Product{"jira": Jira, "JIRA": Jira, "jira-service-desk": Jira, "Confluence": Confluence, "bitbucket": Bitbucket} {
		if got, err := ParseProduct(in); err != nil || got != want {
			t.Errorf("ParseProduct(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	if _, err := ParseProduct("confluense"); err == nil || !strings.Contains(err.Error(), `did you mean "confluence"?`) {
		t.Errorf("ParseProduct(confluense) = %v; want a did-you-mean", err)
	}
}

func TestProductFromConfig(t *testing.T) {
	for src, want := range map[string]Product{
		"// ACE's config\n{\"product\": \"confluence\", development: {},}": Confluence,
		`{"product": "jira-service-desk"}`:                                 Jira,
		`{"development": {}}`:                                              "",
	} {
		if got, err := ProductFromConfig([]byte(src)); err != nil || got != want {
			t.Errorf("ProductFromConfig(%s) = %q, %v; want %q", src, got, err, want)
		}
	}
	for _, src := range []string{`{"product": 3}`, `{"product": "jiraa"}`, `{`} {
		if _, err := ProductFromConfig([]byte(src)); err == nil {
			t.Errorf("ProductFromConfig(%s): no error", src)
		}
	}
}

// TestCloudSchemasCompile compiles the Jira and Confluence schemas and
// checks that both list the module kinds the issue names.
func TestCloudSchemasCompile(t *testing.T) {
	want := map[Product][]string{
		Jira: {"generalPages", "adminPages", "webItems", "webPanels", "webSections", "dialogs", "webhooks", "configurePage",
			"jiraIssueGlances", "jiraProjectPages", "jiraIssueFields", "jiraWorkflowPostFunctions", "jiraEntityProperties",
			"serviceDeskPortalHeaders", "serviceDeskPortalFooters", "serviceDeskPortalSubHeaders"},
		Confluence: {"generalPages", "adminPages", "webItems", "webPanels", "webSections", "dialogs", "webhooks", "configurePage",
			"staticContentMacros", "dynamicContentMacros", "spaceToolsTabs", "contentBylineItems"},
	}
	for p, kinds := range want {
		if _, err := compileSchema(SchemaFor(p)); err != nil {
			t.Fatalf("%s: %v", p, err)
		}
		for _, k := range kinds {
			if !isKnown(moduleKinds(p), k) {
				t.Errorf("%s schema has no module kind %s", p, k)
			}
		}
	}
}

// FuzzValidateCloud checks that Jira's and Confluence's rules never panic
// and report only known rules at positions inside the input, for any
// input and for the product given or detected.
func FuzzValidateCloud(f *testing.F) {
	f.Add([]byte(jiraBase))
	f.Add([]byte(confluenceBase))
	f.Add([]byte(`{"apiMigrations": {"signed-instal": 1}, "scopes": ["read:jira-work", 3], "modules": {"jiraIssueGlances": [{}], "configurePage": [], "staticContentMacros": {}}}`))
	files, _ := filepath.Glob(filepath.Join("testdata", "jira-confluence", "*.json"))
	for _, p := range files {
		if b, err := os.ReadFile(p); err == nil {
			f.Add(b)
		}
	}
	f.Fuzz(func(t *testing.T, src []byte) {
		lines := len(lineIndex(src))
		for _, p := range []Product{Jira, Confluence, ""} {
			r := Validate("f.json", src, Options{BaseURL: "https://x.example.com", Product: p})
			for _, fd := range r.Findings {
				if _, ok := Rules[fd.Rule]; !ok {
					t.Fatalf("%s: unknown rule %q", p, fd.Rule)
				}
				if fd.Line < 1 || fd.Column < 1 || fd.Line > lines || fd.Message == "" {
					t.Fatalf("%s: finding %+v outside the input (%d lines)", p, fd, lines)
				}
			}
		}
	})
}

// TestCloudScopeIncrease compares Jira scopes, implications followed
// (WRITE grants READ; ADMIN grants the rest but ACT_AS_USER), with the
// consequence told for Jira.
func TestCloudScopeIncrease(t *testing.T) {
	prev := Validate("old.json", editOf(t, jiraBase, `/scopes=["WRITE"]`), Options{Product: Jira})
	same := Validate("new.json", editOf(t, jiraBase, `/scopes=["read", "write"]`), Options{Product: Jira})
	if c := CompareScopes(prev, same); c.Increased() {
		t.Errorf("READ and WRITE after WRITE: %s", c)
	}
	more := Validate("new.json", editOf(t, jiraBase, `/scopes=["ADMIN"]`), Options{Product: Jira})
	c := CompareScopes(prev, more)
	if got := c.String(); got != "+ADMIN +DELETE +PROJECT_ADMIN +SPACE_ADMIN" {
		t.Errorf("WRITE to ADMIN: %s", got)
	}
	more.AddScopeIncrease(c, SeverityWarning)
	f := more.Findings[len(more.Findings)-1]
	if f.Rule != "scope-increase" || f.Pointer != "/scopes/0" || !strings.Contains(f.Message, "until a site admin approves") {
		t.Errorf("finding %+v", f)
	}
}

// TestCloudEventLocationPositions checks that webhook-event-unlisted and
// location-near-miss point at the offending value, line and column.
func TestCloudEventLocationPositions(t *testing.T) {
	src := `{
  "key": "test-app", "name": "T", "baseUrl": "https://app.example.com",
  "authentication": {"type": "jwt"},
  "lifecycle": {"installed": "/installed"},
  "scopes": ["READ"],
  "modules": {
    "webhooks": [{"event": "jira:issue_updated", "url": "/u"}, {"url": "/c", "event": "jira:isue_created"}],
    "webPanels": [{"key": "p", "name": {"value": "P"}, "url": "/p",
      "location": "atl.jira.view.issue.rigth.context"}]
  }
}`
	r := Validate("p.json", []byte(src), Options{Product: Jira})
	want := map[string][2]int{
		"webhook-event-unlisted": {7, 87},
		"location-near-miss":     {9, 19},
	}
	if len(r.Findings) != len(want) {
		t.Fatalf("findings:\n%s", dump(r))
	}
	for _, f := range r.Findings {
		if w, ok := want[f.Rule]; !ok || f.Line != w[0] || f.Column != w[1] {
			t.Errorf("%s at %d:%d, want %v", f.Rule, f.Line, f.Column, w)
		}
	}
}
