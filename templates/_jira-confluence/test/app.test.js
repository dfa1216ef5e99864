'use strict';
// The app's own tests: `npm test`. They start the app in this process with
// an in-memory store and play the product: an install signed with RS256
// by a stand-in for Atlassian's key server (ACE fetches the public key
// from CONNECT_KEYS_CDN_URL), a Hello World page signed with the
// installation's secret whose server code calls a stand-in for the
// product's REST API, the context-token route, and a signed uninstall.

process.env.NODE_ENV = 'test';
process.env.AC_LOCAL_BASE_URL = 'https://example.test';

const test = require('node:test');
const assert = require('node:assert/strict');
const http = require('node:http');
const crypto = require('node:crypto');
const jwt = require('atlassian-jwt');
const { start } = require('../app');
const descriptorFile = require('../atlassian-connect.json');

let app; // { addon, server }
let base; // http://127.0.0.1:PORT of the app
let product; // ACE's product: isJIRA or isConfluence
let host; // the stand-in product: key server and REST API
let hostBase;
const hostCalls = [];

// Atlassian's install key, as its key server would serve it.
const kid = `test-key-${crypto.randomInt(1e6, 1e7)}`;
const { publicKey, privateKey } = crypto.generateKeyPairSync('rsa', {
  modulusLength: 2048,
  publicKeyEncoding: { type: 'spki', format: 'pem' },
  privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
});

const installation = {
  key: descriptorFile.key,
  clientKey: crypto.randomUUID(),
  sharedSecret: crypto.randomBytes(32).toString('hex'),
  eventType: 'installed',
  description: 'A site for tests',
};
const user = { accountId: '5b10ac8d82e05b22cc7d4ef5', displayName: 'Ada Lovelace' };

// contextPath is what the site's base URL adds to the host: Confluence
// lives under /wiki.
function contextPath() {
  return product.isConfluence ? '/wiki' : '';
}

// signInstall signs a lifecycle request as Atlassian does: RS256, the key
// id in the header, aud the app's base URL, iss the client key.
function signInstall(method, path, { key = privateKey, keyId = kid, aud = process.env.AC_LOCAL_BASE_URL, iss = installation.clientKey } = {}) {
  const now = Math.floor(Date.now() / 1000);
  const qsh = jwt.createQueryStringHash(jwt.fromMethodAndUrl(method, path));
  return jwt.encodeAsymmetric({ iss, aud: [aud], qsh, iat: now, exp: now + 180 }, key, jwt.AsymmetricAlgorithm.RS256, { kid: keyId });
}

// signPage signs a page request as the product does: HS256 with the
// installation's secret, iss the client key, sub the user.
function signPage(method, path, { secret = installation.sharedSecret, ttl = 180, qsh } = {}) {
  const now = Math.floor(Date.now() / 1000);
  const hash = qsh || jwt.createQueryStringHash(jwt.fromMethodAndUrl(method, path));
  return jwt.encodeSymmetric({ iss: installation.clientKey, sub: user.accountId, iat: now, exp: now + ttl, qsh: hash, context: { user: { accountId: user.accountId } } }, secret);
}

