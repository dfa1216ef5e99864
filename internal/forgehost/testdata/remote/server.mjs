// A small Forge Remote for connectgen's tests of the local Forge host's
// caller: it verifies FITs with jose as Atlassian's sample does, answers
// lifecycle events, events (acknowledged, deduplicated without
// retryContext), merge checks and UI calls, and calls Bitbucket with the
// app system token. Defects for the negative tests, by environment:
// REMOTE_SKIP_AUD (no audience check), REMOTE_ACCEPT_EXPIRED (an expired
// token passes), REMOTE_NO_DEDUP (a retried event is handled again).
import http from 'node:http';
import { createRemoteJWKSet, jwtVerify, decodeJwt } from 'jose';

const appId = process.env.FORGE_APP_ID;
const jwks = createRemoteJWKSet(new URL(process.env.FORGE_JWKS_URL));
const seen = new Set();

async function verify(req) {
  const auth = req.headers.authorization || '';
  if (!auth.startsWith('Bearer ')) throw new Error('missing token');
  const token = auth.slice(7);
  const options = { issuer: 'forge/invocation-token', algorithms: ['RS256'] };
  if (!process.env.REMOTE_SKIP_AUD) options.audience = appId;
  if (process.env.REMOTE_ACCEPT_EXPIRED) {
    const { exp } = decodeJwt(token);
    if (exp && exp * 1000 < Date.now()) options.currentDate = new Date((exp - 1) * 1000);
  }
  const { payload } = await jwtVerify(token, jwks, options);
  return payload;
}

function stable(v) {
  if (Array.isArray(v)) return '[' + v.map(stable).join(',') + ']';
  if (v && typeof v === 'object') return '{' + Object.keys(v).sort().map((k) => JSON.stringify(k) + ':' + stable(v[k])).join(',') + '}';
  return JSON.stringify(v);
}

function send(res, status, body) {
  res.writeHead(status, { 'Content-Type': 'application/json' });
  res.end(JSON.stringify(body));
}

const server = http.createServer(async (req, res) => {
  let raw = '';
  for await (const chunk of req) raw += chunk;
  let claims;
  try {
    claims = await verify(req);
  } catch (e) {
    res.writeHead(401, { 'Content-Type': 'text/plain' });
    res.end('unauthorized: ' + (e.code || e.message));
    return;
  }
  const body = raw ? JSON.parse(raw) : {};
  switch (req.url) {
    case '/forge/lifecycle':
      return send(res, 200, { acknowledged: true });
    case '/forge/events': {
      const { retryContext, ...event } = body;
      const key = stable(event);
      if (seen.has(key) && !process.env.REMOTE_NO_DEDUP) return send(res, 200, { acknowledged: true, duplicate: true });
      seen.add(key);
      return send(res, 200, { acknowledged: true });
    }
    case '/forge/merge-check':
      return send(res, 200, { success: body.trigger !== 'on-merge', message: 'checked on ' + body.trigger });
    case '/forge/ui': {
      const repo = claims.context && claims.context.extension && claims.context.extension.repository;
      const ws = claims.app.installation.contexts[0].workspaceId;
      const r = await fetch(`${claims.app.apiBaseUrl}/2.0/repositories/${encodeURIComponent(ws)}/${encodeURIComponent(repo.uuid)}`, {
        headers: { Authorization: 'Bearer ' + req.headers['x-forge-oauth-system'] },
      });
      const repository = r.ok ? (await r.json()).full_name : null;
      return send(res, 200, { functionKey: body.call.functionKey, principal: claims.principal, repository });
    }
  }
  send(res, 404, { error: 'no such route' });
});
server.listen(0, '127.0.0.1', () => {
  console.log('listening ' + server.address().port);
});
