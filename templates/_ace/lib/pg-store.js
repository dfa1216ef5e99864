'use strict';
// The production store for atlassian-connect-express (ACE): installations
// in PostgreSQL through `pg` (plain JavaScript, no native build).
//
// The table is the one ACE's own Sequelize adapter creates ("AddonSettings":
// id, clientKey, key, val JSON), so an app that ran on ACE's adapter keeps
// its installations. Unlike that adapter, this one connects when told to
// (ready), can be asked whether the database answers (ping, for the health
// route) and closes its pool on shutdown (close).
//
// Register it with ACE before creating the add-on:
//   ace.store.register('pg', require('./lib/pg-store'));
// and select it in config.json: "store": { "adapter": "pg", "url": "$DATABASE_URL" }

const { Pool } = require('pg');

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

class PostgresStore {
  constructor(logger, opts = {}) {
    this.logger = logger;
    this.table = quoteIdent(opts.table || 'AddonSettings');
    this.pool = new Pool({
      connectionString: process.env.DATABASE_URL || opts.url,
      max: opts.max || 10,
      connectionTimeoutMillis: opts.connectionTimeoutMillis || 5000,
      idleTimeoutMillis: 30000,
    });
    // An idle connection that breaks (the server restarts) is reported
    // here; without a listener it would end the process.
    this.pool.on('error', (err) => logger.error(`PostgreSQL connection lost: ${err.message}`));
  }

  isMemoryStore() {
    return false;
  }

  // ready connects and creates the table. A database that does not answer
  // is tried again every delayMs until waitMs have passed, with one line
  // per failed try to log; then ready rejects.
  async ready({ waitMs = 30000, delayMs = 2000, log = (line) => this.logger.warn(line) } = {}) {
    const deadline = Date.now() + waitMs;
    for (let i = 1; ; i++) {
      try {
        await this.createTable();
        return;
      } catch (err) {
        const why = describe(err);
        if (Date.now() + delayMs > deadline) {
          throw new Error(`the database did not answer within ${Math.round(waitMs / 1000)} s (${i} tries): ${why}; check DATABASE_URL and that the server is running`);
        }
        log(`Database not reachable (try ${i}): ${why}; trying again in ${delayMs / 1000} s`);
        await sleep(delayMs);
      }
    }
  }

  async createTable() {
    await this.transaction(async (client) => {
      // Several instances may start at once: one creates the table at a time.
      await client.query('SELECT pg_advisory_xact_lock(7460233441)');
      await client.query(
        `CREATE TABLE IF NOT EXISTS ${this.table} (` +
          '"id" SERIAL PRIMARY KEY, "clientKey" VARCHAR(255), "key" VARCHAR(255), "val" JSON)'
      );
      await client.query(`CREATE INDEX IF NOT EXISTS addon_settings_client_key_key ON ${this.table} ("clientKey", "key")`);
    });
  }

  // transaction runs fn(client) between BEGIN and COMMIT on one pooled
  // connection, and rolls back when it throws.
  async transaction(fn) {
    const client = await this.pool.connect();
    try {
      await client.query('BEGIN');
      const result = await fn(client);
      await client.query('COMMIT');
      return result;
    } catch (err) {
      await client.query('ROLLBACK').catch(() => {});
      throw err;
    } finally {
      client.release();
    }
  }

  // ping resolves when the database answers a query.
  async ping() {
    await this.pool.query('SELECT 1');
  }

  async get(key, clientKey) {
    const { rows } = await this.pool.query(`SELECT "val" FROM ${this.table} WHERE "clientKey" = $1 AND "key" = $2 LIMIT 1`, [
      clientKey,
      key,
    ]);
    return rows.length ? parse(rows[0].val) : null;
  }

  async getAllClientInfos() {
    const { rows } = await this.pool.query(`SELECT "val" FROM ${this.table} WHERE "key" = 'clientInfo'`);
    return rows.map((r) => parse(r.val));
  }

  async set(key, value, clientKey) {
    const json = JSON.stringify(value);
    await this.transaction(async (client) => {
      // One writer per (clientKey, key) at a time, so two installs of the
      // same tenant cannot both insert.
      await client.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`${clientKey} ${key}`]);
      const updated = await client.query(`UPDATE ${this.table} SET "val" = $1 WHERE "clientKey" = $2 AND "key" = $3`, [json, clientKey, key]);
      if (updated.rowCount === 0) {
        await client.query(`INSERT INTO ${this.table} ("clientKey", "key", "val") VALUES ($1, $2, $3)`, [clientKey, key, json]);
      }
    });
    return value;
  }

  async saveInstallation(value, clientKey) {
    return this.set('clientInfo', value, clientKey);
  }

  // del(key, clientKey) removes one value; del(clientKey) all of a tenant's.
  async del(key, clientKey) {
    if (arguments.length < 2) {
      await this.pool.query(`DELETE FROM ${this.table} WHERE "clientKey" = $1`, [key]);
    } else {
      await this.pool.query(`DELETE FROM ${this.table} WHERE "clientKey" = $1 AND "key" = $2`, [clientKey, key]);
    }
  }

  // close ends every connection of the pool.
  async close() {
    await this.pool.end();
  }
}

function quoteIdent(name) {
  return `"${String(name).replace(/"/g, '""')}"`;
}

function parse(val) {
  if (typeof val === 'string') {
    try {
      return JSON.parse(val);
    } catch {
      return val;
    }
  }
  return val;
}

// describe names a connection error without the URL (it holds the password).
// Node reports a refused connection to a name with several addresses as an
// AggregateError whose own message is empty.
function describe(err) {
  let message = err.message;
  if (!message && Array.isArray(err.errors)) {
    message = [...new Set(err.errors.map((e) => e.message))].join('; ');
  }
  if (!message) return err.code || String(err);
  return err.code && !message.includes(err.code) ? `${message} (${err.code})` : message;
}

module.exports = function pgStore(logger, opts) {
  return new PostgresStore(logger, opts);
};
module.exports.PostgresStore = PostgresStore;
