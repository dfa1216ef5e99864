'use strict';
// The app's entry point: `npm start` (or `connectgen run`) runs this file.
// It builds an Express app around atlassian-connect-express (ACE), which
// serves the descriptor, verifies and stores installations (signed by
// Atlassian with RS256) and checks the JWT the product sends with every
// request.

const path = require('node:path');

// ACE reads config.json and atlassian-connect.json from the working
// directory; start from this folder so `node path/to/app.js` works too.
process.chdir(__dirname);

const express = require('express');
const hbs = require('hbs');
const ace = require('atlassian-connect-express');
const routes = require('./routes');

function createApp() {
  const app = express();
  // ACE mounts the descriptor and installed routes on the next tick; the
  // error handler goes after them so it sees their errors too.
  const addon = ace(app, {}, undefined, {}, () => app.use(handleError));

  app.set('port', addon.config.port());
  app.set('views', path.join(__dirname, 'views'));
  app.set('view engine', 'hbs');
  app.engine('hbs', hbs.__express);
  app.disable('x-powered-by');

  if (app.get('env') !== 'test') {
    app.use(requestLog);
  }
  app.use(express.json({ limit: '1mb' }));
  app.use(express.urlencoded({ extended: false }));
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
function handleError(err, req, res, _next) {
  const status = Number.isInteger(err.status) ? err.status : Number.isInteger(err.code) ? err.code : 500;
  if (status >= 500) {
    console.error(err);
  }
  res.status(status).type('text').send(status < 500 && err.message ? err.message : 'Internal error');
}

function requestLog(req, res, next) {
  const start = process.hrtime.bigint();
  res.on('finish', () => {
    const ms = Number(process.hrtime.bigint() - start) / 1e6;
    // The path only: query strings carry JWTs.
    console.log(`${req.method} ${req.path} ${res.statusCode} ${ms.toFixed(1)} ms`);
  });
  next();
}

// start listens on the configured port and resolves with the server once
// it accepts connections; tests call it with port 0.
function start(port) {
  const { app, addon } = createApp();
  return new Promise((resolve, reject) => {
    const server = app.listen(port === undefined ? app.get('port') : port, () => {
      resolve({ app, addon, server });
    });
    server.on('error', reject);
  });
}

module.exports = { createApp, start };

if (require.main === module) {
  start().then(
    ({ addon, server }) => {
      const { port } = server.address();
      console.log(`${addon.descriptor.name} is listening on port ${port}`);
      console.log(`Descriptor: ${addon.config.localBaseUrl()}/atlassian-connect.json`);
      const stop = () => {
        server.close(() => process.exit(0));
        server.closeIdleConnections();
        // Open requests get a moment to finish, then the process ends.
        setTimeout(() => process.exit(0), 3000).unref();
      };
      process.on('SIGTERM', stop);
      process.on('SIGINT', stop);
    },
    (err) => {
      console.error(`Cannot start: ${err.message}`);
      process.exit(1);
    }
  );
}
