// A share link's page, for a guest without an account: the password gate, the guest's name
// and email (asked before they comment, decide or download, and before they watch when the
// link is watermarked), the same player (or an image's still) and review panels as the asset
// page signing and posting through the link's own API, the watermark, downloads, and "played"
// for the studio's activity.

import { api, pageData } from './api.js';
import { startPlayer } from './player.js';
import { startReview } from './review-page.js';

const root = document.getElementById('guest');
if (root) init(root);

function say(el, text, isError) {
  if (!el) return;
  el.textContent = text || '';
  el.classList.toggle('error', !!isError);
}

function init(root) {
  const base = `/r/${encodeURIComponent(root.dataset.token)}/api`;
  const unlock = root.querySelector('[data-unlock]');
  if (unlock) {
    gate(unlock, base);
    return;
  }
  const assetId = root.dataset.assetId;
  const versionId = root.dataset.versionId;
  const watermarked = root.dataset.watermarked === 'true';
  const form = root.querySelector('[data-identity]');
  const shown = root.querySelector('[data-identity-shown]');
  const box = root.querySelector('[data-player]');
  const still = root.querySelector('[data-still-box]');
  let who = form && form.hidden ? { name: form.elements.name.value, email: form.elements.email.value } : null;
  let started = false;

  function start() {
    if (started) return;
    started = true;
    const data = pageData('player-data');
    let player = null;
    if (still) still.hidden = false;
    if (box && data) {
      box.hidden = false;
      player = startPlayer(box, {
        data,
        controls: root.querySelector('[data-controls]'),
        sign: () => api('POST', `${base}/assets/${encodeURIComponent(assetId)}/sign`, { version_id: versionId }),
      });
      let told = false;
      player.video.addEventListener('play', () => {
        if (told) return;
        told = true;
        api('POST', `${base}/activity`, { asset_id: assetId, version_id: versionId }).catch(() => { told = false; });
      });
    }
    const v = encodeURIComponent(versionId);
    startReview(root, player, {
      urls: {
        comments: `${base}/assets/${encodeURIComponent(assetId)}/comments`,
        comment: `${base}/comments`,
        review: `${base}/versions/${v}/review`,
        decide: `${base}/versions/${v}/decisions`,
      },
    });
  }

  function paintWatermark() {
    const wm = root.querySelector('[data-watermark]');
    if (!wm || !who) return;
    const label = `${who.name} · ${who.email}`;
    const tiles = [];
    for (let i = 0; i < 24; i++) {
      const s = document.createElement('span');
      s.textContent = label;
      tiles.push(s);
    }
    wm.replaceChildren(...tiles);
  }

  function ask(message) {
    if (!form) return;
    form.hidden = false;
    say(form.querySelector('[data-identity-message]'), message, true);
    form.elements.name.focus();
  }

  form?.addEventListener('submit', async (e) => {
    e.preventDefault();
    const msg = form.querySelector('[data-identity-message]');
    const btn = form.querySelector('button[type=submit]');
    btn.disabled = true;
    try {
      who = await api('POST', `${base}/guest`, { name: form.elements.name.value, email: form.elements.email.value });
      form.hidden = true;
      say(msg, '');
      if (shown) {
        shown.querySelector('[data-guest-name]').textContent = who.name;
        shown.hidden = false;
      }
      paintWatermark();
      start();
    } catch (err) {
      say(msg, err.message, true);
    } finally {
      btn.disabled = false;
    }
  });

  // Commenting, deciding and downloading wait for a name and an email.
  root.addEventListener('submit', (e) => {
    if (!who && e.target.matches('[data-composer]')) {
      e.preventDefault();
      e.stopImmediatePropagation();
      ask('Give your name and email before you comment.');
    }
  }, true);
  root.addEventListener('click', (e) => {
    const t = e.target.closest('[data-decide], [data-download]');
    if (!who && t) {
      e.preventDefault();
      e.stopImmediatePropagation();
      ask('Give your name and email first.');
    }
  }, true);
  // A download asks for its URL first, so a refusal (or an MP4 still being made) is said in
  // words beside the button instead of replacing the page.
  root.querySelectorAll('[data-download]').forEach((link) => {
    link.addEventListener('click', async (e) => {
      e.preventDefault();
      const msg = root.querySelector('[data-download-message]');
      try {
        const res = await api('GET', link.href);
        say(msg, '');
        location.assign(res.url);
      } catch (err) {
        say(msg, err.message, true);
      }
    });
  });

  paintWatermark();
  if (!watermarked || who) start();
}

function gate(form, base) {
  const msg = form.querySelector('[data-unlock-message]');
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const btn = form.querySelector('button[type=submit]');
    btn.disabled = true;
    try {
      await api('POST', `${base}/unlock`, { password: form.elements.password.value }, { noLoginRedirect: true });
      location.reload();
    } catch (err) {
      const wait = err.retryAfter ? ` Try again in ${err.retryAfter} s.` : '';
      say(msg, (err.status === 401 ? 'That is not the password.' : err.message) + wait, true);
      btn.disabled = false;
      form.elements.password.select();
    }
  });
}
