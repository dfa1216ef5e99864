'use strict';
// Forge Remote: this Connect app as the server ("remote") of its Forge app.
// The Forge app's lifecycle triggers, product-event triggers, merge checks
// and UI resolvers POST to the app at /forge/*; each request carries a
// Forge Invocation Token (FIT) in `Authorization: Bearer`, and, when the
// manifest enables it, an app system token (`x-forge-oauth-system`) and a
// user token (`x-forge-oauth-user`) for calling Bitbucket as the Forge app.
//
// This file:
//   - verifies the FIT with jose: RS256 only, keys from FORGE_JWKS_URL
//     (default Atlassian's published JWKS), cached and refetched on an
//     unknown key id at most once per cooldown, issuer
//     forge/invocation-token, audience FORGE_APP_ID, exp/nbf with a small
//     leeway. Anything else is a 401 with a short reason;
//   - gives handlers req.forge (installation, workspace, module, principal,
//     tokens, the Connect installation of the same workspace, and fetch
//     helpers that call Bitbucket at the FIT's app.apiBaseUrl);
//   - acknowledges events and lifecycle triggers at once and runs their
//     handlers afterwards (Forge waits 5 s), handling a retried delivery
//     once; answers UI calls and merge checks within a time limit (Forge
//     waits 25 s) or with a clear error.
// Without FORGE_APP_ID every /forge route answers 404.
//
// Mount it in any atlassian-connect-express app:
//   const { createForgeRemote } = require('./lib/forge-remote');
//   const remote = createForgeRemote(addon);
//   remote.onEvent('avi:bitbucket:created:pullrequest', async (event, forge) => { ... });
//   app.use('/forge', remote.router);

const crypto = require('node:crypto');
const express = require('express');

const ATLASSIAN_JWKS_URL = 'https://forge.cdn.prod.atlassian-dev.net/.well-known/jwks.json';
const ISSUER = 'forge/invocation-token';
const APP_ARI = /^ari:cloud:ecosystem::app\/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
// Hosts whose JWKS is Atlassian's own; any other FORGE_JWKS_URL in
// production needs FORGE_JWKS_URL_INTENDED=true.
const ATLASSIAN_HOSTS = ['atlassian-dev.net', 'atlassian.com'];
// The tenant under which the workspace -> client key index is kept in
// ACE's store (next to, never inside, the installations' own values).
const INDEX_TENANT = 'forge-remote';

const DEFAULTS = {
  clockToleranceSec: 5, // leeway for exp and nbf
  jwksCooldownMs: 30000, // at most one JWKS refetch per 30 s for unknown key ids
  jwksCacheMaxAgeMs: 10 * 60 * 1000, // keys are refetched after 10 minutes anyway
  jwksTimeoutMs: 5000,
  uiTimeoutMs: 20000, // Forge gives up on UI calls after 25 s
  mergeCheckTimeoutMs: 20000,
  dedupTtlMs: 60 * 60 * 1000, // Forge retries an event up to 4 times
  dedupMax: 10000,
  fetchTimeoutMs: 10000,
  notFoundTtlMs: 60000, // a workspace without a Connect installation is looked up again after 1 minute
};

// loadJose loads jose 6, which is an ES module: import() works in this
// CommonJS file on every Node version in package.json's engines, where
// require() of an ES module needs Node 20.19 or 22.12.
let josePromise;
function loadJose() {
  josePromise = josePromise || import('jose');
  return josePromise;
}

function isAtlassianHost(hostname) {
  return ATLASSIAN_HOSTS.some((h) => hostname === h || hostname.endsWith(`.${h}`));
}

