// Frame and timecode arithmetic for review: the version's rational rate ("30000/1001"), the
// frame a media time shows, the time that brings a frame back, and SMPTE timecode from the
// master's own start (drop-frame when the start uses ';'). One place, so the player, the
// comments and the compare page all count frames the same way.

/** Parses "30000/1001", "25" or 29.97 into {num, den}; null when it is not a positive rate. */
export function parseRate(raw) {
  if (raw == null || raw === '') return null;
  const s = String(raw).trim();
  const m = /^(\d+)(?:\/(\d+))?$/.exec(s);
  if (m) {
    const num = Number(m[1]);
    const den = m[2] ? Number(m[2]) : 1;
    return num > 0 && den > 0 ? { num, den } : null;
  }
  const f = Number(s);
  if (!(f > 0) || !isFinite(f)) return null;
  // 29.97 and friends are NTSC rates: name them exactly, as the probe would.
  for (const base of [24, 30, 48, 60, 120]) {
    if (Math.abs(f - (base * 1000) / 1001) < 0.005) return { num: base * 1000, den: 1001 };
  }
  return { num: Math.round(f * 1000), den: 1000 };
}

export function fps(rate) {
  return rate.num / rate.den;
}

/** The frame a presentation time (requestVideoFrameCallback's mediaTime) belongs to. */
export function frameAt(mediaTime, rate) {
  return Math.max(0, Math.round((mediaTime * rate.num) / rate.den));
}

/**
 * The frame currentTime falls in, for when no frame callback has told us (it is the start of
 * the frame's display interval that counts, hence floor with a little slack for float error).
 */
export function frameOfTime(t, rate) {
  return Math.max(0, Math.floor((t * rate.num) / rate.den + 1e-6));
}

/** The time to seek to for frame f: the middle of its interval, so no decoder rounds away. */
export function timeOfFrame(f, rate) {
  return ((f + 0.5) * rate.den) / rate.num;
}

/** Whole-frame rate for timecode counting: 30 for 30000/1001, 25 for 25. */
export function nominal(rate) {
  return Math.round(rate.num / rate.den);
}

/** Drop-frame counting exists only for 29.97 and 59.94 (and their multiples of 30). */
export function canDrop(rate) {
  const n = nominal(rate);
  return rate.den === 1001 && n % 30 === 0;
}

/** "01:00:00;00" → {frames, drop}; frames counted at the nominal rate (drop-frame aware). */
export function parseTimecode(tc, rate) {
  const m = /^(\d{1,2}):(\d{2}):(\d{2})([:;.,])(\d{2,3})$/.exec(String(tc || '').trim());
  if (!m) return { frames: 0, drop: false };
  const [h, mi, s, f] = [m[1], m[2], m[3], m[5]].map(Number);
  const n = nominal(rate);
  const drop = (m[4] === ';' || m[4] === ',') && canDrop(rate);
  const total = (h * 3600 + mi * 60 + s) * n + f;
  if (!drop) return { frames: total, drop };
  const d = (n / 30) * 2;
  const minutes = h * 60 + mi;
  return { frames: total - d * (minutes - Math.floor(minutes / 10)), drop };
}

function pad(v) {
  return String(v).padStart(2, '0');
}

/** Frame count since 00:00:00:00 → SMPTE text. */
export function formatFrames(frames, rate, drop) {
  const n = nominal(rate);
  let f = Math.max(0, Math.floor(frames));
  if (drop && canDrop(rate)) {
    const d = (n / 30) * 2;
    const perMin = n * 60 - d;
    const per10 = perMin * 10 + d;
    const tens = Math.floor(f / per10);
    let rem = f % per10;
    // The first minute of every ten keeps its frame numbers; the other nine drop `d`.
    const extra = rem < d ? 0 : d * Math.floor((rem - d) / perMin);
    f += d * 9 * tens + extra;
    rem = 0;
  }
  const ff = f % n;
  const s = Math.floor(f / n) % 60;
  const m = Math.floor(f / (n * 60)) % 60;
  const h = Math.floor(f / (n * 3600)) % 24;
  return `${pad(h)}:${pad(m)}:${pad(s)}${drop && canDrop(rate) ? ';' : ':'}${pad(ff)}`;
}

/** A clock for one version: its rate and start timecode, frame ⇄ time ⇄ timecode. */
export class Clock {
  constructor(rateText, startTimecode) {
    this.rate = parseRate(rateText) || { num: 25, den: 1 };
    const start = parseTimecode(startTimecode || '00:00:00:00', this.rate);
    this.start = start.frames;
    this.drop = start.drop;
  }
  frameAt(mediaTime) { return frameAt(mediaTime, this.rate); }
  frameOfTime(t) { return frameOfTime(t, this.rate); }
  timeOf(frame) { return timeOfFrame(frame, this.rate); }
  timecode(frame) { return formatFrames(this.start + frame, this.rate, this.drop); }
}
