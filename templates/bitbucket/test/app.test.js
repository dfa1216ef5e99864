'use strict';
// The app's own tests: `npm test`. They start the app in this process with
// an in-memory store and play Bitbucket: install, signed webhooks, a signed
// page whose server code calls a stand-in for Bitbucket's REST API, the
// install button's redirect, and uninstall.

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
let api; // the stand-in for api.bitbucket.org
let apiBase;
const apiCalls = [];
let userBody = null; // what GET /2.0/user answers instead of the user, when set
const output = []; // what the app printed

const installation = {
  key: descriptorFile.key,
  clientKey: `connection:${crypto.randomInt(1e6, 1e7)}`,
  sharedSecret: crypto.randomBytes(32).toString('hex'),
  publicKey: 'unused-by-bitbucket-apps',
  baseUrl: 'https://bitbucket.org',
  productType: 'bitbucket',
  eventType: 'installed',
  user: { uuid: '{5b6f2c1e-0d3b-4f7b-9a48-2f1c0e6d8a11}', display_name: 'Ada Lovelace', type: 'user' },
  principal: { uuid: '{5b6f2c1e-0d3b-4f7b-9a48-2f1c0e6d8a11}', display_name: 'Ada Lovelace', type: 'user' },
};

// sign returns a token as Bitbucket signs requests to the app.
function sign(method, path, { secret = installation.sharedSecret, iss = installation.clientKey, ttl = 180 } = {}) {
  const now = Math.floor(Date.now() / 1000);
  const qsh = jwt.createQueryStringHash(jwt.fromMethodAndUrl(method, path));
  return jwt.encodeSymmetric({ iss, sub: installation.user.uuid, iat: now, exp: now + ttl, qsh }, secret);
}

