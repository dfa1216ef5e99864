package forge

import (
	"bytes"
	"fmt"
	"io"
	"strings"

	"github.com/connectgen/connectgen/internal/descriptor"
)

// The Forge Remote of `forge new --remote`: the manifest's keys and route
// paths, shared with the Connect template's Forge Remote module (its
// routes/forge.js) and the local Forge host (internal/forgefit/
// forge-remote-contract.md; the starter template writes them).
const (
	// RemoteKey is the key of the remotes entry: the Connect server.
	RemoteKey = "connect"
	// Endpoint keys and the route paths Forge POSTs to on the server.
	EndpointLifecycle = "connect-lifecycle"
	EndpointEvents    = "connect-events"
	EndpointUI        = "connect-ui"
	RouteLifecycle    = "/forge/lifecycle"
	RouteEvents       = "/forge/events"
	RouteUI           = "/forge/ui"
	// ScopeSystemToken lets Forge send the server the app system token.
	ScopeSystemToken = "read:app-system-token"
	// eventUpgraded is the lifecycle event of a new app version.
	eventUpgraded = "avi:forge:upgraded:app"
)

// WriteRemoteMarkdown writes, for FORGE-PLAN.md of `forge new --remote`,
// what stays on the Connect server and what moves to Forge.
func (p *Plan) WriteRemoteMarkdown(w io.Writer, baseURL string) error {
	var b bytes.Buffer
	product := descriptor.Bitbucket.Title()
	fmt.Fprintf(&b, "\n## With the server as a Forge Remote (forge new --remote)\n\n")
	fmt.Fprintf(&b, "The Forge app keeps the Connect server at `%s` as its remote `%s`. Forge calls it with a POST signed by a Forge Invocation Token (RS256; the server checks it against Forge's JWKS) and gives it an app system token (`%s`) for %s's API.\n\n", baseURL, RemoteKey, ScopeSystemToken, product)
	b.WriteString("### What moves to Forge\n\n")
	b.WriteString("- The descriptor: `manifest.yml` replaces `atlassian-connect.json`; workspaces install the Forge app (`forge link` points Connect installations to it).\n")
	for _, m := range p.Modules {
		fmt.Fprintf(&b, "- `%s` %s (Connect %s): a UI Kit page in Forge (`src/frontend/index.jsx`), no iframe; it asks the server for data with `invokeRemote` (endpoint `%s`, `POST %s`).\n", m.Type, mdEscape(m.Key), m.From, EndpointUI, RouteUI)
	}
	if len(p.Events) > 0 {
		fmt.Fprintf(&b, "- Webhooks: Forge delivers %s to `POST %s` (endpoint `%s`): UUIDs instead of whole objects, answered within 5 s, retried with `retryContext`.\n", "`"+strings.Join(p.Events, "`, `")+"`", RouteEvents, EndpointEvents)
	}
	fmt.Fprintf(&b, "- The installed callback: `%s` and `%s` go to `POST %s` (endpoint `%s`); no shared secret is exchanged.\n", eventInstalled, eventUpgraded, RouteLifecycle, EndpointLifecycle)
	fmt.Fprintf(&b, "- Authentication: the Forge Invocation Token replaces the Connect JWT on calls from Atlassian; the app system token (`x-forge-oauth-system`) replaces the Connect JWT on calls to %s, at the token's `app.apiBaseUrl`.\n", product)
	b.WriteString("\n### What stays on the server\n\n")
	b.WriteString("- The app's logic and its database: the server finds its Connect installation (its client key and saved data) by the token's workspace, so no data moves.\n")
	fmt.Fprintf(&b, "- Its calls to %s's API, now with the app system token.\n", product)
	fmt.Fprintf(&b, "- The Connect routes, while Connect installations remain (until %s ends Connect support on %s).\n", product, BitbucketConnectEnds)
	if p.Uninstalled {
		b.WriteString("- The uninstalled callback has no Forge Remote counterpart: no uninstall event reaches remotes yet (FRGE-1246); the Connect callback keeps working for Connect installations only.\n")
	}
	b.WriteString("\nAn app with a remote is not eligible for Atlassian's \"Runs on Atlassian\" badge; rebuilding as Forge functions (`connectgen forge new` without `--remote`) is.\n")
	_, err := w.Write(b.Bytes())
	return err
}
