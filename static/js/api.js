// The one fetch wrapper page scripts use for mm's API: the CSRF header on writes, JSON errors as
// exceptions, and a lost session sends the person to sign in. Also reads the JSON blocks a page
// hands to its scripts.

export function csrfToken() {
  const meta = document.querySelector('meta[name="csrf-token"]');
  return meta ? meta.getAttribute('content') : '';
}

export class ApiError extends Error {
  constructor(status, code, message, retryAfter) {
    super(message || ('HTTP ' + status));
    this.name = 'ApiError';
    this.status = status;
    this.code = code || 'http-' + status;
    this.retryAfter = retryAfter;
  }
}

export function toLogin() {
  const here = location.pathname + location.search;
  location.assign('/login?next=' + encodeURIComponent(here));
}

// JSON request to mm's API. Rejects with an ApiError carrying {status, code, message}.
export async function api(method, path, body, opts) {
  opts = opts || {};
  const headers = { 'Accept': 'application/json' };
  if (method !== 'GET' && method !== 'HEAD') {
    const token = csrfToken();
    if (token) headers['X-CSRF-Token'] = token;
  }
  const init = { method: method, headers: headers, credentials: 'same-origin', signal: opts.signal };
  if (body !== undefined) {
    headers['Content-Type'] = 'application/json';
    init.body = JSON.stringify(body);
  }
  const res = await fetch(path, init);
  // A share link's guest has no account to sign in to.
  if (res.status === 401 && !opts.noLoginRedirect && !location.pathname.startsWith('/r/')) {
    toLogin();
    throw new ApiError(401, 'unauthorized', 'Your session has ended; sign in again.');
  }
  const text = await res.text();
  let data = null;
  if (text) {
    try { data = JSON.parse(text); } catch (_) { data = null; }
  }
  if (!res.ok) {
    const retry = Number(res.headers.get('Retry-After')) || undefined;
    throw new ApiError(res.status, data && data.code, data && data.message, retry);
  }
  return data;
}

// Reads the JSON block a page hands to its script (CSP allows it: it is never executed).
export function pageData(id) {
  const el = document.getElementById(id);
  if (!el) return null;
  try { return JSON.parse(el.textContent); } catch (_) { return null; }
}
