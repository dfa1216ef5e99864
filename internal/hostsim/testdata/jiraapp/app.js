'use strict';
// A small, correct Jira Connect app on atlassian-connect-express 11, for
// hostsim's end-to-end test: ACE verifies the RS256 install with the key
// from $CONNECT_KEYS_CDN_URL, the page is behind addon.authenticate() and
// calls GET /rest/api/3/myself through addon.httpClient, webhooks are
// ACE's own routes, and a context token is checked by checkValidToken().
process.chdir(__dirname);
const express = require('express');
const ace = require('atlassian-connect-express');
require('./memory-store')(ace);

const app = express();
const addon = ace(app);
app.set('port', addon.config.port());
app.use(express.json({ limit: '1mb' }));
app.use(addon.middleware());

const esc = (s) => String(s == null ? '' : s).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

app.get('/hello-world', addon.authenticate(), (req, res) => {
  addon.httpClient(req).get('/rest/api/3/myself', (err, response, body) => {
    let me = {};
    try { me = JSON.parse(body || '{}'); } catch (e) { /* shown as unknown */ }
    const status = err ? String(err) : response.statusCode;
    res.type('html').send(`<!DOCTYPE html><html><head><title>Hello World</title>
<script src="${esc(res.locals.hostScriptUrl)}"></script></head>
<body><h1>Hello World</h1><p id="me">${esc(me.displayName || 'unknown')} (${esc(status)})</p>
<p id="issue">${esc(req.query.issueKey)}</p>
<p id="client-display-name">loading…</p><p id="context-client">loading…</p>
<script src="/page.js"></script></body></html>`);
  });
});

// In the browser: AP.request as the app, and a context token from
// AP.context.getToken checked by the app's /context route.
app.get('/page.js', (req, res) => {
  res.type('js').send(`(function () {
  var show = function (id, text) { document.getElementById(id).textContent = text; };
  if (!window.AP) { show('client-display-name', 'no AP'); show('context-client', 'no AP'); return; }
  AP.request('/rest/api/3/myself').then(function (r) {
    show('client-display-name', JSON.parse(r.body).displayName);
  }, function (e) { show('client-display-name', 'AP.request failed: ' + (e && e.err)); });
  AP.context.getToken().then(function (token) {
    return fetch('/context', { headers: { Authorization: 'JWT ' + token } }).then(function (r) {
      return r.ok ? r.json().then(function (b) { show('context-client', b.clientKey); }) : show('context-client', 'refused: ' + r.status);
    });
  }).catch(function (e) { show('context-client', 'getToken failed: ' + e); });
})();`);
});

app.get('/context', addon.checkValidToken(), (req, res) => {
  res.json({ clientKey: req.context.clientKey, accountId: req.context.userAccountId || null });
});

app.post('/uninstalled', addon.authenticateInstall(), async (req, res, next) => {
  try {
    if (req.body.clientKey !== req.context.clientKey) {
      res.status(401).send('clientKey in uninstall payload did not match authenticated client');
      return;
    }
    await addon.settings.del(req.context.clientKey);
    res.status(204).end();
  } catch (err) { next(err); }
});

addon.on('jira:issue_created', () => console.log('webhook jira:issue_created'));

const server = app.listen(app.get('port'), '127.0.0.1', () => console.log(`App server running at ${addon.config.localBaseUrl()}`));
for (const sig of ['SIGINT', 'SIGTERM']) {
  process.on(sig, () => { server.close(); process.exit(0); });
}
