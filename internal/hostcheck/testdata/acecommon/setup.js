'use strict';
// What the test apps share: an Express app around atlassian-connect-express
// 11 with an in-memory store, the HTML escape, a correct uninstall route
// (signed with RS256, as Jira and Confluence send it) and the start.
const express = require('express');
const ace = require('atlassian-connect-express');
require('./memory-store')(ace);

module.exports = (middleware) => {
  const app = express();
  const addon = ace(app);
  app.set('port', addon.config.port());
  app.use(express.json({ limit: '1mb' }));
  // Routes that must run before ACE's (the broken app's own /installed).
  if (middleware) middleware(app, addon);
  app.use(addon.middleware());

  const esc = (s) => String(s == null ? '' : s).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

  const uninstallRoute = () => app.post('/uninstalled', addon.authenticateInstall(), async (req, res, next) => {
    try {
      if (req.body.clientKey !== req.context.clientKey) {
        res.status(401).send('clientKey in uninstall payload did not match authenticated client');
        return;
      }
      await addon.settings.del(req.context.clientKey);
      res.status(204).end();
    } catch (err) { next(err); }
  });

  const start = () => {
    const server = app.listen(app.get('port'), '127.0.0.1', () => console.log(`App server running at ${addon.config.localBaseUrl()}`));
    for (const sig of ['SIGINT', 'SIGTERM']) {
      process.on(sig, () => { server.close(); process.exit(0); });
    }
  };
  return { app, addon, esc, uninstallRoute, start };
};
