'use strict';
// A small, correct Confluence Connect app on atlassian-connect-express 11,
// for hostsim's end-to-end test: the RS256 install is verified with the
// key from $CONNECT_KEYS_CDN_URL; the page calls
// GET /rest/api/user/current and GET /api/v2/pages/{id} through
// addon.httpClient, which sends them under the stored baseUrl's /wiki.
process.chdir(__dirname);
const { app, addon, esc, uninstallRoute, start } = require('./setup')();
const get = (req, path) => new Promise((resolve) => {
  addon.httpClient(req).get(path, (err, response, body) => {
    try { resolve({ status: err ? String(err) : response.statusCode, body: JSON.parse(body || '{}') }); } catch (e) { resolve({ status: 'bad JSON', body: {} }); }
  });
});

app.get('/hello-world', addon.authenticate(), async (req, res) => {
  const me = await get(req, '/rest/api/user/current');
  // Only a page id goes into the path (the context parameter is the user's
  // to change).
  const page = /^\d+$/.test(req.query.pageId || '') ? await get(req, `/api/v2/pages/${req.query.pageId}`) : { status: 'no page id', body: {} };
  res.type('html').send(`<!DOCTYPE html><html><head><title>Hello World</title>
<script src="${esc(res.locals.hostScriptUrl)}"></script></head>
<body><h1>Hello World</h1><p id="me">${esc(me.body.displayName || 'unknown')} (${esc(me.status)})</p>
<p id="page">${esc(page.body.title || 'unknown')} (${esc(page.status)})</p>
<p id="space">${esc(req.query.spaceKey)}</p>
${require('./browser-routes').markup}</body></html>`);
});

// In the browser: AP.request as the app (relative to /wiki, as
// Confluence's is), and a context token.
require('./browser-routes')(app, addon, '/rest/api/user/current');

uninstallRoute();

start();
