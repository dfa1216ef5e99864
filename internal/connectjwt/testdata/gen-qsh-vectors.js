// Generates qsh-vectors-extra.json with Atlassian's own atlassian-jwt, to
// cross-check connectjwt's port of url.parse/querystring/jsuri quirks.
//
//   mkdir /tmp/ajwt && cd /tmp/ajwt && npm install atlassian-jwt@2.0.3
//   NODE_PATH=/tmp/ajwt/node_modules node gen-qsh-vectors.js > qsh-vectors-extra.json
//
// Node 20. Hand-picked edge cases first, then deterministic pseudo-random
// URLs built from characters that matter to the parsers.
const jwt = require('atlassian-jwt');

const hand = [
  ['GET', '', null],
  ['GET', '?a=b', null],
  ['GET', 'https://bitbucket.org', null],
  ['GET', 'https://bitbucket.org?x=1', null],
  ['GET', 'HTTPS://Example.COM:8443/a/b/?z=1#frag', null],
  ['get', '/a/b//', null],
  ['GET', '//double/slash?x', null],
  ['GET', '///triple', null],
  ['GET', '/a b/c?d=e f', null],
  ['GET', "/it's/<x>?q='1'", null],
  ["GET", "/it's?q=a b", null],
  ['GET', '/p\\q\\r?s=\\t', null],
  ['GET', '/a#frag?x=1', null],
  ['GET', '/a?x=1#frag&y=2', null],
  ['GET', '/a?x=%zz&y=%4', null],
  ['GET', '/a?x=%41%zz', null],
  ['GET', '/a?x=%C3%28&y=%E2%82', null],
  ['GET', '/a?x=%ED%A0%80', null],
  ['GET', '/a?x=%F0%9F%98%80&y=%F0%9F%98', null],
  ['GET', '/a?k%41%42=%zz\u00e9', null],
  ['GET', '/a?x=%4+1\u00e9', null],
  ['GET', '/a?x=%zz\u00e9', null],
  ['GET', '/a?x=\u00e9%41&y=\u20ac%zz&z=\ud83d\ude00%zz', null],
  ['GET', '/a?=&=x&&&a&b=&c==d', null],
  ['GET', '/a?a+b=c+d&a%2Bb=1', null],
  ['GET', '/a?__proto__=1&constructor=2&hasOwnProperty=3', null],
  ['GET', '/a?jwt=1&JWT=2&j%77t=3', null],
  ['GET', '/a?b=\ud83d\ude00&b=\uffff&b=\ue000&b=z&\ud83d\ude00=1&\uffff=2', null],
  ['GET', '/a?x=*&y=!\'()~&z=%2a', null],
  ['GET', '/a?x=1;y=2', null],
  ['GET', '/base', 'https://example.com/base'],
  ['GET', '/base/', 'https://example.com/base'],
  ['GET', '/baseball', 'https://example.com/base'],
  ['GET', '/base/x', 'https://example.com/base/'],
  ['GET', '/x', 'https://example.com:3000'],
  ['GET', '/x/y', 'https://user:pw@example.com/x'],
  ['GET', '/x/y', 'example.com/x'],
  ['GET', '/x/y', '/x'],
  ['GET', '/x/y', 'localhost:3000/x'],
  ['GET', '/x/y', 'http://[::1]:3000/x'],
  ['GET', '/x/y?q', 'http://127.0.0.1:3000/x?y#z'],
  ['GET', '/a.b/c.d', 'http://h/a.b'],
  ['GET', '/x/y', 'http://h:abc/x'],
  ['GET', 'http://user@host/p?q=1', null],
  ['GET', 'http://a%zz@c/x', null],
  ['GET', 'http://a[b/c', null],
  ['GET', 'http://\u0000/x', null],
  ['GET', 'http://a\u0000b/x?y', null],
  ['GET', 'http://%41/x', null],
  ['GET', 'http://:80/x?y', null],
  ['GET', 'http://b\u00fccher.de/x?y', null],
  ['GET', 'http://[::1]x/y', null],
  ['GET', '//user@host/p?q=1', null],
  ['GET', 'http://a;b/c', null],
  ['GET', 'http://a b/c', null],
  ['GET', 'http://[::1]/v6?x', null],
  ['GET', 'http://[::1]?x', null],
  ['GET', 'mailto:someone@example.com?subject=hi', null],
  ['GET', 'javascript://x/y?z', null],
  ['GET', 'foo:bar/baz?q', null],
  ['GET', 'relative/path?q=1', null],
  ['GET', '  /trim me  ', null],
  ['GET', '\u00a0/nbsp\ufeff', null],
  ['GET', '/a?x=\u00a0y', null],
  ['GET', '/caf\u00e9/\u20ac?\u00e9=\u00e8', null],
  ['GET', '/a&b&c?x=&y', null],
  ['PUT', '/a?' + Array.from({length: 1005}, (_, i) => 'k' + i + '=' + i).join('&'), null],
];

// Deterministic pseudo-random URLs (LCG), from pieces that exercise the
// parsers.
let seed = +(process.env.SEED || 12345);
function rnd(n) { seed = (seed * 1103515245 + 12345) % 2147483648; return (seed >>> 8) % n; }
const pieces = ['a', 'B', 'z', '0', '9', '-', '.', '_', '~', '!', '*', "'", '(', ')', '+', ' ', '%', '%2', '%41', '%2B', '%20',
  '%zz', '%C3%A9', '%E9', '%F0%9F%98%80', '%ED%A0%80', '=', '&', '?', '#', '/', '\\', '@', ':', ';', ',', '"', '<', '>',
  '{', '}', '|', '^', '`', '\u00e9', '\u20ac', '\ud83d\ude00', '\uffff', '\ue000', '\t', 'jwt', 'jwt=x', '__proto__'];
const starts = ['/', '/', '/', 'http://h', 'https://h:1/', '//', '', 'x:'];
const bases = [null, null, null, 'https://h/a', 'http://h', '/a', ''];
const generated = [];
const count = +(process.env.COUNT || 600);
for (let i = 0; i < count; i++) {
  let s = starts[rnd(starts.length)];
  const n = 1 + rnd(14);
  for (let j = 0; j < n; j++) s += pieces[rnd(pieces.length)];
  if (rnd(2)) s += '?';
  const m = rnd(10);
  for (let j = 0; j < m; j++) s += pieces[rnd(pieces.length)];
  generated.push([['GET', 'post', 'Delete'][rnd(3)], s, bases[rnd(bases.length)]]);
}

const vectors = [];
for (const [method, url, baseUrl] of hand.concat(generated)) {
  try {
    const req = jwt.fromMethodAndUrl(method, url);
    const canonical = jwt.createCanonicalRequest(req, false, baseUrl);
    const qsh = jwt.createQueryStringHash(req, false, baseUrl);
    vectors.push({method, url, baseUrl, canonical, qsh});
  } catch (e) {
    // Node's IDNA refuses some non-ASCII host names (U+FFFF, ...), which
    // connectjwt does not reproduce; such URLs are left out.
    if (/Invalid URL/.test(e.message) && /[^\x00-\x7f]/.test(url)) continue;
    vectors.push({method, url, baseUrl, error: String(e.message || e)});
  }
}
process.stdout.write(JSON.stringify({
  source: 'atlassian-jwt 2.0.3 on Node ' + process.version + ' (fromMethodAndUrl, createCanonicalRequest, createQueryStringHash); generated by gen-qsh-vectors.js',
  vectors,
}, null, 1) + '\n');
