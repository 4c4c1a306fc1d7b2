// The share link form (templates/share_form.html), on the asset page and in the library: sends
// `POST /api/shares` for what `target()` names (`{asset_ids}` or `{set_id}`) with the chosen
// permissions, and shows the link once (it is not shown again).

import { api } from './api.js';

/** Wires `form`; returns `say(text, isError)`, which writes in the form's message line. */
export function shareForm(form, target, onCreated) {
  const msg = form.querySelector('[data-share-message]');
  const say = (t, err) => { msg.textContent = t || ''; msg.classList.toggle('error', !!err); };
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const f = form.elements;
    const body = {
      ...target(),
      permissions: f.permissions.value,
      allow_download: f.allow_download.value,
      watermark: f.watermark.checked,
      show_versions: f.show_versions.checked,
    };
    if (f.password.value) body.password = f.password.value;
    if (f.expires.value) body.expires_at = new Date(`${f.expires.value}T23:59:59`).toISOString();
    try {
      const res = await api('POST', '/api/shares', body);
      f.password.value = '';
      const box = form.querySelector('[data-share-url]');
      box.hidden = false;
      box.querySelector('input').value = res.url;
      say('Link created: copy it now, it is not shown again.');
      if (onCreated) await onCreated(res);
    } catch (err) {
      say(err.message, true);
    }
  });
  return say;
}
