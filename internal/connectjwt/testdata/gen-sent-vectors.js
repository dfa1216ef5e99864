// Generates sent-vectors.json: what ACE's httpClient signs for a path an app
// writes, and what it then puts on the wire, for paths with characters its
// HTTP stack escapes ({uuid}, parentheses, quotes, spaces, non-ASCII…).
//
//   mkdir /tmp/ace && cd /tmp/ace && npm install atlassian-connect-express@11.5.3 atlassian-jwt@2.0.3
//   NODE_PATH=/tmp/ace/node_modules node gen-sent-vectors.js > sent-vectors.json
//
// Node 20. ACE's own code does both halves: utils.modifyArgs (how
// HostClient builds the request and calls augmentHeaders with the URL as
// written), the canonical request exactly as HostClient.createJwtPayload
// hashes it (fromExpressRequest over urijs path() and search(true)), and
// the request library sending it to a loopback server that records the
// request line it received.
const http = require('http');
const request = require('request');
const URI = require('urijs');
const jwt = require('atlassian-jwt');
const utils = require('atlassian-connect-express/lib/internal/utils');

const cases = [
  ['GET', '/2.0/repositories/acme/{0b4d5a4e-7d9f-4c39-9a2f-3c1e1e2d9b10}', ''],
  ['GET', '/2.0/repositories/{7c9a6f7e-0a0b-4c55-8a8e-2f6a3f0c1d22}/{0b4d5a4e-7d9f-4c39-9a2f-3c1e1e2d9b10}/pullrequests', ''],
  ['GET', '/2.0/users/{5b4c3d2e-1f00-4a7b-9c8d-6e5f4a3b2c1d}', ''],
  ['POST', '/2.0/repositories/acme/{0b4d5a4e-7d9f-4c39-9a2f-3c1e1e2d9b10}/commit/abc123/statuses/build', ''],
  ['PUT', '/2.0/repositories/acme/widgets/commit/abc123/reports/mybuild-(1)', ''],
  ['GET', '/2.0/repositories/acme/a(b)c', ''],
  ['GET', "/2.0/repositories/acme/it's", ''],
  ['GET', '/2.0/repositories/acme/a b', ''],
  ['GET', '/2.0/repositories/acme/a|b^c`d', ''],
  ['GET', '/2.0/repositories/acme/a[b]', ''],
  ['GET', '/2.0/repositories/acme/<x>"y"', ''],
  ['GET', '/2.0/repositories/acme/caf\u00e9/src/main/\u00fcber.md', ''],
  ['GET', '/2.0/repositories/acme/a&b', ''],
  ['GET', '/2.0/repositories/acme/%7B0b4d5a4e-7d9f-4c39-9a2f-3c1e1e2d9b10%7D', ''],
  ['GET', '/2.0/repositories/acme/a%2Fb', ''],
  ['GET', '/2.0/repositories/acme/widgets/src/main/dir%20with%20space/', ''],
  ['GET', '/2.0/repositories/acme?q=name ~ "wid"&sort=-updated_on', ''],
  ['GET', '/2.0/repositories/acme/{0b4d5a4e-7d9f-4c39-9a2f-3c1e1e2d9b10}/refs/branches?q=name="main"&fields=values.name,values.target.hash', ''],
  ['GET', '/2.0/workspaces/{7c9a6f7e-0a0b-4c55-8a8e-2f6a3f0c1d22}/permissions?q=user.account_id="557058:1"', ''],
  ['GET', '/rest/api/content/search?cql=space=(DEV) AND type=page', 'https://example.atlassian.net/wiki'],
  ['GET', '/rest/api/3/issue/{DEV-1}/properties/a(b)', 'https://example.atlassian.net'],
];

const srv = http.createServer((req, res) => res.end(req.url));
srv.listen(0, '127.0.0.1', async () => {
  const origin = 'http://127.0.0.1:' + srv.address().port;
  const vectors = [];
  for (const [method, written, base] of cases) {
    const basePath = base ? new URI(base).path() : '';
    const hostBase = origin + basePath;
    let canonical;
    const augment = (headers, relativeUri) => {
      const uri = new URI(relativeUri);
      canonical = jwt.createCanonicalRequest(
        jwt.fromExpressRequest({ method: method.toLowerCase(), path: uri.path(), query: uri.search(true) }));
    };
    const args = utils.modifyArgs({ logger: { warn() {} } }, { uri: written }, augment, null, hostBase);
    const sent = await new Promise((resolve, reject) => {
      request(Object.assign({}, args[0], { method }), (err, resp, body) => (err ? reject(err) : resolve(body)));
    });
    vectors.push({
      method, written, sent, baseUrl: base,
      canonical,
      qsh: jwt.createQueryStringHash(
        jwt.fromExpressRequest({ method: method.toLowerCase(), path: new URI(written).path(), query: new URI(written).search(true) })),
    });
  }
  srv.close();
  process.stdout.write(JSON.stringify({
    generator: 'gen-sent-vectors.js with atlassian-connect-express ' + require('atlassian-connect-express/package.json').version +
      ', atlassian-jwt ' + jwt.version + ', request ' + require('request/package.json').version + ', Node ' + process.version,
    vectors,
  }, null, 1) + '\n');
});
