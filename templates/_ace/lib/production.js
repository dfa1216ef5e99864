'use strict';
// Checks of the environment an app needs in production (NODE_ENV=production),
// made before anything else starts: each missing or malformed variable is
// one line that names it and shows an example. The values themselves are
// never printed (DATABASE_URL holds a password).

const EXAMPLES = {
  DATABASE_URL: 'postgres://app:secret@db.example.com:5432/app',
  AC_LOCAL_BASE_URL: 'https://my-app.example.com',
  PORT: '3000',
  DATABASE_WAIT_SECONDS: '30',
};

function problem(name, what) {
  return `${name} ${what}: set it like ${name}=${EXAMPLES[name]}`;
}

const LOOPBACK = new Set(['localhost', '127.0.0.1', '[::1]']);

function parseURL(s) {
  try {
    return new URL(s);
  } catch {
    return null;
  }
}

// checkEnvironment returns one line per problem with env's variables; an
// empty array means the app may start.
function checkEnvironment(env = process.env) {
  const problems = [];

  const db = env.DATABASE_URL;
  if (!db) {
    problems.push(problem('DATABASE_URL', 'is not set (the PostgreSQL database that keeps installations)'));
  } else {
    const u = parseURL(db);
    if (!u || !['postgres:', 'postgresql:'].includes(u.protocol) || (!u.hostname && !u.searchParams.get('host'))) {
      problems.push(problem('DATABASE_URL', 'is not a PostgreSQL URL (postgres://USER:PASSWORD@HOST:PORT/DATABASE)'));
    }
  }

  const base = env.AC_LOCAL_BASE_URL;
  if (!base) {
    problems.push(problem('AC_LOCAL_BASE_URL', 'is not set (the public HTTPS address of the app)'));
  } else {
    const u = parseURL(base);
    // Atlassian's products only install apps served over HTTPS; plain http is left
    // for a loopback address behind a local proxy.
    if (!u || !(u.protocol === 'https:' || (u.protocol === 'http:' && LOOPBACK.has(u.hostname))) || u.search || u.hash) {
      problems.push(problem('AC_LOCAL_BASE_URL', 'is not an https:// URL without query'));
    }
  }

  const port = env.PORT;
  if (!port) {
    problems.push(problem('PORT', 'is not set (the port the app listens on)'));
  } else if (!/^\d{1,5}$/.test(port) || Number(port) < 1 || Number(port) > 65535) {
    problems.push(problem('PORT', 'is not a port number (1-65535)'));
  }

  const wait = env.DATABASE_WAIT_SECONDS;
  if (wait !== undefined && wait !== '' && !/^\d{1,4}$/.test(wait)) {
    problems.push(problem('DATABASE_WAIT_SECONDS', 'is not a whole number of seconds'));
  }
  return problems;
}

// databaseWait is how long start-up waits for the database, in ms.
function databaseWait(env = process.env) {
  const s = env.DATABASE_WAIT_SECONDS;
  return (s ? Number(s) : 30) * 1000;
}

module.exports = { checkEnvironment, databaseWait, EXAMPLES };
