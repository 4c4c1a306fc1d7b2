// Live processing status of assets: Server-Sent Events from /api/assets/{id}/events, normalised
// to {state: queued|processing|ready|failed, percent, error}. At most a few streams stay open at
// once (browsers allow six HTTP/1.1 connections per host, and uploads need them); the rest wait
// for a free slot. A stream that keeps failing falls back to polling the asset.

import { api } from './api.js';
var MAX_STREAMS = 3;
var open = 0;
var waiting = [];

var LABELS = { queued: 'Queued', processing: 'Processing', ready: 'Ready', failed: 'Failed', uploading: 'Uploading' };

var STATES = {
  queued: 'queued', pending: 'queued', waiting: 'queued', stored: 'queued', uploaded: 'queued',
  promoting: 'queued',
  running: 'processing', processing: 'processing', encoding: 'processing',
  succeeded: 'ready', ready: 'ready', done: 'ready', complete: 'ready', completed: 'ready',
  failed: 'failed', dead: 'failed', error: 'failed', checksum_mismatch: 'failed', cancelled: 'failed'
};

// Maps job and asset vocabularies onto the four states people see. Accepts an asset as
// GET /api/assets/{id} answers it (its status, its preview job, its versions' errors) or an
// event ({state, percent|progress, error}). Progress is in percent, as mm reports it.
export function normalise(d) {
  if (!d || typeof d !== 'object') return null;
  var own = String(d.state || d.status || '').toLowerCase();
  var job = d.preview && typeof d.preview === 'object' ? d.preview : null;
  var state = STATES[own] || (own ? 'processing' : null);
  if (job && state !== 'ready' && state !== 'failed') {
    state = STATES[String(job.state).toLowerCase()] || state;
  }
  var src = job && state === 'processing' ? job : d;
  var pct = src.percent != null ? Number(src.percent) : (src.progress != null ? Number(src.progress) : null);
  var error = d.error || d.reason || (job && job.error) || null;
  if (!error && state === 'failed' && Array.isArray(d.versions)) {
    var cur = d.versions.find(function (v) { return v.id === d.current_version_id; });
    error = cur && cur.error;
  }
  return {
    state: state,
    percent: pct != null && isFinite(pct) ? Math.max(0, Math.min(100, pct)) : null,
    error: error || null,
    eta: src.eta_seconds != null ? Number(src.eta_seconds) : null,
    raw: d
  };
}

function release() {
  open--;
  var next = waiting.shift();
  if (next) next();
}

// What one asset's stream has said so far: its current version's status and its latest
// promote and preview jobs. A finished promotion is not a finished asset: it only means the
// preview is next.
function Tracker() {
  this.version = null;
  this.jobs = {};
}

Tracker.prototype.feed = function (d) {
  if (d.type === 'version') {
    this.version = d;
  } else if (d.type === 'job') {
    // Other jobs (a poster re-render, file removal) do not change what the asset is.
    if (d.kind === 'promote' || d.kind === 'preview') this.jobs[d.kind] = d;
  } else {
    return normalise(d);
  }
  return this.state();
};

Tracker.prototype.state = function () {
  var v = this.version ? String(this.version.status) : '';
  var preview = this.jobs.preview;
  var promote = this.jobs.promote;
  var error = (this.version && this.version.error) || null;
  if (v === 'ready') return { state: 'ready', percent: 100, error: null, eta: null };
  if (v === 'failed' || v === 'checksum_mismatch') {
    return { state: 'failed', percent: null, error: error || (preview && preview.error) || (promote && promote.error) || null, eta: null };
  }
  if (preview) {
    if (preview.state === 'running') return { state: 'processing', percent: Number(preview.progress) || 0, error: null, eta: preview.eta_seconds };
    if (preview.state === 'ready') return { state: 'ready', percent: 100, error: null, eta: null };
    if (preview.state === 'failed') return { state: 'failed', percent: null, error: preview.error || error, eta: null };
  }
  if (promote && promote.state === 'failed') return { state: 'failed', percent: null, error: promote.error || error, eta: null };
  return { state: 'queued', percent: null, error: null, eta: null, storing: v === 'promoting' || (promote && promote.state !== 'ready') };
};

// Calls `onStatus(status)` for each change until the asset is ready or failed.
export function watch(assetId, onStatus) {
  var closed = false;
  var start = function () {
    open++;
    var failures = 0;
    var tracker = new Tracker();
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
      var s = tracker.feed(d);
      if (!s || !s.state) return;
      onStatus(s);
      if (s.state === 'ready' || s.state === 'failed') finish();
    };
    ['message', 'job', 'version'].forEach(function (name) {
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
  var label = LABELS[s.state] || s.state;
  if (s.state === 'processing' && s.percent != null) label += ' ' + Math.floor(s.percent) + '%';
  el.textContent = label;
}

