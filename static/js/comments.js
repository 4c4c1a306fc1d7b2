// The comment panel of one version: the list with one-level threads, the composer (at the frame
// on screen, with an optional drawing), edit, delete, resolve and reopen, and timeline markers.
// Clicking a comment or its marker seeks to its exact frame, pauses and shows its drawing.
// Every text goes in through textContent: comment bodies are never parsed as HTML.

import { api } from './api.js';

function el(tag, attrs, ...kids) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v == null || v === false) continue;
    if (k === 'class') e.className = v;
    else if (k.startsWith('data-')) e.setAttribute(k, v === true ? '' : String(v));
    else if (k === 'text') e.textContent = v;
    else e.setAttribute(k, String(v));
  }
  for (const k of kids) if (k != null) e.append(k);
  return e;
}

/**
 * Every comment of a version, following the list's `next` cursor page by page (the API answers
 * a bounded page at a time, drawings left out). The markers need them all.
 */
export async function allComments(url, versionId) {
  const out = [];
  let cursor = null;
  // The API's cap on comments per version bounds the pages; this bounds a misbehaving server.
  for (let page = 0; page < 100; page++) {
    // The API's default page size; a share link's list comes whole, without a `next`.
    const q = new URLSearchParams({ version_id: versionId });
    if (cursor) q.set('cursor', cursor);
    const res = await api('GET', `${url}?${q}`);
    out.push(...(res.comments || []));
    cursor = res.next;
    if (!cursor) break;
  }
  return out;
}

function when(iso) {
  const d = new Date(iso);
  return isNaN(d) ? '' : d.toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' });
}

export class Comments {
  /**
   * `panel` is the [data-comments-panel] section; `player` the handle startPlayer returned
   * (null for a version without playable preview); `overlay`/`tools` the drawing pieces.
   */
  constructor({ panel, assetId, versionId, player, overlay, tools, markers, urls }) {
    Object.assign(this, { panel, assetId, versionId, player, overlay, tools, markers });
    // Where the list is read and comments are posted (a share link's page has its own API).
    this.url = (urls && urls.comments) || `/api/assets/${encodeURIComponent(assetId)}/comments`;
    // Where one comment is read with its drawing (the lists leave drawings out).
    this.commentUrl = (urls && urls.comment) || '/api/comments';
    this.list = panel.querySelector('[data-comments]');
    this.count = panel.querySelector('[data-comment-count]');
    this.form = panel.querySelector('[data-composer]');
    this.at = panel.querySelector('[data-composer-at]');
    this.msg = panel.querySelector('[data-composer-message]');
    this.showResolved = panel.querySelector('[data-show-resolved]');
    this.comments = [];
    // Drawings fetched for comments shown, by comment id and its last change.
    this.drawings = new Map();
    this.active = null;
    this.loading = null;
    this.form?.addEventListener('submit', (e) => { e.preventDefault(); this.submit(); });
    const body = this.form ? this.form.elements.body : document.createElement('textarea');
    // Typing a note is about the frame on screen: stop there.
    body.addEventListener('focus', () => this.player && this.player.pause());
    const draw = this.form?.querySelector('[data-draw-toggle]');
    if (draw && this.tools) {
      draw.addEventListener('click', () => {
        const on = draw.getAttribute('aria-pressed') !== 'true';
        if (on && this.player) this.player.pause();
        draw.setAttribute('aria-pressed', String(on));
        this.tools.enable(on);
        this.active = null;
      });
    } else if (draw) {
      draw.hidden = true;
    }
    this.showResolved?.addEventListener('change', () => this.render());
    if (this.player) {
      this.player.onFrame((f) => this.followFrame(f));
      this.player.video.addEventListener('durationchange', () => this.paintMarkers());
    }
    this.followFrame(this.player ? this.player.frame() : null);
  }

  /** The composer names the frame on screen; a drawing shown for another frame goes away. */
  followFrame(f) {
    // Without a player (an image) the page names the place once: comments there have no time.
    if (this.at && this.player) this.at.textContent = this.player.clock.timecode(f || 0);
    // Mid-seek frames are on the way to the comment's frame, not away from it.
    if (this.player && this.player.video.seeking) return;
    if (this.active && this.active.frame !== f && !(this.tools && this.tools.active)) {
      this.active = null;
      this.overlay?.show(null);
      this.list.querySelectorAll('.comment.current').forEach((x) => x.classList.remove('current'));
    }
  }

