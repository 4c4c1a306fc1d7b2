// Webhook admin pages: register an endpoint (the secret is shown once, here), enable, disable,
// delete, and redeliver from the delivery log, all through /api/webhooks.

import { api } from './api.js';

function say(el, text, isError) {
  if (!el) return;
  el.textContent = text;
  el.classList.toggle('error', !!isError);
}

const form = document.getElementById('add-hook');
if (form) {
  form.addEventListener('submit', async function (ev) {
    ev.preventDefault();
    const out = form.querySelector('[data-message]');
    const events = Array.prototype.filter.call(form.elements, function (el) {
      return el.name === 'events' && el.checked;
    }).map(function (el) { return el.value; });
    const body = { url: form.elements.url.value, events: events };
    if (form.elements.description.value) body.description = form.elements.description.value;
    const button = form.querySelector('button[type="submit"]');
    button.disabled = true;
    try {
      const created = await api('POST', '/api/webhooks', body);
      form.hidden = true;
      document.getElementById('hook-secret-value').textContent = created.secret;
      document.getElementById('hook-secret').hidden = false;
    } catch (e) {
      say(out, e.message, true);
      button.disabled = false;
    }
  });
}

document.addEventListener('click', async function (ev) {
  const b = ev.target.closest('button[data-hook-toggle], button[data-hook-delete], button[data-redeliver]');
  if (!b) return;
  const out = b.closest('td, p') && document.querySelector('[data-message]');
  b.disabled = true;
  try {
    if (b.dataset.hookToggle) {
      await api('PATCH', '/api/webhooks/' + b.dataset.hookToggle, { enabled: b.dataset.enable === 'true' });
      location.reload();
    } else if (b.dataset.hookDelete) {
      if (!window.confirm('Delete this endpoint? Its delivery log goes with it.')) { b.disabled = false; return; }
      await api('DELETE', '/api/webhooks/' + b.dataset.hookDelete);
      location.assign('/admin/webhooks');
    } else {
      await api('POST', b.dataset.redeliver);
      say(out, 'Queued again; reload to see the new delivery.', false);
      b.disabled = false;
    }
  } catch (e) {
    say(out, e.message, true);
    b.disabled = false;
  }
});
