'use strict';
// The app's routes. ACE itself serves /atlassian-connect.json, handles
// POST /installed and mounts a route per webhook in the descriptor.

const welcome = require('./welcome');
const forge = require('./forge');

module.exports = function routes(app, addon) {
  // Bitbucket and other JSON clients get the descriptor; a browser gets a
  // landing page with the install button.
  app.get('/', (req, res) => {
    res.format({
      'application/json': () => res.redirect('/atlassian-connect.json'),
      'text/html': () => res.render('landing', landing(addon)),
      default: () => res.redirect('/atlassian-connect.json'),
    });
  });

  app.get('/welcome', welcome(addon));

  // The app as the Forge Remote of its Forge app: /forge/* (routes/forge.js).
  // Off (404) until FORGE_APP_ID is set.
  forge(app, addon);

  // A page shown inside Bitbucket (repo page, web panel, web item). The
  // JWT in the query proves the request comes from an installation;
  // addon.httpClient(req) then calls Bitbucket's REST API as the app.
  app.get('/connect-example', addon.authenticate(), (req, res, next) => {
    const repoPath = typeof req.query.repoPath === 'string' ? req.query.repoPath : '';
    addon.httpClient(req).get('/2.0/user', (err, response, body) => {
      // A throw inside this callback would end the process: answer instead.
      try {
        const view = { title: 'Connect Example', repoPath, hostScript: true };
        const fail = (why) => {
          console.error(`GET /2.0/user for ${req.context.clientKey} failed: ${why}`);
          res.status(502).render('connect-example', { ...view, error: `Bitbucket's API answered: ${why}` });
        };
        if (err || !response || response.statusCode !== 200) {
          fail(err ? err.message : `HTTP ${response ? response.statusCode : '(no response)'}`);
          return;
        }
        let user = body;
        if (typeof body === 'string') {
          try {
            user = body.trim() === '' ? null : JSON.parse(body);
          } catch {
            fail('a user that is not JSON');
            return;
          }
        }
        if (user === null || typeof user !== 'object' || typeof user.display_name !== 'string') {
          fail('no user (an empty body or one without display_name)');
          return;
        }
        res.render('connect-example', { ...view, displayName: user.display_name });
      } catch (renderErr) {
        next(renderErr);
      }
    });
  });

  // Bitbucket signs the uninstall with the installation's shared secret.
  // Forget the installation, so nothing signed for it is accepted again.
  app.post('/uninstalled', addon.authenticate(), async (req, res, next) => {
    const clientKey = req.context.clientKey;
    if (req.body && req.body.clientKey && req.body.clientKey !== clientKey) {
      res.status(401).type('text').send('The uninstall payload names another client key than its token.');
      return;
    }
    try {
      await addon.settings.del(clientKey);
      console.log(`Uninstalled from ${clientKey}`);
      res.status(204).end();
    } catch (err) {
      next(err);
    }
  });

  // ACE mounts POST /webhook from the descriptor's "*" webhook, checks its
  // JWT and emits "*". Emit the concrete event as well, from Bitbucket's
  // X-Event-Key header, so app code can subscribe per event:
  //   addon.on('repo:push', (event, body, req) => { ... });
  addon.on('*', (mounted, body, req) => {
    const event = req.get('X-Event-Key') || (body && body.event);
    console.log(`Webhook ${event || '(no event key)'} from ${req.context && req.context.clientKey}`);
    if (typeof event === 'string' && event !== '*' && event !== mounted) {
      addon.emit(event, event, body, req);
    }
  });
};

// landing builds the landing page's model: the install link for this app,
// made from the base URL it runs at.
function landing(addon) {
  const baseUrl = addon.config.localBaseUrl().replace(/\/+$/, '');
  const link = new URL('https://bitbucket.org/site/addons/authorize');
  // A registered app must be installed by key (set APP_REGISTERED=true);
  // an unregistered one by the address of its descriptor.
  if (process.env.APP_REGISTERED === 'true') {
    link.searchParams.set('addon_key', addon.descriptor.key);
  } else {
    link.searchParams.set('descriptor_uri', `${baseUrl}/atlassian-connect.json`);
  }
  link.searchParams.set('redirect_uri', `${baseUrl}/welcome`);
  return {
    title: addon.descriptor.name,
    name: addon.descriptor.name,
    description: addon.descriptor.description,
    installUrl: link.toString(),
    descriptorUrl: `${baseUrl}/atlassian-connect.json`,
    notHttps: !baseUrl.startsWith('https://'),
  };
}
