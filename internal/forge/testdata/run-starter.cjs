// Runs a bundled starter app on Node with the real @forge/* packages and
// the test runtime of forge-runtime.cjs, and prints what happened as JSON:
//   node run-starter.cjs function BACKEND.cjs EXPORT EVENT_JSON
//     calls the function EXPORT(event, context) (a trigger's handler);
//   node run-starter.cjs exports BACKEND.cjs
//     loads BACKEND and prints the names of its exported functions;
//   node run-starter.cjs ui FRONTEND.cjs BACKEND.cjs MODULE_KEY CONTEXT_JSON
//     renders a UI Kit page as module MODULE_KEY: view.getContext() answers
//     CONTEXT_JSON with the module key, invoke() calls BACKEND's resolver
//     handler (BACKEND may be '-' for an app without functions) and
//     invokeRemote() POSTs to FORGE_REMOTE_URL; it prints the texts of the
//     last rendered document.
'use strict';

const runtime = require('./forge-runtime.cjs');

const logs = [];
for (const level of ['log', 'error', 'warn']) {
  console[level] = (...args) => logs.push(level + ': ' + args.map((a) => (typeof a === 'string' ? a : JSON.stringify(a))).join(' '));
}

function done(extra) {
  process.stdout.write(JSON.stringify({
    ...extra,
    logs,
    calls: runtime.calls,
    store: Object.fromEntries(runtime.store),
  }));
}

function texts(node, out = []) {
  if (!node) return out;
  if (node.type === 'String') out.push(node.props.text);
  for (const c of node.children || []) texts(c, out);
  return out;
}

async function main() {
  const [mode, ...args] = process.argv.slice(2);
  if (mode === 'function') {
    const [backend, name, event] = args;
    const fn = require(backend)[name];
    if (typeof fn !== 'function') throw new Error(`${backend} exports no function ${name}`);
    const result = await fn(JSON.parse(event), { installContext: 'ari:cloud:bitbucket::workspace/local' });
    return done({ result: result === undefined ? null : result });
  }
  if (mode === 'exports') {
    const mod = require(args[0]);
    return done({ result: Object.keys(mod).filter((k) => typeof mod[k] === 'function').sort() });
  }
  if (mode === 'ui') {
    const [frontend, backend, moduleKey, context] = args;
    const handler = backend === '-' ? null : require(backend).handler;
    const docs = [];
    let pending = 0;
    const errors = [];
    globalThis.self = globalThis;
    globalThis.__bridge = {
      callBridge: async (cmd, data) => {
        if (cmd === 'reconcile') {
          docs.push(data.forgeDoc);
          return undefined;
        }
        if (cmd === 'invoke' && data.invokeType === 'ui-remote-fetch') {
          // invokeRemote: Forge proxies the call to the remote's URL
          // (FORGE_REMOTE_URL here) and answers { status, headers, body }.
          pending++;
          try {
            const res = await fetch(process.env.FORGE_REMOTE_URL + data.path, {
              method: data.method,
              headers: { 'content-type': 'application/json' },
              body: data.body === undefined ? undefined : JSON.stringify(data.body),
            });
            const text = await res.text();
            return { success: true, payload: { status: res.status, headers: Object.fromEntries(res.headers), body: text ? JSON.parse(text) : null } };
          } finally {
            pending--;
          }
        }
        if (cmd === 'invoke') {
          pending++;
          try {
            return await handler({ call: { functionKey: data.functionKey, payload: data.payload }, context: { moduleKey, ...JSON.parse(context) } });
          } finally {
            pending--;
          }
        }
        if (cmd === 'getContext') {
          return { moduleKey, ...JSON.parse(context) };
        }
        if (cmd === 'onError') {
          errors.push(String(data.error && (data.error.stack || data.error.message || data.error)));
          return undefined;
        }
        return undefined;
      },
    };
    require(frontend);
    // Let the page's invoke() calls settle: bounded, 5 s at most.
    let last = -1;
    for (let i = 0; i < 100; i++) {
      await new Promise((r) => setTimeout(r, 50));
      if (pending === 0 && docs.length === last && docs.length > 0) break;
      last = docs.length;
    }
    return done({ renders: docs.length, texts: texts(docs[docs.length - 1]), errors });
  }
  throw new Error('usage: run-starter.cjs function|ui …');
}

main().catch((e) => {
  process.stderr.write((e && e.stack) || String(e));
  process.stderr.write('\n' + JSON.stringify({ logs, calls: runtime.calls }) + '\n');
  process.exit(1);
});
