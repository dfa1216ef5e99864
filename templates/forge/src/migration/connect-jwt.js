// Connect JWTs for the data migration: the Forge app signs requests as the
// Connect app did, with the Connect installation's shared secret, so that
// it can read what the Connect app kept in Bitbucket (application
// properties) while Connect is still supported. Written by connectgen
// forge new; connectgen's tests check it against the query-string-hash and
// token vectors of Atlassian's atlassian-jwt library.
import { createHash, createHmac } from 'node:crypto';
import { parse as parseURL } from 'node:url';

// RFC 3986 encoding as atlassian-jwt does it: encodeURIComponent plus the
// characters it leaves alone, upper-case hex.
function encodeRfc3986(s) {
  return encodeURIComponent(s).replace(/[!'()*]/g, (c) => '%' + c.charCodeAt(0).toString(16).toUpperCase());
}

// basePath is the path of the base URL; a base URL without a scheme
// ("example.com/x") is read as a host and path.
function basePath(baseUrl) {
  if (!baseUrl) return '';
  let b = baseUrl;
  if (!/^[a-z][a-z0-9+.-]*:\/\//i.test(b) && !b.startsWith('/')) b = 'http://' + b;
  let p = parseURL(b).pathname || '';
  if (p.endsWith('/')) p = p.slice(0, -1);
  return p;
}

// canonicalPath: the request path without the base URL's path, '&'
// escaped, one leading '/', no trailing '/'.
function canonicalPath(pathname, baseUrl) {
  let path = pathname || '';
  const base = basePath(baseUrl);
  if (base && path.startsWith(base)) path = path.slice(base.length);
  if (!path) return '/';
  path = path.replace(/&/g, '%26');
  if (!path.startsWith('/')) path = '/' + path;
  if (path.length > 1 && path.endsWith('/')) path = path.slice(0, -1);
  return path;
}

// UTF-16 code unit order, as JavaScript's default sort.
function byCodeUnits(a, b) {
  return a < b ? -1 : a > b ? 1 : 0;
}

// canonicalQuery: parameters but jwt sorted by name, each name=value
// encoded, repeated values sorted and joined with ','.
function canonicalQuery(query) {
  // __proto__ never survives into atlassian-jwt's plain-object query.
  const names = Object.keys(query).filter((k) => k !== 'jwt' && k !== '__proto__').sort(byCodeUnits);
  return names
    .map((name) => {
      const v = query[name];
      const values = (Array.isArray(v) ? v.slice() : [v]).sort(byCodeUnits);
      return encodeRfc3986(name) + '=' + values.map(encodeRfc3986).join(',');
    })
    .join('&');
}

// canonicalRequest returns METHOD&path&query for a URL (absolute, or a
// path with a query) relative to baseUrl (optional).
export function canonicalRequest(method, url, baseUrl) {
  const u = parseURL(url, true);
  const query = Object.assign(Object.create(null), u.query);
  return method.toUpperCase() + '&' + canonicalPath(u.pathname, baseUrl) + '&' + canonicalQuery(query);
}

// queryStringHash is the qsh claim: hex SHA-256 of the canonical request.
export function queryStringHash(method, url, baseUrl) {
  return createHash('sha256').update(canonicalRequest(method, url, baseUrl)).digest('hex');
}

function base64url(buf) {
  return Buffer.from(buf).toString('base64').replace(/=+$/, '').replace(/\+/g, '-').replace(/\//g, '_');
}

// signToken signs claims with HS256, as atlassian-jwt encodes them.
export function signToken(claims, secret) {
  const header = base64url(JSON.stringify({ typ: 'JWT', alg: 'HS256' }));
  const payload = base64url(JSON.stringify(claims));
  const signature = base64url(createHmac('sha256', secret).update(header + '.' + payload).digest());
  return header + '.' + payload + '.' + signature;
}

// connectToken is the token for a call to Bitbucket's API as the Connect
// app: iss = the app key, sub = the installation's client key, valid for
// three minutes, bound to this request by qsh.
export function connectToken({ appKey, clientKey, sharedSecret, method, url, now = Date.now() }) {
  const iat = Math.floor(now / 1000);
  return signToken({ iss: appKey, iat, exp: iat + 180, qsh: queryStringHash(method, url), sub: clientKey }, sharedSecret);
}
