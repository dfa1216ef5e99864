package forgehost

import (
	"context"
	"encoding/json"
	"errors"
	"path/filepath"
	"strings"
	"testing"
)

const testAppID = "ari:cloud:ecosystem::app/0b7c1a2e-4d5f-4a6b-9c8d-7e6f5a4b3c2d"

// checksApp is a small Forge app with a merge check in TypeScript, a
// scheduled trigger, a pull request trigger and storage: imports without
// extensions and types, as Forge's bundler takes them.
var checksApp = map[string]string{
	"manifest.yml": `modules:
  bitbucket:mergeCheck:
    - key: check-title
      function: check
      name: Title check
      description: Pull request titles name a ticket
      triggers:
        - on-code-pushed
        - on-reviewer-status-changed
        - on-merge
  scheduledTrigger:
    - key: nightly
      function: nightly
      interval: day
  trigger:
    - key: prs
      function: on-pr
      events:
        - avi:bitbucket:created:pullrequest
        - avi:bitbucket:fulfilled:pullrequest
  function:
    - key: check
      handler: checks.run
    - key: nightly
      handler: index.nightly
    - key: on-pr
      handler: index.onPr
permissions:
  scopes:
    - read:pullrequest:bitbucket
    - storage:app
app:
  id: ` + testAppID + `
  runtime:
    name: nodejs22.x
`,
	"src/verdict.ts": `export interface Verdict { success: boolean; message: string }
export const verdict = (ok: boolean, message: string): Verdict => ({ success: ok, message });
`,
	"src/checks.ts": `import api, { route } from '@forge/api';
import { verdict, Verdict } from './verdict';

type CheckEvent = { trigger: string; workspace: { uuid: string }; repository: { uuid: string }; pullrequest: { id: number } };

export async function run(event: CheckEvent): Promise<Verdict> {
  const res = await api.asApp().requestBitbucket(route` + "`/2.0/repositories/${event.workspace.uuid}/${event.repository.uuid}/pullrequests/${event.pullrequest.id}`" + `);
  console.log('pull request lookup', res.status);
  return event.trigger === 'on-merge' ? verdict(false, 'PR-1 has no ticket in its title') : verdict(true, 'looks fine');
}
`,
	"src/index.js": `import { kvs } from '@forge/kvs';

export async function onPr(event) {
  const n = (await kvs.get('pr-events')) || 0;
  await kvs.set('pr-events', n + 1);
  await kvs.set('last:' + event.eventType, { pr: event.pullrequest.id, workspace: event.workspace.uuid });
  return n + 1;
}

export async function nightly() {
  const secret = await kvs.getSecret('api-key');
  return { events: await kvs.get('pr-events'), hasSecret: Boolean(secret) };
}
`,
}

// TestMergeChecksTriggersAndStorage: the merge check runs for each of its
// triggers with the verdict shown; triggers get their events' payloads;
// storage is per installation, and kept in a file with StorageFile.
func TestMergeChecksTriggersAndStorage(t *testing.T) {
	dir := writeApp(t, checksApp)
	file := filepath.Join(t.TempDir(), "storage.json")
	h := startHost(t, dir, Options{StorageFile: file})
	if err := h.Store().SetSecret(h.InstallationID(), "api-key", "s3cret"); err != nil {
		t.Fatal(err)
	}
	rep := Simulate(context.Background(), h)
	var text strings.Builder
	if err := rep.WriteText(&text, true); err != nil {
		t.Fatal(err)
	}
	out := text.String()
	for _, want := range []string{
		"PASS mergeCheck    check ← on-code-pushed",
		"verdict: check passed: looks fine",
		"check ← on-merge",
		"verdict: check failed: PR-1 has no ticket in its title",
		"on-pr ← avi:bitbucket:created:pullrequest",
		"on-pr ← avi:bitbucket:fulfilled:pullrequest",
		`nightly ← day schedule`,
		"pull request lookup 200", // the merge check payload's UUIDs name a pull request of the sample world
	} {
		if !strings.Contains(out, want) {
			t.Errorf("report lacks %q:\n%s", want, out)
		}
	}
	if !rep.OK() || len(rep.Results) != 6 {
		t.Fatalf("want 6 passing calls:\n%s", out)
	}
	night := rep.Result("nightly ← day schedule")
	if night == nil || !strings.Contains(night.Reason, `{"events":2,"hasSecret":true}`) {
		t.Errorf("the scheduled trigger saw %+v, want the two events counted and the secret", night)
	}
	values, secrets := h.Store().Snapshot(h.InstallationID())
	var last struct{ PR int }
	if string(values["pr-events"]) != "2" || json.Unmarshal(values["last:avi:bitbucket:created:pullrequest"], &last) != nil || last.PR != 1 || len(secrets) != 1 {
		t.Errorf("storage: %s, secrets %v", values, secrets)
	}
	// Another host with the same file sees the data of the first
	// installation, and none for its own.
	s2, err := OpenStore(file)
	if err != nil {
		t.Fatal(err)
	}
	if v, _ := s2.Snapshot(h.InstallationID()); string(v["pr-events"]) != "2" {
		t.Errorf("the storage file holds %s", v)
	}
	if v, _ := s2.Snapshot("another-installation"); len(v) != 0 {
		t.Errorf("another installation sees %s", v)
	}
	// The merge check's product call carried the system token: the REST
	// stand-in recorded it as a valid Bearer call.
	var bearer int
	for _, c := range h.API().Calls() {
		if strings.Contains(c.Path, "/pullrequests/1") && c.OK {
			bearer++
		}
	}
	if bearer != 3 {
		t.Errorf("the stand-in recorded %d authenticated pull request calls, want 3: %+v", bearer, h.API().Calls())
	}
}

