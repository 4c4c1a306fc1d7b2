// The upload page: many files by drag and drop or picker, each sent straight to storage through
// presigned URLs (one PUT for small files, parallel multipart parts for large ones), with
// retries, URL refresh, pause/resume/cancel, resume after a reload (upload ids kept in
// localStorage, parts asked back from the server), optional SHA-256 in a worker, and then the
// processing progress of each new asset.

import { api } from './api.js';
import { watch } from './status.js';
import { UI } from './upload-ui.js';

var root = document.getElementById('upload-app');
if (root) initUpload(root);

function initUpload(root) {
  var settings = {
    parallel: clampInt(root.dataset.parallel, 4, 1, 16),
    workerUrl: root.dataset.shaWorker,
    batch: 16,          // part URLs asked for per call
    maxAttempts: 8,     // per part before the upload stops and waits for the person
    urlMargin: 60e3     // refresh a part URL this long before it expires
  };

  function clampInt(v, dflt, lo, hi) {
    var n = parseInt(v, 10);
    if (!isFinite(n)) n = dflt;
    return Math.max(lo, Math.min(hi, n));
  }

  // ---- Resume records: one per unfinished upload, keyed by upload id. ----
  var STORE = 'mm.uploads.v1';
  var store = {
    all: function () {
      try { return JSON.parse(localStorage.getItem(STORE) || '{}') || {}; } catch (_) { return {}; }
    },
    put: function (rec) {
      var all = store.all();
      all[rec.id] = rec;
      try { localStorage.setItem(STORE, JSON.stringify(all)); } catch (_) { /* private mode */ }
    },
    remove: function (id) {
      var all = store.all();
      delete all[id];
      try { localStorage.setItem(STORE, JSON.stringify(all)); } catch (_) { /* private mode */ }
    }
  };
  function fileKey(f) { return f.name + '\u0000' + f.size + '\u0000' + f.lastModified; }

  function sleep(ms, signal) {
    return new Promise(function (resolve) {
      var t = setTimeout(resolve, ms);
      if (signal) signal.addEventListener('abort', function () { clearTimeout(t); resolve(); }, { once: true });
    });
  }
  function backoff(attempt) {
    var base = Math.min(30000, 500 * Math.pow(2, attempt));
    return base / 2 + Math.random() * base / 2;
  }
  function waitOnline() {
    if (navigator.onLine) return Promise.resolve();
    return new Promise(function (resolve) { window.addEventListener('online', resolve, { once: true }); });
  }

  // PUT of one Blob with progress; resolves {status, etag}, rejects only on abort.
  function put(url, blob, headers, onProgress, signal) {
    return new Promise(function (resolve, reject) {
      var xhr = new XMLHttpRequest();
      xhr.open('PUT', url, true);
      Object.keys(headers || {}).forEach(function (k) { xhr.setRequestHeader(k, headers[k]); });
      xhr.upload.onprogress = function (e) { onProgress(e.loaded); };
      xhr.onload = function () {
        resolve({ status: xhr.status, etag: xhr.getResponseHeader('ETag'), body: xhr.responseText });
      };
      xhr.onerror = function () { resolve({ status: 0 }); };
      xhr.ontimeout = function () { resolve({ status: 0 }); };
      xhr.onabort = function () { reject(new DOMException('aborted', 'AbortError')); };
      if (signal) {
        if (signal.aborted) { reject(new DOMException('aborted', 'AbortError')); return; }
        signal.addEventListener('abort', function () { xhr.abort(); }, { once: true });
      }
      xhr.send(blob);
    });
  }

  function describe(status, body) {
    try {
      var j = JSON.parse(body);
      if (j && j.message) return j.message;
    } catch (_) { /* S3 answers XML */ }
    return status ? 'storage answered HTTP ' + status : 'the network failed';
  }

  // ---- One file's upload. ----
  function Upload(file, rec) {
    this.file = file;
    this.rec = rec || null;          // resume record (server upload id, plan)
    this.parts = [];                 // {n, start, end, etag, loaded}
    this.urls = {};                  // part number -> {url, headers, expires}
    this.inflight = 0;
    this.controller = null;
    this.state = 'waiting';
    this.sha = null;                 // hex once computed
    this.shaPromise = null;
    this.row = UI.row(this);
    this.sent = 0;
    this.speed = 0;
    this.lastSample = null;
    this.autoPaused = false;
  }

  Upload.prototype.set = function (state, message, isError) {
    this.state = state;
    UI.state(this, state, message, isError);
  };

  Upload.prototype.progressBytes = function () {
    var done = 0;
    this.parts.forEach(function (p) { done += p.etag ? (p.end - p.start) : p.loaded; });
    return done;
  };

  Upload.prototype.tick = function () {
    var now = performance.now();
    var sent = this.progressBytes();
    if (this.lastSample) {
      var dt = (now - this.lastSample.t) / 1000;
      if (dt >= 0.5) {
        var rate = Math.max(0, sent - this.lastSample.b) / dt;
        this.speed = this.speed ? this.speed * 0.7 + rate * 0.3 : rate;
        this.lastSample = { t: now, b: sent };
      }
    } else {
      this.lastSample = { t: now, b: sent };
    }
    this.sent = sent;
    UI.progress(this, sent, this.file.size, this.speed);
  };

  Upload.prototype.startHash = function () {
    if (this.shaPromise || !settings.workerUrl || !UI.wantSha()) return;
    var self = this;
    this.shaPromise = new Promise(function (resolve) {
      var w = new Worker(settings.workerUrl);
      w.onmessage = function (ev) {
        if (ev.data.type === 'progress') UI.hash(self, ev.data.bytes / Math.max(1, self.file.size));
        if (ev.data.type === 'done') { self.sha = ev.data.hex; UI.hash(self, 1, ev.data.hex); w.terminate(); resolve(ev.data.hex); }
        if (ev.data.type === 'error') { w.terminate(); resolve(null); }
      };
      w.onerror = function () { w.terminate(); resolve(null); };
      w.postMessage({ file: self.file });
    });
  };

  // Creates the upload on the server, or picks up the one a resume record names.
  Upload.prototype.prepare = async function () {
    if (this.rec) {
      var srv;
      try {
        srv = await api('GET', '/api/uploads/' + encodeURIComponent(this.rec.id));
      } catch (e) {
        if (e.status === 404 || e.status === 410) {
          store.remove(this.rec.id);
          this.rec = null;
          return this.prepare();
        }
        throw e;
      }
      var st = srv.state || srv.status;
      if (st === 'completed' || st === 'complete') {
        store.remove(this.rec.id);
        return { completed: srv };
      }
      if (st === 'aborted' || st === 'expired' || st === 'failed') {
        store.remove(this.rec.id);
        this.rec = null;
        return this.prepare();
      }
      this.layout(this.rec);
      var held = {};
      (srv.parts || []).forEach(function (p) { held[p.part_number] = p; });
      this.parts.forEach(function (p) {
        var h = held[p.n];
        // A part counts as held only when storage has it whole.
        if (h && h.etag && (h.size == null || h.size === p.end - p.start)) p.etag = h.etag;
      });
      UI.resumed(this, this.parts.filter(function (p) { return p.etag; }).length, this.parts.length);
      return {};
    }
    var body = {
      filename: this.file.name,
      size: this.file.size,
      title: this.file.name.replace(/\.[^.]+$/, '') || this.file.name
    };
    if (this.file.type) body.content_type = this.file.type;
    if (root.dataset.assetId) body.asset_id = root.dataset.assetId;
    // The checksum is declared when the upload starts, so it is computed first.
    if (this.shaPromise) {
      this.set('hashing', 'Computing the SHA-256 checksum before sending…');
      var hex = await this.shaPromise;
      if (!hex) throw new Error('The checksum could not be computed in this browser.');
      if (this.controller.signal.aborted) throw new DOMException('aborted', 'AbortError');
      body.sha256 = hex;
      this.set('uploading', '');
    }
    var res = await api('POST', '/api/uploads', body);
    var multipart = res.kind === 'multipart';
    var rec = {
      id: res.upload_id,
      key: fileKey(this.file),
      name: this.file.name,
      size: this.file.size,
      lastModified: this.file.lastModified,
      multipart: multipart,
      partSize: multipart ? res.part_size : this.file.size,
      partCount: multipart ? res.part_count : 1,
      created: Date.now()
    };
    // Only a multipart upload can resume; a single PUT starts over.
    if (multipart) store.put(rec);
    if (!multipart && res.url) {
      this.urls[1] = { url: res.url.url, method: res.url.method, headers: res.headers || {}, expires: expiry(res.url) };
    }
    this.rec = rec;
    this.layout(rec);
    return {};
  };

  function expiry(obj) {
    var e = obj && (obj.expires_at || obj.expires);
    var t = e ? Date.parse(e) : NaN;
    return isFinite(t) ? t : Date.now() + 10 * 60e3;
  }

  Upload.prototype.layout = function (rec) {
    this.parts = [];
    for (var i = 0; i < rec.partCount; i++) {
      var start = i * rec.partSize;
      this.parts.push({ n: i + 1, start: start, end: Math.min(this.file.size, start + rec.partSize), etag: null, loaded: 0, attempts: 0, busy: false });
    }
  };

  // Presigned URLs for the next parts, asked for in batches and again when they near expiry.
  Upload.prototype.urlFor = async function (part, force) {
    var have = this.urls[part.n];
    if (!force && have && have.expires - settings.urlMargin > Date.now()) return have;
    if (!this.rec.multipart) {
      if (force || !have) throw Object.assign(new Error('The upload link expired; start this file again.'), { restart: true });
      return have;
    }
    var wanted = [part.n];
    for (var i = 0; i < this.parts.length && wanted.length < settings.batch; i++) {
      var p = this.parts[i];
      var cached = this.urls[p.n];
      if (p !== part && !p.etag && !p.busy && (!cached || cached.expires - settings.urlMargin <= Date.now())) wanted.push(p.n);
    }
    var res = await api('POST', '/api/uploads/' + encodeURIComponent(this.rec.id) + '/parts', { part_numbers: wanted });
    var self = this;
    var fallback = expiry(res);
    (res.parts || res.urls || []).forEach(function (u) {
      self.urls[u.part_number] = { url: u.url, method: u.method, headers: u.headers || {}, expires: u.expires_at ? expiry(u) : fallback };
    });
    if (!this.urls[part.n]) throw new Error('The server gave no URL for part ' + part.n + '.');
    return this.urls[part.n];
  };

  Upload.prototype.sendPart = async function (part, signal) {
    var force = false;
    for (;;) {
      if (signal.aborted) throw new DOMException('aborted', 'AbortError');
      await waitOnline();
      var u = await this.urlFor(part, force);
      var self = this;
      part.loaded = 0;
      var blob = this.file.slice(part.start, part.end);
      var r = await put(u.url, blob, u.headers, function (loaded) { part.loaded = loaded; self.tick(); }, signal);
      if (r.status >= 200 && r.status < 300) {
        part.etag = r.etag || ('"part-' + part.n + '"');
        part.loaded = part.end - part.start;
        this.tick();
        return;
      }
      part.loaded = 0;
      part.attempts++;
      // An expired or rejected signature: ask for a fresh URL straight away.
      if (r.status === 403 || r.status === 401) {
        force = true;
        if (part.attempts < settings.maxAttempts) continue;
      }
      if (r.status >= 400 && r.status < 500 && r.status !== 403 && r.status !== 408 && r.status !== 429) {
        throw new Error('Part ' + part.n + ' was refused: ' + describe(r.status, r.body));
      }
      if (part.attempts >= settings.maxAttempts) {
        throw new Error('Part ' + part.n + ' failed ' + part.attempts + ' times (' + describe(r.status, r.body) + ').');
      }
      UI.note(this, 'Retrying part ' + part.n + ' (' + describe(r.status, r.body) + ')…');
      await sleep(backoff(part.attempts), signal);
    }
  };

  Upload.prototype.run = async function () {
    if (this.state === 'uploading' || this.state === 'hashing' || this.state === 'completing') return;
    this.controller = new AbortController();
    var signal = this.controller.signal;
    this.set('uploading', '');
    // A resumed upload declared its checksum (if any) when it started.
    if (!this.rec) this.startHash();
    try {
      var prep = await this.prepare();
      if (prep.completed) return this.completed(prep.completed);
      this.tick();
      var self = this;
      var queue = this.parts.filter(function (p) { return !p.etag; });
      var lanes = [];
      var failure = null;
      // Each lane takes the next missing part until none is left; `parallel` lanes at once.
      var lane = async function () {
        while (!failure && !signal.aborted && queue.length) {
          var p = queue.shift();
          p.busy = true;
          try {
            await self.sendPart(p, signal);
            if (self.rec.multipart) store.put(Object.assign({}, self.rec, { done: self.parts.filter(function (x) { return x.etag; }).length }));
          } catch (e) {
            if (!failure) failure = e;
          } finally {
            p.busy = false;
          }
        }
      };
      for (var i = 0; i < settings.parallel; i++) lanes.push(lane());
      await Promise.all(lanes);
      if (failure) throw failure;
      if (signal.aborted) return;
      await this.complete(signal);
    } catch (e) {
      if (e && e.name === 'AbortError') return;
      if (e && e.status === 401) return;
      if (!navigator.onLine) { this.autoPause(); return; }
      var rejected = e && e.status >= 400 && e.status < 500 && !this.rec;
      this.set(rejected ? 'rejected' : 'error', (e && e.message) || 'The upload failed.', true);
    }
  };

  Upload.prototype.complete = async function (signal) {
    this.set('completing', 'Finishing…');
    var body = {};
    if (this.rec.multipart) {
      body.parts = this.parts.map(function (p) { return { part_number: p.n, etag: p.etag }; });
    }
    for (var attempt = 0; ; attempt++) {
      try {
        var res = await api('POST', '/api/uploads/' + encodeURIComponent(this.rec.id) + '/complete', body, { signal: signal });
        return this.completed(res);
      } catch (e) {
        if (e.name === 'AbortError') throw e;
        // complete is idempotent: a retry after a lost answer returns the same asset.
        var transient = !e.status || e.status >= 500 || e.status === 429;
        if (!transient || attempt >= settings.maxAttempts) throw e;
        await sleep(e.retryAfter ? e.retryAfter * 1000 : backoff(attempt), signal);
      }
    }
  };

  Upload.prototype.completed = function (res) {
    store.remove(this.rec.id);
    this.assetId = res.asset_id || res.assetId;
    UI.progress(this, this.file.size, this.file.size, 0);
    this.set('processing', 'Uploaded. Waiting for processing…');
    UI.assetLink(this, this.assetId);
    var self = this;
    if (this.assetId) watch(this.assetId, function (s) { if (self.onStatus) self.onStatus(s); });
  };

  Upload.prototype.pause = function () {
    if (this.controller) this.controller.abort();
    var self = this;
    this.parts.forEach(function (p) { if (!p.etag) p.loaded = 0; });
    this.set('paused', 'Paused at ' + Math.floor(100 * self.progressBytes() / Math.max(1, self.file.size)) + '%.');
  };

  Upload.prototype.autoPause = function () {
    if (this.state !== 'uploading') return;
    this.autoPaused = true;
    if (this.controller) this.controller.abort();
    this.set('paused', 'Connection lost; the upload goes on by itself when it is back.');
  };

  Upload.prototype.resume = function () {
    this.autoPaused = false;
    this.run();
  };

  Upload.prototype.cancel = async function () {
    if (this.controller) this.controller.abort();
    this.set('cancelled', 'Cancelled.');
    if (this.rec) {
      store.remove(this.rec.id);
      try { await api('DELETE', '/api/uploads/' + encodeURIComponent(this.rec.id)); } catch (_) { /* the sweeper removes it */ }
    }
  };

  // ---- Page wiring. ----
  var uploads = [];

  function addFiles(files) {
    var pending = store.all();
    Array.prototype.forEach.call(files, function (file) {
      var key = fileKey(file);
      var recId = Object.keys(pending).find(function (id) { return pending[id].key === key; });
      var existing = uploads.find(function (u) { return u.file && fileKey(u.file) === key && u.state !== 'cancelled' && u.state !== 'error' && u.state !== 'rejected'; });
      if (existing) return;
      var up = new Upload(file, recId ? pending[recId] : null);
      if (recId) UI.dropInterrupted(recId);
      uploads.push(up);
      up.run();
    });
  }

  UI.init(root, {
    add: addFiles,
    pause: function (up) { up.pause(); },
    resume: function (up) { up.resume(); },
    cancel: function (up) { up.cancel(); },
    discard: async function (id) {
      store.remove(id);
      try { await api('DELETE', '/api/uploads/' + encodeURIComponent(id)); } catch (_) { /* gone already */ }
    }
  });

  // Unfinished uploads of earlier visits: check each with the server and offer to resume.
  (async function () {
    var all = store.all();
    for (var id of Object.keys(all)) {
      try {
        var srv = await api('GET', '/api/uploads/' + encodeURIComponent(id), undefined, { noLoginRedirect: true });
        var st = srv.state || srv.status;
        if (st === 'completed' || st === 'complete' || st === 'aborted' || st === 'expired') { store.remove(id); continue; }
        var held = (srv.parts || []).length;
        UI.interrupted(all[id], held);
      } catch (e) {
        if (e.status === 404 || e.status === 410 || e.status === 403) store.remove(id);
      }
    }
  })();

  window.addEventListener('offline', function () { uploads.forEach(function (u) { u.autoPause(); }); });
  window.addEventListener('online', function () {
    uploads.forEach(function (u) { if (u.autoPaused) u.resume(); });
  });
  window.addEventListener('beforeunload', function (ev) {
    if (uploads.some(function (u) { return u.state === 'uploading' || u.state === 'completing'; })) {
      ev.preventDefault();
      ev.returnValue = '';
    }
  });
}
