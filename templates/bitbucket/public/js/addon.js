/* Runs in the app's pages inside Bitbucket. AP, Bitbucket's host script,
 * answers AP.request with Bitbucket's REST API, called as the signed-in
 * user on the app's behalf. */
(function () {
  'use strict';

  var target = document.getElementById('client-display-name');
  if (!target) {
    return;
  }
  if (typeof AP === 'undefined') {
    target.textContent = 'AP is not available: open this page from Bitbucket.';
    return;
  }

  var options = {
    url: '/2.0/user',
    type: 'GET',
    success: function (data) {
      var user = typeof data === 'string' ? JSON.parse(data) : data;
      target.textContent = user.display_name;
    },
    error: function (xhr, status, err) {
      target.textContent = 'AP.request failed: ' + (err || status || 'unknown error');
    }
  };

  if (typeof AP.request === 'function') {
    AP.request(options);
  } else {
    AP.require('request', function (request) {
      request(options);
    });
  }
})();
