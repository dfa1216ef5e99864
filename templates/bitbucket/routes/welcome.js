'use strict';
// GET /welcome: where Bitbucket sends the user back after the install
// button. Success carries the installation's client key (clientKey or
// client_key) and, for registered apps, a jwt signed with the
// installation's shared secret; failure carries error and
// error_description.

const jwt = require('atlassian-jwt');

// Explanations of the error codes Bitbucket documents. Codes added later
// get the generic text.
const ERRORS = {
  access_denied: {
    title: 'Installation cancelled',
    text: 'The app was not installed because access was denied or the installation was cancelled.',
  },
  invalid_descriptor: {
    title: 'Bitbucket rejected the app descriptor',
    text: 'Bitbucket could not accept atlassian-connect.json. Check it with `connectgen validate` and try again.',
  },
  invalid_request: {
    title: 'The install link is not valid',
    text: 'The install link is malformed: the descriptor must be served over HTTPS and the redirect address must be under the app\'s base URL.',
  },
  server_error: {
    title: 'Bitbucket had a problem',
    text: 'Bitbucket could not complete the installation because of an error on its side. Try again later.',
  },
};

const GENERIC = {
  title: 'The app was not installed',
  text: 'Bitbucket could not install the app.',
};

function one(value) {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

module.exports = function welcome(addon) {
  return async (req, res, next) => {
    const error = one(req.query.error);
    if (error) {
      const known = ERRORS[error] || GENERIC;
      res.render('welcome', {
        title: known.title,
        failed: true,
        error: { code: error, title: known.title, text: known.text, description: one(req.query.error_description) },
      });
      return;
    }

    const clientKey = one(req.query.clientKey) || one(req.query.client_key);
    if (!clientKey) {
      res.status(400).render('welcome', {
        title: 'Nothing to show',
        missing: true,
      });
      return;
    }

    const token = one(req.query.jwt);
    if (token) {
      try {
        await verify(addon, req, clientKey, token);
      } catch (err) {
        res.status(401).render('unauthorized', { title: 'Unauthorized', message: `The install confirmation is not valid: ${err.message}` });
        return;
      }
    }
    res.render('welcome', {
      title: 'Installed',
      installed: true,
      clientKey,
      verified: Boolean(token),
    });
  };
};

// verify checks the redirect's JWT the way Bitbucket signs it: HS256 with
// the installation's shared secret, issued by the client key, not expired
// and bound to this request by its query string hash.
async function verify(addon, req, clientKey, token) {
  const settings = await addon.settings.get('clientInfo', clientKey);
  if (!settings || !settings.sharedSecret) {
    throw new Error(`no installation is stored for ${clientKey}`);
  }
  let claims;
  try {
    claims = jwt.decodeSymmetric(token, settings.sharedSecret, jwt.SymmetricAlgorithm.HS256);
  } catch (err) {
    throw new Error(`the signature does not verify (${err.message})`);
  }
  if (claims.iss !== clientKey) {
    throw new Error('the token was issued for another client key');
  }
  if (typeof claims.exp !== 'number' || claims.exp <= Math.floor(Date.now() / 1000)) {
    throw new Error('the token has expired');
  }
  const expected = jwt.createQueryStringHash(jwt.fromExpressRequest(req), false, addon.config.localBaseUrl());
  if (claims.qsh !== expected) {
    throw new Error('the query string hash does not match this request');
  }
}
