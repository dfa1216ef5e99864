'use strict';
// Tests of the Forge Remote module (lib/forge-remote.js, routes/forge.js):
// this file plays Forge. It signs Forge Invocation Tokens with jose, serves
// their keys as a JWKS on loopback, and stands in for Bitbucket's REST API
// at the token's app.apiBaseUrl. The app runs in this process with an
// in-memory store, the way app.test.js runs it.

process.env.NODE_ENV = 'test';
process.env.AC_LOCAL_BASE_URL = 'https://example.test';

const test = require('node:test');
const assert = require('node:assert/strict');
const http = require('node:http');
const path = require('node:path');
const crypto = require('node:crypto');
const { spawn } = require('node:child_process');
const express = require('express');
const { start } = require('../app');
const { createForgeRemote, forgeSettings, ATLASSIAN_JWKS_URL, INDEX_TENANT, DEFAULTS } = require('../lib/forge-remote');

const APP_ID = `ari:cloud:ecosystem::app/${crypto.randomUUID()}`;
const OTHER_APP_ID = `ari:cloud:ecosystem::app/${crypto.randomUUID()}`;
const INSTALLATION_ID = `ari:cloud:ecosystem::installation/${crypto.randomUUID()}`;
const WORKSPACE = `{${crypto.randomUUID()}}`;
const OTHER_WORKSPACE = `{${crypto.randomUUID()}}`;
const REPO = `{${crypto.randomUUID()}}`;
const ACCOUNT = '712020:2f8f4d8e-57e5-4d0a-9c1c-6f8b0e1f3a42';
const SYSTEM_TOKEN = `system-${crypto.randomBytes(12).toString('hex')}`;
const USER_TOKEN = `user-${crypto.randomBytes(12).toString('hex')}`;

let jose;
let signingKey; // { privateKey, publicKey, kid }
let otherKey; // a key the JWKS does not hold
const jwksKeys = []; // the public JWKs served
let jwksFetches = 0;
let jwksServer, jwksUrl;
let api, apiBase;
const apiCalls = [];
let app, base;
const output = [];

const installation = {
  key: require('../atlassian-connect.json').key,
  clientKey: `connection:${crypto.randomInt(1e6, 1e7)}`,
  sharedSecret: crypto.randomBytes(32).toString('hex'),
  publicKey: 'unused-by-bitbucket-apps',
  baseUrl: 'https://bitbucket.org',
  productType: 'bitbucket',
  eventType: 'installed',
  user: { uuid: '{5b6f2c1e-0d3b-4f7b-9a48-2f1c0e6d8a11}', display_name: 'Ada Lovelace', type: 'user' },
  // The workspace the app is installed in; the FIT names it in upper case
  // to check that UUIDs compare without regard to case.
  principal: { uuid: WORKSPACE.toLowerCase(), display_name: 'Team', type: 'team' },
};

async function newKey(kid) {
  const { publicKey, privateKey } = await jose.generateKeyPair('RS256', { extractable: true });
  return { publicKey, privateKey, kid };
}

async function publish(key) {
  const jwk = await jose.exportJWK(key.publicKey);
  jwksKeys.push({ ...jwk, kid: key.kid, alg: 'RS256', use: 'sig' });
}

// claims returns a FIT's claims as Forge sends them; over replaces or,
// with undefined, removes claims.
function claims(over = {}, { ui = false } = {}) {
  const now = Math.floor(Date.now() / 1000);
  const c = {
    iss: 'forge/invocation-token',
    aud: APP_ID,
    iat: now,
    nbf: now,
    exp: now + (ui ? 25 : 60),
    jti: crypto.randomUUID(),
    app: {
      id: APP_ID,
      appVersion: '2.1.0',
      installationId: INSTALLATION_ID,
      apiBaseUrl: `${apiBase}/bb`,
      environment: { type: 'DEVELOPMENT', id: crypto.randomUUID() },
      module: { type: ui ? 'bitbucket:repoCodeOverviewCard' : 'core:endpoint', key: ui ? 'repo-card' : 'connect-events' },
      installation: { id: INSTALLATION_ID, contexts: [{ apiBaseUrl: `${apiBase}/bb`, workspaceId: WORKSPACE.toUpperCase() }] },
    },
  };
  if (ui) {
    c.context = { workspaceId: WORKSPACE.toUpperCase(), localId: 'local-1', extension: { type: 'bitbucket:repoCodeOverviewCard', repository: { uuid: REPO } } };
    c.principal = ACCOUNT;
  }
  for (const [k, v] of Object.entries(over)) {
    if (v === undefined) delete c[k];
    else c[k] = v;
  }
  return c;
}

