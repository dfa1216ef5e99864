/* connectgen's local Bitbucket host script: the AP object an app's page
 * gets when it runs inside the local host instead of bitbucket.org.
 *
 * Supported: AP.request(options) and AP.request(url, options) with
 * success/error callbacks and a returned Promise ({body, xhr} on success,
 * {err, xhr} on failure), AP.require('request' | ['request', ...], cb),
 * AP.resize(width, height), AP.sizeToParent() and automatic height, and
 * for Jira and Confluence AP.context.getToken(callback) (a context token,
 * qsh "context-qsh", callback and Promise) and AP.context.getContext.
 * Any other AP call logs a console warning naming it and does nothing.
 *
 * It talks only to the window that framed it, and only if that window's
 * origin is the origin this script was loaded from, on loopback. */
(function () {
  'use strict';

  var CHANNEL = 'connectgen-ap';
  var PREFIX = '[connectgen local host]';
  var SUPPORTED = 'AP.request, AP.require("request"), AP.resize, AP.sizeToParent, AP.context.getToken, AP.context.getContext';

  function scriptSrc() {
    if (document.currentScript && document.currentScript.src) {
      return document.currentScript.src;
    }
    var scripts = document.getElementsByTagName('script');
    for (var i = 0; i < scripts.length; i++) {
      if (/\/atlassian-connect\/all(-debug)?\.js(\?|#|$)/.test(scripts[i].src)) {
        return scripts[i].src;
      }
    }
    return '';
  }

  function loopback(u) {
    var h = u.hostname;
    return h === 'localhost' || h === '[::1]' || h === '::1' || /^127\.\d+\.\d+\.\d+$/.test(h);
  }

  var hostOrigin = '';
  var problem = '';
  try {
    var src = new URL(scriptSrc(), location.href);
    if (loopback(src) && (src.protocol === 'http:' || src.protocol === 'https:')) {
      hostOrigin = src.origin;
    } else {
      problem = 'the host script was loaded from ' + src.origin + ', which is not loopback';
    }
  } catch (e) {
    problem = 'cannot tell where the host script was loaded from';
  }
  var host = window.parent !== window ? window.parent : null;
  if (!host && !problem) {
    problem = 'this page is not framed by the local host; open it from the host page';
  }
  if (problem) {
    console.warn(PREFIX + ' AP is inactive: ' + problem + '.');
  }

  function post(msg) {
    if (problem) {
      return false;
    }
    msg.channel = CHANNEL;
    host.postMessage(msg, hostOrigin);
    return true;
  }

  var pending = {};
  var nextId = 1;

  window.addEventListener('message', function (ev) {
    var m = ev.data;
    if (problem || ev.source !== host || ev.origin !== hostOrigin || !m || m.channel !== CHANNEL) {
      return;
    }
    if (m.type === 'response' && pending[m.id]) {
      var done = pending[m.id];
      delete pending[m.id];
      done(m);
    }
  });

  // fakeXhr is the xhr-like object AP.request hands to callbacks, as
  // Bitbucket's does: status, statusText, responseText and headers.
  function fakeXhr(status, statusText, body, contentType) {
    return {
      readyState: 4,
      status: status,
      statusText: statusText || '',
      responseText: body || '',
      getResponseHeader: function (name) {
        return String(name).toLowerCase() === 'content-type' && contentType ? contentType : null;
      },
      getAllResponseHeaders: function () {
        return contentType ? 'content-type: ' + contentType + '\r\n' : '';
      }
    };
  }

  function encodeForm(data) {
    var params = new URLSearchParams();
    Object.keys(data).forEach(function (k) {
      var v = data[k];
      if (Array.isArray(v)) {
        v.forEach(function (x) { params.append(k, x); });
      } else if (v !== undefined && v !== null) {
        params.append(k, v);
      }
    });
    return params.toString();
  }

  function request(urlOrOptions, maybeOptions) {
    var o = {};
    var src = typeof urlOrOptions === 'string' ? (maybeOptions || {}) : (urlOrOptions || {});
    Object.keys(src).forEach(function (k) { o[k] = src[k]; });
    if (typeof urlOrOptions === 'string') {
      o.url = urlOrOptions;
    }
    var method = String(o.type || o.method || 'GET').toUpperCase();
    var url = String(o.url || '');
    var contentType = o.contentType ? String(o.contentType) : '';
    var body = '';
    if (o.data !== undefined && o.data !== null) {
      var isObject = typeof o.data === 'object';
      if (method === 'GET' || method === 'HEAD') {
        var q = isObject ? encodeForm(o.data) : String(o.data);
        if (q) {
          url += (url.indexOf('?') >= 0 ? '&' : '?') + q;
        }
      } else if (!isObject) {
        body = String(o.data);
        contentType = contentType || 'application/x-www-form-urlencoded';
      } else if (/json/i.test(contentType)) {
        body = JSON.stringify(o.data);
      } else {
        body = encodeForm(o.data);
        contentType = contentType || 'application/x-www-form-urlencoded';
      }
    }

    var p = new Promise(function (resolve, reject) {
      function fail(xhr, statusText, err) {
        try {
          if (typeof o.error === 'function') {
            o.error(xhr, statusText, err);
          }
        } finally {
          reject({ err: err, xhr: xhr });
        }
      }
      if (!post({ type: 'request', id: nextId, method: method, url: url, contentType: contentType, body: body })) {
        var why = 'AP.request(' + JSON.stringify(url) + ') cannot run: ' + problem;
        console.warn(PREFIX + ' ' + why + '.');
        fail(fakeXhr(0, 'error', ''), 'error', why);
        return;
      }
      pending[nextId++] = function (m) {
        var xhr = fakeXhr(m.status || 0, m.statusText, m.body, m.contentType);
        if (m.error) {
          console.warn(PREFIX + ' AP.request(' + JSON.stringify(url) + ') failed: ' + m.error);
          fail(xhr, 'error', m.error);
          return;
        }
        if (m.status >= 200 && m.status < 300) {
          try {
            if (typeof o.success === 'function') {
              o.success(m.body, 'success', xhr);
            }
          } finally {
            resolve({ body: m.body, xhr: xhr });
          }
          return;
        }
        fail(xhr, 'error', m.statusText || ('HTTP ' + m.status));
      };
    });
    // Callers that use only callbacks must not get an "uncaught (in
    // promise)" error for a failure their error callback already saw.
    p.catch(function () {});
    return p;
  }

  function unsupported(path) {
    var fn = function () {
      console.warn(PREFIX + ' ' + path + '() is not supported by the local Bitbucket host; the call did nothing. Supported: ' + SUPPORTED + '.');
      return undefined;
    };
    return new Proxy(fn, {
      get: function (target, prop) {
        if (typeof prop === 'symbol' || prop === 'then' || prop === 'toJSON' || prop in Function.prototype) {
          return target[prop];
        }
        return unsupported(path + '.' + prop);
      }
    });
  }

  var autoResize = true;
  var lastHeight = -1;

  function contentHeight() {
    var b = document.body;
    var d = document.documentElement;
    var h = d.getBoundingClientRect().height;
    if (b) {
      var style = getComputedStyle(b);
      h = Math.max(h, b.scrollHeight + parseFloat(style.marginTop) + parseFloat(style.marginBottom));
    }
    return Math.ceil(h);
  }

  function reportHeight() {
    if (!autoResize) {
      return;
    }
    var h = contentHeight();
    if (h !== lastHeight) {
      lastHeight = h;
      post({ type: 'resize', height: h });
    }
  }

  var queued = false;
  function scheduleHeight() {
    if (!queued) {
      queued = true;
      requestAnimationFrame(function () { queued = false; reportHeight(); });
    }
  }

  function resize(width, height) {
    autoResize = false;
    post({ type: 'resize', width: width === undefined ? null : width, height: height === undefined ? contentHeight() : height });
  }

  function sizeToParent() {
    autoResize = false;
    post({ type: 'sizeToParent' });
  }

  // getToken asks the host for a context token; the host answers an error
  // where the product has none (Bitbucket).
  function getToken(callback) {
    var p = new Promise(function (resolve, reject) {
      if (!post({ type: 'getToken', id: nextId })) {
        console.warn(PREFIX + ' AP.context.getToken() cannot run: ' + problem + '.');
        reject(new Error(problem));
        return;
      }
      pending[nextId++] = function (m) {
        if (m.error) {
          console.warn(PREFIX + ' AP.context.getToken() failed: ' + m.error);
          reject(new Error(m.error));
          return;
        }
        if (typeof callback === 'function') {
          callback(m.token);
        }
        resolve(m.token);
      };
    });
    p.catch(function () {});
    return p;
  }

  // getContext reads the context from a context token's claims.
  function getContext(callback) {
    var p = getToken().then(function (token) {
      var seg = String(token).split('.')[1] || '';
      var json = atob(seg.replace(/-/g, '+').replace(/_/g, '/'));
      var ctx = (JSON.parse(json) || {}).context || {};
      if (typeof callback === 'function') {
        callback(ctx);
      }
      return ctx;
    });
    p.catch(function () {});
    return p;
  }

  var context = new Proxy({ getToken: getToken, getContext: getContext }, {
    get: function (target, prop) {
      if (typeof prop === 'symbol' || prop in target || prop === 'then' || prop === 'toJSON') {
        return target[prop];
      }
      return unsupported('AP.context.' + prop);
    }
  });

  var env = { resize: resize, sizeToParent: sizeToParent };
  var modules = { request: request, env: env, context: context };

  function requireModules(names, callback) {
    var list = Array.isArray(names) ? names : [names];
    var got = list.map(function (name) {
      if (Object.prototype.hasOwnProperty.call(modules, name)) {
        return modules[name];
      }
      console.warn(PREFIX + ' AP.require(' + JSON.stringify(name) + ') is not supported by the local Bitbucket host; its calls will do nothing. Supported modules: request, env, context.');
      return unsupported('AP.require(' + JSON.stringify(name) + ')');
    });
    if (typeof callback === 'function') {
      callback.apply(null, got);
    }
  }

  var base = {
    request: request,
    require: requireModules,
    resize: resize,
    sizeToParent: sizeToParent,
    env: env,
    context: context
  };

  window.AP = new Proxy(base, {
    get: function (target, prop) {
      if (typeof prop === 'symbol' || prop in target || prop === 'then' || prop === 'toJSON') {
        return target[prop];
      }
      return unsupported('AP.' + prop);
    }
  });

  if (!problem) {
    // Tells the host page this frame runs its script (it shows a hint when
    // a frame never does).
    post({ type: 'init' });
    if (typeof ResizeObserver === 'function') {
      var ro = new ResizeObserver(scheduleHeight);
      ro.observe(document.documentElement);
      document.addEventListener('DOMContentLoaded', function () {
        if (document.body) {
          ro.observe(document.body);
        }
      });
    }
    document.addEventListener('DOMContentLoaded', scheduleHeight);
    window.addEventListener('load', scheduleHeight);
  }
})();
