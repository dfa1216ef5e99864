'use strict';
// Starting and stopping an app built on atlassian-connect-express (ACE),
// the same way in every environment:
//   - in production the environment is checked first (lib/production.js);
//   - the store must answer before the app listens: a database that does
//     not is retried for DATABASE_WAIT_SECONDS, one line per try, then the
//     process exits 1 without ever having said "listening";
//   - /healthz answers 200 "ok" only while the store answers (503
//     otherwise), without authentication and without details, for a
//     platform's health checks;
//   - SIGTERM (what platforms send before replacing an instance) or
//     Ctrl-C stops accepting connections, lets open requests finish (10 s at
//     most), closes the store's connections and exits 0.

const { checkEnvironment, databaseWait } = require('./production');

const HEALTH_PATH = '/healthz';
const PING_TIMEOUT_MS = 3000;
const DRAIN_MS = 10000;

// health returns the handler of the health route for the add-on's store.
function health(addon) {
  return async (req, res) => {
    res.set('Cache-Control', 'no-store');
    let timer;
    try {
      await Promise.race([
        addon.settings.ping ? addon.settings.ping() : addon.settings.get('health', 'health'),
        new Promise((_, reject) => {
          timer = setTimeout(() => reject(new Error('timeout')), PING_TIMEOUT_MS);
        }),
      ]);
      res.status(200).type('text').send('ok');
    } catch {
      res.status(503).type('text').send('unavailable');
    } finally {
      clearTimeout(timer);
    }
  };
}

// main starts the app made by createApp() (which returns { app, addon })
// and never returns on failure: it prints one line per problem and exits 1.
async function main(createApp, { env = process.env, log = console } = {}) {
  const production = env.NODE_ENV === 'production';
  if (production) {
    const problems = checkEnvironment(env);
    if (problems.length) {
      for (const p of problems) log.error(`Cannot start: ${p}`);
      process.exit(1);
    }
    if (env.AC_HOST_WHITELIST) {
      // ACE lets this variable replace config.json's allowed hosts.
      log.warn(`AC_HOST_WHITELIST replaces the hosts allowed to install the app: ${env.AC_HOST_WHITELIST}`);
    }
  }

  let app, addon;
  try {
    ({ app, addon } = createApp());
    if (addon.settings.ready) {
      await addon.settings.ready({ waitMs: databaseWait(env), log: (line) => log.error(line) });
    }
  } catch (err) {
    log.error(`Cannot start: ${err.message}`);
    process.exit(1);
  }

  const server = await new Promise((resolve) => {
    const s = app.listen(app.get('port'), () => resolve(s));
    s.on('error', (err) => {
      log.error(`Cannot start: ${err.message}`);
      process.exit(1);
    });
  });
  log.log(`${addon.descriptor.name} is listening on port ${server.address().port}`);
  log.log(`Descriptor: ${addon.config.localBaseUrl()}/atlassian-connect.json`);

  let stopping = false;
  const stop = (signal) => {
    if (stopping) {
      log.log(`${signal} again: exiting now`);
      process.exit(1);
    }
    stopping = true;
    log.log(`${signal}: no new connections; finishing open requests`);
    const drained = new Promise((resolve) => server.close(resolve));
    server.closeIdleConnections();
    const timer = setTimeout(() => server.closeAllConnections(), DRAIN_MS);
    drained
      .then(async () => {
        clearTimeout(timer);
        if (addon.settings.close) await addon.settings.close();
        log.log('Stopped: requests finished, store closed');
        process.exit(0);
      })
      .catch((err) => {
        log.error(`Stopping: ${err.message}`);
        process.exit(1);
      });
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
  return { app, addon, server };
}

module.exports = { main, health, HEALTH_PATH };
