'use strict';
// Tests of lib/: the file store, the log filter, the production checks and
// the health route.

const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { FileStore } = require('../lib/file-store');
const { redact } = require('../lib/log');
const { checkEnvironment } = require('../lib/production');
const { health } = require('../lib/server');

const quiet = { info() {}, warn() {}, error() {} };

test('the file store keeps installations across a restart', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'store-'));
  try {
    const file = path.join(dir, 'store.json');
    const first = new FileStore(quiet, { path: file });
    assert.equal(first.isMemoryStore(), false);
    await first.saveInstallation({ clientKey: 'c1', sharedSecret: 's1' }, 'c1');
    await first.set('other', { n: 1 }, 'c1');
    await first.saveInstallation({ clientKey: 'c2', sharedSecret: 's2' }, 'c2');
    await first.del('c2');
    await first.close();
    assert.equal(fs.statSync(file).mode & 0o777, 0o600, 'only the owner may read the secrets');

    const second = new FileStore(quiet, { path: file });
    assert.deepEqual(await second.get('clientInfo', 'c1'), { clientKey: 'c1', sharedSecret: 's1' });
    assert.deepEqual(await second.get('other', 'c1'), { n: 1 });
    assert.equal(await second.get('clientInfo', 'c2'), null);
    assert.deepEqual(await second.getAllClientInfos(), [{ clientKey: 'c1', sharedSecret: 's1' }]);
    await second.del('other', 'c1');
    assert.equal(await second.get('other', 'c1'), null);
    assert.deepEqual(fs.readdirSync(dir), ['store.json'], 'no temporary files left');
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('the file store refuses a corrupt file with the way out', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'store-'));
  try {
    const file = path.join(dir, 'store.json');
    fs.writeFileSync(file, '{"tenants": ');
    assert.throws(() => new FileStore(quiet, { path: file }), /store\.json is not valid JSON .*move it away/);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('the memory store returns copies and writes nothing', async () => {
  const store = new FileStore(quiet, {});
  assert.equal(store.isMemoryStore(), true);
  const value = { a: [1] };
  await store.set('k', value, 'c');
  value.a.push(2);
  const got = await store.get('k', 'c');
  assert.deepEqual(got, { a: [1] });
  got.a.push(3);
  assert.deepEqual(await store.get('k', 'c'), { a: [1] });
});

test('the log filter hides shared secrets in objects and in text', () => {
  const secret = 'f00dfeedf00dfeedf00dfeedf00dfeed';
  const text = `Saved tenant details for connection:1 to database\n{ clientKey: 'connection:1', sharedSecret: '${secret}', baseUrl: 'x' }`;
  assert.doesNotMatch(redact(text), new RegExp(secret));
  assert.match(redact(text), /sharedSecret: '\[redacted\]'/);
  assert.match(redact(text), /clientKey: 'connection:1'/);
  assert.doesNotMatch(redact(JSON.stringify({ sharedSecret: secret })), new RegExp(secret));
  const obj = redact({ clientKey: 'c', nested: { sharedSecret: secret } });
  assert.deepEqual(obj, { clientKey: 'c', nested: { sharedSecret: '[redacted]' } });
});

test('production needs DATABASE_URL, AC_LOCAL_BASE_URL and PORT', () => {
  const good = { DATABASE_URL: 'postgres://u:p@db:5432/app', AC_LOCAL_BASE_URL: 'https://app.example.com', PORT: '8080' };
  assert.deepEqual(checkEnvironment(good), []);
  const cases = [
    [{ DATABASE_URL: undefined }, /^DATABASE_URL is not set .*DATABASE_URL=postgres:\/\//],
    [{ DATABASE_URL: 'mysql://u:p@db/app' }, /^DATABASE_URL is not a PostgreSQL URL/],
    [{ DATABASE_URL: 'not a url' }, /^DATABASE_URL is not a PostgreSQL URL/],
    [{ AC_LOCAL_BASE_URL: '' }, /^AC_LOCAL_BASE_URL is not set .*AC_LOCAL_BASE_URL=https:\/\//],
    [{ AC_LOCAL_BASE_URL: 'http://app.example.com' }, /^AC_LOCAL_BASE_URL is not an https:\/\/ URL/],
    [{ PORT: undefined }, /^PORT is not set .*PORT=3000/],
    [{ PORT: '80a' }, /^PORT is not a port number/],
    [{ PORT: '70000' }, /^PORT is not a port number/],
    [{ DATABASE_WAIT_SECONDS: 'soon' }, /^DATABASE_WAIT_SECONDS is not a whole number/],
  ];
  for (const [change, want] of cases) {
    const problems = checkEnvironment({ ...good, ...change });
    assert.equal(problems.length, 1, JSON.stringify(change));
    assert.match(problems[0], want);
  }
  assert.deepEqual(checkEnvironment({ ...good, AC_LOCAL_BASE_URL: 'http://127.0.0.1:3000' }), []);
  assert.doesNotMatch(checkEnvironment({ ...good, DATABASE_URL: 'mysql://u:hunter2@db/app' })[0], /hunter2/, 'no password printed');
  assert.equal(checkEnvironment({}).length, 3);
});

function fakeRes() {
  return {
    headers: {},
    set(k, v) { this.headers[k] = v; return this; },
    status(code) { this.code = code; return this; },
    type() { return this; },
    send(body) { this.body = body; return this; },
  };
}

test('the health route answers 200 only while the store answers', async () => {
  const store = new FileStore(quiet, {});
  const ok = fakeRes();
  await health({ settings: store })({}, ok);
  const cacheControl = ok.headers['Cache-Control'];
  assert.deepEqual([ok.code, ok.body, cacheControl], [200, 'ok', 'no-store']);

  const down = fakeRes();
  await health({ settings: { ping: async () => { throw new Error('ECONNREFUSED 10.0.0.1:5432'); } } })({}, down);
  assert.deepEqual([down.code, down.body], [503, 'unavailable'], 'no details of the failure');
});
