// A stand-in, for connectgen's tests, for what the Forge platform gives a
// function: the globals @forge/api and @forge/kvs call (__forge_runtime__,
// __forge_fetch__), product calls sent to a local Bitbucket host, an
// in-memory Key-Value Store with secrets, and egress that sends
// https://api.bitbucket.org to the local host. The app's code and the
// @forge/* packages are the real ones; only the platform is played here.
// Settings (environment): FORGE_PRODUCT_URL (the local Bitbucket API),
// FORGE_APP_HEADER and FORGE_APP_ID (how the local host knows the app),
// FORGE_EGRESS (JSON: origin → local URL), FORGE_SECRETS (JSON: key → value).
'use strict';

const env = process.env;
const calls = [];
const store = new Map();
const secrets = new Map(Object.entries(JSON.parse(env.FORGE_SECRETS || '{}')));
const egress = JSON.parse(env.FORGE_EGRESS || '{}');

const noop = () => {};
const metrics = {
  counter: () => ({ incr: noop }),
  timing: () => ({ measure: () => ({ stop: noop }) }),
};

global.__forge_runtime__ = {
  metrics,
  appContext: {
    appId: env.FORGE_APP_ID,
    appVersion: '1.0.0',
    environmentId: 'local',
    environmentType: 'DEVELOPMENT',
    invocationId: 'local-invocation',
    installationId: 'local-installation',
    moduleKey: 'local',
  },
  lambdaContext: { getRemainingTimeInMillis: () => 25000 },
  tracing: { traceId: 'local', spanId: 'local' },
};

const json = (status, body) =>
  body === undefined
    ? new Response(null, { status })
    : new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });

// kvsCall answers @forge/kvs's storage API (POST /api/v1/…).
function kvsCall(path, init) {
  const body = JSON.parse(init.body || '{}');
  const notFound = json(404, { code: 'KEY_NOT_FOUND', message: 'no such key' });
  switch (path) {
    case '/api/v1/get':
      return store.has(body.key) ? json(200, { key: body.key, value: store.get(body.key) }) : notFound;
    case '/api/v1/set':
      store.set(body.key, body.value);
      return json(204);
    case '/api/v1/delete':
      store.delete(body.key);
      return json(204);
    case '/api/v1/secret/get':
      return secrets.has(body.key) ? json(200, { key: body.key, value: secrets.get(body.key) }) : notFound;
    case '/api/v1/secret/set':
      secrets.set(body.key, body.value);
      return json(204);
    default:
      return json(400, { code: 'UNSUPPORTED', message: 'the test runtime has no ' + path });
  }
}

global.__forge_fetch__ = async (target, path, init = {}) => {
  calls.push({ type: target.type, provider: target.provider, remote: target.remote, path, method: init.method || 'GET' });
  if (target.type === 'kvs') return kvsCall(path, init);
  if (target.type === 'fpp' && target.remote === 'bitbucket') {
    const headers = { ...(init.headers || {}), [env.FORGE_APP_HEADER]: env.FORGE_APP_ID };
    return fetch(env.FORGE_PRODUCT_URL + path, { ...init, headers });
  }
  return json(400, { message: `the test runtime has no ${target.type} ${target.remote}` });
};

const realFetch = global.fetch;
global.fetch = async (url, init) => {
  let u = String(url);
  calls.push({ type: 'egress', path: u, method: (init && init.method) || 'GET' });
  for (const [from, to] of Object.entries(egress)) {
    if (u.startsWith(from + '/')) u = to + u.slice(from.length);
  }
  return realFetch(u, init);
};

module.exports = { calls, store, secrets };
