// The library's review sets, for people allowed `shares:manage`: select assets and add them to
// a new or an existing set; on a set's view, rename it, move its assets up and down, take them
// out, delete it, and share it as one link (the asset page's share form). The server keeps the
// order; the page follows what it answers.

import { api } from './api.js';
import { shareForm } from './share-form.js';

const bar = document.querySelector('[data-set-add]');
if (bar) initAdd(bar);
const panel = document.querySelector('[data-set-panel]');
if (panel) initPanel(panel);

function sayIn(msg) {
  return (t, err) => { msg.textContent = t || ''; msg.classList.toggle('error', !!err); };
}

function initAdd(form) {
  const chosen = () => Array.from(document.querySelectorAll('[data-select]:checked'), (b) => b.value);
  const count = form.querySelector('[data-selected-count]');
  const button = form.querySelector('[data-set-add-button]');
  const target = form.elements.target;
  const say = sayIn(form.querySelector('[data-set-add-message]'));
  function refresh() {
    const n = chosen().length;
    count.textContent = n ? `${n} selected` : 'None selected';
    button.disabled = n === 0;
    form.querySelector('[data-new-set]').hidden = target.value !== '';
  }
  document.addEventListener('change', (e) => { if (e.target.matches('[data-select]')) refresh(); });
  target.addEventListener('change', refresh);
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const ids = chosen();
    if (!ids.length) return;
    button.disabled = true;
    try {
      const set = target.value
        ? await api('POST', `/api/review-sets/${encodeURIComponent(target.value)}/assets`, { asset_ids: ids })
        : await api('POST', '/api/review-sets', { name: form.elements.name.value, asset_ids: ids });
      window.location.assign(`/?set=${encodeURIComponent(set.id)}`);
    } catch (err) {
      say(err.message, true);
      refresh();
    }
  });
  refresh();
}

function initPanel(panel) {
  const id = panel.dataset.setId;
  const url = `/api/review-sets/${encodeURIComponent(id)}`;
  const list = panel.querySelector('[data-set-items]');
  const say = sayIn(panel.querySelector('[data-set-message]'));
  const items = () => Array.from(list.querySelectorAll('[data-set-item]'));
  const cards = document.querySelector('[data-library]');
  const sortSelect = document.getElementById('sort');

  // The page's cards follow the set when they are shown in its order.
  function follow(set) {
    const byId = new Map(items().map((li) => [li.dataset.setItem, li]));
    list.replaceChildren(...set.asset_ids.filter((a) => byId.has(a)).map((a) => byId.get(a)));
    if (!cards) return;
    for (const card of cards.querySelectorAll('[data-asset-id]')) {
      if (!set.asset_ids.includes(card.dataset.assetId)) card.remove();
    }
    if (sortSelect && sortSelect.value === 'set') {
      for (const a of set.asset_ids) {
        const card = cards.querySelector(`[data-asset-id="${CSS.escape(a)}"]`);
        if (card) card.parentElement.append(card);
      }
    }
  }

  list.addEventListener('click', async (e) => {
    const btn = e.target.closest('button');
    const li = btn && btn.closest('[data-set-item]');
    if (!li) return;
    const asset = li.dataset.setItem;
    try {
      if (btn.dataset.move) {
        const order = items().map((x) => x.dataset.setItem);
        const at = order.indexOf(asset);
        const to = btn.dataset.move === 'up' ? at - 1 : at + 1;
        if (to < 0 || to >= order.length) return;
        [order[at], order[to]] = [order[to], order[at]];
        follow(await api('PATCH', url, { asset_ids: order }));
        say('Order saved.');
        btn.focus();
      } else if ('remove' in btn.dataset) {
        follow(await api('DELETE', `${url}/assets/${encodeURIComponent(asset)}`));
        say('Taken out of the set.');
      }
    } catch (err) {
      say(err.message, true);
    }
  });

  const rename = panel.querySelector('[data-set-rename]');
  if (rename) {
    rename.addEventListener('submit', async (e) => {
      e.preventDefault();
      try {
        const set = await api('PATCH', url, { name: rename.elements.name.value });
        panel.querySelector('[data-set-name]').textContent = set.name;
        for (const o of document.querySelectorAll(`option[value="${CSS.escape(id)}"]`)) o.textContent = set.name;
        say('Renamed.');
      } catch (err) {
        say(err.message, true);
      }
    });
  }

  const del = panel.querySelector('[data-set-delete]');
  if (del) {
    del.addEventListener('click', async () => {
      if (!window.confirm('Delete this review set? Its assets and the links made from it stay.')) return;
      try {
        await api('DELETE', url);
        window.location.assign('/');
      } catch (err) {
        say(err.message, true);
      }
    });
  }

  const share = panel.querySelector('[data-share-create]');
  if (share) shareForm(share, () => ({ set_id: id }));
}
