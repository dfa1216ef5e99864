// The Node side of connectgen's local Forge host. It loads the app's
// bundle (written by esbuild from the app's own code and packages) and
// runs its functions with Forge's calling convention, one request per
// line on stdin, one answer per line on fd 3. It gives the app's real
// @forge/* packages what Forge's runtime gives them: global.__forge_fetch__
// (product calls and storage, answered by the Go host on loopback),
// global.__forge_runtime__ (the app context) and a fetch that goes through
// the host's egress check.
'use strict';
const fs = require('node:fs');
const util = require('node:util');
const readline = require('node:readline');
const { AsyncLocalStorage } = require('node:async_hooks');

const proxy = process.env.CONNECTGEN_FORGE_HOST;
const secret = process.env.CONNECTGEN_FORGE_SECRET;
const bundlePath = process.env.CONNECTGEN_FORGE_BUNDLE;
const realFetch = globalThis.fetch;
const als = new AsyncLocalStorage();

function send(msg) {
  fs.writeSync(3, JSON.stringify(msg) + '\n');
}

// Console output is attributed to the invocation that wrote it.
for (const level of ['log', 'info', 'warn', 'error', 'debug']) {
  console[level] = (...args) => {
    const inv = als.getStore();
    send({ type: 'log', id: inv ? inv.id : null, level, text: util.format(...args) });
  };
}
process.on('unhandledRejection', (e) => {
  send({ type: 'log', id: null, level: 'error', text: 'unhandled rejection: ' + (e && e.stack ? e.stack : String(e)) });
});

function hostHeaders(extra) {
  const inv = als.getStore();
  const h = new Headers(extra || {});
  h.set('x-connectgen-secret', secret);
  h.set('x-connectgen-invocation', inv ? inv.id : '');
  return h;
}

const noop = { incr() {}, measure() { return { stop() {} }; } };
global.__forge_runtime__ = {
  get appContext() {
    const inv = als.getStore();
    return inv ? inv.appContext : {};
  },
  lambdaContext: {
    getRemainingTimeInMillis() {
      const inv = als.getStore();
      return inv ? Math.max(0, inv.deadline - Date.now()) : 0;
    },
  },
  metrics: { counter: () => noop, timing: () => noop, gauge: () => noop },
  tracing: { traceId: 'local', spanId: 'local' },
  proxy: { token: 'local', url: proxy },
};

// __forge_fetch__ is how @forge/api and @forge/kvs reach Forge: product
// calls (type fpp, remote bitbucket), storage (type kvs).
global.__forge_fetch__ = async (desc, path, init = {}) => {
  let target;
  if (desc.type === 'kvs') {
    target = '/forge/kvs' + path;
  } else if (desc.type === 'fpp') {
    target = '/forge/product/' + encodeURIComponent(desc.remote || 'none') + '/' + encodeURIComponent(desc.provider || 'none') + path;
  } else {
    throw new Error(`the local Forge host does not offer ${desc.type} calls (${desc.remote || ''} ${path})`);
  }
  return realFetch(proxy + target, { method: init.method || 'GET', headers: hostHeaders(init.headers), body: init.body, redirect: 'manual' });
};

// fetch goes through the host's egress check: a host not in
// permissions.external.fetch.backend is refused as Forge refuses it.
globalThis.fetch = async (input, init = {}) => {
  const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
  const h = hostHeaders(init.headers);
  h.set('x-connectgen-target', url);
  const res = await realFetch(proxy + '/forge/egress', { method: init.method || 'GET', headers: h, body: init.body, redirect: 'manual' });
  if (res.headers.get('x-connectgen-egress') === 'refused') {
    const e = new Error(`URL not included in the external fetch backend permissions: ${url}. Visit go.atlassian.com/forge-egress for more information.`);
    e.name = 'ExternalEndpointNotAllowedError';
    throw e;
  }
  return res;
};

// notSerialisable says why v does not survive JSON as Forge sends it back
// (a function, a symbol, a BigInt, undefined in an array, a cycle, a Map
// or Set that would arrive empty), or '' when it does.
function notSerialisable(v, path = 'answer', seen = new Set()) {
  const t = typeof v;
  if (t === 'function') return `${path} is a function`;
  if (t === 'symbol') return `${path} is a symbol`;
  if (t === 'bigint') return `${path} is a BigInt`;
  if (t === 'number' && !Number.isFinite(v)) return `${path} is ${v}`;
  if (v === null || t !== 'object') return '';
  if (seen.has(v)) return `${path} refers back to itself (a cycle)`;
  if (v instanceof Map || v instanceof Set) return `${path} is a ${v.constructor.name} (it arrives as {})`;
  if (typeof v.toJSON === 'function') return '';
  seen.add(v);
  if (Array.isArray(v)) {
    for (let i = 0; i < v.length; i++) {
      if (v[i] === undefined) return `${path}[${i}] is undefined (it arrives as null)`;
      const why = notSerialisable(v[i], `${path}[${i}]`, seen);
      if (why) return why;
    }
  } else {
    for (const k of Object.keys(v)) {
      const why = notSerialisable(v[k], `${path}.${k}`, seen);
      if (why) return why;
    }
  }
  seen.delete(v);
  return '';
}
globalThis.__connectgen_notSerialisable = notSerialisable;

let modules = {};
let loadError = null;
try {
  modules = require(bundlePath).modules;
} catch (e) {
  loadError = e;
}

function errorOf(e) {
  if (e && typeof e === 'object') {
    return { name: e.name || 'Error', message: String(e.message || e), stack: String(e.stack || '') };
  }
  return { name: 'Error', message: String(e), stack: '' };
}

async function invoke(req) {
  const [file, ...rest] = req.handler.split('.');
  const exp = rest.join('.');
  const mod = modules[file];
  if (!mod) throw new Error(`handler ${req.handler}: src/${file} is not part of the app`);
  const fn = mod[exp];
  if (typeof fn !== 'function') {
    throw new Error(`handler ${req.handler}: src/${file} has no exported function ${exp} (exports: ${Object.keys(mod).join(', ') || 'none'})`);
  }
  if (req.listResolverKeys) {
    return { keys: fn.__connectgenResolverKeys || null };
  }
  return fn(...req.args);
}

send({ type: 'ready', error: loadError ? errorOf(loadError) : null, files: Object.keys(modules) });

const rl = readline.createInterface({ input: process.stdin });
rl.on('line', (line) => {
  let req;
  try {
    req = JSON.parse(line);
  } catch (e) {
    return;
  }
  const inv = { id: req.id, appContext: req.appContext || {}, deadline: Date.now() + (req.timeoutMs || 25000) };
  als.run(inv, async () => {
    try {
      const value = await invoke(req);
      const why = notSerialisable(value);
      if (why) {
        send({ type: 'result', id: req.id, ok: false, notSerialisable: why });
        return;
      }
      send({ type: 'result', id: req.id, ok: true, value: value === undefined ? null : value, undefined: value === undefined });
    } catch (e) {
      const err = errorOf(e);
      send({ type: 'result', id: req.id, ok: false, error: err, notSerialisable: e && e.connectgenNotSerialisable ? e.message : undefined });
    }
  });
});
rl.on('close', () => process.exit(0));
