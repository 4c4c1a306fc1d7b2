// The compare page: two versions on one clock. Side A's transport drives both (play, pause,
// seek, frame steps); side B follows by time, so versions of different lengths or frame rates
// stay aligned at the same moment rather than the same frame number. Side by side or a wipe
// with a draggable divider; each side lists its own comments, which seek both.

import { allComments } from './comments.js';
import { startPlayer } from './player.js';

const root = document.getElementById('compare');
if (root) init(root);

function init(root) {
  const assetId = root.dataset.assetId;
  const stage = root.querySelector('[data-compare-stage]');
  const players = {};
  for (const box of root.querySelectorAll('[data-player]')) {
    const side = box.dataset.side;
    const data = JSON.parse(box.querySelector('[data-player-json]').textContent);
    const controls = root.querySelector(`[data-controls][data-side="${side}"]`);
    players[side] = startPlayer(box, { data, controls });
  }
  const a = players.a;
  const b = players.b;
  const otherTc = root.querySelector('[data-other-timecode]');

  // B follows A: the same media time, clamped to B's own length.
  function follow(force) {
    const t = Math.min(a.video.currentTime, (b.duration() || Infinity) - 0.5 / b.frameRate);
    const off = Math.abs(b.video.currentTime - t);
    if (force || off > (a.video.paused ? 0.25 / b.frameRate : 0.1)) {
      b.video.currentTime = Math.max(0, t);
    }
    if (a.video.paused && !b.video.paused) b.video.pause();
    if (!a.video.paused && b.video.paused && t < b.duration()) b.video.play().catch(() => {});
  }
  a.video.addEventListener('play', () => { b.video.play().catch(() => {}); follow(false); });
  a.video.addEventListener('pause', () => { b.video.pause(); follow(true); });
  a.video.addEventListener('seeked', () => follow(true));
  a.video.addEventListener('ratechange', () => { b.video.playbackRate = a.video.playbackRate; });
  // B's own key handler also steps it; A's seek that follows puts it back on A's clock.
  b.video.addEventListener('seeked', () => { if (a.video.paused) follow(false); });
  setInterval(() => { if (!a.video.paused) follow(false); }, 250);
  b.onFrame((f) => {
    if (otherTc) otherTc.textContent = b.clock.timecode(f);
    root.dataset.frameB = String(f);
  });
  a.onFrame((f) => { root.dataset.frameA = String(f); });

  // Layout: side by side, or B over A clipped at the divider.
  const divider = root.querySelector('[data-divider]');
  let pos = 50;
  function paintWipe() {
    const wipe = stage.classList.contains('wipe');
    divider.hidden = !wipe;
    divider.style.left = `${pos}%`;
    divider.setAttribute('aria-valuenow', String(Math.round(pos)));
    b.box.style.clipPath = wipe ? `inset(0 0 0 ${pos}%)` : '';
    stage.dataset.wipe = String(Math.round(pos));
  }
  root.querySelectorAll('[data-mode]').forEach((btn) => {
    btn.addEventListener('click', () => {
      stage.classList.toggle('wipe', btn.dataset.mode === 'wipe');
      stage.classList.toggle('side-by-side', btn.dataset.mode !== 'wipe');
      root.querySelectorAll('[data-mode]').forEach((x) => x.setAttribute('aria-pressed', String(x === btn)));
      paintWipe();
    });
  });
  const moveTo = (clientX) => {
    const r = stage.getBoundingClientRect();
    pos = Math.max(0, Math.min(100, ((clientX - r.left) / r.width) * 100));
    paintWipe();
  };
  divider.addEventListener('pointerdown', (e) => {
    divider.setPointerCapture(e.pointerId);
    const move = (ev) => moveTo(ev.clientX);
    const up = () => {
      divider.removeEventListener('pointermove', move);
      divider.removeEventListener('pointerup', up);
    };
    divider.addEventListener('pointermove', move);
    divider.addEventListener('pointerup', up);
  });
  divider.addEventListener('keydown', (e) => {
    if (e.key !== 'ArrowLeft' && e.key !== 'ArrowRight') return;
    e.preventDefault();
    e.stopPropagation();
    pos = Math.max(0, Math.min(100, pos + (e.key === 'ArrowLeft' ? -5 : 5)));
    paintWipe();
  });
  paintWipe();

  // Each side's comments; clicking one puts both players at its moment.
  for (const side of ['a', 'b']) {
    const p = players[side];
    const list = root.querySelector(`[data-side-comments="${side}"]`);
    const versionId = root.querySelector(`[data-player][data-side="${side}"]`).dataset.versionId;
    const load = async () => {
      try {
        const all = await allComments(`/api/assets/${encodeURIComponent(assetId)}/comments`, versionId);
        list.replaceChildren(...all.filter((c) => !c.deleted).map((c) => {
          const li = document.createElement('li');
          li.className = 'comment';
          li.dataset.commentId = c.id;
          const go = document.createElement('button');
          go.type = 'button';
          go.className = 'tc link';
          go.textContent = c.timecode || '';
          const text = document.createElement('span');
          text.textContent = ` ${c.author ? c.author.name : ''}: ${c.body}`;
          li.append(go, text);
          go.addEventListener('click', () => {
            if (c.frame == null) return;
            a.pause();
            a.video.currentTime = p.clock.timeOf(c.frame);
          });
          return li;
        }));
        if (!list.children.length) list.append(Object.assign(document.createElement('li'), { className: 'muted', textContent: 'No comments.' }));
      } catch (e) {
        list.replaceChildren(Object.assign(document.createElement('li'), { className: 'error', textContent: `Comments could not be loaded: ${e.message}` }));
      }
    };
    load();
  }
}
