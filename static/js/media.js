// Helpers the player uses: SMPTE timecode (drop-frame for 29.97 and 59.94), the WebVTT sprite map
// for thumbnails on hover, and the audio waveform drawn on a canvas.

function pad(n) { return String(n).padStart(2, '0'); }

export function isDropRate(fps) {
  return Math.abs(fps - 29.97) < 0.01 || Math.abs(fps - 59.94) < 0.01;
}

// Frame count -> "HH:MM:SS:FF" (";" before the frames for drop-frame).
export function framesToTimecode(frames, fps, drop) {
  var nominal = Math.round(fps);
  frames = Math.max(0, Math.floor(frames));
  if (drop) {
    var dropN = Math.round(nominal / 15);      // 2 at 29.97, 4 at 59.94
    var per10 = Math.round(fps * 600);         // real frames in ten minutes
    var per1 = nominal * 60 - dropN;           // real frames in a dropping minute
    var tens = Math.floor(frames / per10);
    var rest = frames % per10;
    frames += dropN * 9 * tens + (rest > dropN ? dropN * Math.floor((rest - dropN) / per1) : 0);
  }
  var ff = frames % nominal;
  var secs = Math.floor(frames / nominal);
  return pad(Math.floor(secs / 3600) % 24) + ':' + pad(Math.floor(secs / 60) % 60) + ':' +
    pad(secs % 60) + (drop ? ';' : ':') + pad(ff);
}

// "HH:MM:SS:FF" or "HH:MM:SS;FF" -> frame count (the start offset of embedded timecode).
export function timecodeToFrames(tc, fps) {
  var m = /^(\d{1,2}):(\d{2}):(\d{2})([:;.,])(\d{2,3})$/.exec(String(tc || '').trim());
  if (!m) return 0;
  var nominal = Math.round(fps);
  var drop = m[4] === ';' || m[4] === ',';
  var minutes = Number(m[1]) * 60 + Number(m[2]);
  var frames = (minutes * 60 + Number(m[3])) * nominal + Number(m[5]);
  if (drop) frames -= Math.round(nominal / 15) * (minutes - Math.floor(minutes / 10));
  return frames;
}

function parseVttTime(s) {
  var p = s.trim().split(':');
  var secs = 0;
  for (var i = 0; i < p.length; i++) secs = secs * 60 + parseFloat(p[i]);
  return secs;
}

// WebVTT cues whose text is `image#xywh=x,y,w,h`, resolved against the VTT's own URL.
export function parseSpriteVtt(text, vttUrl) {
  var cues = [];
  text.replace(/\r\n?/g, '\n').split(/\n\n+/).forEach(function (block) {
    var lines = block.split('\n');
    var i = lines.findIndex(function (l) { return l.indexOf('-->') >= 0; });
    if (i < 0 || !lines[i + 1]) return;
    var times = lines[i].split('-->');
    var target = lines[i + 1].trim();
    var hash = target.indexOf('#xywh=');
    if (hash < 0) return;
    var xywh = target.slice(hash + 6).split(',').map(Number);
    if (xywh.length !== 4 || xywh.some(function (n) { return !isFinite(n); })) return;
    cues.push({
      start: parseVttTime(times[0]),
      end: parseVttTime(times[1].trim().split(/\s/)[0]),
      url: new URL(target.slice(0, hash), vttUrl).href,
      x: xywh[0], y: xywh[1], w: xywh[2], h: xywh[3]
    });
  });
  cues.sort(function (a, b) { return a.start - b.start; });
  return cues;
}

export function cueAt(cues, t) {
  var lo = 0, hi = cues.length - 1;
  while (lo <= hi) {
    var mid = (lo + hi) >> 1;
    if (cues[mid].end <= t) lo = mid + 1;
    else if (cues[mid].start > t) hi = mid - 1;
    else return cues[mid];
  }
  return cues.length ? cues[Math.max(0, Math.min(cues.length - 1, lo))] : null;
}

// Peaks from the waveform JSON, as numbers in 0..1 relative to the loudest. Accepts `{peaks: [...]}` (0..1 or
// integers with `bits`), audiowaveform's `{data: [min, max, ...], bits}`, or a bare array.
export function peaksOf(json) {
  var arr = Array.isArray(json) ? json : (json && (json.peaks || json.data)) || [];
  var pairs = json && !Array.isArray(json) && !json.peaks && json.data && (json.channels || 1) >= 1 && json.bits;
  var scale = json && json.bits ? Math.pow(2, json.bits - 1) : 1;
  var out = [];
  if (pairs) {
    for (var i = 0; i + 1 < arr.length; i += 2) out.push(Math.max(Math.abs(arr[i]), Math.abs(arr[i + 1])) / scale);
  } else {
    var max = 0;
    arr.forEach(function (v) { max = Math.max(max, Math.abs(Number(v) || 0)); });
    var norm = scale > 1 ? scale : (max > 1 ? max : 1);
    arr.forEach(function (v) { out.push(Math.abs(Number(v) || 0) / norm); });
  }
  out = out.map(function (v) { return Math.max(0, Math.min(1, v)); });
  // Drawn relative to the loudest moment, so quiet recordings are readable too; near
  // silence stays flat.
  var loudest = out.reduce(function (m, v) { return Math.max(m, v); }, 0);
  return loudest >= 0.02 ? out.map(function (v) { return v / loudest; }) : out;
}

export function drawWaveform(canvas, peaks, fraction) {
  var dpr = window.devicePixelRatio || 1;
  var w = Math.max(1, Math.floor(canvas.clientWidth * dpr));
  var h = Math.max(1, Math.floor(canvas.clientHeight * dpr));
  if (canvas.width !== w) canvas.width = w;
  if (canvas.height !== h) canvas.height = h;
  var ctx = canvas.getContext('2d');
  ctx.clearRect(0, 0, w, h);
  if (!peaks.length) return;
  var styles = getComputedStyle(document.documentElement);
  var played = styles.getPropertyValue('--accent').trim() || '#d9480f';
  var bar = Math.max(1, Math.floor(2 * dpr));
  for (var x = 0; x < w; x += bar) {
    var from = Math.floor((x / w) * peaks.length);
    var to = Math.max(from + 1, Math.floor(((x + bar) / w) * peaks.length));
    var p = 0;
    for (var i = from; i < to && i < peaks.length; i++) p = Math.max(p, peaks[i]);
    var bh = Math.max(1, p * h * 0.95);
    ctx.fillStyle = x / w <= fraction ? played : '#8a8a96';
    ctx.fillRect(x, (h - bh) / 2, Math.max(1, bar - 1), bh);
  }
}