async function fit(over, { key = signingKey, kid = key.kid, ui = false } = {}) {
  return new jose.SignJWT(claims(over, { ui })).setProtectedHeader({ alg: 'RS256', kid, typ: 'JWT' }).sign(key.privateKey);
}

// waitFor polls cond every 10 ms for at most ms; it returns whether cond held.
async function waitFor(cond, ms = 3000) {
  for (const end = Date.now() + ms; Date.now() < end; ) {
    if (cond()) return true;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  return cond();
}

function b64url(v) {
  return Buffer.from(typeof v === 'string' ? v : JSON.stringify(v)).toString('base64url');
}

function call(route, { token, body = {}, headers = {}, at = base } = {}) {
  const h = { 'content-type': 'application/json', 'x-forge-oauth-system': SYSTEM_TOKEN, 'x-b3-traceid': 'trace-1', 'x-b3-spanid': 'span-1', ...headers };
  if (token) h.authorization = `Bearer ${token}`;
  return fetch(at + route, { method: 'POST', headers: h, body: JSON.stringify(body) });
}

function listen(handler) {
  const srv = http.createServer(handler);
  return new Promise((resolve) => srv.listen(0, '127.0.0.1', () => resolve(srv)));
}

function close(srv) {
  return new Promise((resolve) => srv.close(resolve));
}

// mini mounts a Forge Remote with its own options on a fresh Express app
// that shares the test app's add-on (and so its store).
async function mini(options, setup = () => {}) {
  const e = express();
  const { addon = app.addon, ...rest } = options;
  const remote = createForgeRemote(addon, { log: { log() {}, error() {} }, ...rest });
  setup(remote);
  e.use('/forge', remote.router);
  const srv = await new Promise((resolve) => {
    const s = e.listen(0, '127.0.0.1', () => resolve(s));
  });
  return { srv, base: `http://127.0.0.1:${srv.address().port}`, remote };
}

test.before(async () => {
  jose = await import('jose');
  signingKey = await newKey('forge-key-1');
  otherKey = await newKey('forge-key-other');
  await publish(signingKey);

  jwksServer = await listen((req, res) => {
    if (req.url !== '/.well-known/jwks.json') return res.writeHead(404).end();
    jwksFetches++;
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys: jwksKeys }));
  });
  jwksUrl = `http://127.0.0.1:${jwksServer.address().port}/.well-known/jwks.json`;

  api = await listen((req, res) => {
    apiCalls.push({ method: req.method, url: req.url, authorization: req.headers.authorization });
    if (req.headers.authorization !== `Bearer ${SYSTEM_TOKEN}` && req.headers.authorization !== `Bearer ${USER_TOKEN}`) {
      return res.writeHead(401).end('bad token');
    }
    if (req.method === 'GET' && req.url === `/bb/2.0/repositories/${encodeURIComponent(WORKSPACE.toUpperCase())}/${encodeURIComponent(REPO)}`) {
      res.writeHead(200, { 'content-type': 'application/json' });
      return res.end(JSON.stringify({ full_name: 'team/forge-repo', name: 'forge-repo', uuid: REPO }));
    }
    res.writeHead(404).end();
  });
  apiBase = `http://127.0.0.1:${api.address().port}`;
  installation.baseApiUrl = apiBase;

  process.env.FORGE_APP_ID = APP_ID;
  process.env.FORGE_JWKS_URL = jwksUrl;
  for (const level of ['log', 'info', 'warn', 'error']) {
    const print = console[level];
    console[level] = (...args) => {
      output.push(args.map(String).join(' '));
      print.apply(console, args);
    };
  }
  app = await start(0);
  base = `http://127.0.0.1:${app.server.address().port}`;
  const installed = await fetch(`${base}/installed`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(installation),
  });
  assert.equal(installed.status, 204, await installed.text());
});

test.after(async () => {
  await close(app.server);
  await close(jwksServer);
  await close(api);
});