// TestStandInRefusesOtherTokens: the REST stand-in answers the host's
// tokens and refuses another Bearer token naming why.
func TestStandInRefusesOtherTokens(t *testing.T) {
	h := startHost(t, writeApp(t, checksApp), Options{})
	for _, c := range []struct {
		token  string
		path   string
		status int
		want   string
	}{
		{h.SystemToken(), "/2.0/user", 403, "read:user:bitbucket"},
		{h.SystemToken(), "/2.0/repositories/x/y/pullrequests", 404, ""},
		{"forge-system-stolen", "/2.0/repositories/x/y/pullrequests", 401, "not an app system token or user token of this installation"},
	} {
		status, body := getWithToken(t, h.API().APIURL()+c.path, c.token)
		if status != c.status || !strings.Contains(body, c.want) {
			t.Errorf("%s with %s: %d %s, want %d with %q", c.path, c.token, status, body, c.status, c.want)
		}
	}
}

// TestEventScopeMissing: a trigger on an event whose scope the manifest
// lacks fails without running (Forge would not deliver it).
func TestEventScopeMissing(t *testing.T) {
	app := map[string]string{}
	for k, v := range checksApp {
		app[k] = v
	}
	app["manifest.yml"] = strings.Replace(checksApp["manifest.yml"], "    - read:pullrequest:bitbucket\n", "", 1)
	h := startHost(t, writeApp(t, app), Options{})
	rep := Simulate(context.Background(), h)
	r := rep.Result("on-pr ← avi:bitbucket:created:pullrequest")
	if r == nil || r.Passed || !strings.Contains(r.Reason, "needs the scope read:pullrequest:bitbucket") || !strings.Contains(r.Reason, "Forge does not deliver it") {
		t.Errorf("%+v", r)
	}
	for _, x := range rep.Results {
		if strings.HasPrefix(x.Name, "on-pr") && x.DurationMS != 0 {
			t.Errorf("%s ran", x.Name)
		}
	}
}

// TestPayloadLimitAndJSON: an answer over Forge's 5 MB fails naming the
// limit; the JSON report carries each call's verdict.
func TestPayloadLimitAndJSON(t *testing.T) {
	dir := writeApp(t, map[string]string{
		"manifest.yml": `modules:
  bitbucket:repoMainMenuPage:
    - key: page
      title: Page
      resource: page
      resolver:
        function: resolver
      render: native
  function:
    - key: resolver
      handler: index.handler
app:
  id: ` + testAppID + `
  runtime:
    name: nodejs22.x
`,
		"src/index.js": `import Resolver from '@forge/resolver';
const resolver = new Resolver();
resolver.define('small', () => ({ ok: true }));
resolver.define('huge', () => ({ blob: 'x'.repeat(6 * 1024 * 1024) }));
export const handler = resolver.getDefinitions();
`,
	})
	h := startHost(t, dir, Options{})
	rep := Simulate(context.Background(), h)
	huge := rep.Result("resolver#huge")
	if huge == nil || huge.Passed || !strings.Contains(huge.Reason, "Forge's limit is 5242880 (5 MB)") {
		t.Errorf("huge: %+v", huge)
	}
	if small := rep.Result("resolver#small"); small == nil || !small.Passed {
		t.Errorf("small: %+v", small)
	}
	var b strings.Builder
	if err := rep.WriteJSON(&b); err != nil {
		t.Fatal(err)
	}
	var v struct {
		OK      bool `json:"ok"`
		Results []struct {
			Name   string `json:"name"`
			Passed bool   `json:"passed"`
			Reason string `json:"reason"`
		} `json:"results"`
	}
	if err := json.Unmarshal([]byte(b.String()), &v); err != nil || v.OK || len(v.Results) != 2 || v.Results[0].Name != "resolver#huge" || v.Results[0].Passed {
		t.Errorf("JSON report %s: %v", b.String(), err)
	}
}

