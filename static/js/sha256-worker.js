// SHA-256 of a File, computed incrementally in a Web Worker while the upload runs.
// crypto.subtle.digest has no streaming form and would need the whole file in memory, so this is
// FIPS 180-4 SHA-256 over 32-bit integers, fed chunk by chunk.
//
// Messages in:  {file: Blob, chunkSize?: number}
// Messages out: {type: 'progress', bytes} ... then {type: 'done', hex} or {type: 'error', message}
'use strict';

var K = new Int32Array([
  0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
  0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
  0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
  0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
  0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
  0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
  0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
  0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2
]);

function Sha256() {
  this.h = new Int32Array([
    0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19
  ]);
  this.w = new Int32Array(64);
  this.buf = new Uint8Array(64);
  this.bufLen = 0;
  this.bytes = 0; // total length; a double is exact up to 2^53 bytes
}

Sha256.prototype.block = function (d, off) {
  var w = this.w, h = this.h, i, x, y;
  for (i = 0; i < 16; i++) {
    var p = off + i * 4;
    w[i] = (d[p] << 24) | (d[p + 1] << 16) | (d[p + 2] << 8) | d[p + 3];
  }
  for (i = 16; i < 64; i++) {
    x = w[i - 15];
    y = w[i - 2];
    var s0 = ((x >>> 7) | (x << 25)) ^ ((x >>> 18) | (x << 14)) ^ (x >>> 3);
    var s1 = ((y >>> 17) | (y << 15)) ^ ((y >>> 19) | (y << 13)) ^ (y >>> 10);
    w[i] = (w[i - 16] + s0 + w[i - 7] + s1) | 0;
  }
  var a = h[0], b = h[1], c = h[2], dd = h[3], e = h[4], f = h[5], g = h[6], hh = h[7];
  for (i = 0; i < 64; i++) {
    var S1 = ((e >>> 6) | (e << 26)) ^ ((e >>> 11) | (e << 21)) ^ ((e >>> 25) | (e << 7));
    var ch = (e & f) ^ (~e & g);
    var t1 = (hh + S1 + ch + K[i] + w[i]) | 0;
    var S0 = ((a >>> 2) | (a << 30)) ^ ((a >>> 13) | (a << 19)) ^ ((a >>> 22) | (a << 10));
    var maj = (a & b) ^ (a & c) ^ (b & c);
    var t2 = (S0 + maj) | 0;
    hh = g; g = f; f = e; e = (dd + t1) | 0; dd = c; c = b; b = a; a = (t1 + t2) | 0;
  }
  h[0] = (h[0] + a) | 0; h[1] = (h[1] + b) | 0; h[2] = (h[2] + c) | 0; h[3] = (h[3] + dd) | 0;
  h[4] = (h[4] + e) | 0; h[5] = (h[5] + f) | 0; h[6] = (h[6] + g) | 0; h[7] = (h[7] + hh) | 0;
};

Sha256.prototype.update = function (data) {
  var pos = 0, len = data.length;
  this.bytes += len;
  if (this.bufLen > 0) {
    var take = Math.min(64 - this.bufLen, len);
    this.buf.set(data.subarray(0, take), this.bufLen);
    this.bufLen += take;
    pos = take;
    if (this.bufLen < 64) return;
    this.block(this.buf, 0);
    this.bufLen = 0;
  }
  for (; pos + 64 <= len; pos += 64) this.block(data, pos);
  if (pos < len) {
    this.buf.set(data.subarray(pos), 0);
    this.bufLen = len - pos;
  }
};

Sha256.prototype.hex = function () {
  var bytes = this.bytes;
  var pad = new Uint8Array(((this.bufLen < 56) ? 56 : 120) - this.bufLen + 8);
  pad[0] = 0x80;
  // The length in bits as a 64-bit big-endian number, split so no step exceeds 2^53.
  var hi = Math.floor(bytes / 0x20000000);
  var lo = (bytes % 0x20000000) * 8;
  var n = pad.length;
  pad[n - 8] = hi >>> 24; pad[n - 7] = hi >>> 16; pad[n - 6] = hi >>> 8; pad[n - 5] = hi;
  pad[n - 4] = lo >>> 24; pad[n - 3] = lo >>> 16; pad[n - 2] = lo >>> 8; pad[n - 1] = lo;
  this.update(pad);
  var out = '';
  for (var i = 0; i < 8; i++) out += (this.h[i] >>> 0).toString(16).padStart(8, '0');
  return out;
};

self.onmessage = async function (ev) {
  var file = ev.data && ev.data.file;
  var chunk = (ev.data && ev.data.chunkSize) || 4 * 1024 * 1024;
  if (!file || typeof file.slice !== 'function') {
    self.postMessage({ type: 'error', message: 'no file given' });
    return;
  }
  try {
    var sha = new Sha256();
    var lastReport = 0;
    for (var off = 0; off < file.size; off += chunk) {
      var buf = await file.slice(off, Math.min(off + chunk, file.size)).arrayBuffer();
      sha.update(new Uint8Array(buf));
      var now = Date.now();
      if (now - lastReport > 250) {
        lastReport = now;
        self.postMessage({ type: 'progress', bytes: sha.bytes });
      }
    }
    self.postMessage({ type: 'progress', bytes: sha.bytes });
    self.postMessage({ type: 'done', hex: sha.hex() });
  } catch (e) {
    self.postMessage({ type: 'error', message: String(e && e.message || e) });
  }
};
