package forge

import (
	"bytes"
	"embed"
	"encoding/json"
	"fmt"
	"io/fs"
	"regexp"
	"sort"
	"strings"

	"github.com/connectgen/connectgen/scaffold"
)

// The starter app uses UI Kit (render: native), not Custom UI: a Connect
// page's iframe becomes a small React tree of Atlassian components with no
// build step, no static bundle and no Content Security Policy to manage,
// and Atlassian's own Bitbucket templates (bitbucket-repository-code-
// overview-card…) are UI Kit. A page that needs its own HTML, CSS or a
// large client library is the case for Custom UI; the README says how.

// Versions of the npm packages the starter app depends on. They must
// resolve on the npm registry the app is installed from, which may lag
// behind Atlassian's releases: @forge/react 12 (12.3.1) needs
// @atlaskit/navigation-system 11, which such a registry may not have yet,
// so the starter uses @forge/react 11 (11.17.0, React 18) and the
// @forge/bridge major version @forge/react 11 itself depends on (5), so
// that the pages bundle one bridge. The tests npm-install exactly these
// and run every generated file on them. starterVersionsNote says the same
// in the generated README.
var starterDependencies = []struct{ name, version string }{
	{"@forge/api", "^8.3.0"},
	{"@forge/bridge", "^5.17.0"},
	{"@forge/kvs", "^1.6.5"},
	{"@forge/react", "^11.17.0"},
	{"@forge/resolver", "^2.0.1"},
	{"react", "^18.2.0"},
}

// starterVersionsNote is the README's account of starterDependencies.
const starterVersionsNote = `## Package versions

` + "`" + `package.json` + "`" + ` asks for ` + "`" + `@forge/api` + "`" + ` ^8.3.0, ` + "`" + `@forge/resolver` + "`" + ` ^2.0.1,
` + "`" + `@forge/kvs` + "`" + ` ^1.6.5, ` + "`" + `@forge/react` + "`" + ` ^11.17.0, ` + "`" + `@forge/bridge` + "`" + ` ^5.17.0 and
` + "`" + `react` + "`" + ` ^18.2.0. ` + "`" + `@forge/react` + "`" + ` 12 is newer, but it needs
` + "`" + `@atlaskit/navigation-system` + "`" + ` 11, which registries that mirror npm with a
delay (such as the one connectgen was tested against) may not have yet, and
then ` + "`" + `npm install` + "`" + ` fails. ` + "`" + `@forge/react` + "`" + ` 11 is UI Kit on React 18;
` + "`" + `@forge/bridge` + "`" + ` 5 is the version it depends on itself, so the pages load one
bridge. connectgen's tests install exactly these versions and run every file
of this app on Node 22. To move to ` + "`" + `@forge/react` + "`" + ` 12 later, raise it
together with ` + "`" + `@forge/bridge` + "`" + ` 7 and run ` + "`" + `npm install` + "`" + `.
`

// Runtime is the Forge runtime of the starter app: Node 22, the version
// connectgen's Connect template runs on too.
const Runtime = "nodejs22.x"

// PlaceholderAppID is the app.id `forge register` replaces, as Atlassian's
// converter writes it: valid for the schema, rejected by forgeAppId's rule.
const PlaceholderAppID = "ari:cloud:ecosystem::app/invalid-run-forge-register"

// Keys of functions in the manifest (at most 23 characters).
const (
	fnResolver  = "resolver"
	fnEvent     = "on-event"
	fnInstalled = "on-installed"
	fnUninstall = "on-pre-uninstall"
	fnMigrate   = "migrate-connect-data"
)

//go:embed starter
var starterFS embed.FS

// GenerateOptions say what the generator cannot read from the plan.
type GenerateOptions struct {
	// Version is connectgen's version, written into the files.
	Version string
}

type resource struct{ key, path string }

