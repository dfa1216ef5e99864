'use strict';
// A deliberately broken Bitbucket Connect app for hostsim's tests, on plain
// Node http (no dependencies). Its lifecycle handling is right; four things
// are wrong, and the local host must catch each of them:
//   1. POST /webhook accepts every request, signed or not;
//   2. GET /page checks the token's signature and expiry but not its qsh;
//   3. GET /page echoes the repoPath parameter into the HTML unescaped;
//   4. its own call to GET /2.0/user is signed with iss and sub swapped
//      (iss = the client key instead of the app key).
// Never copy any of this.

const http = require('node:http');
const crypto = require('node:crypto');

const port = Number(process.env.PORT || 3000);
const baseUrl = process.env.AC_LOCAL_BASE_URL || `http://127.0.0.1:${port}`;
const appKey = 'broken-app';
const installs = new Map(); // clientKey -> install payload

const descriptor = {
  key: appKey,
  name: 'Broken App',
  description: 'An app that gets security wrong, for tests',
  baseUrl,
  authentication: { type: 'jwt' },
  lifecycle: { installed: '/installed', uninstalled: '/uninstalled' },
  modules: {
    webhooks: [{ event: '*', url: '/webhook' }],
    repoPages: [{
      key: 'broken-page',
      name: { value: 'Broken Page' },
      url: '/page?repoPath={repository.full_name}',
      location: 'org.bitbucket.repository.navigation',
    }],
  },
  scopes: ['account', 'repository'],
  contexts: ['account'],
};

const b64 = (buf) => Buffer.from(buf).toString('base64url');

// verify checks algorithm, signature, expiry and the client key, but never
// the qsh (defect 2). It returns the install or throws.
function verify(token) {
  const parts = (token || '').split('.');
  if (parts.length !== 3) throw new Error('no token');
  const header = JSON.parse(Buffer.from(parts[0], 'base64url'));
  const claims = JSON.parse(Buffer.from(parts[1], 'base64url'));
  if (header.alg !== 'HS256') throw new Error('bad alg');
  const inst = installs.get(claims.iss);
  if (!inst) throw new Error('unknown client');
  const sig = crypto.createHmac('sha256', inst.sharedSecret).update(parts[0] + '.' + parts[1]).digest('base64url');
  if (sig !== parts[2]) throw new Error('bad signature');
  if (!(claims.exp > Date.now() / 1000)) throw new Error('expired');
  return inst;
}

function headerToken(req) {
  const a = req.headers.authorization || '';
  return a.startsWith('JWT ') ? a.slice(4) : '';
}

function readBody(req) {
  return new Promise((resolve) => {
    let s = '';
    req.on('data', (c) => { s += c; });
    req.on('end', () => resolve(s));
  });
}

// callApi signs its call with iss and sub swapped (defect 4).
function callApi(inst, path) {
  const now = Math.floor(Date.now() / 1000);
  const qsh = crypto.createHash('sha256').update(`GET&${path}&`).digest('hex');
  const h = b64(JSON.stringify({ alg: 'HS256', typ: 'JWT' }));
  const p = b64(JSON.stringify({ iss: inst.clientKey, sub: appKey, iat: now, exp: now + 180, qsh }));
  const sig = crypto.createHmac('sha256', inst.sharedSecret).update(h + '.' + p).digest('base64url');
  return new Promise((resolve) => {
    const req = http.get(inst.baseApiUrl + path, { headers: { Authorization: `JWT ${h}.${p}.${sig}` } }, (res) => {
      let s = '';
      res.on('data', (c) => { s += c; });
      res.on('end', () => resolve({ status: res.statusCode, body: s }));
    });
    req.on('error', () => resolve({ status: 0, body: '' }));
  });
}

const server = http.createServer(async (req, res) => {
  const url = new URL(req.url, baseUrl);
  const send = (status, type, body) => { res.writeHead(status, { 'Content-Type': type }); res.end(body); };
  try {
    if (req.method === 'GET' && url.pathname === '/atlassian-connect.json') {
      return send(200, 'application/json', JSON.stringify(descriptor));
    }
    if (req.method === 'POST' && url.pathname === '/installed') {
      const body = JSON.parse(await readBody(req));
      if (installs.has(body.clientKey)) {
        // A reinstall must be signed with the current secret: right.
        try { verify(headerToken(req)); } catch (e) { return send(401, 'text/plain', e.message); }
      }
      installs.set(body.clientKey, body);
      return send(204, 'text/plain', '');
    }
    if (req.method === 'POST' && url.pathname === '/uninstalled') {
      let inst;
      try { inst = verify(headerToken(req)); } catch (e) { return send(401, 'text/plain', e.message); }
      await readBody(req);
      installs.delete(inst.clientKey);
      return send(204, 'text/plain', '');
    }
    if (req.method === 'POST' && url.pathname === '/webhook') {
      await readBody(req); // defect 1: no token check at all
      return send(204, 'text/plain', '');
    }
    if (req.method === 'GET' && url.pathname === '/page') {
      let inst;
      try { inst = verify(url.searchParams.get('jwt')); } catch (e) { return send(401, 'text/plain', e.message); }
      const user = await callApi(inst, '/2.0/user');
      let name = 'unknown';
      try { name = JSON.parse(user.body).display_name || name; } catch (e) { /* keep going */ }
      // defect 3: repoPath goes into the page as it came.
      return send(200, 'text/html; charset=utf-8',
        `<!DOCTYPE html><html><body><p>Hello ${name.replace(/[<>&"]/g, '')}</p><p id="repo">${url.searchParams.get('repoPath')}</p></body></html>`);
    }
    send(404, 'text/plain', 'not found');
  } catch (e) {
    send(500, 'text/plain', 'error');
  }
});

server.listen(port, '127.0.0.1', () => console.log(`broken app on ${baseUrl}`));
process.on('SIGTERM', () => process.exit(0));
