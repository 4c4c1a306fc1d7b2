// The asset page's share links panel (for people allowed `shares:manage`): create a link for
// this asset (its URL is shown once), list the asset's links with their state, what guests did
// through each (opened, played, commented, decided, downloaded), and revoke. Every text goes in
// through textContent: guests' names and emails are never parsed as HTML.

import { api } from './api.js';
import { shareForm } from './share-form.js';

const panel = document.querySelector('[data-shares-panel]');
const root = document.getElementById('asset');
if (panel && root) init(panel, root.dataset.assetId);

function el(tag, cls, text) {
  const e = document.createElement(tag);
  if (cls) e.className = cls;
  if (text != null) e.textContent = text;
  return e;
}

const WORDS = { view: 'watch', comment: 'comment', approve: 'approve' };

async function init(panel, assetId) {
  const list = panel.querySelector('[data-shares]');
  const say = shareForm(panel.querySelector('[data-share-create]'), () => ({ asset_ids: [assetId] }), load);

  async function load() {
    let res;
    try {
      res = await api('GET', `/api/shares?asset_id=${encodeURIComponent(assetId)}`);
    } catch (e) {
      if (e.status !== 403) { panel.hidden = false; say(`Links could not be loaded: ${e.message}`, true); }
      return;
    }
    panel.hidden = false;
    list.replaceChildren(...res.shares.map(item));
    if (!res.shares.length) list.append(el('li', 'muted', 'No links yet.'));
  }

  function item(s) {
    const li = el('li', `share share-${s.state}`);
    li.dataset.shareId = s.id;
    const head = el('p');
    head.append(el('strong', null, s.title), ' ',
      el('span', 'chip', s.state), ' ',
      el('span', 'muted', `guests may ${WORDS[s.permissions] || s.permissions}` +
        (s.allow_download !== 'none' ? `, download ${s.allow_download}` : '') +
        (s.has_password ? ', password' : '') +
        (s.expires_at ? `, until ${new Date(s.expires_at).toLocaleDateString()}` : '')));
    li.append(head);
    const acts = el('ol', 'share-activity');
    acts.dataset.shareActivity = s.id;
    li.append(acts);
    const bar = el('p');
    if (s.state === 'active') {
      const revoke = el('button', 'link', 'Revoke');
      revoke.type = 'button';
      revoke.addEventListener('click', async () => {
        if (!window.confirm('Turn this link off for everyone who has it?')) return;
        try { await api('DELETE', `/api/shares/${s.id}`); await load(); } catch (e) { say(e.message, true); }
      });
      bar.append(revoke);
    }
    li.append(bar);
    activity(s.id, acts);
    return li;
  }

  async function activity(id, into) {
    try {
      const res = await api('GET', `/api/shares/${id}/activity`);
      into.replaceChildren(...res.activity.slice(0, 50).map((a) => {
        const li = el('li');
        li.dataset.action = a.action;
        const who = a.guest_name ? `${a.guest_name} (guest${a.guest_email ? `, ${a.guest_email}` : ''})` : 'A visitor';
        li.append(el('span', null, `${who} ${a.action}`), ' ',
          el('time', 'muted', new Date(a.at).toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' })));
        return li;
      }));
    } catch (_) { /* the list of links still shows */ }
  }

  load();
}