// Generate renders the starter Forge app of a plan, in memory.
func Generate(p *Plan, opts GenerateOptions) ([]scaffold.File, error) {
	if p.AppKey == "" {
		return nil, fmt.Errorf("the descriptor has no key; the Forge app's data migration needs the Connect app key")
	}
	var files []scaffold.File
	add := func(path string, content []byte) {
		files = append(files, scaffold.File{Path: path, Content: content, Mode: 0o644})
	}
	resources := resourceKeys(p.Modules)
	manifest := p.manifest(resources)
	add("manifest.yml", manifest)
	pkg, err := p.packageJSON()
	if err != nil {
		return nil, err
	}
	add("package.json", pkg)
	add("src/index.js", p.indexJS())
	// The pages greet the user only when the app may read users, as the
	// Connect template's page did with AP.request('/2.0/user').
	readsUser := false
	for _, s := range p.Scopes {
		readsUser = readsUser || s == "read:user:bitbucket"
	}
	add("src/resolvers/index.js", resolversJS(readsUser))
	for i, m := range p.Modules {
		add(resources[i].path, frontendJSX(m, readsUser))
	}
	add("src/migration/index.js", p.migrationIndexJS())
	err = fs.WalkDir(starterFS, "starter", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := starterFS.ReadFile(path)
		if err != nil {
			return err
		}
		add(strings.TrimPrefix(path, "starter/"), b)
		return nil
	})
	if err != nil {
		return nil, err
	}
	var report bytes.Buffer
	if err := p.WriteMarkdown(&report); err != nil {
		return nil, err
	}
	add("FORGE-PLAN.md", report.Bytes())
	add("README.md", p.readme(opts))
	add(".gitignore", []byte("node_modules/\n.forge/\n"))
	sort.Slice(files, func(i, j int) bool { return files[i].Path < files[j].Path })
	return files, nil
}

var resourceKeyRE = regexp.MustCompile(`[^a-zA-Z0-9_-]+`)

// resourceKeys gives each module a resource key of at most 23 characters
// (Forge's limit; Connect module keys may have 128) and a frontend file.
func resourceKeys(mods []Module) []resource {
	out := make([]resource, len(mods))
	used := map[string]bool{}
	for i, m := range mods {
		base := resourceKeyRE.ReplaceAllString(m.Key, "-")
		if len(base) > 20 {
			base = strings.TrimRight(base[:20], "-_")
		}
		key := base
		for n := 2; used[key]; n++ {
			suffix := fmt.Sprintf("-%d", n)
			b := base
			if len(b)+len(suffix) > 23 {
				b = b[:23-len(suffix)]
			}
			key = b + suffix
		}
		used[key] = true
		out[i] = resource{key: key, path: "src/frontend/" + key + ".jsx"}
	}
	return out
}

// yq quotes a string for YAML: a JSON string is a valid YAML double-quoted
// scalar.
func yq(s string) string { return quote(s) }

func (p *Plan) manifest(resources []resource) []byte {
	var b bytes.Buffer
	fmt.Fprintf(&b, "# The Forge app that replaces the Bitbucket Connect app %s.\n", yq(p.AppKey))
	fmt.Fprintf(&b, "# Written by connectgen forge new from %s; FORGE-PLAN.md says what maps where.\n", p.Source)
	fmt.Fprintf(&b, "# Check it with `forge lint`; app.id is a placeholder until `forge register`.\n")
	b.WriteString("modules:\n")
	byType := map[string][]int{}
	var types []string
	for i, m := range p.Modules {
		if _, ok := byType[m.Type]; !ok {
			types = append(types, m.Type)
		}
		byType[m.Type] = append(byType[m.Type], i)
	}
	for _, t := range types {
		fmt.Fprintf(&b, "  %s:\n", t)
		for _, i := range byType[t] {
			m := p.Modules[i]
			fmt.Fprintf(&b, "    - key: %s\n", m.Key)
			fmt.Fprintf(&b, "      title: %s\n", yq(m.Title))
			fmt.Fprintf(&b, "      resource: %s\n", resources[i].key)
			fmt.Fprintf(&b, "      resolver:\n        function: %s\n", fnResolver)
			b.WriteString("      render: native\n")
			if m.UseAsConfig {
				b.WriteString("      useAsConfig: true\n")
			}
			if m.UseAsGetStarted {
				b.WriteString("      useAsGetStarted: true\n")
			}
			if m.FilePattern != "" {
				fmt.Fprintf(&b, "      filePattern: %s\n", yq(m.FilePattern))
			}
		}
	}
	b.WriteString("  trigger:\n")
	if len(p.Events) > 0 {
		fmt.Fprintf(&b, "    - key: connect-webhooks\n      function: %s\n      events:\n", fnEvent)
		for _, e := range p.Events {
			fmt.Fprintf(&b, "        - %s\n", e)
		}
	}
	fmt.Fprintf(&b, "    - key: app-installed\n      function: %s\n      events:\n        - %s\n", fnInstalled, eventInstalled)
	if p.Uninstalled {
		fmt.Fprintf(&b, "  preUninstall:\n    - key: pre-uninstall\n      function: %s\n", fnUninstall)
	}
	b.WriteString("  function:\n")
	if len(p.Modules) > 0 {
		fmt.Fprintf(&b, "    - key: %s\n      handler: index.handler\n", fnResolver)
	}
	if len(p.Events) > 0 {
		fmt.Fprintf(&b, "    - key: %s\n      handler: index.onEvent\n", fnEvent)
	}
	fmt.Fprintf(&b, "    - key: %s\n      handler: index.onInstalled\n", fnInstalled)
	if p.Uninstalled {
		fmt.Fprintf(&b, "    - key: %s\n      handler: index.onPreUninstall\n", fnUninstall)
	}
	if len(resources) > 0 {
		b.WriteString("resources:\n")
		for _, r := range resources {
			fmt.Fprintf(&b, "  - key: %s\n    path: %s\n", r.key, r.path)
		}
	}
	b.WriteString("permissions:\n  scopes:\n")
	scopes := append(append([]string(nil), p.Scopes...), "storage:app")
	for _, s := range scopes {
		fmt.Fprintf(&b, "    - %s\n", s)
	}
	b.WriteString("  external:\n    fetch:\n      backend:\n")
	b.WriteString("        # The data migration calls Bitbucket with Connect JWTs through fetch.\n")
	b.WriteString("        - address: https://api.bitbucket.org\n")
	b.WriteString("app:\n")
	fmt.Fprintf(&b, "  id: %s\n", PlaceholderAppID)
	fmt.Fprintf(&b, "  runtime:\n    name: %s\n", Runtime)
	if p.Licensing {
		b.WriteString("  licensing:\n    enabled: true\n")
	}
	return b.Bytes()
}