test('the app says at start that Forge Remote is on and whose keys it trusts, and reads no keys yet', () => {
  assert.ok(output.some((l) => l === `Forge Remote is on at /forge for ${APP_ID}`), output.join('\n'));
  assert.ok(output.some((l) => l.includes(`trusts the keys at ${jwksUrl}, not Atlassian's`)), output.join('\n'));
  assert.equal(jwksFetches, 0);
});

test('a valid FIT reaches the UI handler with req.forge and the Connect installation of its workspace', async () => {
  const res = await call('/forge/ui', { token: await fit({}, { ui: true }), body: { call: { functionKey: 'whoami', payload: {} } } });
  assert.equal(res.status, 200);
  assert.deepEqual(await res.json(), {
    accountId: ACCOUNT,
    workspaceId: WORKSPACE.toUpperCase(),
    installationId: INSTALLATION_ID,
    connectClientKey: installation.clientKey,
    module: { type: 'bitbucket:repoCodeOverviewCard', key: 'repo-card' },
  });
  assert.equal(jwksFetches, 1, 'the keys are fetched once');

  // The mapping is remembered in ACE's store, outside the installation's
  // own values, and the installation records its Forge installation.
  const norm = WORKSPACE.slice(1, -1).toLowerCase();
  assert.deepEqual(await app.addon.settings.get(`workspace:${norm}`, INDEX_TENANT), { clientKey: installation.clientKey });
  const fi = await app.addon.settings.get('forgeInstallation', installation.clientKey);
  assert.equal(fi.installationId, INSTALLATION_ID);
  assert.equal(fi.appId, APP_ID);

  // A second call uses the cached keys.
  const again = await call('/forge/ui', { token: await fit({}, { ui: true }), body: { call: { functionKey: 'whoami' } } });
  assert.equal(again.status, 200);
  assert.equal(jwksFetches, 1, 'cached keys');
});

test('every bad token is refused with 401 and a short reason, before any handler', async (t) => {
  const now = Math.floor(Date.now() / 1000);
  const publicPem = await jose.exportSPKI(signingKey.publicKey);
  const cases = [
    ['missing token', async () => undefined, 'missing token'],
    ['not a JWT', async () => 'not-a-jwt', 'malformed token'],
    ['alg none', async () => `${b64url({ alg: 'none', typ: 'JWT', kid: signingKey.kid })}.${b64url(claims())}.`, 'algorithm not allowed'],
    [
      'HS256 signed with the public key',
      async () =>
        new jose.SignJWT(claims()).setProtectedHeader({ alg: 'HS256', kid: signingKey.kid }).sign(new TextEncoder().encode(publicPem)),
      'algorithm not allowed',
    ],
    ['another key under the published kid', async () => fit({}, { key: otherKey, kid: signingKey.kid }), 'bad signature'],
    ['a key the JWKS does not hold', async () => fit({}, { key: otherKey }), 'unknown key'],
    ['no kid', async () => new jose.SignJWT(claims()).setProtectedHeader({ alg: 'RS256' }).sign(signingKey.privateKey), 'unknown key'],
    ['another app', async () => fit({ aud: OTHER_APP_ID }), 'wrong audience'],
    ['another issuer', async () => fit({ iss: 'someone/else' }), 'wrong issuer'],
    ['expired beyond the leeway', async () => fit({ iat: now - 120, nbf: now - 120, exp: now - 30 }), 'expired'],
    ['not yet valid beyond the leeway', async () => fit({ nbf: now + 60, exp: now + 120 }), 'not yet valid'],
    ['issued in the future', async () => fit({ iat: now + 60, nbf: undefined, exp: now + 120 }), 'not yet valid'],
    ['no app claim', async () => fit({ app: undefined }), 'bad claims'],
  ];
  const fired = [];
  const listener = (event) => fired.push(event);
  app.addon.on('forge:avi:bitbucket:created:pullrequest', listener);
  t.after(() => app.addon.off('forge:avi:bitbucket:created:pullrequest', listener));
  for (const [name, make, reason] of cases) {
    await t.test(name, async () => {
      const token = await make();
      for (const route of ['/forge/events', '/forge/ui', '/forge/lifecycle', '/forge/merge-check']) {
        const res = await call(route, { token, body: { eventType: 'avi:bitbucket:created:pullrequest', call: { functionKey: 'whoami' } } });
        assert.equal(res.status, 401, `${route}: ${name}`);
        const text = await res.text();
        assert.equal(text, reason, route);
      }
    });
  }
  await new Promise((resolve) => setTimeout(resolve, 50));
  assert.deepEqual(fired, [], 'no handler ran');
  // Nothing printed or answered holds a token or key material.
  const printed = output.join('\n');
  assert.doesNotMatch(printed, /BEGIN PUBLIC KEY|eyJ/);
});