function request(method, path, { headers = {}, body } = {}) {
  return fetch(base + path, {
    method,
    redirect: 'manual',
    headers: body === undefined ? headers : { 'content-type': 'application/json', ...headers },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
}

// unescapeHtml undoes Handlebars' escaping of an attribute value.
function unescapeHtml(s) {
  return s.replace(/&(#x([0-9a-f]+)|#(\d+)|amp|quot|lt|gt);/gi, (m, name, hex, dec) => {
    if (hex) return String.fromCodePoint(parseInt(hex, 16));
    if (dec) return String.fromCodePoint(parseInt(dec, 10));
    return { amp: '&', quot: '"', lt: '<', gt: '>' }[name.toLowerCase()];
  });
}

function webhook(event, { token = sign('POST', '/webhook') } = {}) {
  const headers = { 'X-Event-Key': event };
  if (token) headers.authorization = `JWT ${token}`;
  return request('POST', '/webhook', { headers, body: { event, data: { repository: { full_name: 'team/repo' } } } });
}

test.before(async () => {
  // Bitbucket's REST API, as far as the app uses it: it accepts only the
  // app's own token (iss = app key, sub = client key, qsh of the call).
  api = http.createServer((req, res) => {
    const header = req.headers.authorization || '';
    let verdict = 'ok';
    try {
      const claims = jwt.decodeSymmetric(header.replace(/^JWT /, ''), installation.sharedSecret, jwt.SymmetricAlgorithm.HS256);
      const qsh = jwt.createQueryStringHash(jwt.fromMethodAndUrl(req.method, req.url));
      if (claims.iss !== descriptorFile.key) verdict = `iss ${claims.iss}`;
      else if (claims.sub !== installation.clientKey) verdict = `sub ${claims.sub}`;
      else if (claims.qsh !== qsh) verdict = 'qsh';
    } catch (err) {
      verdict = err.message;
    }
    apiCalls.push({ method: req.method, url: req.url, verdict });
    if (verdict !== 'ok') {
      res.writeHead(401).end(verdict);
    } else if (req.method === 'GET' && req.url === '/2.0/user') {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(userBody !== null ? userBody : JSON.stringify({ display_name: installation.user.display_name, uuid: installation.user.uuid }));
    } else {
      res.writeHead(404).end();
    }
  });
  await new Promise((resolve) => api.listen(0, '127.0.0.1', resolve));
  apiBase = `http://127.0.0.1:${api.address().port}`;
  installation.baseApiUrl = apiBase;

  // Keep what the app prints, to check that no secret is among it.
  for (const level of ['log', 'info', 'warn', 'error']) {
    const print = console[level];
    console[level] = (...args) => {
      output.push(args.map(String).join(' '));
      print.apply(console, args);
    };
  }
  app = await start(0);
  base = `http://127.0.0.1:${app.server.address().port}`;
});

test.after(async () => {
  await new Promise((resolve) => app.server.close(resolve));
  await new Promise((resolve) => api.close(resolve));
});

test('serves the descriptor with the base URL filled in', async () => {
  const res = await request('GET', '/atlassian-connect.json');
  assert.equal(res.status, 200);
  const d = await res.json();
  assert.equal(d.key, descriptorFile.key);
  assert.equal(d.baseUrl, 'https://example.test');
  assert.equal(d.authentication.type, 'jwt');
  assert.deepEqual(d.lifecycle, { installed: '/installed', uninstalled: '/uninstalled' });
  assert.deepEqual(d.modules.webhooks, [{ event: '*', url: '/webhook' }]);
  assert.equal(d.modules.repoPages[0].url, '/connect-example?repoPath={repository.full_name}');
  assert.deepEqual(d.scopes, ['account', 'repository']);
});

test('GET / sends JSON clients to the descriptor and browsers to the landing page', async () => {
  const json = await request('GET', '/', { headers: { accept: 'application/json' } });
  assert.equal(json.status, 302);
  assert.equal(json.headers.get('location'), '/atlassian-connect.json');

  const html = await request('GET', '/', { headers: { accept: 'text/html,*/*;q=0.8' } });
  assert.equal(html.status, 200);
  const page = await html.text();
  const href = page.match(/id="install-button"[^>]*href="([^"]+)"/);
  assert.ok(href, 'the landing page has an install button');
  const link = new URL(unescapeHtml(href[1]));
  assert.equal(link.origin + link.pathname, 'https://bitbucket.org/site/addons/authorize');
  assert.equal(link.searchParams.get('descriptor_uri'), 'https://example.test/atlassian-connect.json');
  assert.equal(link.searchParams.get('redirect_uri'), 'https://example.test/welcome');
  assert.match(page, /Connect to Bitbucket/);
  assert.doesNotMatch(page, /https:\/\/(?!bitbucket\.org\/site\/addons|example\.test)[^"'\s]+\.(js|css)/, 'no CDN assets');
});

test('the Atlaskit styles are served by the app', async () => {
  for (const path of ['/vendor/css-reset/bundle.css', '/vendor/reduced-ui-pack/bundle.css']) {
    const res = await request('GET', path);
    assert.equal(res.status, 200, path);
    assert.match(res.headers.get('content-type'), /text\/css/);
  }
});

test('authenticated routes refuse requests without a JWT', async () => {
  assert.equal((await webhook('repo:push', { token: null })).status, 401);
  assert.equal((await request('GET', '/connect-example?repoPath=team/repo')).status, 401);
  assert.equal((await request('POST', '/uninstalled', { body: { clientKey: installation.clientKey } })).status, 401);
});

test('install, signed webhooks, signed pages, reinstall and uninstall', async (t) => {
  const installed = await request('POST', '/installed', { body: installation });
  assert.equal(installed.status, 204, await installed.text());

  await t.test('a signed webhook is accepted and fires addon.on(event)', async () => {
    const fired = new Promise((resolve) => app.addon.once('repo:push', (event, body) => resolve({ event, body })));
    const res = await webhook('repo:push');
    assert.equal(res.status, 204);
    const { event, body } = await fired;
    assert.equal(event, 'repo:push');
    assert.equal(body.data.repository.full_name, 'team/repo');
  });

  await t.test('a webhook signed with another secret is refused', async () => {
    const res = await webhook('repo:push', { token: sign('POST', '/webhook', { secret: 'x'.repeat(64) }) });
    assert.ok(res.status >= 400 && res.status < 500, `status ${res.status}`);
  });

  await t.test('a webhook token for another request is refused', async () => {
    const res = await webhook('repo:push', { token: sign('POST', '/elsewhere') });
    assert.equal(res.status, 401);
  });

  await t.test('an expired token is refused', async () => {
    const res = await webhook('repo:push', { token: sign('POST', '/webhook', { ttl: -60 }) });
    assert.equal(res.status, 401);
  });

  await t.test('the example page calls Bitbucket as the app and escapes what it shows', async () => {
    const path = '/connect-example?repoPath=' + encodeURIComponent('team/<script>x</script>');
    const res = await request('GET', `${path}&jwt=${sign('GET', path)}`, { headers: { accept: 'text/html' } });
    const page = await res.text();
    assert.equal(res.status, 200, page);
    assert.match(page, /id="server-display-name">Ada Lovelace</);
    assert.match(page, /team\/&lt;script&gt;x&lt;\/script&gt;/);
    assert.doesNotMatch(page, /<script>x<\/script>/);
    assert.deepEqual(apiCalls.at(-1), { method: 'GET', url: '/2.0/user', verdict: 'ok' });
  });

  await t.test('an empty or null user from Bitbucket is a 502 page, not a crash', async () => {
    for (const body of ['', 'null', '{}']) {
      userBody = body;
      const path = '/connect-example?repoPath=team/repo';
      const res = await request('GET', `${path}&jwt=${sign('GET', path)}`, { headers: { accept: 'text/html' } });
      const page = await res.text();
      assert.equal(res.status, 502, `body ${JSON.stringify(body)}: ${page}`);
      assert.match(page, /id="error">Bitbucket&#x27;s API answered: no user/);
    }
    userBody = null;
    const path = '/connect-example?repoPath=team/repo';
    const res = await request('GET', `${path}&jwt=${sign('GET', path)}`);
    assert.equal(res.status, 200, 'the app still answers');
  });

  await t.test('the shared secret is never printed', () => {
    assert.ok(output.some((line) => line.includes('Saved tenant details')), 'ACE logged the install');
    for (const line of output) {
      assert.ok(!line.includes(installation.sharedSecret), `printed the secret: ${line}`);
    }
  });

  await t.test('a reinstall without a JWT is refused', async () => {
    const res = await request('POST', '/installed', { body: installation });
    assert.equal(res.status, 401);
  });

  await t.test('the install redirect is verified when it carries a JWT', async () => {
    const path = `/welcome?clientKey=${encodeURIComponent(installation.clientKey)}`;
    const good = await request('GET', `${path}&jwt=${sign('GET', path)}`);
    assert.equal(good.status, 200);
    assert.match(await good.text(), /id="verified"/);

    const bad = await request('GET', `${path}&jwt=${sign('GET', path, { secret: 'y'.repeat(64) })}`);
    assert.equal(bad.status, 401);
    const other = await request('GET', `${path}&jwt=${sign('GET', '/welcome?clientKey=other')}`);
    assert.equal(other.status, 401);
  });

  await t.test('uninstall removes the installation', async () => {
    const res = await request('POST', '/uninstalled', {
      headers: { authorization: `JWT ${sign('POST', '/uninstalled')}` },
      body: { ...installation, eventType: 'uninstalled' },
    });
    assert.equal(res.status, 204);
    assert.equal((await webhook('repo:push')).status, 401);
  });
});

test('the install redirect page', async (t) => {
  await t.test('shows the client key on success, under either name', async () => {
    for (const name of ['clientKey', 'client_key']) {
      const res = await request('GET', `/welcome?${name}=connection%3A42`);
      assert.equal(res.status, 200);
      assert.match(await res.text(), /id="client-key">connection:42</);
    }
  });

  await t.test('explains known errors and escapes the description', async () => {
    const res = await request('GET', '/welcome?error=access_denied&error_description=' + encodeURIComponent('<b>no</b>'));
    const page = await res.text();
    assert.equal(res.status, 200);
    assert.match(page, /Installation cancelled/);
    assert.match(page, /&lt;b&gt;no&lt;\/b&gt;/);
    for (const code of ['invalid_descriptor', 'invalid_request', 'server_error']) {
      const known = await (await request('GET', `/welcome?error=${code}`)).text();
      assert.doesNotMatch(known, /The app was not installed/, code);
      assert.match(known, new RegExp(`id="error-code">${code}<`));
    }
  });

  await t.test('has a generic text for unknown errors', async () => {
    const res = await request('GET', '/welcome?error=temporarily_unavailable');
    assert.match(await res.text(), /The app was not installed/);
  });

  await t.test('answers 400 without a client key or an error', async () => {
    const res = await request('GET', '/welcome');
    assert.equal(res.status, 400);
  });

  await t.test('refuses a JWT for an unknown installation', async () => {
    const path = '/welcome?clientKey=connection%3A1';
    const res = await request('GET', `${path}&jwt=${sign('GET', path, { iss: 'connection:1' })}`);
    assert.equal(res.status, 401);
  });
});

test('only HTTP error statuses become the response status', () => {
  const cases = [
    [{ code: 401, message: 'no token' }, 401, 'no token'],
    [{ status: 404, message: 'nope' }, 404, 'nope'],
    [{ code: 1, message: 'EPERM-like' }, 500, 'Internal error'],
    [{ code: 200, message: 'not an error status' }, 500, 'Internal error'],
    [{ code: 'ECONNREFUSED', message: 'down' }, 500, 'Internal error'],
    [{ status: 600, code: 418, message: 'teapot' }, 418, 'teapot'],
  ];
  const { handleError } = require('../app');
  for (const [err, status, body] of cases) {
    const res = { status(c) { this.code = c; return this; }, type() { return this; }, send(b) { this.body = b; return this; } };
    const quiet = console.error;
    console.error = () => {};
    try {
      handleError(Object.assign(new Error(err.message), err), {}, res, () => {});
    } finally {
      console.error = quiet;
    }
    assert.deepEqual([res.code, res.body], [status, body], JSON.stringify(err));
  }
});
