'use strict';
// A small, correct Jira Connect app on atlassian-connect-express 11, for
// hostsim's end-to-end test: ACE verifies the RS256 install with the key
// from $CONNECT_KEYS_CDN_URL, the page is behind addon.authenticate() and
// calls GET /rest/api/3/myself through addon.httpClient, webhooks are
// ACE's own routes, and a context token is checked by checkValidToken().
process.chdir(__dirname);
const { app, addon, esc, uninstallRoute, start } = require('./setup')();

app.get('/hello-world', addon.authenticate(), (req, res) => {
  addon.httpClient(req).get('/rest/api/3/myself', (err, response, body) => {
    let me = {};
    try { me = JSON.parse(body || '{}'); } catch (e) { /* shown as unknown */ }
    const status = err ? String(err) : response.statusCode;
    res.type('html').send(`<!DOCTYPE html><html><head><title>Hello World</title>
<script src="${esc(res.locals.hostScriptUrl)}"></script></head>
<body><h1>Hello World</h1><p id="me">${esc(me.displayName || 'unknown')} (${esc(status)})</p>
<p id="issue">${esc(req.query.issueKey)}</p>
${require('./browser-routes').markup}</body></html>`);
  });
});

// The issue glance and the portal header: the context Jira gave.
app.get('/panel', addon.authenticate(), (req, res) => {
  const shown = ['issueKey', 'projectKey', 'requestId'].filter((k) => req.query[k] !== undefined)
    .map((k) => `<li id="${k}">${esc(req.query[k])}</li>`).join('');
  res.type('html').send(`<!DOCTYPE html><html><head><title>Panel</title>
<script src="${esc(res.locals.hostScriptUrl)}"></script></head><body><ul>${shown}</ul></body></html>`);
});

// In the browser: AP.request as the app, and a context token.
require('./browser-routes')(app, addon, '/rest/api/3/myself');

uninstallRoute();

addon.on('jira:issue_created', () => console.log('webhook jira:issue_created'));

start();