test('a token within the leeway is accepted', async () => {
  const now = Math.floor(Date.now() / 1000);
  const expired2s = await fit({ iat: now - 62, nbf: now - 62, exp: now - 2 }, { ui: true });
  const res = await call('/forge/ui', { token: expired2s, body: { call: { functionKey: 'whoami' } } });
  assert.equal(res.status, 200, await res.text());
});

test('Bitbucket is called with the system token at the FIT\'s app.apiBaseUrl, never at an address from the body', async () => {
  apiCalls.length = 0;
  const res = await call('/forge/ui', {
    token: await fit({}, { ui: true }),
    body: {
      call: { functionKey: 'repository', payload: { apiBaseUrl: 'http://127.0.0.2:9/evil' } },
      context: { apiBaseUrl: 'http://127.0.0.2:9/evil' },
      app: { apiBaseUrl: 'http://127.0.0.2:9/evil' },
    },
  });
  assert.equal(res.status, 200);
  assert.deepEqual(await res.json(), { fullName: 'team/forge-repo', name: 'forge-repo' });
  assert.deepEqual(apiCalls, [
    {
      method: 'GET',
      url: `/bb/2.0/repositories/${encodeURIComponent(WORKSPACE.toUpperCase())}/${encodeURIComponent(REPO)}`,
      authorization: `Bearer ${SYSTEM_TOKEN}`,
    },
  ]);
});

test('req.forge carries the tokens and fetch refuses paths that leave the API', async () => {
  const got = new Promise((resolve) => app.addon.once('forge:avi:bitbucket:updated:repository', (event, forge) => resolve({ event, forge })));
  const res = await call('/forge/events', {
    token: await fit(),
    headers: { 'x-forge-oauth-user': USER_TOKEN },
    body: { eventType: 'avi:bitbucket:updated:repository', repository: { uuid: REPO }, workspace: { uuid: WORKSPACE } },
  });
  assert.equal(res.status, 200);
  const { event, forge } = await got;
  assert.equal(event.repository.uuid, REPO);
  assert.equal(forge.systemToken, SYSTEM_TOKEN);
  assert.equal(forge.userToken, USER_TOKEN);
  assert.equal(forge.installationId, INSTALLATION_ID);
  assert.equal(forge.workspaceId, WORKSPACE.toUpperCase());
  assert.deepEqual(forge.module, { type: 'core:endpoint', key: 'connect-events' });
  assert.equal(forge.principal, null, 'events have no principal');
  assert.equal(forge.clientKey, installation.clientKey);
  assert.equal(forge.apiBaseUrl, `${apiBase}/bb`);
  assert.equal(forge.traceId, 'trace-1');

  apiCalls.length = 0;
  const asUser = await forge.fetchAsUser(`/2.0/repositories/${encodeURIComponent(WORKSPACE.toUpperCase())}/${encodeURIComponent(REPO)}`);
  assert.equal(asUser.status, 200);
  assert.equal(apiCalls[0].authorization, `Bearer ${USER_TOKEN}`);
  await assert.rejects(forge.fetch('//evil.example/x'), /starts with one "\/"/);
  await assert.rejects(forge.fetch('https://evil.example/x'), /starts with one "\/"/);
  const userinfo = await forge.fetch('/@evil.example/x');
  assert.equal(new URL(userinfo.url).origin, apiBase, 'a path with @ stays on the API host');
  assert.ok(apiCalls.every((c) => c.url.startsWith('/bb/')), JSON.stringify(apiCalls));
});

