// The asset page's player: hls.js where Media Source Extensions exist, else native HLS (Safari),
// else a progressive MP4 rendition; a quality menu of the rungs; J/K/L, space, arrows and frame
// steps with , and . at the real frame rate; timecode; sprite thumbnails on timeline hover; the
// poster; a waveform for audio. Signed edge URLs are renewed before they expire.

import { api } from './api.js';
import * as M from './media.js';
import { Clock } from './timecode.js';

// Starts the player in `box` (the [data-player] element holding the <video>). `opts.data` is
// what the page hands the player (its player-data block), `opts.controls` the [data-controls]
// element. hls.js is the page's `Hls` when its script was loaded. Returns a handle: the video
// element, its current time and timecode, the frame rate.
export function startPlayer(box, opts) {
  var data = opts.data;
  var video = box.querySelector('video');
  var controls = opts.controls;
  var q = function (sel) { return controls.querySelector(sel); };
  var seek = q('[data-seek]'), playBtn = q('[data-play]'), tcEl = q('[data-timecode]');
  var durEl = q('[data-duration]'), quality = q('[data-quality]'), scrub = q('[data-scrub]');
  var status = box.querySelector('[data-player-status]');
  // Filled from the preview's manifest.json (what the worker wrote), with its usual names as a
  // fallback.
  var files = { master: 'index.m3u8', poster: 'poster.jpg' };
  // The version's rational rate and start timecode, as the server put them on the box (the one
  // place the page states them).
  var clock = new Clock(box.dataset.frameRate, box.dataset.startTimecode);
  var fps = clock.rate.num / clock.rate.den;
  // The frame actually on screen, from requestVideoFrameCallback's media time; null until the
  // first frame is presented (then currentTime is the best guess).
  var shown = null;
  var frameListeners = [];
  var bases = [];          // every signed base used so far, newest last
  var base = null;
  var expires = 0;
  var hls = null;
  var mode = null;         // 'hls' | 'native' | 'progressive'
  var cues = [];
  var peaks = [];
  var rate = 1;

  function say(text) {
    if (!status) return;
    status.textContent = text || '';
    status.hidden = !text;
  }

  function baseOf(url) {
    return /\.m3u8(\?|$)/.test(url) ? url.slice(0, url.lastIndexOf('/') + 1) : (url.endsWith('/') ? url : url + '/');
  }

  async function sign() {
    var body = data.preview_prefix ? { preview_prefix: data.preview_prefix } : { asset_id: data.asset_id };
    // A share link's page signs through its own route (`opts.sign`).
    var res = opts.sign ? await opts.sign() : await api('POST', '/api/sign-preview', body);
    base = baseOf(res.url);
    bases.push(base);
    expires = Number(res.exp) || (Date.now() / 1000 + 3600);
    schedule();
  }

  function schedule() {
    var ms = Math.max(30e3, (expires - Date.now() / 1000 - 120) * 1000);
    setTimeout(function () { sign().catch(function () { setTimeout(schedule, 30e3); }); }, ms);
  }

  // URLs hls.js asks for carry the token they were built with; point them at the newest one.
  function current(url) {
    for (var i = bases.length - 1; i >= 0; i--) {
      if (url.indexOf(bases[i]) === 0) return base + url.slice(bases[i].length);
    }
    return url;
  }

  function progressive() {
    return (files.progressive || []).slice().sort(function (a, b) { return (b.height || 0) - (a.height || 0); });
  }

  function option(value, label) {
    var o = document.createElement('option');
    o.value = String(value);
    o.textContent = label;
    return o;
  }

  function fillQuality(items) {
    quality.replaceChildren(option(-1, 'Auto'));
    items.forEach(function (it) { quality.append(option(it.value, it.label)); });
    quality.disabled = items.length < 2 && mode !== 'hls';
  }

  function startHls() {
    var Hls = window.Hls;
    hls = new Hls({
      // A preview still being made is an EVENT playlist: start at its beginning, not its end.
      startPosition: 0,
      workerPath: data.hls_worker || null,
      enableWorker: !!data.hls_worker,
      xhrSetup: function (xhr, url) {
        var u = current(url);
        if (u !== url) xhr.open('GET', u, true);
      }
    });
    hls.on(Hls.Events.MANIFEST_PARSED, function () {
      // The master as it was uploaded (packaged, not re-encoded) is named apart from the rungs.
      var levels = hls.levels.map(function (l, i) { return { i: i, h: l.height, b: l.bitrate, source: /(^|\/)source\/index\.m3u8/.test(l.url || '') }; });
      levels.sort(function (a, b) { return b.h - a.h || b.b - a.b; });
      fillQuality(levels.map(function (l) {
        return { value: l.i, label: (l.source ? 'Source ' : '') + (l.h ? l.h + 'p' : 'Audio') + ' · ' + Math.round(l.b / 1000) + ' kbit/s' };
      }));
      controls.dataset.rungs = String(levels.length);
    });
    hls.on(Hls.Events.LEVEL_SWITCHED, function (_, d) {
      var l = hls.levels[d.level];
      quality.options[0].textContent = hls.autoLevelEnabled && l ? 'Auto (' + (l.height ? l.height + 'p' : 'audio') + ')' : 'Auto';
    });
    var mediaRecoveries = 0;
    hls.on(Hls.Events.ERROR, function (_, d) {
      if (!d.fatal) return;
      if (d.type === Hls.ErrorTypes.NETWORK_ERROR) {
        var code = d.response && d.response.code;
        var retry = function () { hls.startLoad(); };
        if (code === 403 || code === 401) sign().then(retry, function () { say('Playback links could not be renewed.'); });
        else setTimeout(retry, 2000);
      } else if (d.type === Hls.ErrorTypes.MEDIA_ERROR && mediaRecoveries++ < 2) {
        hls.recoverMediaError();
      } else {
        hls.destroy();
        hls = null;
        if (progressive().length) startProgressive(); else say('This preview cannot be played here.');
      }
    });
    hls.loadSource(base + files.master);
    hls.attachMedia(video);
    mode = 'hls';
  }

  function startProgressive(index) {
    var list = progressive();
    var pick = list[index || 0];
    var t = video.currentTime || 0;
    video.src = base + pick.file;
    if (t) video.addEventListener('loadedmetadata', function () { video.currentTime = t; }, { once: true });
    if (mode !== 'progressive') {
      mode = 'progressive';
      fillQuality(list.map(function (p, i) { return { value: i, label: p.label || (p.height + 'p') }; }));
      quality.options[0].remove();
    }
  }

  function choose() {
    if (window.Hls && window.Hls.isSupported() && files.master) return startHls();
    if (files.master && video.canPlayType('application/vnd.apple.mpegurl')) {
      mode = 'native';
      video.src = base + files.master;
      fillQuality([]);
      return;
    }
    if (progressive().length) return startProgressive(0);
    say('This browser cannot play the preview.');
  }

  quality.addEventListener('change', function () {
    var v = Number(quality.value);
    if (mode === 'hls' && hls) hls.currentLevel = v;
    if (mode === 'progressive') {
      var wasPlaying = !video.paused;
      startProgressive(v);
      if (wasPlaying) video.play();
    }
  });

  // ---- Transport, time display, keyboard. ----
  // While the preview is still made its playlists grow: the master's own length is the length.
  function duration() {
    var whole = Number(data.duration) || 0;
    if (data.still_processing && whole > 0) return Math.max(whole, isFinite(video.duration) ? video.duration : 0);
    return isFinite(video.duration) && video.duration > 0 ? video.duration : whole;
  }
  function frameOf(t) { return clock.frameOfTime(t); }
  function tc(t) { return clock.timecode(frameOf(t)); }
  // The frame to name: the presented one while it matches the clock, else currentTime's.
  function frameNow() {
    if (shown != null && Math.abs(clock.timeOf(shown) - video.currentTime) < 1.5 / fps) return shown;
    return frameOf(video.currentTime || 0);
  }

  function onVideoFrame(_, meta) {
    shown = clock.frameAt(meta.mediaTime);
    tcEl.textContent = clock.timecode(shown);
    box.dataset.frame = String(shown);
    frameListeners.forEach(function (fn) { fn(shown); });
    video.requestVideoFrameCallback(onVideoFrame);
  }
  if (video.requestVideoFrameCallback) video.requestVideoFrameCallback(onVideoFrame);

  function paint() {
    var d = duration();
    tcEl.textContent = clock.timecode(frameNow());
    if (d) {
      durEl.textContent = tc(d);
      if (document.activeElement !== seek) seek.value = String(Math.round((video.currentTime / d) * 1000));
      seek.setAttribute('aria-valuetext', tc(video.currentTime || 0));
    }
    playBtn.textContent = video.paused ? 'Play' : 'Pause';
    playBtn.setAttribute('aria-label', video.paused ? 'Play' : 'Pause');
    if (peaks.length) M.drawWaveform(box.querySelector('[data-waveform]'), peaks, d ? video.currentTime / d : 0);
  }

  function seekTo(t) {
    var d = duration();
    video.currentTime = Math.max(0, d ? Math.min(d, t) : t);
  }

  function toggle() { if (video.paused) { video.playbackRate = rate = 1; video.play(); } else video.pause(); }

  // One frame: land in the middle of the frame so decoders do not round to its neighbour.
  function step(n) {
    video.pause();
    seekFrame(frameNow() + n);
  }

  function seekFrame(f) {
    video.pause();
    var last = duration() ? frameOf(duration()) - 1 : Infinity;
    seekTo(clock.timeOf(Math.max(0, Math.min(last, f))));
  }

  function shuttle(dir) {
    if (dir === 0) { video.pause(); rate = 1; return; }
    if (dir > 0) {
      rate = video.paused || video.playbackRate < 1 ? 1 : Math.min(8, video.playbackRate * 2);
      video.playbackRate = rate;
      video.play();
    } else {
      // Browsers cannot play backwards: J slows a fast shuttle, then jumps back.
      if (!video.paused && video.playbackRate > 1) { video.playbackRate = rate = video.playbackRate / 2; return; }
      seekTo(video.currentTime - 5);
    }
  }

  playBtn.addEventListener('click', toggle);
  q('[data-step-back]').addEventListener('click', function () { step(-1); });
  q('[data-step-fwd]').addEventListener('click', function () { step(1); });
  q('[data-mute]').addEventListener('click', function (ev) {
    video.muted = !video.muted;
    ev.currentTarget.textContent = video.muted ? 'Unmute' : 'Mute';
    ev.currentTarget.setAttribute('aria-pressed', String(video.muted));
  });
  var fs = q('[data-fullscreen]');
  if (fs && box.requestFullscreen) fs.addEventListener('click', function () { box.requestFullscreen(); }); else if (fs) fs.hidden = true;
  seek.addEventListener('input', function () { seekTo((Number(seek.value) / 1000) * duration()); });
  ['timeupdate', 'play', 'pause', 'durationchange', 'seeked', 'loadedmetadata'].forEach(function (t) { video.addEventListener(t, paint); });
  video.addEventListener('click', toggle);

  document.addEventListener('keydown', function (ev) {
    var t = ev.target;
    if (ev.ctrlKey || ev.metaKey || ev.altKey) return;
    if (t.closest && t.closest('input:not([type=range]), textarea, select, [contenteditable]')) return;
    // Buttons and links keep their own Space and Enter.
    if (t.closest && t.closest('button, a') && (ev.key === ' ' || ev.key === 'Enter')) return;
    var big = ev.shiftKey ? 1 : 5;
    switch (ev.key) {
      case ' ': case 'k': case 'K': if (ev.key === ' ') toggle(); else shuttle(0); break;
      case 'l': case 'L': shuttle(1); break;
      case 'j': case 'J': shuttle(-1); break;
      case 'ArrowLeft': seekTo(video.currentTime - big); break;
      case 'ArrowRight': seekTo(video.currentTime + big); break;
      case 'ArrowUp': video.volume = Math.min(1, video.volume + 0.1); break;
      case 'ArrowDown': video.volume = Math.max(0, video.volume - 0.1); break;
      case ',': step(-1); break;
      case '.': step(1); break;
      case 'Home': seekTo(0); break;
      case 'End': seekTo(duration()); break;
      default: return;
    }
    ev.preventDefault();
  });

  // ---- Thumbnails on hover. ----
  var timeline = q('.timeline');
  function hover(ev) {
    var d = duration();
    var c;
    if (!d || !cues.length) return;
    var rect = seek.getBoundingClientRect();
    var x = Math.max(0, Math.min(rect.width, ev.clientX - rect.left));
    var t = (x / rect.width) * d;
    c = M.cueAt(cues, t);
    if (!c) return;
    scrub.hidden = false;
    scrub.style.width = c.w + 'px';
    scrub.style.height = c.h + 'px';
    scrub.style.backgroundImage = 'url("' + c.url.replace(/"/g, '%22') + '")';
    scrub.style.backgroundPosition = -c.x + 'px ' + -c.y + 'px';
    scrub.style.left = (seek.offsetLeft + x) + 'px';
    scrub.firstElementChild.textContent = tc(t);
  }
  timeline.addEventListener('pointermove', hover);
  timeline.addEventListener('pointerleave', function () { scrub.hidden = true; });

  async function readManifest() {
    try {
      var res = await fetch(base + 'manifest.json', { credentials: 'omit' });
      if (!res.ok) return;
      var m = await res.json();
      files = {
        master: m.master || files.master,
        poster: m.poster || null,
        vtt: m.sprite_vtt || null,
        waveform: m.waveform || null,
        progressive: (m.renditions || []).filter(function (r) { return r.mp4; }).map(function (r) {
          return { file: r.mp4, height: r.height || 0, label: r.height ? r.height + 'p' : r.name };
        })
      };
      if (m.duration && !data.duration) data.duration = m.duration;
    } catch (_) { /* the defaults stand */ }
  }

  async function loadExtras() {
    if (files.vtt) {
      try {
        var res = await fetch(base + files.vtt);
        if (res.ok) cues = M.parseSpriteVtt(await res.text(), res.url);
      } catch (_) { /* no thumbnails on hover */ }
    }
    if (data.media === 'audio' && files.waveform) {
      var canvas = box.querySelector('[data-waveform]');
      try {
        var w = await fetch(base + files.waveform);
        if (w.ok) peaks = M.peaksOf(await w.json());
      } catch (_) { peaks = []; }
      canvas.hidden = !peaks.length;
      canvas.addEventListener('click', function (ev) {
        var r = canvas.getBoundingClientRect();
        seekTo(((ev.clientX - r.left) / r.width) * duration());
      });
      window.addEventListener('resize', paint);
      paint();
    }
  }

  var handle = {
    video: video,
    currentTime: function () { return video.currentTime || 0; },
    frameRate: fps,
    clock: clock,
    box: box,
    timecode: function () { return clock.timecode(frameNow()); },
    frame: frameNow,
    seekFrame: seekFrame,
    step: step,
    play: function () { return video.play(); },
    pause: function () { video.pause(); },
    duration: duration,
    audio: data.media === 'audio',
    /** Calls fn(frame) each time a new frame is presented. */
    onFrame: function (fn) { frameListeners.push(fn); }
  };

  (async function () {
    try {
      if (data.signed_url) {
        base = baseOf(data.signed_url);
        bases.push(base);
        expires = Number(data.signed_exp) || 0;
        schedule();
      } else {
        await sign();
      }
    } catch (e) {
      say(e.status === 403 ? 'You may not play this asset.' : 'The preview could not be opened: ' + e.message);
      return;
    }
    // A preview still being made has its playlists only: the manifest and images come last.
    if (data.still_processing) files.poster = null;
    else await readManifest();
    if (!video.poster && files.poster) video.poster = base + files.poster;
    choose();
    loadExtras();
    paint();
  })();
  return handle;
}
