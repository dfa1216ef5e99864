'use strict';
// The app's routes. ACE itself serves /atlassian-connect.json and handles
// POST /installed, where it verifies Atlassian's RS256 signature (the key
// comes from Atlassian's key server, CONNECT_KEYS_CDN_URL overrides it).

module.exports = function routes(app, addon) {
  const product = addon.config.product();
  const hostName = product.isConfluence ? 'Confluence' : 'Jira';
  // The signed-in user, from the product's REST API. Paths are relative to
  // the site's base URL (Confluence's ends in /wiki).
  const currentUser = product.isConfluence ? '/rest/api/user/current' : '/rest/api/3/myself';

  // JSON clients get the descriptor; a browser gets a landing page.
  app.get('/', (req, res) => {
    res.format({
      'application/json': () => res.redirect('/atlassian-connect.json'),
      'text/html': () => res.render('landing', landing(addon, hostName)),
      default: () => res.redirect('/atlassian-connect.json'),
    });
  });

  // The Hello World page, shown inside the product. The JWT in the query
  // proves the request comes from an installation; addon.httpClient(req)
  // then calls the product's REST API as the app, signed with the
  // installation's shared secret.
  app.get('/hello-world', addon.authenticate(), (req, res) => {
    const view = { title: 'Hello World', hostName, restPath: currentUser, hostScript: true };
    addon.httpClient(req).get(currentUser, (err, response, body) => {
      if (err || response.statusCode !== 200) {
        const why = err ? err.message : `HTTP ${response.statusCode}`;
        console.error(`GET ${currentUser} for ${req.context.clientKey} failed: ${why}`);
        res.status(502).render('hello-world', { ...view, error: `${hostName}'s REST API answered: ${why}` });
        return;
      }
      let user;
      try {
        user = typeof body === 'string' ? JSON.parse(body) : body;
      } catch (parseErr) {
        res.status(502).render('hello-world', { ...view, error: `${hostName} sent a user that is not JSON` });
        return;
      }
      res.render('hello-world', { ...view, displayName: user.displayName, accountId: user.accountId });
    });
  });

  // The page's script asks the product for a context token
  // (AP.context.getToken) and sends it here. A context token is not tied to
  // a URL, so checkValidToken() verifies its signature, expiry and
  // installation but not its query hash.
  app.get('/api/context', addon.checkValidToken(), (req, res) => {
    res.json({
      clientKey: req.context.clientKey,
      accountId: req.context.userAccountId || null,
      context: req.context.context || {},
    });
  });

  // Atlassian signs the uninstall like the install (RS256). Forget the
  // installation, so nothing signed for it is accepted again.
  app.post('/uninstalled', addon.authenticateInstall(), async (req, res, next) => {
    const clientKey = req.context.clientKey;
    try {
      await addon.settings.del(clientKey);
      console.log(`Uninstalled from ${clientKey}`);
      res.status(204).end();
    } catch (err) {
      next(err);
    }
  });
};

// landing builds the landing page's model.
function landing(addon, hostName) {
  const baseUrl = addon.config.localBaseUrl().replace(/\/+$/, '');
  return {
    title: addon.descriptor.name,
    name: addon.descriptor.name,
    description: addon.descriptor.description,
    hostName,
    descriptorUrl: `${baseUrl}/atlassian-connect.json`,
    notHttps: !baseUrl.startsWith('https://'),
  };
}