test('a workspace without a Connect installation gets clientKey null, and an uninstalled one is forgotten', async () => {
  const ws = `{${crypto.randomUUID()}}`;
  const got = new Promise((resolve) => app.addon.once('forge:avi:bitbucket:created:repository', (e, forge) => resolve(forge)));
  const appClaim = claims().app;
  appClaim.installation.contexts[0].workspaceId = ws;
  assert.equal((await call('/forge/events', { token: await fit({ app: appClaim }), body: { eventType: 'avi:bitbucket:created:repository', n: 1 } })).status, 200);
  assert.equal((await got).clientKey, null);

  // A second installation in OTHER_WORKSPACE, then removed from the store
  // (as POST /uninstalled does): the remembered mapping is not trusted.
  const other = { ...installation, clientKey: `connection:${crypto.randomInt(1e6, 1e7)}`, principal: { uuid: OTHER_WORKSPACE, type: 'team' } };
  await app.addon.settings.saveInstallation(other, other.clientKey);
  const remote = createForgeRemote(app.addon, { env: { FORGE_APP_ID: APP_ID, FORGE_JWKS_URL: jwksUrl }, log: { log() {} } });
  assert.equal(await remote.workspaceClientKey(OTHER_WORKSPACE), other.clientKey);
  await app.addon.settings.del(other.clientKey);
  const fresh = createForgeRemote(app.addon, { env: { FORGE_APP_ID: APP_ID, FORGE_JWKS_URL: jwksUrl }, log: { log() {} } });
  assert.equal(await fresh.workspaceClientKey(OTHER_WORKSPACE), null);
  assert.equal(await app.addon.settings.get(`workspace:${OTHER_WORKSPACE.slice(1, -1)}`, INDEX_TENANT), null);
});

test('events are acknowledged before their work and well within 5 s; a retried delivery runs once', async (t) => {
  let release;
  const gate = new Promise((resolve) => {
    release = resolve;
  });
  const ran = [];
  const m = await mini({ env: { FORGE_APP_ID: APP_ID, FORGE_JWKS_URL: jwksUrl } }, (remote) => {
    remote.onEvent('avi:bitbucket:created:pullrequest', async (event) => {
      ran.push({ id: event.pullrequest.id, at: Date.now() });
      await gate; // the work takes as long as the test wants
      ran.push({ done: event.pullrequest.id });
    });
  });
  t.after(() => close(m.srv));
  const event = { eventType: 'avi:bitbucket:created:pullrequest', pullrequest: { id: 7 }, repository: { uuid: REPO }, workspace: { uuid: WORKSPACE } };

  const t0 = Date.now();
  const res = await call('/forge/events', { at: m.base, token: await fit(), body: event });
  const ms = Date.now() - t0;
  assert.equal(res.status, 200);
  assert.deepEqual(await res.json(), { acknowledged: true });
  assert.ok(ms < 5000, `answered in ${ms} ms`);
  assert.ok(await waitFor(() => ran.length === 1), 'the work started after the answer');
  assert.ok(!ran.some((r) => r.done), 'and was still running when the answer came');

  // Forge retries (same event, a retryContext, a new token): not run again.
  const retry = await call('/forge/events', {
    at: m.base,
    token: await fit(),
    body: { retryContext: { retryCount: 1, retryReason: 'FUNCTION_TIME_OUT' }, ...event, pullrequest: { id: 7 } },
  });
  assert.equal(retry.status, 200);
  assert.deepEqual(await retry.json(), { acknowledged: true, duplicate: true });
  // Another event runs.
  const next = await call('/forge/events', { at: m.base, token: await fit(), body: { ...event, pullrequest: { id: 8 } } });
  assert.deepEqual(await next.json(), { acknowledged: true });
  release();
  await waitFor(() => ran.filter((r) => r.done).length === 2);
  assert.deepEqual(
    ran.filter((r) => r.id !== undefined).map((r) => r.id),
    [7, 8],
  );
});

test('a slow store holds up neither the acknowledgement of an event nor a UI call beyond its limit', async (t) => {
  let open;
  const gate = new Promise((resolve) => {
    open = resolve;
  });
  // The app's own store, answering only when the test opens the gate.
  const store = Object.create(app.addon.settings);
  store.get = (...args) => gate.then(() => app.addon.settings.get(...args));
  store.getAllClientInfos = () => gate.then(() => app.addon.settings.getAllClientInfos());
  const seen = [];
  const m = await mini({ addon: { settings: store }, env: { FORGE_APP_ID: APP_ID, FORGE_JWKS_URL: jwksUrl }, uiTimeoutMs: 300 }, (remote) => {
    remote.onEvent('*', (event, forge) => seen.push(forge.clientKey));
    remote.onUi('whoami', (payload, forge) => ({ clientKey: forge.clientKey }));
  });
  t.after(() => close(m.srv));

  const t0 = Date.now();
  const res = await call('/forge/events', { at: m.base, token: await fit(), body: { eventType: 'avi:bitbucket:updated:pullrequest', n: crypto.randomUUID() } });
  assert.equal(res.status, 200);
  assert.ok(Date.now() - t0 < 5000);
  const ui = await call('/forge/ui', { at: m.base, token: await fit({}, { ui: true }), body: { call: { functionKey: 'whoami' } } });
  assert.equal(ui.status, 504);
  assert.deepEqual(seen, [], 'the handler waits for the store');

  open();
  assert.ok(await waitFor(() => seen.length === 1));
  assert.deepEqual(seen, [installation.clientKey], 'and then gets the Connect installation');
});