function request(method, path, { headers = {}, body } = {}) {
  return fetch(base + path, {
    method,
    redirect: 'manual',
    headers: body === undefined ? headers : { 'content-type': 'application/json', ...headers },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
}

function install(token, body = installation) {
  const headers = token ? { authorization: `JWT ${token}` } : {};
  return request('POST', '/installed', { headers, body });
}

test.before(async () => {
  // The product, as far as the app uses it: the key server, and the REST
  // API, which accepts only the app's own token (iss the app key, aud the
  // client key, the qsh of the call without the site's context path).
  host = http.createServer((req, res) => {
    if (req.url === `/keys/${kid}`) {
      res.writeHead(200, { 'content-type': 'text/plain' }).end(publicKey);
      return;
    }
    if (req.url.startsWith('/keys/')) {
      res.writeHead(404).end('Not Found');
      return;
    }
    const header = req.headers.authorization || '';
    const path = req.url.startsWith(contextPath()) ? req.url.slice(contextPath().length) : req.url;
    let verdict = 'ok';
    try {
      const claims = jwt.decodeSymmetric(header.replace(/^JWT /, ''), installation.sharedSecret, jwt.SymmetricAlgorithm.HS256);
      const qsh = jwt.createQueryStringHash(jwt.fromMethodAndUrl(req.method, path));
      const aud = [].concat(claims.aud);
      if (claims.iss !== descriptorFile.key) verdict = `iss ${claims.iss}`;
      else if (!aud.includes(installation.clientKey)) verdict = `aud ${claims.aud}`;
      else if (claims.qsh !== qsh) verdict = 'qsh';
    } catch (err) {
      verdict = err.message;
    }
    hostCalls.push({ method: req.method, url: req.url, verdict });
    const userPath = product.isConfluence ? '/wiki/rest/api/user/current' : '/rest/api/3/myself';
    if (verdict !== 'ok') {
      res.writeHead(401).end(verdict);
    } else if (req.method === 'GET' && req.url === userPath) {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ ...user, type: 'known', accountType: 'atlassian' }));
    } else {
      res.writeHead(404).end();
    }
  });
  await new Promise((resolve) => host.listen(0, '127.0.0.1', resolve));
  hostBase = `http://127.0.0.1:${host.address().port}`;
  process.env.CONNECT_KEYS_CDN_URL = `${hostBase}/keys`;

  app = await start(0);
  base = `http://127.0.0.1:${app.server.address().port}`;
  product = app.addon.config.product();
  installation.baseUrl = hostBase + contextPath();
  installation.displayUrl = installation.baseUrl;
  installation.productType = product.isConfluence ? 'confluence' : 'jira';
});

test.after(async () => {
  await new Promise((resolve) => app.server.close(resolve));
  await new Promise((resolve) => host.close(resolve));
});

test('serves the descriptor with the base URL filled in', async () => {
  const res = await request('GET', '/atlassian-connect.json');
  assert.equal(res.status, 200);
  const d = await res.json();
  assert.equal(d.key, descriptorFile.key);
  assert.equal(d.baseUrl, 'https://example.test');
  assert.equal(d.authentication.type, 'jwt');
  assert.deepEqual(d.lifecycle, { installed: '/installed', uninstalled: '/uninstalled' });
  assert.deepEqual(d.apiMigrations, { 'signed-install': true });
  const pages = d.modules.generalPages || d.modules.serviceDeskPortalHeaders;
  assert.equal(pages[0].url, '/hello-world');
});