var npmNameRE = regexp.MustCompile(`[^a-z0-9._-]+`)

func (p *Plan) packageJSON() ([]byte, error) {
	name := strings.Trim(npmNameRE.ReplaceAllString(strings.ToLower(p.AppKey), "-"), "-._")
	if name == "" {
		name = "connect-app"
	}
	if len(name) > 200 {
		name = name[:200]
	}
	deps := map[string]string{}
	for _, d := range starterDependencies {
		deps[d.name] = d.version
	}
	pkg := map[string]any{
		"name":         name + "-forge",
		"version":      "1.0.0",
		"private":      true,
		"description":  fmt.Sprintf("The Forge app that replaces the Bitbucket Connect app %s", p.AppKey),
		"license":      "UNLICENSED",
		"scripts":      map[string]string{"lint": "forge lint", "deploy": "forge deploy", "tunnel": "forge tunnel"},
		"dependencies": deps,
	}
	b, err := json.MarshalIndent(pkg, "", "  ")
	return append(b, '\n'), err
}

func resolversJS(readsUser bool) []byte {
	var b bytes.Buffer
	b.WriteString(`// The resolver of every UI module: UI Kit pages call it with invoke() from
// @forge/bridge. Calls to Bitbucket (requestBitbucket from @forge/api) go
// here, not in the frontend: @forge/bridge does not offer them.
import Resolver from '@forge/resolver';
`)
	if readsUser {
		b.WriteString("import api, { route } from '@forge/api';\n")
	}
	b.WriteString(`
const resolver = new Resolver();

// getContext answers with what the Connect page got as URL context
// parameters: Forge passes UUIDs (repository.uuid, workspace.uuid…).
resolver.define('getContext', ({ context }) => ({
  moduleKey: context.moduleKey,
  extension: context.extension,
}));
`)
	if readsUser {
		b.WriteString(`
// getUser reads the current user from Bitbucket (read:user:bitbucket), as
// the Connect template's page did through AP.request('/2.0/user').
resolver.define('getUser', async () => {
  const res = await api.asUser().requestBitbucket(route` + "`/2.0/user`" + `);
  return res.ok ? res.json() : { error: res.status };
});
`)
	}
	b.WriteString("\nexport const handler = resolver.getDefinitions();\n")
	return b.Bytes()
}