test('a UI call answers with a clear error when the handler is too slow, and a failed one without details', async (t) => {
  const m = await mini({ env: { FORGE_APP_ID: APP_ID, FORGE_JWKS_URL: jwksUrl }, uiTimeoutMs: 300, mergeCheckTimeoutMs: 300 }, (remote) => {
    remote.onUi('slow', () => new Promise(() => {}));
    remote.onUi('broken', () => {
      throw new Error('secret database password in message');
    });
    remote.onMergeCheck(() => new Promise(() => {}));
  });
  t.after(() => close(m.srv));
  const t0 = Date.now();
  const res = await call('/forge/ui', { at: m.base, token: await fit({}, { ui: true }), body: { call: { functionKey: 'slow' } } });
  assert.equal(res.status, 504);
  assert.deepEqual(await res.json(), { error: 'The app did not answer within 300 ms' });
  assert.ok(Date.now() - t0 < 5000);

  const broken = await call('/forge/ui', { at: m.base, token: await fit({}, { ui: true }), body: { call: { functionKey: 'broken' } } });
  assert.equal(broken.status, 500);
  assert.deepEqual(await broken.json(), { error: 'The app failed to answer this call' });

  const unknown = await call('/forge/ui', { at: m.base, token: await fit({}, { ui: true }), body: { call: { functionKey: 'nope' } } });
  assert.equal(unknown.status, 404);

  const check = await call('/forge/merge-check', { at: m.base, token: await fit(), body: { trigger: 'on-merge', pullrequest: { id: 3 } } });
  assert.deepEqual(await check.json(), { success: false, message: 'The check did not finish in time.' });

  const logged = [];
  const failing = await mini({ env: { FORGE_APP_ID: APP_ID, FORGE_JWKS_URL: jwksUrl }, log: { log() {}, error: (l) => logged.push(l) } }, (remote) => {
    remote.onMergeCheck(() => {
      throw new Error('the rules file is missing');
    });
  });
  t.after(() => close(failing.srv));
  const failed = await call('/forge/merge-check', { at: failing.base, token: await fit(), body: { trigger: 'on-merge', pullrequest: { id: 4 } } });
  assert.equal(failed.status, 200);
  assert.deepEqual(await failed.json(), { success: false, message: 'The check failed; the app logged why.' });
  assert.ok(logged.some((l) => l.includes('the rules file is missing')), logged.join('\n'));
});

test('the default limits answer before Forge gives up (25 s for UI calls) and keep a retry window', () => {
  assert.equal(DEFAULTS.uiTimeoutMs, 20000);
  assert.ok(DEFAULTS.mergeCheckTimeoutMs < 25000);
  assert.ok(DEFAULTS.clockToleranceSec > 0 && DEFAULTS.clockToleranceSec <= 10);
  assert.ok(DEFAULTS.jwksCooldownMs >= 10000, 'unknown key ids refetch the JWKS at most every 10 s or less often');
  assert.ok(DEFAULTS.dedupTtlMs >= 10 * 60 * 1000);
});

test('the example merge check and lifecycle route answer', async () => {
  const check = await call('/forge/merge-check', { token: await fit(), body: { trigger: 'on-merge', workspace: { uuid: WORKSPACE }, pullrequest: { id: 5 } } });
  assert.equal(check.status, 200);
  assert.deepEqual(await check.json(), { success: true, message: 'Checked pull request #5 on on-merge.' });

  output.length = 0;
  const life = await call('/forge/lifecycle', {
    token: await fit(),
    body: { eventType: 'avi:forge:installed:app', id: crypto.randomUUID(), installerAccountId: ACCOUNT, context: { workspaceId: WORKSPACE } },
  });
  assert.equal(life.status, 200);
  await waitFor(() => output.some((l) => l.includes('Forge avi:forge:installed:app')));
  assert.ok(
    output.some((l) => l.includes('Forge avi:forge:installed:app for workspace') && l.includes(`Connect installation ${installation.clientKey}`)),
    output.join('\n'),
  );
});

