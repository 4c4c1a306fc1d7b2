// The asset page beside the player: live status by SSE, Retry on failure, the details form
// (PATCH with the CSRF header), "set poster from current frame", and delete.

import { api, pageData } from './api.js';
import { startPlayer } from './player.js';
import { normalise, paintBadge, watch } from './status.js';
import { startReview } from './review-page.js';

var root = document.getElementById('asset');
if (root) initAsset(root);

function initAsset(root) {
  // The player is on the page only when a preview is playable.
  var box = document.querySelector('[data-player]');
  var data = pageData('player-data');
  var player = box && data ? startPlayer(box, { data: data, controls: document.querySelector('[data-controls]') }) : null;
  startReview(root, player);
  var id = root.dataset.assetId;
  var path = '/api/assets/' + encodeURIComponent(id);
  var badge = root.querySelector('[data-status]');
  var bar = root.querySelector('[data-progress]');
  var errorBox = root.querySelector('[data-error]');
  var retry = root.querySelector('[data-retry]');
  var actionMsg = root.querySelector('[data-action-message]');
  var waiting = root.querySelector('[data-waiting]');
  var still = root.querySelector('[data-still-processing]');

  function message(el, text, isError) {
    if (!el) return;
    el.textContent = text || '';
    el.classList.toggle('error', !!isError);
  }

  function follow() {
    var state = root.dataset.status;
    if (state === 'ready' || state === 'failed') return;
    watch(id, function (s) {
      paintBadge(badge, s);
      root.dataset.status = s.state;
      bar.hidden = !(s.state === 'processing' || s.state === 'queued');
      if (s.percent != null) bar.value = s.percent;
      errorBox.hidden = !s.error;
      errorBox.textContent = s.error || '';
      if (retry) retry.hidden = s.state !== 'failed';
      // A player that opened the preview early plays on; the note says how far the rest is.
      if (still && box) {
        still.hidden = s.state !== 'processing';
        if (s.percent != null) still.textContent = 'Still processing (' + Math.floor(s.percent) + '%)';
      }
      // The player needs the new preview's URLs, which the server puts in the page.
      if ((s.state === 'ready' || s.playable) && waiting) location.reload();
    });
  }
  follow();

  if (retry) {
    retry.addEventListener('click', async function () {
      retry.disabled = true;
      try {
        await api('POST', path + '/reprocess');
        // The badge shows what the server now says, in its words.
        var fresh = normalise(await api('GET', path));
        root.dataset.status = fresh ? fresh.state : 'queued';
        paintBadge(badge, fresh);
        errorBox.hidden = true;
        retry.hidden = true;
        message(actionMsg, 'Queued again.');
        follow();
      } catch (e) {
        message(actionMsg, e.message, true);
      } finally {
        retry.disabled = false;
      }
    });
  }

  var form = root.querySelector('[data-edit]');
  if (form) {
    var editMsg = form.querySelector('[data-edit-message]');
    form.addEventListener('submit', async function (ev) {
      ev.preventDefault();
      var title = form.elements.title.value.trim();
      if (!title) {
        message(editMsg, 'A title is needed.', true);
        form.elements.title.focus();
        return;
      }
      var tags = form.elements.tags.value.split(',').map(function (t) { return t.trim(); }).filter(Boolean);
      var btn = form.querySelector('button[type=submit]');
      btn.disabled = true;
      try {
        var res = await api('PATCH', path, { title: title, description: form.elements.description.value, tags: tags });
        var saved = (res && (res.asset || res)) || {};
        document.querySelector('[data-asset-title]').textContent = saved.title || title;
        document.title = (saved.title || title) + ' · Motion Mavericks';
        message(editMsg, 'Saved.');
      } catch (e) {
        message(editMsg, e.message, true);
      } finally {
        btn.disabled = false;
      }
    });
  }

  var posterBtn = root.querySelector('[data-set-poster]');
  if (posterBtn) {
    posterBtn.addEventListener('click', async function () {
      if (!player) return;
      var t = player.currentTime();
      posterBtn.disabled = true;
      var at = player.timecode();
      try {
        var res = await api('POST', path + '/poster', { time: Math.round(t * 1000) / 1000 });
        message(actionMsg, 'The poster is being made from ' + at + '…');
        var job = res && res.job_id;
        for (var i = 0; job && i < 120; i++) {
          await new Promise(function (r) { setTimeout(r, 1000); });
          var j = await api('GET', '/api/jobs/' + encodeURIComponent(job));
          if (j.state === 'ready') {
            // Same file name, new bytes: a new query makes the browser fetch it.
            var video = player.video;
            if (video.poster) {
              var u = new URL(video.poster);
              u.searchParams.set('r', job.replace(/-/g, '').slice(0, 12));
              video.poster = u.href;
            }
            message(actionMsg, 'The poster is now the frame at ' + at + '.');
            break;
          }
          if (j.state === 'failed' || j.state === 'cancelled') {
            message(actionMsg, 'The poster could not be made: ' + (j.error || j.state) + '.', true);
            break;
          }
        }
      } catch (e) {
        message(actionMsg, e.message, true);
      } finally {
        posterBtn.disabled = false;
      }
    });
  }

  var del = root.querySelector('[data-delete]');
  if (del) {
    del.addEventListener('click', async function () {
      if (!window.confirm('Delete this asset? Its previews are removed; the master is kept while its retention lasts.')) return;
      del.disabled = true;
      try {
        await api('DELETE', path);
        location.assign('/?notice=asset-deleted');
      } catch (e) {
        message(actionMsg, e.message, true);
        del.disabled = false;
      }
    });
  }
}
