/* The local Bitbucket host's page script. It answers the AP messages of the
 * app frames (all.js runs inside them) and drives the dev panel's buttons.
 * Messages are accepted only from a frame of this page whose origin is the
 * app's, and answered only to that origin. */
(function () {
  'use strict';

  var CHANNEL = 'connectgen-ap';
  var MAX_SIZE = 20000;

  function appOrigin() {
    return document.documentElement.getAttribute('data-app-origin') || '';
  }

  function frameFor(win) {
    var frames = document.querySelectorAll('iframe[data-app-frame]');
    for (var i = 0; i < frames.length; i++) {
      if (frames[i].contentWindow === win) {
        return frames[i];
      }
    }
    return null;
  }

  function callHost(path, payload) {
    return fetch(path, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', 'X-Connectgen-Host': '1' },
      body: JSON.stringify(payload || {}),
      credentials: 'same-origin'
    }).then(function (res) {
      return res.json().then(function (body) {
        if (!res.ok && !body.error) {
          body.error = 'HTTP ' + res.status;
        }
        return body;
      });
    });
  }

  // size turns an AP.resize argument into a CSS length, or '' if it is not
  // a number, "Npx" or "N%".
  function size(v, max) {
    if (typeof v === 'number' && isFinite(v)) {
      return Math.max(0, Math.min(max, Math.round(v))) + 'px';
    }
    var m = /^\s*(\d+(?:\.\d+)?)\s*(px|%)?\s*$/.exec(String(v));
    if (!m) {
      return '';
    }
    if (m[2] === '%') {
      return Math.min(100, parseFloat(m[1])) + '%';
    }
    return Math.min(max, Math.round(parseFloat(m[1]))) + 'px';
  }

  // replier answers the AP message m of the frame win.
  function replier(win, origin, m) {
    return function (r) {
      r.channel = CHANNEL;
      r.type = 'response';
      r.id = m.id;
      win.postMessage(r, origin);
    };
  }

  function onRequest(win, origin, m) {
    var reply = replier(win, origin, m);
    callHost('/api/request', {
      method: String(m.method || 'GET'),
      url: String(m.url || ''),
      contentType: m.contentType ? String(m.contentType) : '',
      body: typeof m.body === 'string' ? m.body : ''
    }).then(reply, function (err) {
      reply({ status: 0, error: 'the local host did not answer: ' + err });
    });
  }

  function onGetToken(win, origin, m) {
    var reply = replier(win, origin, m);
    callHost('/api/context-token', {}).then(function (body) {
      reply(body.error ? { error: String(body.error) } : { token: String(body.token || '') });
    }, function (err) {
      reply({ error: 'the local host did not answer: ' + err });
    });
  }

  window.addEventListener('message', function (ev) {
    var m = ev.data;
    if (!m || typeof m !== 'object' || m.channel !== CHANNEL) {
      return;
    }
    var origin = appOrigin();
    var frame = frameFor(ev.source);
    if (!origin || ev.origin !== origin || !frame) {
      console.warn('[connectgen local host] ignored an AP message from ' + ev.origin +
        ': only frames of the app at ' + (origin || '(no loopback app)') + ' are answered');
      return;
    }
    frame.setAttribute('data-connected', 'true');
    hideHint();
    switch (m.type) {
      case 'init':
        break;
      case 'request':
        onRequest(ev.source, origin, m);
        break;
      case 'getToken':
        onGetToken(ev.source, origin, m);
        break;
      case 'resize':
        var h = size(m.height, MAX_SIZE);
        var w = m.width === undefined || m.width === null ? '' : size(m.width, MAX_SIZE);
        if (h) {
          frame.style.height = h;
        }
        if (w) {
          frame.style.width = w;
        }
        frame.setAttribute('data-resized', String(h));
        break;
      case 'sizeToParent':
        var top = frame.getBoundingClientRect().top + window.scrollY;
        frame.style.height = Math.max(150, window.innerHeight - top - 16) + 'px';
        frame.setAttribute('data-resized', frame.style.height);
        break;
      default:
        console.warn('[connectgen local host] ignored an unknown AP message type ' + JSON.stringify(m.type));
    }
  });

  // A frame whose page never speaks AP did not load this host's script:
  // most likely the app runs without AC_HOST_SCRIPT_URL and loaded
  // Bitbucket's. Say so on the page rather than leave AP.request hanging.
  var HINT_DELAY_MS = 3000;

  function hideHint() {
    var hint = document.getElementById('frame-hint');
    if (hint) {
      hint.hidden = true;
    }
  }

  document.addEventListener('load', function (ev) {
    var frame = ev.target;
    if (!frame || frame.tagName !== 'IFRAME' || !frame.hasAttribute('data-app-frame')) {
      return;
    }
    setTimeout(function () {
      var hint = document.getElementById('frame-hint');
      if (hint && frame.getAttribute('data-connected') !== 'true') {
        hint.hidden = false;
      }
    }, HINT_DELAY_MS);
  }, true);

  function show(out, ok, text) {
    out.className = 'result ' + (ok ? 'ok' : 'fail');
    out.textContent = text;
  }

  function sendWebhook(button) {
    var event = button.getAttribute('data-event');
    var out = null;
    var outs = document.querySelectorAll('output[data-webhook-result]');
    for (var i = 0; i < outs.length; i++) {
      if (outs[i].getAttribute('data-webhook-result') === event) {
        out = outs[i];
      }
    }
    button.disabled = true;
    out.removeAttribute('data-status');
    show(out, true, 'sending…');
    callHost('/api/webhook', { event: event }).then(function (r) {
      if (r.error) {
        out.setAttribute('data-status', 'error');
        show(out, false, r.error);
        return;
      }
      out.setAttribute('data-status', String(r.status));
      var text = r.status + ' ' + (r.statusText || '');
      if (r.body) {
        text += '\n' + r.body;
      }
      show(out, r.status >= 200 && r.status < 300, text);
    }, function (err) {
      out.setAttribute('data-status', 'error');
      show(out, false, 'the local host did not answer: ' + err);
    }).then(function () {
      button.disabled = false;
    });
  }

  function lifecycle(button, action) {
    var out = document.getElementById('install-result');
    var state = document.getElementById('install-state');
    button.disabled = true;
    show(out, true, action + '…');
    callHost('/api/' + action, {}).then(function (r) {
      state.textContent = r.installed ? 'installed' : 'not installed';
      state.setAttribute('data-installed', String(!!r.installed));
      if (r.clientKey !== undefined) {
        document.getElementById('client-key').textContent = r.clientKey;
      }
      show(out, !r.error, r.error ? action + ' failed: ' + r.error : action + ': done');
    }, function (err) {
      show(out, false, 'the local host did not answer: ' + err);
    }).then(function () {
      button.disabled = false;
    });
  }

  document.addEventListener('click', function (ev) {
    var button = ev.target.closest ? ev.target.closest('button[data-action]') : null;
    if (!button) {
      return;
    }
    var action = button.getAttribute('data-action');
    if (action === 'webhook') {
      sendWebhook(button);
    } else if (action === 'reinstall' || action === 'uninstall') {
      lifecycle(button, action);
    }
  });
})();