// forgeSettings reads the Forge Remote settings from env. It throws when a
// setting is malformed, or when a production app would trust keys that are
// not Atlassian's without FORGE_JWKS_URL_INTENDED=true; notices are lines to
// print at start.
function forgeSettings(env = process.env) {
  const appId = env.FORGE_APP_ID || '';
  const notices = [];
  if (!appId) {
    return { enabled: false, notices: ['Forge Remote is off (/forge/* answers 404): FORGE_APP_ID is not set'] };
  }
  if (!APP_ARI.test(appId)) {
    throw new Error(
      'FORGE_APP_ID is not a Forge app ARI: set it like FORGE_APP_ID=ari:cloud:ecosystem::app/00000000-0000-0000-0000-000000000000 (the app id in manifest.yml)',
    );
  }
  const jwksUrl = env.FORGE_JWKS_URL || ATLASSIAN_JWKS_URL;
  let u;
  try {
    u = new URL(jwksUrl);
  } catch {
    u = null;
  }
  if (!u || !['https:', 'http:'].includes(u.protocol)) {
    throw new Error(`FORGE_JWKS_URL is not an http(s) URL: set it like FORGE_JWKS_URL=${ATLASSIAN_JWKS_URL}, or leave it unset`);
  }
  const atlassian = u.protocol === 'https:' && isAtlassianHost(u.hostname);
  const intended = env.FORGE_JWKS_URL_INTENDED === 'true';
  if (!atlassian) {
    if (env.NODE_ENV === 'production' && !intended) {
      throw new Error(
        `FORGE_JWKS_URL is not Atlassian's (${u.origin}): production would accept tokens signed by whoever holds its keys. Unset it, or set FORGE_JWKS_URL_INTENDED=true if that is intended`,
      );
    }
    notices.push(`Forge Remote trusts the keys at ${u.origin}${u.pathname}, not Atlassian's${intended ? ' (FORGE_JWKS_URL_INTENDED=true)' : ''}`);
  }
  notices.push(`Forge Remote is on at /forge for ${appId}`);
  return { enabled: true, appId, jwksUrl: u.toString(), atlassian, notices };
}

// Refusal is a request the module answers with a status and a short reason.
class Refusal extends Error {
  constructor(status, reason) {
    super(reason);
    this.status = status;
  }
}

// KEY_SOURCE_ERRORS are jose's errors about the JWKS itself (no answer in
// time, not a key set, an HTTP status other than 200): they say nothing
// about the token, so the call gets 503, not 401.
const KEY_SOURCE_ERRORS = ['ERR_JWKS_TIMEOUT', 'ERR_JWKS_INVALID', 'ERR_JOSE_GENERIC'];

// reasonFor turns jose's verification errors into the contract's short
// reasons; it never repeats the token or the keys.
function reasonFor(err) {
  switch (err && err.code) {
    case 'ERR_JWT_EXPIRED':
      return 'expired';
    case 'ERR_JWS_SIGNATURE_VERIFICATION_FAILED':
      return 'bad signature';
    case 'ERR_JWKS_NO_MATCHING_KEY':
    case 'ERR_JWKS_MULTIPLE_MATCHING_KEYS':
      return 'unknown key';
    case 'ERR_JOSE_ALG_NOT_ALLOWED':
      return 'algorithm not allowed';
    case 'ERR_JWT_CLAIM_VALIDATION_FAILED':
      if (err.claim === 'aud') return 'wrong audience';
      if (err.claim === 'iss') return 'wrong issuer';
      if (err.claim === 'nbf' || err.claim === 'iat') return 'not yet valid';
      return 'bad claims';
    default:
      return 'malformed token';
  }
}

// normalizeWorkspace makes "{UUID}" and "uuid" compare equal.
function normalizeWorkspace(id) {
  return typeof id === 'string' ? id.replace(/^\{|\}$/g, '').toLowerCase() : '';
}

