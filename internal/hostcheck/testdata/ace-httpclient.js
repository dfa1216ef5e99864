'use strict';
// Calls the local host's REST API with atlassian-connect-express's own
// HostClient (what an app's addon.httpClient(req) returns), for each path
// given as an argument, and prints one JSON line per call: the path, the
// status and the start of the body. The installation comes from the
// environment (HOST_BASE_URL, CLIENT_KEY, SHARED_SECRET, APP_KEY), as ACE
// would keep it after the installed event.
const HostClient = require('atlassian-connect-express/lib/internal/host-request');

const clientInfo = {
  key: process.env.APP_KEY,
  clientKey: process.env.CLIENT_KEY,
  sharedSecret: process.env.SHARED_SECRET,
  baseUrl: process.env.HOST_BASE_URL,
  productType: 'bitbucket',
};
const addon = {
  key: process.env.APP_KEY,
  settings: { get: async (k, ck) => (k === 'clientInfo' && ck === clientInfo.clientKey ? clientInfo : null) },
  config: {
    jwt: () => ({ validityInMinutes: 3 }),
    product: () => ({ id: 'bitbucket', isBitbucket: true, isJIRA: false, isConfluence: false }),
    userAgent: () => 'atlassian-connect-express/test',
  },
  logger: { warn() {}, error: (e) => console.error(e), info() {} },
};

const client = new HostClient(addon, {}, clientInfo.clientKey);
(async () => {
  for (const path of process.argv.slice(2)) {
    const [method, uri] = path.includes(' ') ? path.split(' ', 2) : ['GET', path];
    await new Promise((resolve) => {
      const fn = method === 'DELETE' ? 'del' : method.toLowerCase();
      const opts = { uri, json: true };
      if (method === 'PUT' || method === 'POST') opts.body = { value: 'from ACE' };
      client[fn](opts, (err, res, body) => {
        console.log(JSON.stringify({ path: uri, method, status: err ? 0 : res.statusCode, error: err ? String(err) : undefined, body: JSON.stringify(body || '').slice(0, 300) }));
        resolve();
      });
    });
  }
})();
