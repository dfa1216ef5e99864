'use strict';
// The development and test store for atlassian-connect-express (ACE):
// installations kept in memory and, when a file is named, written to that
// file after every change, so they survive a restart.
//
// Why not ACE's default (Sequelize on sqlite3)? sqlite3 is a native module:
// without a prebuilt binary for the platform it compiles SQLite with
// node-gyp (a C++ compiler and Python, minutes per install), and it needs
// install scripts, which many setups no longer run. Node's built-in
// node:sqlite would need no build, but exists only from Node 22.5 (behind
// a flag before 22.13, and it warns that it is experimental). A
// development store holds a handful of installations, so a JSON file is
// enough and works on every Node version. It is for one process only: run
// production on PostgreSQL (lib/pg-store.js).
//
// Register it with ACE before creating the add-on:
//   ace.store.register('file', require('./lib/file-store'));
// and select it in config.json: "store": { "adapter": "file", "path": "store.json" }
// (no "path": in memory only, for tests).

const fs = require('node:fs');
const path = require('node:path');

const FORMAT = 1;

class FileStore {
  constructor(logger, opts = {}) {
    this.logger = logger;
    this.file = opts.path ? path.resolve(opts.path) : null;
    this.data = new Map(); // clientKey -> Map(key -> value)
    this.writes = Promise.resolve();
    if (this.file) {
      this.load();
    }
  }

  load() {
    let text;
    try {
      text = fs.readFileSync(this.file, 'utf8');
    } catch (err) {
      if (err.code === 'ENOENT') return;
      throw err;
    }
    let parsed;
    try {
      parsed = JSON.parse(text);
    } catch (err) {
      throw new Error(`${this.file} is not valid JSON (${err.message}); move it away to start with no installations`);
    }
    const tenants = parsed && typeof parsed.tenants === 'object' && parsed.tenants !== null ? parsed.tenants : {};
    for (const [clientKey, values] of Object.entries(tenants)) {
      this.data.set(clientKey, new Map(Object.entries(values)));
    }
  }

  // isMemoryStore tells ACE whether installations are lost on restart.
  isMemoryStore() {
    return this.file === null;
  }

  // ready resolves once the store can be used; a file needs nothing more.
  async ready() {}

  // ping resolves when the store answers (the health route calls it).
  async ping() {
    if (this.file) {
      await fs.promises.access(path.dirname(this.file), fs.constants.W_OK);
    }
  }

  async get(key, clientKey) {
    const values = this.data.get(clientKey);
    return values && values.has(key) ? structuredClone(values.get(key)) : null;
  }

  async getAllClientInfos() {
    const all = [];
    for (const values of this.data.values()) {
      if (values.has('clientInfo')) all.push(structuredClone(values.get('clientInfo')));
    }
    return all;
  }

  async set(key, value, clientKey) {
    if (!this.data.has(clientKey)) this.data.set(clientKey, new Map());
    this.data.get(clientKey).set(key, structuredClone(value));
    await this.save();
    return structuredClone(value);
  }

  async saveInstallation(value, clientKey) {
    return this.set('clientInfo', value, clientKey);
  }

  // del(key, clientKey) removes one value; del(clientKey) all of a tenant's.
  async del(key, clientKey) {
    if (arguments.length < 2) {
      this.data.delete(key);
    } else if (this.data.has(clientKey)) {
      const values = this.data.get(clientKey);
      values.delete(key);
      if (values.size === 0) this.data.delete(clientKey);
    }
    await this.save();
  }

  // close waits for the last write.
  async close() {
    await this.writes;
  }

  // save writes the whole store to a temporary file and renames it over the
  // old one, one write at a time, so a crash never leaves half a file. The
  // file holds shared secrets: only its owner may read it.
  save() {
    if (!this.file) return Promise.resolve();
    const snapshot = { format: FORMAT, tenants: {} };
    for (const [clientKey, values] of this.data) {
      snapshot.tenants[clientKey] = Object.fromEntries(values);
    }
    const text = JSON.stringify(snapshot, null, 2) + '\n';
    const write = async () => {
      const tmp = `${this.file}.${process.pid}.tmp`;
      await fs.promises.writeFile(tmp, text, { mode: 0o600 });
      await fs.promises.rename(tmp, this.file);
    };
    this.writes = this.writes.then(write, write);
    return this.writes;
  }
}

module.exports = function fileStore(logger, opts) {
  return new FileStore(logger, opts);
};
module.exports.FileStore = FileStore;
