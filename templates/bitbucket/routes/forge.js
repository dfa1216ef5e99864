'use strict';
// The app as the Forge Remote of its Forge app (README, "Forge Remote"):
// POST /forge/lifecycle, /forge/events, /forge/merge-check and /forge/ui,
// called by Forge with a Forge Invocation Token. lib/forge-remote.js checks
// the token and gives each handler `forge` (the same as req.forge): the
// installation, the workspace, the Connect installation of that workspace
// (forge.clientKey, for data the app keeps per client key), and
// forge.fetch(path) to call Bitbucket as the Forge app.
//
// Off (404) until FORGE_APP_ID is set. Replace the examples below with the
// app's own work.

const { createForgeRemote } = require('../lib/forge-remote');

module.exports = function forgeRoutes(app, addon, options = {}) {
  const remote = createForgeRemote(addon, options);

  // avi:forge:installed:app and avi:forge:upgraded:app. The answer has
  // already gone out; this runs afterwards.
  remote.onLifecycle(async (event, forge) => {
    console.log(
      `Forge ${event.eventType || 'lifecycle event'} for workspace ${forge.workspaceId}: ` +
        (forge.clientKey ? `Connect installation ${forge.clientKey}` : 'no Connect installation in this workspace'),
    );
  });

  // Product events: acknowledged at once, a retried delivery runs once.
  // Each one is also emitted on the add-on as "forge:<eventType>", so app
  // code can subscribe the way it does to webhooks:
  //   addon.on('forge:avi:bitbucket:created:pullrequest', (event, forge) => { ... });
  remote.onEvent('*', async (event, forge) => {
    console.log(`Forge event ${event.eventType} for workspace ${forge.workspaceId}`);
    addon.emit(`forge:${event.eventType}`, event, forge);
  });

  // bitbucket:mergeCheck: { success, message } for the pull request.
  remote.onMergeCheck(async (check) => {
    const pr = check.pullrequest || check.pullRequest || {};
    return { success: true, message: `Checked pull request ${pr.id === undefined ? '' : `#${pr.id} `}on ${check.trigger || 'request'}.` };
  });

  // UI resolvers: a UI module's invokeRemote('connect-ui', { path: '/forge/ui', body })
  // or its resolver endpoint sends { call: { functionKey, payload } }.
  remote.onUi('whoami', async (payload, forge) => ({
    accountId: forge.principal,
    workspaceId: forge.workspaceId,
    installationId: forge.installationId,
    connectClientKey: forge.clientKey,
    module: forge.module,
  }));

  // Reads the repository the UI module shows, from Bitbucket, as the Forge
  // app (the app system token); the repository comes from the token's
  // context, the address from the token's app.apiBaseUrl.
  remote.onUi('repository', async (payload, forge) => {
    const repo = forge.context && forge.context.extension && forge.context.extension.repository;
    if (!repo || !repo.uuid || !forge.workspaceId) {
      return { error: 'This call needs a repository context (a repository module).' };
    }
    const res = await forge.fetch(`/2.0/repositories/${encodeURIComponent(forge.workspaceId)}/${encodeURIComponent(repo.uuid)}`);
    if (!res.ok) {
      return { error: `Bitbucket's API answered HTTP ${res.status}` };
    }
    const body = await res.json();
    return { fullName: body.full_name, name: body.name };
  });

  app.use('/forge', remote.router);
  return remote;
};
