// Review on the asset page: the drawing overlay and tools over the player (or over an image's
// still, whose comments have no time), the comment panel,
// the decision panel, and live updates from the asset's event stream (`comment` and `review`
// events name what changed; the panels fetch it again).

import { Overlay } from './drawing.js';
import { Tools } from './draw-tools.js';
import { Comments } from './comments.js';
import { Review } from './review.js';

/** Starts review for the page's version; `player` is startPlayer's handle or null. */
export function startReview(root, player, opts) {
  const urls = opts && opts.urls;
  const assetId = root.dataset.assetId;
  const versionId = root.dataset.versionId;
  const panel = document.querySelector('[data-comments-panel]');
  const decisions = document.querySelector('[data-review-panel]');
  let overlay = null;
  let tools = null;
  const picture = player ? (!player.audio && player.video) : document.querySelector('[data-still]');
  if (picture && panel) {
    overlay = new Overlay(picture);
    const bar = document.querySelector('[data-draw-bar]');
    if (bar) tools = new Tools(overlay, bar);
  }
  const comments = panel && new Comments({
    panel, assetId, versionId, player, overlay, tools,
    markers: document.querySelector('[data-markers]'), urls,
  });
  const review = decisions && new Review({ panel: decisions, assetId, versionId, urls });
  comments?.load();
  review?.load();
  // A share link's page has no event stream of the team's.
  if (!urls) listen(assetId, versionId, comments, review);
  return { comments, review, overlay, tools };
}

/**
 * One EventSource for the page's review events. status.js closes its stream once the asset is
 * ready, and a playable page is a ready one, so this is the only stream such a page holds.
 */
function listen(assetId, versionId, comments, review) {
  const es = new EventSource(`/api/assets/${encodeURIComponent(assetId)}/events`);
  const mine = (ev) => {
    try {
      const d = JSON.parse(ev.data);
      return !d.version_id || d.version_id === versionId;
    } catch (_) {
      return false;
    }
  };
  es.addEventListener('comment', (ev) => { if (mine(ev)) comments?.load(); });
  es.addEventListener('review', (ev) => { if (mine(ev)) review?.load(); });
  // A reconnect may have missed events: catch up once the stream is back.
  let lost = false;
  es.addEventListener('error', () => { lost = true; });
  es.addEventListener('open', () => {
    document.documentElement.dataset.reviewLive = 'open';
    if (lost) { lost = false; comments?.load(); review?.load(); }
  });
  window.addEventListener('pagehide', () => es.close());
}