func (p *Plan) indexJS() []byte {
	var b bytes.Buffer
	b.WriteString("// Entry points named by manifest.yml (function handlers).\n")
	if len(p.Modules) > 0 {
		b.WriteString("export { handler } from './resolvers';\n")
	}
	b.WriteString("import { migrateFromConnect } from './migration';\n\n")
	if len(p.Events) > 0 {
		b.WriteString(`// onEvent replaces the Connect app's webhooks. Forge event payloads carry
// UUIDs only (repository.uuid, workspace.uuid…): fetch the objects with
// requestBitbucket when the handler needs them.
export async function onEvent(event, context) {
  console.log('event', event.eventType, 'repository', event.repository && event.repository.uuid);
}

`)
	}
	b.WriteString(`// onInstalled replaces the Connect installed callback. There is no shared
// secret to store: Forge authenticates the app. It starts the one-time data
// migration from the Connect installation in the same workspace.
export async function onInstalled(event, context) {
  try {
    const result = await migrateFromConnect();
    console.log('migrated from Connect installation', result.clientKey);
  } catch (e) {
    console.error('data migration from Connect failed:', e.message);
  }
}
`)
	if p.Uninstalled {
		b.WriteString(`
// onPreUninstall replaces the Connect uninstalled callback. It runs before
// the uninstall (at most 55 seconds, no user context).
export async function onPreUninstall(event, context) {
  console.log('uninstalling');
}
`)
	}
	return b.Bytes()
}

func (p *Plan) migrationIndexJS() []byte {
	return []byte(fmt.Sprintf(`// The data migration wired to Forge: Bitbucket's client-key endpoint as the
// app, Forge's fetch for the Connect JWT calls, Forge storage for the
// result. The endpoint goes away when Bitbucket ends Connect support
// (2027-01-31): run the migration before then.
import api, { fetch, route } from '@forge/api';
import { kvs } from '@forge/kvs';
import { migrate } from './connect-data.js';

// CONNECT_APP_KEY is the key of the Connect app this Forge app replaces.
export const CONNECT_APP_KEY = %s;

// PATHS are the Bitbucket API paths to read as the Connect app. Add the
// application properties the Connect app kept, for example
// /2.0/repositories/{workspace}/{repo_slug}/properties/%s/{property_name}.
const PATHS = ['/2.0/user'];

// lookupSharedSecret returns the shared secret the Connect app saved for a
// client key (in its database: ACE's AddonSettings, clientInfo.sharedSecret).
// Copy the secrets into this app's secret storage first, for example with a
// one-off script against the Connect app's database that calls
// kvs.setSecret from a web trigger, or with `+"`forge storage`"+`.
async function lookupSharedSecret(clientKey) {
  return kvs.getSecret('connect-shared-secret:' + clientKey);
}

export async function migrateFromConnect() {
  const result = await migrate({
    // One route per documented path: route refuses a value holding '/'.
    requestClientKey: (addonKey) => api.asApp().requestBitbucket(route`+"`/2.0/addon/${addonKey}/client-key`"+`),
    fetch,
    apiBaseUrl: 'https://api.bitbucket.org',
    appKey: CONNECT_APP_KEY,
    lookupSharedSecret,
    paths: PATHS,
  });
  await kvs.set('connect-client-key', result.clientKey);
  for (const [path, value] of Object.entries(result.data)) {
    await kvs.set('connect:' + path, value);
  }
  return result;
}
`, yq(p.AppKey), p.AppKey))
}

func frontendJSX(m Module, readsUser bool) []byte {
	var b bytes.Buffer
	fmt.Fprintf(&b, `// %s %s: replaces the Connect module at %s.
// UI Kit (render: native): Atlassian components, no iframe, no build step.
import React, { useEffect, useState } from 'react';
import ForgeReconciler, { Heading, Text } from '@forge/react';
import { invoke } from '@forge/bridge';

const App = () => {
  const [context, setContext] = useState(null);
`, m.Type, m.Key, m.From)
	if readsUser {
		b.WriteString(`  const [user, setUser] = useState(null);
  useEffect(() => {
    invoke('getContext').then(setContext);
    invoke('getUser').then(setUser);
  }, []);
`)
	} else {
		b.WriteString(`  useEffect(() => {
    invoke('getContext').then(setContext);
  }, []);
`)
	}
	fmt.Fprintf(&b, `  const repository = context && context.extension && context.extension.repository;
  return (
    <>
      <Heading size="medium">%s</Heading>
`, jsxText(m.Title))
	if readsUser {
		b.WriteString("      <Text>{user ? 'Hello, ' + (user.display_name || 'there') : 'Loading…'}</Text>\n")
	}
	b.WriteString(`      <Text>{repository ? 'Repository ' + repository.uuid : ''}</Text>
    </>
  );
};

ForgeReconciler.render(
  <React.StrictMode>
    <App />
  </React.StrictMode>
);
`)
	return b.Bytes()
}

// jsxText escapes text for a JSX child.
func jsxText(s string) string {
	return strings.NewReplacer("{", "{'{'}", "}", "{'}'}", "<", "{'<'}", ">", "{'>'}").Replace(s)
}

