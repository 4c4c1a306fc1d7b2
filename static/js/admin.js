// Admin pages: each `form[data-api]` is sent to the JSON API (with the CSRF header) instead of
// a page route, so the rules (last admin, audit) live in one place; on success the page reloads
// with a notice, on refusal the server's message shows beside the form.

import { api } from './api.js';
document.addEventListener('submit', async function (ev) {
  var form = ev.target.closest('form[data-api]');
  if (!form) return;
  ev.preventDefault();
  if (form.dataset.confirm && !window.confirm(form.dataset.confirm)) return;
  var out = form.querySelector('[data-message]');
  var body = {};
  Array.prototype.forEach.call(form.elements, function (el) {
    if (!el.name || el.disabled) return;
    if (el.value === '' && !el.required) return;
    body[el.name] = el.value;
  });
  var buttons = form.querySelectorAll('button');
  buttons.forEach(function (b) { b.disabled = true; });
  try {
    await api(form.dataset.method || 'POST', form.dataset.path, body);
    var url = new URL(location.href);
    url.searchParams.set('notice', form.dataset.notice || 'saved');
    location.assign(url.pathname + url.search);
  } catch (e) {
    if (out) { out.textContent = e.message; out.classList.add('error'); }
    buttons.forEach(function (b) { b.disabled = false; });
  }
});