// TestOtherFunctions: a web trigger gets a request; a function no module
// names is still run once; a caught failure logged with console.error is
// pointed at.
func TestOtherFunctions(t *testing.T) {
	dir := writeApp(t, map[string]string{
		"manifest.yml": `modules:
  webtrigger:
    - key: hook
      function: hook
  function:
    - key: hook
      handler: index.hook
    - key: spare
      handler: index.spare
app:
  id: ` + testAppID + `
  runtime:
    name: nodejs22.x
`,
		"src/index.js": `export const hook = (req) => ({ statusCode: 200, body: req.method + ' ' + req.path });
export async function spare() {
  try { throw new Error('nope'); } catch (e) { console.error('caught', e.message); }
}
`,
	})
	rep := Simulate(context.Background(), startHost(t, dir, Options{}))
	hook, spare := rep.Result("hook ← webtrigger"), rep.Result("spare (no module calls it)")
	if hook == nil || !hook.Passed || !strings.Contains(hook.Reason, `"body":"POST /"`) {
		t.Errorf("hook: %+v", hook)
	}
	if spare == nil || !spare.Passed || !strings.Contains(spare.Reason, "console.error 1×") {
		t.Errorf("spare: %+v", spare)
	}
}

// TestLoadErrors: code that throws when loaded, an import that does not
// resolve, and a handler that is not exported are named; a handler that
// ends Node fails its call and the next call runs on a new Node.
func TestLoadErrors(t *testing.T) {
	manifest := `modules:
  trigger:
    - key: t
      function: f
      events:
        - avi:forge:installed:app
    - key: u
      function: g
      events:
        - avi:forge:upgraded:app
  function:
    - key: f
      handler: index.run
    - key: g
      handler: index.other
app:
  id: ` + testAppID + `
  runtime:
    name: nodejs22.x
`
	node := node22(t)
	for _, c := range []struct{ src, want string }{
		{"throw new Error('at load');\nexport const run = () => 1;\nexport const other = () => 2;\n", "the app's code throws when it is loaded: Error: at load"},
		{"import x from './missing';\nexport const run = () => x;\nexport const other = () => 2;\n", `Could not resolve "./missing"`},
	} {
		dir := writeApp(t, map[string]string{"manifest.yml": manifest, "src/index.js": c.src})
		_, err := Start(context.Background(), Options{Dir: dir, Node: node})
		var le *LoadError
		if !errors.As(err, &le) || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%v, want a LoadError with %q", err, c.want)
		}
	}
	dir := writeApp(t, map[string]string{"manifest.yml": manifest, "src/index.js": "export const run = () => process.exit(3);\n"})
	h := startHost(t, dir, Options{})
	rep := Simulate(context.Background(), h)
	run, other := rep.Result("f ← avi:forge:installed:app"), rep.Result("g ← avi:forge:upgraded:app")
	if run == nil || run.Passed || !strings.Contains(run.Reason, "the Node process ended") {
		t.Errorf("process.exit: %+v", run)
	}
	if other == nil || other.Passed || !strings.Contains(other.Reason, "src/index has no exported function other (exports: run)") {
		t.Errorf("missing export: %+v", other)
	}
}

// TestAsUserWithoutUser: asUser() in a trigger fails naming asApp().
func TestAsUserWithoutUser(t *testing.T) {
	dir := writeApp(t, map[string]string{
		"manifest.yml": `modules:
  trigger:
    - key: t
      function: f
      events:
        - avi:bitbucket:push:repository
  function:
    - key: f
      handler: index.run
permissions:
  scopes:
    - read:repository:bitbucket
    - read:user:bitbucket
app:
  id: ` + testAppID + `
  runtime:
    name: nodejs22.x
`,
		"src/index.js": "import api, { route } from '@forge/api';\nexport async function run() {\n  const res = await api.asUser().requestBitbucket(route`/2.0/user`);\n  return res.status;\n}\n",
	})
	rep := Simulate(context.Background(), startHost(t, dir, Options{}))
	r := rep.Result("f ← avi:bitbucket:push:repository")
	if r == nil || r.Passed || !strings.Contains(r.Reason, "asUser() has no user in a trigger") || !strings.Contains(r.Reason, "asApp()") {
		t.Errorf("%+v", r)
	}
}
