'use strict';
// The app's entry point: `npm start` (or `connectgen run`) runs this file.
// It builds an Express app around atlassian-connect-express (ACE), which
// serves the descriptor, stores installations and checks the JWT that
// product (Bitbucket, Jira or Confluence) sends with every request.

const path = require('node:path');

// ACE reads config.json and atlassian-connect.json from the working
// directory; start from this folder so `node path/to/app.js` works too.
process.chdir(__dirname);

const express = require('express');
const hbs = require('hbs');
const ace = require('atlassian-connect-express');
const routes = require('./routes');
const { logger } = require('./lib/log');
const server = require('./lib/server');

// Stores without native modules (see README, "Where installations are
// kept"): a JSON file in development, memory in tests, PostgreSQL in
// production. config.json picks one per environment.
ace.store.register('file', require('./lib/file-store'));
ace.store.register('pg', require('./lib/pg-store'));

function createApp() {
  const app = express();
  // ACE mounts the descriptor, webhook and installed routes on the next
  // tick; the error handler goes after them so it sees their errors too.
  // Its log goes through lib/log.js, which keeps shared secrets out.
  const addon = ace(app, {}, logger, {}, () => app.use(handleError));

  app.set('port', addon.config.port());
  app.set('views', path.join(__dirname, 'views'));
  app.set('view engine', 'hbs');
  app.engine('hbs', hbs.__express);
  app.disable('x-powered-by');

  // For the platform's health checks: no JWT, no log line, no details.
  app.get(server.HEALTH_PATH, server.health(addon));

  if (app.get('env') !== 'test') {
    app.use(requestLog);
  }
  app.use(express.json({ limit: '1mb' }));
  app.use(express.urlencoded({ extended: false }));

  // Bitbucket sends its REST API's address as baseApiUrl. ACE calls the
  // host at baseUrl, so store the API address there before ACE saves the
  // installation; addon.httpClient(req) then reaches api.bitbucket.org.
  // (Jira and Confluence send the site's baseUrl, which is their API's.)
  if (addon.config.product().isBitbucket) {
    app.post('/installed', (req, res, next) => {
      if (req.body && req.body.baseApiUrl) {
        req.body.baseUrl = req.body.baseApiUrl;
      }
      next();
    });
  }

  app.use(addon.middleware());

  // Styles come from npm packages and are served by the app: no CDN.
  const atlaskit = path.join(__dirname, 'node_modules', '@atlaskit');
  app.use('/vendor/css-reset', express.static(path.join(atlaskit, 'css-reset', 'dist')));
  app.use('/vendor/reduced-ui-pack', express.static(path.join(atlaskit, 'reduced-ui-pack', 'dist')));
  app.use(express.static(path.join(__dirname, 'public')));

  routes(app, addon);
  return { app, addon };
}

// handleError keeps stack traces out of responses and logs them instead.
// Only an HTTP error status (400-599) in err.status or err.code (ACE sets
// code) becomes the response's; any other code (a system error's number)
// is a 500.
function handleError(err, req, res, _next) {
  const httpStatus = (v) => Number.isInteger(v) && v >= 400 && v <= 599;
  const status = httpStatus(err.status) ? err.status : httpStatus(err.code) ? err.code : 500;
  if (status >= 500) {
    console.error(err);
  }
  res.status(status).type('text').send(status < 500 && err.message ? err.message : 'Internal error');
}

function requestLog(req, res, next) {
  const start = process.hrtime.bigint();
  res.on('finish', () => {
    const ms = Number(process.hrtime.bigint() - start) / 1e6;
    // The path only: query strings carry JWTs. originalUrl, since a
    // mounted router (routes/forge.js at /forge) shortens req.path.
    console.log(`${req.method} ${req.originalUrl.split('?')[0]} ${res.statusCode} ${ms.toFixed(1)} ms`);
  });
  next();
}

// start listens on the given port (the configured one when undefined) and
// resolves with the server once it accepts connections; tests call it with
// port 0.
function start(port) {
  const { app, addon } = createApp();
  return new Promise((resolve, reject) => {
    const srv = app.listen(port === undefined ? app.get('port') : port, () => {
      resolve({ app, addon, server: srv });
    });
    srv.on('error', reject);
  });
}

module.exports = { createApp, start, handleError };

// `node app.js`: check the environment and the store, listen, and stop
// cleanly on SIGTERM (lib/server.js).
if (require.main === module) {
  server.main(createApp);
}