test('GET / sends JSON clients to the descriptor and browsers to the landing page', async () => {
  const json = await request('GET', '/', { headers: { accept: 'application/json' } });
  assert.equal(json.status, 302);
  assert.equal(json.headers.get('location'), '/atlassian-connect.json');

  const html = await request('GET', '/', { headers: { accept: 'text/html,*/*;q=0.8' } });
  assert.equal(html.status, 200);
  const page = await html.text();
  assert.match(page, /id="descriptor-url">https:\/\/example\.test\/atlassian-connect\.json</);
  assert.match(page, /December 2026/);
  assert.match(page, /Forge/);
  assert.doesNotMatch(page, /<(script|link)[^>]+(src|href)="(https?:)?\/\//, 'no CDN assets');
});

test('the Atlaskit styles are served by the app', async () => {
  for (const path of ['/vendor/css-reset/bundle.css', '/vendor/reduced-ui-pack/bundle.css']) {
    const res = await request('GET', path);
    assert.equal(res.status, 200, path);
    assert.match(res.headers.get('content-type'), /text\/css/);
  }
});

test('installs must be signed by Atlassian with RS256', async (t) => {
  await t.test('an unsigned install is refused', async () => {
    const res = await install(null);
    assert.equal(res.status, 401);
    assert.match(await res.text(), /Unexpected or missing JWT token/);
  });
  await t.test('an install signed with HS256 is refused', async () => {
    const res = await install(signPage('POST', '/installed', { secret: installation.sharedSecret }));
    assert.equal(res.status, 401);
  });
  await t.test('an install signed with another RSA key is refused', async () => {
    const other = crypto.generateKeyPairSync('rsa', { modulusLength: 2048, privateKeyEncoding: { type: 'pkcs8', format: 'pem' }, publicKeyEncoding: { type: 'spki', format: 'pem' } });
    const res = await install(signInstall('POST', '/installed', { key: other.privateKey }));
    assert.ok(res.status === 400 || res.status === 401, `status ${res.status}`);
  });
  await t.test('an install for another app (aud) is refused', async () => {
    const res = await install(signInstall('POST', '/installed', { aud: 'https://other.example' }));
    assert.equal(res.status, 401);
  });
  await t.test('an install whose token names another client is refused', async () => {
    const res = await install(signInstall('POST', '/installed', { iss: crypto.randomUUID() }));
    assert.equal(res.status, 401);
  });
});

test('install, Hello World page, context token and uninstall', async (t) => {
  const installed = await install(signInstall('POST', '/installed'));
  assert.equal(installed.status, 204, await installed.text());

  await t.test('the page calls the product as the app and shows the user', async () => {
    const path = `/hello-world?xdm_e=${encodeURIComponent(hostBase)}&cp=${encodeURIComponent(contextPath())}&lic=none`;
    const res = await request('GET', `${path}&jwt=${signPage('GET', path)}`, { headers: { accept: 'text/html' } });
    const page = await res.text();
    assert.equal(res.status, 200, page);
    assert.match(page, /id="server-display-name">Ada Lovelace</);
    assert.match(page, new RegExp(`id="server-account-id">${user.accountId}<`));
    assert.match(page, /AP\.context\.getToken|context-token/);
    const userPath = product.isConfluence ? '/wiki/rest/api/user/current' : '/rest/api/3/myself';
    assert.deepEqual(hostCalls.at(-1), { method: 'GET', url: userPath, verdict: 'ok' });
    // The page carries a session token for the browser's later calls.
    assert.ok(res.headers.get('x-acpt'), 'session token header');
  });

  await t.test('a page token for another URL (qsh) is refused', async () => {
    const res = await request('GET', `/hello-world?jwt=${signPage('GET', '/elsewhere')}`);
    assert.equal(res.status, 401);
  });

  await t.test('an expired page token is refused', async () => {
    const res = await request('GET', `/hello-world?jwt=${signPage('GET', '/hello-world', { ttl: -60 })}`);
    assert.equal(res.status, 401);
  });

  await t.test('a page token signed with another secret is refused', async () => {
    const res = await request('GET', `/hello-world?jwt=${signPage('GET', '/hello-world', { secret: 'x'.repeat(64) })}`);
    // ACE answers 400 for a bad signature, 401 for the other failures.
    assert.ok(res.status === 400 || res.status === 401, `status ${res.status}`);
  });

  await t.test('the context-token route accepts a context token (qsh "context-qsh")', async () => {
    const token = signPage('GET', '/api/context', { qsh: 'context-qsh' });
    const res = await request('GET', '/api/context', { headers: { authorization: `JWT ${token}` } });
    assert.equal(res.status, 200, await res.clone().text());
    const body = await res.json();
    assert.equal(body.clientKey, installation.clientKey);
    assert.equal(body.accountId, user.accountId);
  });

  await t.test('the context-token route refuses a missing or forged token', async () => {
    assert.equal((await request('GET', '/api/context')).status, 401);
    const forged = signPage('GET', '/api/context', { qsh: 'context-qsh', secret: 'y'.repeat(64) });
    const res = await request('GET', '/api/context', { headers: { authorization: `JWT ${forged}` } });
    assert.ok(res.status === 400 || res.status === 401, `status ${res.status}`);
  });

  await t.test('an unsigned uninstall is refused', async () => {
    const res = await request('POST', '/uninstalled', { body: { ...installation, eventType: 'uninstalled' } });
    assert.equal(res.status, 401);
  });

  await t.test('a signed uninstall removes the installation', async () => {
    const res = await request('POST', '/uninstalled', {
      headers: { authorization: `JWT ${signInstall('POST', '/uninstalled')}` },
      body: { ...installation, eventType: 'uninstalled' },
    });
    assert.equal(res.status, 204, await res.clone().text());
    const path = '/hello-world';
    assert.equal((await request('GET', `${path}?jwt=${signPage('GET', path)}`)).status, 401);
  });
});
