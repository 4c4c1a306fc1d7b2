// SHA-256 of a File, computed incrementally in a Web Worker while the upload runs.
// crypto.subtle.digest has no streaming form and would need the whole file in memory, so the
// file is fed chunk by chunk to @noble/hashes' streaming SHA-256 (vendored from npm, pinned by
// package-lock.json, served beside hls.js under /static/vendor/). The worker stays a classic
// script that loads the module with import(), so `new Worker(url)` works with or without
// `{type: 'module'}`.
//
// Messages in:  {file: Blob, chunkSize?: number}
// Messages out: {type: 'progress', bytes} ... then {type: 'done', hex} or {type: 'error', message}
'use strict';

var noble = import(new URL('../vendor/noble-hashes/sha2.js', self.location.href).href);

function hex(bytes) {
  var out = '';
  for (var i = 0; i < bytes.length; i++) out += bytes[i].toString(16).padStart(2, '0');
  return out;
}

self.onmessage = async function (ev) {
  var file = ev.data && ev.data.file;
  var chunk = (ev.data && ev.data.chunkSize) || 4 * 1024 * 1024;
  if (!file || typeof file.slice !== 'function') {
    self.postMessage({ type: 'error', message: 'no file given' });
    return;
  }
  try {
    var sha = (await noble).sha256.create();
    var bytes = 0;
    var lastReport = 0;
    for (var off = 0; off < file.size; off += chunk) {
      var buf = await file.slice(off, Math.min(off + chunk, file.size)).arrayBuffer();
      sha.update(new Uint8Array(buf));
      bytes += buf.byteLength;
      var now = Date.now();
      if (now - lastReport > 250) {
        lastReport = now;
        self.postMessage({ type: 'progress', bytes: bytes });
      }
    }
    self.postMessage({ type: 'progress', bytes: bytes });
    self.postMessage({ type: 'done', hex: hex(sha.digest()) });
  } catch (e) {
    self.postMessage({ type: 'error', message: String(e && e.message || e) });
  }
};