test('keys: an unknown kid refetches the JWKS at most once per cooldown', async (t) => {
  const cooldown = 3000;
  // Everything slow (key generation, signing) is done before the clock starts.
  const rotated = await newKey('forge-key-2');
  const early = await Promise.all([1, 2, 3, 4, 5].map(() => fit({}, { key: rotated })));
  const late = await fit({}, { key: rotated });
  const before = jwksFetches;
  const m = await mini({ env: { FORGE_APP_ID: APP_ID, FORGE_JWKS_URL: jwksUrl }, jwksCooldownMs: cooldown });
  t.after(() => close(m.srv));
  const fetchedAt = Date.now();
  assert.equal((await call('/forge/lifecycle', { at: m.base, token: await fit(), body: { eventType: 'avi:forge:upgraded:app', id: '1' } })).status, 200);
  assert.equal(jwksFetches, before + 1);

  // A new key appears (rotation) right after the fetch: within the
  // cooldown, tokens signed with it are refused without refetching.
  await publish(rotated);
  for (const token of early) {
    const res = await call('/forge/lifecycle', { at: m.base, token, body: { id: crypto.randomUUID() } });
    assert.equal(res.status, 401);
    assert.equal(await res.text(), 'unknown key');
  }
  assert.ok(Date.now() - fetchedAt < cooldown, 'the refused calls came within the cooldown');
  assert.equal(jwksFetches, before + 1, 'no refetch within the cooldown');

  await new Promise((resolve) => setTimeout(resolve, fetchedAt + cooldown + 100 - Date.now()));
  const res = await call('/forge/lifecycle', { at: m.base, token: late, body: { id: 'after' } });
  assert.equal(res.status, 200, await res.text());
  assert.equal(jwksFetches, before + 2, 'one refetch after the cooldown');
});

test('keys that cannot be read give 503, not a verdict on the token', async (t) => {
  const notKeys = await listen((req, res) => {
    if (req.url === '/slow') return; // never answers
    if (req.url === '/html') return res.writeHead(200, { 'content-type': 'text/html' }).end('<html>');
    res.writeHead(404).end();
  });
  t.after(() => {
    notKeys.closeAllConnections();
    return close(notKeys);
  });
  const at = `http://127.0.0.1:${notKeys.address().port}`;
  for (const [what, url] of [
    ['nothing listening', 'http://127.0.0.1:9/.well-known/jwks.json'],
    ['HTTP 404', `${at}/.well-known/jwks.json`],
    ['not a key set', `${at}/html`],
    ['no answer in time', `${at}/slow`],
  ]) {
    const logged = [];
    const m = await mini({ env: { FORGE_APP_ID: APP_ID, FORGE_JWKS_URL: url }, jwksTimeoutMs: 300, log: { log() {}, error: (l) => logged.push(l) } });
    const res = await call('/forge/events', { at: m.base, token: await fit(), body: {} });
    await close(m.srv);
    assert.equal(res.status, 503, what);
    assert.equal(await res.text(), 'cannot read the signing keys', what);
    assert.match(logged.join('\n'), /Forge Remote: cannot read the keys at http:\/\/127\.0\.0\.1:\d+/, what);
  }
});