  /** Fetches the list again; overlapping calls (a burst of live events) share one request. */
  load() {
    if (this.loading) {
      this.again = true;
      return this.loading;
    }
    this.loading = allComments(this.url, this.versionId)
      .then((list) => {
        this.comments = list;
        this.render();
      })
      .catch((e) => this.say(`Comments could not be loaded: ${e.message}`, true))
      .finally(() => {
        this.loading = null;
        if (this.again) {
          this.again = false;
          this.load();
        }
      });
    return this.loading;
  }

  say(text, isError) {
    this.msg.textContent = text || '';
    this.msg.classList.toggle('error', !!isError);
  }

  visible() {
    const all = this.showResolved && this.showResolved.checked;
    return this.comments.filter((c) => all || !c.resolved);
  }

  render() {
    const shown = this.visible();
    const open = this.comments.filter((c) => !c.resolved && !c.deleted).length;
    this.count.textContent = `${open} open`;
    this.panel.dataset.commentCount = String(this.comments.length);
    this.list.replaceChildren(...shown.map((c) => this.item(c, false)));
    if (!shown.length) this.list.append(el('li', { class: 'muted', text: 'No comments yet.' }));
    this.paintMarkers();
  }

  item(c, isReply) {
    const li = el('li', {
      class: `comment${c.resolved ? ' resolved' : ''}${c.deleted ? ' deleted' : ''}${this.active && this.active.id === c.id ? ' current' : ''}`,
      'data-comment-id': c.id,
      'data-frame': c.frame,
    });
    const head = el('p', { class: 'comment-head' });
    if (!isReply && c.timecode) {
      const go = el('button', { type: 'button', class: 'tc link', 'data-goto': true, text: c.timecode, title: `Go to frame ${c.frame}` });
      go.addEventListener('click', () => this.go(c));
      head.append(go, ' ');
    }
    head.append(el('strong', { text: c.author ? c.author.name : 'Someone' }), ' ',
      c.author && c.author.guest ? el('span', { class: 'chip', 'data-guest': true, text: 'guest' }) : null, ' ',
      el('time', { datetime: c.created_at, class: 'muted', text: when(c.created_at) }));
    if (c.edited) head.append(el('span', { class: 'muted', text: ' · edited' }));
    if (c.has_drawing) head.append(el('span', { class: 'chip', text: 'drawing' }));
    if (c.resolved) head.append(el('span', { class: 'chip', text: `resolved${c.resolved_by ? ` by ${c.resolved_by.name}` : ''}` }));
    const body = el('p', { class: 'comment-body', 'data-body': true, text: c.deleted ? 'This comment was deleted.' : c.body });
    if (!isReply && !c.deleted) body.addEventListener('click', () => this.go(c));
    li.append(head, body, this.actions(c, li, isReply));
    if (!isReply) {
      const replies = el('ol', { class: 'replies' });
      for (const r of c.replies || []) replies.append(this.item(r, true));
      li.append(replies);
    }
    return li;
  }

  actions(c, li, isReply) {
    const bar = el('p', { class: 'comment-actions' });
    const btn = (label, attr, fn) => {
      const b = el('button', { type: 'button', class: 'link', [attr]: true, text: label });
      b.addEventListener('click', () => fn(b));
      bar.append(b, ' ');
    };
    if (c.deleted) return bar;
    if (!isReply && this.form) btn('Reply', 'data-reply', () => this.replyForm(c, li));
    if (c.can_edit) btn('Edit', 'data-edit-comment', () => this.editForm(c, li));
    if (!isReply && c.can_resolve) {
      btn(c.resolved ? 'Reopen' : 'Resolve', c.resolved ? 'data-reopen' : 'data-resolve', () =>
        this.act('POST', `/api/comments/${c.id}/${c.resolved ? 'reopen' : 'resolve'}`));
    }
    if (c.can_delete) {
      btn('Delete', 'data-delete-comment', () => {
        if (window.confirm('Delete this comment?')) this.act('DELETE', `/api/comments/${c.id}`);
      });
    }
    return bar;
  }

  async act(method, path, body) {
    try {
      await api(method, path, body);
      this.say('');
      await this.load();
    } catch (e) {
      this.say(e.message, true);
    }
  }