// canonical is JSON with sorted object keys, so the same event always
// hashes the same.
function canonical(v) {
  if (Array.isArray(v)) return `[${v.map(canonical).join(',')}]`;
  if (v && typeof v === 'object') {
    return `{${Object.keys(v)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonical(v[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(v === undefined ? null : v);
}

function withTimeout(promise, ms, message) {
  let timer;
  return Promise.race([
    promise,
    new Promise((_, reject) => {
      timer = setTimeout(() => reject(Object.assign(new Error(message), { timeout: true })), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}

// createForgeRemote returns { router, onLifecycle, onEvent, onMergeCheck,
// onUi, settings }. options: env (process.env), log (console), fetch (the
// global fetch, for calling Bitbucket) and the limits in DEFAULTS.
function createForgeRemote(addon, options = {}) {
  const opts = { ...DEFAULTS, ...options };
  const env = opts.env || process.env;
  const log = opts.log || console;
  const doFetch = opts.fetch || ((...args) => fetch(...args));
  const settings = forgeSettings(env);
  const router = express.Router();
  const handlers = { lifecycle: [], events: new Map(), mergeCheck: null, ui: new Map() };
  const remote = {
    router,
    settings,
    onLifecycle(fn) {
      handlers.lifecycle.push(fn);
      return remote;
    },
    // onEvent(type, fn) runs fn(event, forge) for each delivery of an event
    // type ('*' for every type), after the delivery was acknowledged.
    onEvent(type, fn) {
      if (!handlers.events.has(type)) handlers.events.set(type, []);
      handlers.events.get(type).push(fn);
      return remote;
    },
    // onMergeCheck(fn): fn(check, forge) returns { success, message }.
    onMergeCheck(fn) {
      handlers.mergeCheck = fn;
      return remote;
    },
    // onUi(functionKey, fn): fn(payload, forge, call) returns the JSON to
    // answer; '*' answers calls without a handler of their own.
    onUi(functionKey, fn) {
      handlers.ui.set(functionKey, fn);
      return remote;
    },
    // workspaceClientKey finds the client key of the Connect installation
    // of a workspace ("{uuid}"); null when the workspace has none.
    workspaceClientKey: (workspaceId) => findClientKey(workspaceId),
  };

  for (const line of settings.notices) log.log(line);
  if (!settings.enabled) {
    router.use((req, res) => {
      res.status(404).type('text').send('Forge Remote is off: FORGE_APP_ID is not set');
    });
    return remote;
  }

  // --- keys and verification -------------------------------------------
  let jwks;
  async function keys() {
    if (!jwks) {
      const { createRemoteJWKSet } = await loadJose();
      jwks = createRemoteJWKSet(new URL(settings.jwksUrl), {
        cooldownDuration: opts.jwksCooldownMs,
        cacheMaxAge: opts.jwksCacheMaxAgeMs,
        timeoutDuration: opts.jwksTimeoutMs,
      });
    }
    return jwks;
  }

  async function verify(req) {
    const header = req.get('authorization') || '';
    const m = /^Bearer\s+(\S+)$/i.exec(header);
    if (!m) throw new Refusal(401, 'missing token');
    const token = m[1];
    const jose = await loadJose();
    let protectedHeader;
    try {
      protectedHeader = jose.decodeProtectedHeader(token);
    } catch {
      throw new Refusal(401, 'malformed token');
    }
    // Checked before any key is looked up: "none", HS256 signed with the
    // public key and every other algorithm never reach the JWKS.
    if (protectedHeader.alg !== 'RS256') throw new Refusal(401, 'algorithm not allowed');
    if (typeof protectedHeader.kid !== 'string' || protectedHeader.kid === '') throw new Refusal(401, 'unknown key');
    try {
      const { payload } = await jose.jwtVerify(token, await keys(), {
        algorithms: ['RS256'],
        issuer: ISSUER,
        audience: settings.appId,
        clockTolerance: opts.clockToleranceSec,
        requiredClaims: ['exp', 'iat', 'app'],
      });
      if (!payload.app || typeof payload.app !== 'object') throw new Refusal(401, 'bad claims');
      if (payload.app.id && payload.app.id !== settings.appId) throw new Refusal(401, 'wrong audience');
      // jose checks nbf but not a future iat: a token issued later than
      // now (beyond the leeway) is not valid yet either.
      if (payload.iat > Date.now() / 1000 + opts.clockToleranceSec) {
        throw new Refusal(401, 'not yet valid');
      }
      return payload;
    } catch (err) {
      if (err instanceof Refusal) throw err;
      if (KEY_SOURCE_ERRORS.includes(err.code) || err.name === 'TypeError' || err.name === 'AbortError') {
        log.error(`Forge Remote: cannot read the keys at ${new URL(settings.jwksUrl).origin}: ${err.code || err.name}`);
        throw new Refusal(503, 'cannot read the signing keys');
      }
      throw new Refusal(401, reasonFor(err));
    }
  }

  // --- the Connect installation of a workspace ---------------------------
  const known = new Map(); // normalized workspace -> { clientKey } or { none: until }
  async function findClientKey(workspaceId) {
    const ws = normalizeWorkspace(workspaceId);
    if (!ws) return null;
    const hit = known.get(ws);
    if (hit && hit.none && hit.none > Date.now()) return null;
    const candidates = [];
    if (hit && hit.clientKey) candidates.push(hit.clientKey);
    const indexed = await addon.settings.get(`workspace:${ws}`, INDEX_TENANT);
    if (indexed && indexed.clientKey && !candidates.includes(indexed.clientKey)) candidates.push(indexed.clientKey);
    for (const clientKey of candidates) {
      const info = await addon.settings.get('clientInfo', clientKey);
      if (info && installationWorkspace(info) === ws) {
        known.set(ws, { clientKey });
        return clientKey;
      }
    }
    // Not (or no longer) indexed: look through the installations once.
    const all = await addon.settings.getAllClientInfos();
    const info = all.find((i) => installationWorkspace(i) === ws);
    if (!info) {
      known.set(ws, { none: Date.now() + opts.notFoundTtlMs });
      if (indexed) await addon.settings.del(`workspace:${ws}`, INDEX_TENANT);
      return null;
    }
    known.set(ws, { clientKey: info.clientKey });
    await addon.settings.set(`workspace:${ws}`, { clientKey: info.clientKey }, INDEX_TENANT);
    return info.clientKey;
  }

  // installationWorkspace is the workspace a Bitbucket Connect installation
  // belongs to: the install payload's principal (the workspace, or for a
  // personal workspace its user, whose UUID is the workspace's).
  function installationWorkspace(info) {
    return normalizeWorkspace(info && info.principal && info.principal.uuid);
  }

  async function rememberInstallation(clientKey, forge) {
    const prev = await addon.settings.get('forgeInstallation', clientKey);
    if (!prev || prev.installationId !== forge.installationId) {
      await addon.settings.set(
        'forgeInstallation',
        { installationId: forge.installationId, appId: forge.appId, workspaceId: forge.workspaceId, since: new Date().toISOString() },
        clientKey,
      );
    }
  }

  // --- req.forge -----------------------------------------------------------
  // forgeContext builds req.forge from the verified claims and headers;
  // connect() then finds the Connect installation (forge.clientKey).
  function forgeContext(req, claims) {
    const app = claims.app;
    const contexts = (app.installation && Array.isArray(app.installation.contexts) && app.installation.contexts) || [];
    const ctx = claims.context && typeof claims.context === 'object' ? claims.context : undefined;
    const workspaceId = (ctx && ctx.workspaceId) || (contexts.find((c) => c && c.workspaceId) || {}).workspaceId || null;
    const apiBaseUrl = typeof app.apiBaseUrl === 'string' ? app.apiBaseUrl : null;
    const systemToken = req.get('x-forge-oauth-system') || null;
    const userToken = req.get('x-forge-oauth-user') || null;
    const forge = {
      appId: settings.appId,
      appVersion: app.appVersion,
      environment: app.environment,
      installationId: app.installationId || (app.installation && app.installation.id) || null,
      workspaceId,
      module: app.module || null,
      principal: claims.principal || null,
      context: ctx || null,
      apiBaseUrl,
      systemToken,
      userToken,
      invocationId: claims.jti || null,
      traceId: req.get('x-b3-traceid') || null,
      claims,
      clientKey: null,
      // fetch(path, init) calls Bitbucket as the Forge app (the system
      // token) at the FIT's app.apiBaseUrl; fetchAsUser with the user token.
      fetch: (path, init) => callBitbucket(apiBaseUrl, systemToken, 'system', path, init),
      fetchAsUser: (path, init) => callBitbucket(apiBaseUrl, userToken, 'user', path, init),
    };
    return forge;
  }

  async function connect(forge) {
    forge.clientKey = await findClientKey(forge.workspaceId);
    if (forge.clientKey) await rememberInstallation(forge.clientKey, forge);
  }

  // callBitbucket sends path (which must start with "/") to the API base
  // URL of the verified token: never to an address taken from a body.
  function callBitbucket(apiBaseUrl, token, kind, path, init = {}) {
    if (!apiBaseUrl) return Promise.reject(new Error('The Forge Invocation Token has no app.apiBaseUrl'));
    if (!token) {
      return Promise.reject(
        new Error(`No ${kind} token came with the call: enable auth.app${kind === 'user' ? 'User' : 'System'}Token in the manifest's remote and endpoint`),
      );
    }
    if (typeof path !== 'string' || !path.startsWith('/') || path.startsWith('//')) {
      return Promise.reject(new Error(`A Bitbucket API path starts with one "/": ${JSON.stringify(path)}`));
    }
    const base = new URL(apiBaseUrl);
    const url = new URL(base.href.replace(/\/+$/, '') + path);
    if (url.origin !== base.origin) return Promise.reject(new Error('The API path leaves the API base URL'));
    const headers = new Headers(init.headers || {});
    headers.set('authorization', `Bearer ${token}`);
    if (!headers.has('accept')) headers.set('accept', 'application/json');
    return doFetch(url, { ...init, headers, signal: init.signal || AbortSignal.timeout(opts.fetchTimeoutMs) });
  }

  // --- deduplication of event deliveries ---------------------------------
  const seen = new Map(); // hash -> expiry (insertion order = age)
  function firstDelivery(claims, body) {
    const { retryContext, ...event } = body || {};
    const hash = crypto
      .createHash('sha256')
      .update(`${claims.app.installationId || ''}\n${claims.app.module ? claims.app.module.key : ''}\n${canonical(event)}`)
      .digest('hex');
    const now = Date.now();
    for (const [h, until] of seen) {
      if (until > now && seen.size <= opts.dedupMax) break;
      seen.delete(h);
    }
    if (seen.has(hash) && seen.get(hash) > now) return false;
    seen.set(hash, now + opts.dedupTtlMs);
    return true;
  }

  // --- routes ------------------------------------------------------------
  // authenticate verifies the FIT and sets req.forge. The Connect
  // installation is looked up later: for events and lifecycle calls after
  // they are acknowledged (a slow store must not hold the answer up), for
  // UI calls and merge checks within their time limit.
  const authenticate = async (req, res, next) => {
    try {
      const claims = await verify(req);
      req.forge = forgeContext(req, claims);
      next();
    } catch (err) {
      if (err instanceof Refusal) {
        res.status(err.status).type('text').send(err.message);
        return;
      }
      next(err);
    }
  };

  // acknowledge answers 200 at once, then runs work; a failure is logged.
  function acknowledge(res, work) {
    res.status(200).json({ acknowledged: true });
    setImmediate(() => {
      Promise.resolve()
        .then(work)
        .catch((err) => log.error(`Forge Remote: a handler failed: ${err && err.stack ? err.stack : err}`));
    });
  }

  const json = express.json({ limit: '1mb' });

  router.post('/lifecycle', json, authenticate, (req, res) => {
    const body = req.body || {};
    const forge = req.forge;
    if (!firstDelivery(forge.claims, body)) {
      res.status(200).json({ acknowledged: true, duplicate: true });
      return;
    }
    acknowledge(res, async () => {
      await connect(forge);
      for (const fn of handlers.lifecycle) await fn(body, forge);
    });
  });

  router.post('/events', json, authenticate, (req, res) => {
    const body = req.body || {};
    const forge = req.forge;
    if (!firstDelivery(forge.claims, body)) {
      res.status(200).json({ acknowledged: true, duplicate: true });
      return;
    }
    const type = typeof body.eventType === 'string' ? body.eventType : '';
    const fns = [...(handlers.events.get(type) || []), ...(handlers.events.get('*') || [])];
    acknowledge(res, async () => {
      await connect(forge);
      for (const fn of fns) await fn(body, forge);
    });
  });

  router.post('/merge-check', json, authenticate, async (req, res) => {
    if (!handlers.mergeCheck) {
      res.json({ success: true, message: 'No merge check is configured.' });
      return;
    }
    try {
      const result = await withTimeout(
        connect(req.forge).then(() => handlers.mergeCheck(req.body || {}, req.forge)),
        opts.mergeCheckTimeoutMs,
        'The check did not finish in time.',
      );
      res.json({ success: Boolean(result && result.success), message: result && result.message ? String(result.message) : '' });
    } catch (err) {
      if (!err.timeout) log.error(`Forge Remote: the merge check failed: ${err && err.stack ? err.stack : err}`);
      res.json({ success: false, message: err.timeout ? err.message : 'The check failed; the app logged why.' });
    }
  });

  router.post('/ui', json, authenticate, async (req, res) => {
    const body = req.body || {};
    const call = body.call && typeof body.call === 'object' ? body.call : {};
    const key = typeof call.functionKey === 'string' ? call.functionKey : '';
    const fn = handlers.ui.get(key) || handlers.ui.get('*');
    if (!fn) {
      res.status(404).json({ error: `No handler for the UI call ${JSON.stringify(key)}` });
      return;
    }
    try {
      const result = await withTimeout(
        connect(req.forge).then(() => fn(call.payload === undefined ? {} : call.payload, req.forge, call)),
        opts.uiTimeoutMs,
        `The app did not answer within ${opts.uiTimeoutMs < 1000 ? `${opts.uiTimeoutMs} ms` : `${Math.round(opts.uiTimeoutMs / 1000)} s`}`,
      );
      res.json(result === undefined ? null : result);
    } catch (err) {
      if (err.timeout) {
        res.status(504).json({ error: err.message });
        return;
      }
      log.error(`Forge Remote: the UI call ${JSON.stringify(key)} failed: ${err && err.stack ? err.stack : err}`);
      res.status(500).json({ error: 'The app failed to answer this call' });
    }
  });

  router.use((req, res) => {
    res.status(404).type('text').send('Not a Forge Remote route: POST /forge/lifecycle, /forge/events, /forge/merge-check or /forge/ui');
  });
  return remote;
}

module.exports = { createForgeRemote, forgeSettings, ATLASSIAN_JWKS_URL, ISSUER, INDEX_TENANT, DEFAULTS };
