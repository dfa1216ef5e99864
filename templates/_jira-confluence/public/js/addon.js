/* Runs in the app's pages inside Jira or Confluence. AP is the product's
 * host script: AP.request calls the product's REST API as the signed-in
 * user, AP.context.getToken gives a token the app's server can check. */
(function () {
  'use strict';

  var user = document.getElementById('client-display-name');
  var token = document.getElementById('context-token');
  if (!user && !token) {
    return;
  }
  if (typeof AP === 'undefined') {
    if (user) user.textContent = 'AP is not available: open this page from Jira or Confluence.';
    if (token) token.textContent = 'AP is not available.';
    return;
  }

  if (user) {
    AP.request({
      url: user.getAttribute('data-rest-path'),
      type: 'GET',
      success: function (data) {
        var u = typeof data === 'string' ? JSON.parse(data) : data;
        user.textContent = u.displayName;
      },
      error: function (xhr, status, err) {
        user.textContent = 'AP.request failed: ' + (err || status || 'unknown error');
      }
    });
  }

  if (token) {
    AP.context.getToken(function (jwt) {
      fetch('/api/context', { headers: { Authorization: 'JWT ' + jwt } })
        .then(function (res) {
          if (!res.ok) throw new Error('HTTP ' + res.status);
          return res.json();
        })
        .then(function (ctx) {
          token.textContent = 'valid for ' + ctx.clientKey;
        })
        .catch(function (err) {
          token.textContent = 'refused: ' + err.message;
        });
    });
  }
})();