test('off (404) without FORGE_APP_ID; a malformed FORGE_APP_ID or FORGE_JWKS_URL stops the start', async (t) => {
  const m = await mini({ env: {} });
  t.after(() => close(m.srv));
  for (const route of ['/forge/events', '/forge/ui', '/forge/lifecycle', '/forge/merge-check']) {
    const res = await call(route, { at: m.base, token: await fit() });
    assert.equal(res.status, 404, route);
    assert.equal(await res.text(), 'Forge Remote is off: FORGE_APP_ID is not set');
  }
  assert.throws(() => forgeSettings({ FORGE_APP_ID: 'my-app' }), /FORGE_APP_ID is not a Forge app ARI: set it like FORGE_APP_ID=ari:cloud:ecosystem::app\//);
  assert.throws(() => forgeSettings({ FORGE_APP_ID: APP_ID, FORGE_JWKS_URL: 'file:///etc/passwd' }), /FORGE_JWKS_URL is not an http\(s\) URL/);
  assert.equal(forgeSettings({ FORGE_APP_ID: APP_ID }).jwksUrl, ATLASSIAN_JWKS_URL);
  assert.equal(ATLASSIAN_JWKS_URL, 'https://forge.cdn.prod.atlassian-dev.net/.well-known/jwks.json');
});

test('.env.example and the README name every Forge Remote setting', () => {
  const fs = require('node:fs');
  const envExample = fs.readFileSync(path.join(__dirname, '..', '.env.example'), 'utf8');
  const readme = fs.readFileSync(path.join(__dirname, '..', 'README.md'), 'utf8');
  const source = fs.readFileSync(path.join(__dirname, '..', 'lib', 'forge-remote.js'), 'utf8');
  const read = [...new Set([...source.matchAll(/env\.(FORGE_[A-Z_]+)/g)].map((m) => m[1]))].sort();
  assert.deepEqual(read, ['FORGE_APP_ID', 'FORGE_JWKS_URL', 'FORGE_JWKS_URL_INTENDED']);
  for (const name of read) {
    assert.match(envExample, new RegExp(`^# ${name}=`, 'm'), `.env.example: ${name}`);
    assert.match(readme, new RegExp(`\\| \`${name}\` \\|`), `README: ${name}`);
  }
});

test('production refuses a JWKS that is not Atlassian\'s unless FORGE_JWKS_URL_INTENDED=true', async () => {
  const prod = { NODE_ENV: 'production', FORGE_APP_ID: APP_ID };
  assert.throws(() => forgeSettings({ ...prod, FORGE_JWKS_URL: jwksUrl }), /FORGE_JWKS_URL is not Atlassian's .*FORGE_JWKS_URL_INTENDED=true/);
  assert.throws(() => forgeSettings({ ...prod, FORGE_JWKS_URL: 'https://forge.cdn.prod.atlassian-dev.net.evil.example/jwks.json' }), /not Atlassian's/);
  assert.throws(() => forgeSettings({ ...prod, FORGE_JWKS_URL: 'http://forge.cdn.prod.atlassian-dev.net/.well-known/jwks.json' }), /not Atlassian's/);
  assert.ok(forgeSettings({ ...prod }).enabled);
  assert.ok(forgeSettings({ ...prod, FORGE_JWKS_URL: 'https://forge.cdn.stg.atlassian-dev.net/.well-known/jwks.json' }).enabled);
  const intended = forgeSettings({ ...prod, FORGE_JWKS_URL: jwksUrl, FORGE_JWKS_URL_INTENDED: 'true' });
  assert.ok(intended.notices.some((n) => n.includes('FORGE_JWKS_URL_INTENDED=true')));

  // The real start (node app.js): refused before the database is tried;
  // with the flag it says so and goes on (to a database that is not there).
  const env = {
    PATH: process.env.PATH,
    NODE_ENV: 'production',
    PORT: '1',
    AC_LOCAL_BASE_URL: 'https://example.test',
    DATABASE_URL: 'postgres://app:secret@127.0.0.1:9/app',
    DATABASE_WAIT_SECONDS: '0',
    FORGE_APP_ID: APP_ID,
    FORGE_JWKS_URL: jwksUrl,
  };
  const refused = await run(env);
  assert.equal(refused.code, 1, refused.out);
  assert.match(refused.out, /Cannot start: FORGE_JWKS_URL is not Atlassian's \(http:\/\/127\.0\.0\.1:\d+\)/);
  assert.doesNotMatch(refused.out, /database|listening/i);

  const allowed = await run({ ...env, FORGE_JWKS_URL_INTENDED: 'true' });
  assert.match(allowed.out, /Forge Remote trusts the keys at http:\/\/127\.0\.0\.1:\d+\/\.well-known\/jwks\.json, not Atlassian's \(FORGE_JWKS_URL_INTENDED=true\)/);
  assert.doesNotMatch(allowed.out, /FORGE_JWKS_URL is not Atlassian's/);
  assert.equal(allowed.code, 1, 'no database here');
});

function run(env) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [path.join(__dirname, '..', 'app.js')], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), 20000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, out });
    });
  });
}
