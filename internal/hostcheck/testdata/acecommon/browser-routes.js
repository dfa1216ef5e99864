'use strict';
// Routes the test apps share for the browser: /page.js, which a page loads
// after the host's all.js to call AP.request(apiPath) as the app and to
// send a context token from AP.context.getToken to /context, which checks
// it with ACE's checkValidToken().
module.exports = (app, addon, apiPath) => {
  app.get('/page.js', (req, res) => {
    res.type('js').send(`(function () {
  var show = function (id, text) { document.getElementById(id).textContent = text; };
  if (!window.AP) { show('client-display-name', 'no AP'); show('context-client', 'no AP'); return; }
  AP.request(${JSON.stringify(apiPath)}).then(function (r) {
    show('client-display-name', JSON.parse(r.body).displayName);
  }, function (e) { show('client-display-name', 'AP.request failed: ' + (e && e.err)); });
  AP.context.getToken().then(function (token) {
    return fetch('/context', { headers: { Authorization: 'JWT ' + token } }).then(function (r) {
      return r.ok ? r.json().then(function (b) { show('context-client', b.clientKey); }) : show('context-client', 'refused: ' + r.status);
    });
  }).catch(function (e) { show('context-client', 'getToken failed: ' + e); });
})();`);
  });

  app.get('/context', addon.checkValidToken(), (req, res) => {
    res.json({ clientKey: req.context.clientKey, accountId: req.context.userAccountId || null });
  });
};

// The markup a page adds for them.
module.exports.markup = '<p id="client-display-name">loading…</p><p id="context-client">loading…</p>\n<script src="/page.js"></script>';
