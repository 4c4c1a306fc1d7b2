// Live processing status of assets: Server-Sent Events from /api/assets/{id}/events, read as
// {state: queued|processing|ready|failed, label, percent, error}. The server says what each
// event means for the asset (`public_state`/`asset_state` and `label`, from src/status.rs): this
// file keeps no table of states. At most a few streams stay open at once (browsers allow six
// HTTP/1.1 connections per host, and uploads need them); the rest wait for a free slot. A stream
// that keeps failing falls back to polling the asset.

import { api } from './api.js';

var MAX_STREAMS = 3;
var open = 0;
var waiting = [];

function percentOf(v) {
  var n = v != null ? Number(v) : null;
  return n != null && isFinite(n) ? Math.max(0, Math.min(100, n)) : null;
}

// An asset as GET /api/assets/{id} answers it: its public state and label, with its preview
// job's progress and the reason when it failed.
export function normalise(a) {
  if (!a || typeof a !== 'object' || !a.public_state) return null;
  var job = a.preview && typeof a.preview === 'object' ? a.preview : null;
  var error = null;
  if (a.public_state === 'failed') {
    var cur = Array.isArray(a.versions) ? a.versions.find(function (v) { return v.id === a.current_version_id; }) : null;
    error = (cur && cur.error) || (job && job.error) || null;
  }
  return {
    state: a.public_state,
    label: a.label,
    percent: a.public_state === 'processing' && job ? percentOf(job.progress) : null,
    error: error,
    eta: job && job.eta_seconds != null ? Number(job.eta_seconds) : null,
    storing: a.status === 'promoting',
    playable: !!(job && job.playable)
  };
}

// One event: a version's change, or a job's (only jobs that change what the asset is carry an
// asset_state; posters and clean-up do not). The last event that says something wins.
function fromEvent(d) {
  // The preview plays while it is still being made.
  if (d.type === 'playable') {
    return { state: 'processing', label: null, percent: null, error: null, eta: null, storing: false, playable: true };
  }
  if (d.type === 'version') {
    return { state: d.public_state, label: d.label, percent: null, error: d.error || null, eta: null, storing: d.status === 'promoting' };
  }
  if (d.type === 'job' && d.asset_state) {
    return {
      state: d.asset_state,
      label: d.label,
      percent: d.asset_state === 'processing' ? percentOf(d.progress) : null,
      error: d.asset_state === 'failed' ? d.error || null : null,
      eta: d.eta_seconds != null ? Number(d.eta_seconds) : null,
      storing: d.kind === 'promote'
    };
  }
  return null;
}

function release() {
  open--;
  var next = waiting.shift();
  if (next) next();
}

// Calls `onStatus(status)` for each change until the asset is ready or failed.
export function watch(assetId, onStatus) {
  var closed = false;
  var start = function () {
    open++;
    var failures = 0;
    var es = new EventSource('/api/assets/' + encodeURIComponent(assetId) + '/events');
    var finish = function () {
      if (closed) return;
      closed = true;
      es.close();
      release();
    };
    var handle = function (ev) {
      failures = 0;
      var d;
      try { d = JSON.parse(ev.data); } catch (_) { return; }
      var s = fromEvent(d);
      if (!s || !s.state) return;
      onStatus(s);
      if (s.state === 'ready' || s.state === 'failed') finish();
    };
    ['message', 'job', 'version', 'playable'].forEach(function (name) {
      es.addEventListener(name, handle);
    });
    es.onerror = function () {
      failures++;
      // The browser reconnects by itself (the server sends `retry:`) unless the answer was
      // not a stream at all (closed); then, or after repeated failures, poll instead.
      if (es.readyState === EventSource.CLOSED || failures >= 3) {
        finish();
        poll(assetId, onStatus);
      }
    };
  };
  if (open < MAX_STREAMS) start(); else waiting.push(start);
  return { stop: function () { closed = true; } };
}

async function poll(assetId, onStatus) {
  for (var i = 0; i < 720; i++) {
    try {
      var a = await api('GET', '/api/assets/' + encodeURIComponent(assetId));
      var s = normalise(a);
      if (s && s.state) {
        onStatus(s);
        if (s.state === 'ready' || s.state === 'failed') return;
      }
    } catch (e) {
      if (e.status === 404 || e.status === 401) return;
    }
    await new Promise(function (r) { setTimeout(r, 5000); });
  }
}

// Updates a status badge element (`.badge` with data-state) in place.
export function paintBadge(el, s) {
  if (!el || !s) return;
  el.dataset.state = s.state;
  el.className = 'badge badge-' + s.state;
  var label = s.label || el.textContent;
  if (s.state === 'processing' && s.percent != null) label += ' ' + Math.floor(s.percent) + '%';
  el.textContent = label;
}