func (p *Plan) readme(opts GenerateOptions) []byte {
	var b bytes.Buffer
	name := p.AppName
	if name == "" {
		name = p.AppKey
	}
	fmt.Fprintf(&b, "# %s on Forge\n\n", name)
	fmt.Fprintf(&b, "The starter Forge app that replaces the Bitbucket Connect app `%s`, written by\n`connectgen forge new` (connectgen %s) from `%s`.\n\n", p.AppKey, opts.Version, p.Source)
	fmt.Fprintf(&b, "%s Bitbucket has no Connect-on-Forge path: this is a separate app that each workspace installs; the Connect descriptor points workspace admins to it.\n\n", datesLine)
	b.WriteString(`FORGE-PLAN.md lists every part of the Connect descriptor with its Forge
equivalent, or what to do instead where there is none.

## What is here

- ` + "`manifest.yml`" + `: the mapped ` + "`bitbucket:*`" + ` modules, a trigger for the mapped
  webhook events, an install trigger, ` + "`permissions.scopes`" + ` and a placeholder ` + "`app.id`" + `.
- ` + "`src/frontend/*.jsx`" + `: one UI Kit page per module. UI Kit (` + "`render: native`" + `) rather
  than Custom UI: no iframe, no static bundle to build, no Content Security
  Policy, and it is what Atlassian's Bitbucket templates use. Choose Custom UI
  for a page that needs its own HTML, CSS or a large client library
  (a ` + "`static/`" + ` folder with its own build, and a resource ` + "`path`" + ` to its build
  output instead of a ` + "`.jsx`" + ` file).
- ` + "`src/resolvers/index.js`" + `: the functions the pages call with ` + "`invoke()`" + `; calls to
  Bitbucket go here (` + "`requestBitbucket`" + ` is not available in ` + "`@forge/bridge`" + `).
- ` + "`src/index.js`" + `: the trigger handlers (webhooks → ` + "`onEvent`" + `, installed → ` + "`onInstalled`" + `).
- ` + "`src/migration/`" + `: the one-time data migration from the Connect installation.

## Next steps

1. ` + "`npm install -g @forge/cli`" + ` and ` + "`forge login`" + `.
2. ` + "`npm install`" + ` here, then ` + "`forge register`" + `: it replaces the placeholder ` + "`app.id`" + `.
3. ` + "`forge lint`" + `, then ` + "`forge deploy`" + `.
4. ` + "`forge install`" + `: choose Bitbucket and give a workspace URL (not a personal
   workspace: Forge apps install in workspaces only). ` + "`forge tunnel`" + ` reloads as you edit.
5. Share the app: in the developer console, Distribution, share it for
   Bitbucket and copy the installation link
   (` + "`https://developer.atlassian.com/console/install/<app id>?signature=…&product=bitbucket`" + `).
   Apps already listed on the Marketplace cannot be shared by link; publish an
   informational listing version instead.
6. In the Connect app's folder, add the link and the app id to the descriptor:

       connectgen forge link --app-link '<installation link>' --app-id '<app.id from manifest.yml>'

   and serve the new descriptor. Workspace admins then see **Get the Forge app**
   on their Installed apps page.
7. Update the Connect installations so that they read the new descriptor: for a
   Shared app, Workspace settings → Develop apps → Update on the Connect app
   (this updates all installations); for a Classic app, call
   ` + "`PUT https://api.bitbucket.org/2.0/addon`" + ` with the installation's Connect JWT
   (an empty body re-reads the descriptor URL). ` + "`connectgen forge link`" + ` prints both.

## Data migration

The Connect app kept its data keyed by each installation's client key.
Atlassian's path for Bitbucket: with ` + "`forgeAppId`" + ` in the Connect descriptor (step
6) and the installations updated (step 7), this app asks Bitbucket, as the
app, for the client key of the Connect installation in the same workspace
(` + "`GET /2.0/addon/{addon_key}/client-key`" + `), then signs Connect JWTs with that
installation's shared secret, which the Connect app saved, to read the Connect
app's data (` + "`src/migration/`" + `; it runs from the install trigger). Copy the
shared secrets into this app's secret storage first (see
` + "`lookupSharedSecret`" + ` in ` + "`src/migration/index.js`" + `).

**The client-key endpoint goes away when Bitbucket ends Connect support
(2027-01-31).** Migrate before then.

Try it on this machine: ` + "`connectgen run --local --serve`" + ` in the Connect app's
folder hosts it on a local Bitbucket that answers the client-key endpoint
for its installation once the descriptor has ` + "`forgeAppId`" + `.

`)
	b.WriteString(starterVersionsNote)
	return b.Bytes()
}
