'use strict';
// The logger handed to atlassian-connect-express (ACE). It prints what
// ACE's own logger prints, minus installations' shared secrets: outside
// production ACE logs "Saved tenant details" with the whole install
// payload, sharedSecret included, and a terminal or a log service is no
// place for a secret that signs requests as the app.

const util = require('node:util');

const SECRET_KEYS = /^(sharedSecret|oauthClientId|privateKey|password)$/i;
// sharedSecret: 'abc', "sharedSecret": "abc", sharedSecret=abc
const SECRET_TEXT = /((?:sharedSecret|oauthClientId|privateKey|password)['"]?\s*[:=]\s*)(['"]?)[^'",\s}]+\2/gi;

// redact returns value with every secret replaced by "[redacted]".
function redact(value, seen = new WeakSet()) {
  if (typeof value === 'string') {
    return value.replace(SECRET_TEXT, (m, head, quote) => `${head}${quote}[redacted]${quote}`);
  }
  if (value === null || typeof value !== 'object' || seen.has(value)) {
    return value;
  }
  seen.add(value);
  if (value instanceof Error) {
    const copy = new Error(redact(value.message, seen));
    copy.stack = redact(value.stack || '', seen);
    return copy;
  }
  const copy = Array.isArray(value) ? [] : {};
  for (const [k, v] of Object.entries(value)) {
    copy[k] = SECRET_KEYS.test(k) ? '[redacted]' : redact(v, seen);
  }
  return copy;
}

function line(args) {
  return args.map((a) => (typeof a === 'string' ? redact(a) : util.inspect(redact(a), { depth: 4 }))).join(' ');
}

const logger = {
  info: (...args) => console.log(line(args)),
  warn: (...args) => console.warn(line(args)),
  error: (...args) => console.error(line(args)),
};

module.exports = { logger, redact };
