// Shared page behaviour: dismissible notices, and `mm.api`, the one fetch wrapper page scripts
// use (CSRF header, JSON errors as exceptions, a lost session sends the person to sign in).
(function () {
  'use strict';

  function csrfToken() {
    var meta = document.querySelector('meta[name="csrf-token"]');
    return meta ? meta.getAttribute('content') : '';
  }

  function ApiError(status, code, message, retryAfter) {
    var e = new Error(message || ('HTTP ' + status));
    e.name = 'ApiError';
    e.status = status;
    e.code = code || 'http-' + status;
    e.retryAfter = retryAfter;
    return e;
  }

  function toLogin() {
    var here = location.pathname + location.search;
    location.assign('/login?next=' + encodeURIComponent(here));
  }

  // JSON request to mm's API. Rejects with an ApiError carrying {status, code, message}.
  async function api(method, path, body, opts) {
    opts = opts || {};
    var headers = { 'Accept': 'application/json' };
    if (method !== 'GET' && method !== 'HEAD') {
      var token = csrfToken();
      if (token) headers['X-CSRF-Token'] = token;
    }
    var init = { method: method, headers: headers, credentials: 'same-origin', signal: opts.signal };
    if (body !== undefined) {
      headers['Content-Type'] = 'application/json';
      init.body = JSON.stringify(body);
    }
    var res = await fetch(path, init);
    if (res.status === 401 && !opts.noLoginRedirect) {
      toLogin();
      throw ApiError(401, 'unauthorized', 'Your session has ended; sign in again.');
    }
    var text = await res.text();
    var data = null;
    if (text) {
      try { data = JSON.parse(text); } catch (_) { data = null; }
    }
    if (!res.ok) {
      var retry = Number(res.headers.get('Retry-After')) || undefined;
      throw ApiError(res.status, data && data.code, data && data.message, retry);
    }
    return data;
  }

  // Reads the JSON block a page hands to its script (CSP allows it: it is never executed).
  function pageData(id) {
    var el = document.getElementById(id);
    if (!el) return null;
    try { return JSON.parse(el.textContent); } catch (_) { return null; }
  }

  function formatBytes(n) {
    if (!isFinite(n)) return '–';
    var units = ['B', 'KB', 'MB', 'GB', 'TB'];
    var i = 0;
    while (n >= 1000 && i < units.length - 1) { n /= 1000; i++; }
    return (i === 0 ? n : n.toFixed(n < 10 ? 1 : 0)) + ' ' + units[i];
  }

  function formatDuration(seconds) {
    if (!isFinite(seconds) || seconds < 0) return '–';
    seconds = Math.round(seconds);
    var h = Math.floor(seconds / 3600), m = Math.floor((seconds % 3600) / 60), s = seconds % 60;
    var mm = (h ? String(m).padStart(2, '0') : String(m));
    return (h ? h + ':' : '') + mm + ':' + String(s).padStart(2, '0');
  }

  window.mm = {
    api: api,
    csrfToken: csrfToken,
    pageData: pageData,
    toLogin: toLogin,
    formatBytes: formatBytes,
    formatDuration: formatDuration
  };

  // A notice shown once should not come back on reload or in a shared link.
  if (/[?&]notice=/.test(location.search) && window.history.replaceState) {
    var u = new URL(location.href);
    u.searchParams.delete('notice');
    history.replaceState(history.state, '', u.pathname + u.search + u.hash);
  }

  document.addEventListener('click', function (ev) {
    var btn = ev.target.closest('[data-dismiss]');
    if (btn) {
      var box = btn.closest('.flash');
      if (box) box.remove();
    }
  });
})();