  /** A small inline form (reply or edit) under the comment. */
  inline(li, value, label, send) {
    li.querySelector(':scope > form')?.remove();
    const text = el('textarea', { name: 'body', maxlength: 5000, 'aria-label': label, required: true });
    text.value = value;
    const ok = el('button', { type: 'submit', class: 'primary', text: label });
    const cancel = el('button', { type: 'button', text: 'Cancel' });
    const f = el('form', { class: 'inline-comment' }, text, ok, cancel);
    cancel.addEventListener('click', () => f.remove());
    f.addEventListener('submit', async (e) => {
      e.preventDefault();
      if (!text.value.trim()) { text.focus(); return; }
      ok.disabled = true;
      try {
        await send(text.value);
        f.remove();
        await this.load();
      } catch (err) {
        this.say(err.message, true);
        ok.disabled = false;
      }
    });
    li.querySelector('.comment-actions').after(f);
    text.focus();
  }

  replyForm(c, li) {
    this.inline(li, '', 'Reply', (body) =>
      api('POST', this.url, { parent_id: c.id, body }));
  }

  editForm(c, li) {
    this.inline(li, c.body, 'Save', (body) => api('PATCH', `/api/comments/${c.id}`, { body }));
  }

  /** The comment's drawing (null for none): the list leaves drawings out, so it is fetched once. */
  async drawingOf(c) {
    if (!c.has_drawing) return null;
    const key = `${c.id}@${c.updated_at}`;
    if (!this.drawings.has(key)) {
      this.drawings.set(key, api('GET', `${this.commentUrl}/${encodeURIComponent(c.id)}`)
        .then((full) => full.drawing || null)
        .catch((e) => { this.drawings.delete(key); throw e; }));
    }
    return this.drawings.get(key);
  }

  /** Seeks to the comment's exact frame, pauses, and shows its drawing. */
  async go(c) {
    if (this.tools && this.tools.active) this.form?.querySelector('[data-draw-toggle]').click();
    this.active = c;
    this.list.querySelectorAll('.comment.current').forEach((x) => x.classList.remove('current'));
    this.list.querySelector(`[data-comment-id="${c.id}"]`)?.classList.add('current');
    if (this.player && c.frame != null) this.player.seekFrame(c.frame);
    this.overlay?.show(null);
    this.panel.dataset.shownComment = c.id;
    let drawing = null;
    try {
      drawing = await this.drawingOf(c);
    } catch (e) {
      this.say(`The drawing could not be loaded: ${e.message}`, true);
    }
    // Still the comment shown (no other click, no step away, while the drawing came).
    if (this.active === c) this.overlay?.show(drawing);
  }

  async submit() {
    const body = this.form.elements.body;
    if (!body.value.trim()) {
      this.say('Write something first.', true);
      body.focus();
      return;
    }
    const payload = { version_id: this.versionId, body: body.value };
    if (this.player) {
      this.player.pause();
      const f = this.player.frame();
      if (this.player.audio) payload.seconds = f / 1000;
      else payload.frame = f;
    }
    const drawing = this.tools && this.tools.drawing();
    if (drawing) payload.drawing = drawing;
    const btn = this.form.querySelector('button[type=submit]');
    btn.disabled = true;
    try {
      const made = await api('POST', this.url, payload);
      body.value = '';
      if (this.tools) {
        this.tools.reset();
        const t = this.form.querySelector('[data-draw-toggle]');
        if (t.getAttribute('aria-pressed') === 'true') t.click();
      }
      this.say(`Comment added at ${made.timecode || 'this version'}.`);
      await this.load();
    } catch (e) {
      this.say(e.message, true);
    } finally {
      btn.disabled = false;
    }
  }

  /** One marker per open top-level comment on the timeline; hovering shows its text. */
  paintMarkers() {
    if (!this.markers || !this.player) return;
    const d = this.player.duration();
    const items = d ? this.visible().filter((c) => c.frame != null && !c.deleted) : [];
    this.markers.replaceChildren(...items.map((c) => {
      const t = this.player.clock.timeOf(c.frame);
      const m = el('button', {
        type: 'button',
        class: `marker${c.resolved ? ' resolved' : ''}`,
        'data-marker': c.id,
        title: `${c.timecode} · ${c.author ? c.author.name : ''}: ${c.body}`,
        'aria-label': `Comment at ${c.timecode}`,
      });
      m.style.left = `${Math.min(100, (t / d) * 100)}%`;
      m.addEventListener('click', () => this.go(c));
      return m;
    }));
  }
}
