'use strict';
// A deliberately broken Jira Connect app on atlassian-connect-express 11,
// for hostsim's tests. Five things are wrong, and the local host must name
// each of them:
//   1. its own POST /installed, ahead of ACE's, stores any payload without
//      checking the RS256 signature (unsigned and HS256 installs taken);
//   2. its page is behind checkValidToken() instead of authenticate(), so
//      the token's qsh is never checked;
//   3. its page echoes issueKey into the HTML unescaped;
//   4. its own POST /webhook, ahead of ACE's, accepts every request;
//   5. it signs its call to GET /rest/api/3/myself as a Bitbucket app would,
//      sub = the client key and no aud.
// Never copy any of this.
process.chdir(__dirname);
const jwt = require('atlassian-jwt');
const { app, addon, uninstallRoute, start } = require('./setup')((app, addon) => {
  // Defect 1.
  app.post('/installed', async (req, res, next) => {
    try {
      await addon.settings.saveInstallation(req.body, req.body.clientKey);
      res.status(204).end();
    } catch (err) { next(err); }
  });
  // Defect 4.
  app.post('/webhook', (req, res) => res.status(204).end());
});

// Defects 2, 3 and 5.
app.get('/hello-world', addon.checkValidToken(), async (req, res) => {
  const inst = await addon.settings.get('clientInfo', req.context.clientKey);
  const now = Math.floor(Date.now() / 1000);
  const qsh = jwt.createQueryStringHash(jwt.fromMethodAndUrl('GET', '/rest/api/3/myself'));
  const token = jwt.encodeSymmetric({ iss: addon.key, iat: now, exp: now + 180, qsh, sub: inst.clientKey }, inst.sharedSecret);
  let name = 'unknown';
  try {
    const r = await fetch(inst.baseUrl + '/rest/api/3/myself', { headers: { Authorization: 'JWT ' + token } });
    name = (await r.json()).displayName || r.status;
  } catch (e) { name = String(e); }
  res.type('html').send(`<!DOCTYPE html><html><body><h1>Hello</h1><p>${name}</p><p>${req.query.issueKey}</p></body></html>`);
});

uninstallRoute();

start();
