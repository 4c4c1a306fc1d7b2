// The upload page's DOM: the drop zone and picker, one row per file with its progress bar,
// speed and time left, its buttons, and rows for unfinished uploads of earlier visits.

import { formatBytes, formatDuration } from './format.js';
var list, handlers, shaBox, resumeInput, resumeFor = null;
var rows = new WeakMap();
var fmt = formatBytes;

var STATE_TEXT = {
  waiting: 'Waiting', hashing: 'Checksum', uploading: 'Uploading', paused: 'Paused', completing: 'Finishing',
  processing: 'Processing', ready: 'Ready', failed: 'Processing failed', error: 'Stopped',
  rejected: 'Refused', cancelled: 'Cancelled', interrupted: 'Interrupted'
};

function el(tag, attrs, text) {
  var e = document.createElement(tag);
  Object.keys(attrs || {}).forEach(function (k) {
    if (k === 'className') e.className = attrs[k]; else e.setAttribute(k, attrs[k]);
  });
  if (text != null) e.textContent = text;
  return e;
}

function build(name, id) {
  var li = el('li', { className: 'upload-row', 'data-state': 'waiting' });
  if (id) li.dataset.uploadId = id;
  var title = el('div', { className: 'name' });
  title.appendChild(el('span', { className: 'file' }, name));
  title.appendChild(document.createTextNode(' '));
  var badge = el('span', { className: 'badge state' }, STATE_TEXT.waiting);
  title.appendChild(badge);
  var actions = el('div', { className: 'actions' });
  var progress = el('progress', { max: '100', value: '0', 'aria-label': 'Progress of ' + name });
  var stats = el('div', { className: 'stats' });
  var msg = el('p', { className: 'message', role: 'status', 'aria-live': 'polite' });
  li.append(title, actions, progress, stats, msg);
  return { li: li, badge: badge, actions: actions, progress: progress, stats: stats, msg: msg, hash: null };
}

function button(action, label, extra) {
  var b = el('button', { type: 'button', 'data-action': action, className: extra || '' }, label);
  return b;
}

export var UI = {
  init: function (root, h) {
    handlers = h;
    list = root.querySelector('[data-uploads]');
    shaBox = root.querySelector('[data-sha]');
    var zone = root.querySelector('[data-dropzone]');
    var input = root.querySelector('[data-file-input]');
    resumeInput = root.querySelector('[data-resume-input]');
    root.querySelector('[data-pick]').addEventListener('click', function () { input.click(); });
    input.addEventListener('change', function () {
      handlers.add(input.files);
      input.value = '';
    });
    resumeInput.addEventListener('change', function () {
      var f = resumeInput.files[0];
      resumeInput.value = '';
      if (!f || !resumeFor) return;
      var rec = resumeFor;
      resumeFor = null;
      if (f.name !== rec.name || f.size !== rec.size || f.lastModified !== rec.lastModified) {
        UI.interruptedMessage(rec.id, 'That is not the same file (name, size and date must match “' + rec.name + '”).');
        return;
      }
      handlers.add([f]);
    });
    ['dragenter', 'dragover'].forEach(function (t) {
      zone.addEventListener(t, function (ev) { ev.preventDefault(); zone.classList.add('over'); });
    });
    ['dragleave', 'drop'].forEach(function (t) {
      zone.addEventListener(t, function () { zone.classList.remove('over'); });
    });
    zone.addEventListener('drop', function (ev) {
      ev.preventDefault();
      if (ev.dataTransfer && ev.dataTransfer.files.length) handlers.add(ev.dataTransfer.files);
    });
    list.addEventListener('click', function (ev) {
      var b = ev.target.closest('button[data-action]');
      if (!b) return;
      var li = b.closest('li');
      var action = b.dataset.action;
      if (action === 'choose') {
        resumeFor = JSON.parse(li.dataset.record);
        resumeInput.click();
        return;
      }
      if (action === 'discard') {
        handlers.discard(li.dataset.uploadId);
        li.remove();
        return;
      }
      var up = li._upload;
      if (up && handlers[action]) handlers[action](up);
    });
  },

  wantSha: function () { return !!(shaBox && shaBox.checked); },

  row: function (up) {
    var r = build(up.file.name);
    r.li._upload = up;
    rows.set(up, r);
    list.prepend(r.li);
    return r;
  },

  state: function (up, state, message, isError) {
    var r = rows.get(up);
    r.li.dataset.state = state;
    if (up.rec) r.li.dataset.uploadId = up.rec.id;
    r.badge.textContent = STATE_TEXT[state] || state;
    r.badge.className = 'badge state badge-' + ({ uploading: 'uploading', processing: 'processing', ready: 'ready', failed: 'failed', error: 'failed', rejected: 'failed' }[state] || 'queued');
    r.msg.textContent = message || '';
    r.msg.classList.toggle('error', !!isError);
    r.actions.replaceChildren();
    if (state === 'uploading') r.actions.append(button('pause', 'Pause'), button('cancel', 'Cancel', 'danger'));
    if (state === 'paused' || state === 'error') r.actions.append(button('resume', state === 'error' ? 'Retry' : 'Resume'), button('cancel', 'Cancel', 'danger'));
    if (state === 'waiting' || state === 'hashing' || state === 'completing') r.actions.append(button('cancel', 'Cancel', 'danger'));
    if (up.assetId && (state === 'processing' || state === 'ready' || state === 'failed')) {
      r.actions.append(el('a', { href: '/assets/' + encodeURIComponent(up.assetId), className: 'button' }, 'Open'));
    }
  },

  progress: function (up, sent, total, speed) {
    var r = rows.get(up);
    var pct = total ? Math.min(100, (100 * sent) / total) : 100;
    r.progress.value = pct;
    r.li.dataset.percent = pct.toFixed(1);
    var parts = [fmt(sent) + ' of ' + fmt(total), Math.floor(pct) + '%'];
    if (up.state === 'uploading' && speed > 0) {
      parts.push(fmt(speed) + '/s');
      parts.push(formatDuration((total - sent) / speed) + ' left');
    }
    r.stats.textContent = parts.join(' · ');
  },

  note: function (up, message) { rows.get(up).msg.textContent = message; },

  hash: function (up, fraction, hex) {
    var r = rows.get(up);
    if (!r.hash) {
      r.hash = el('div', { className: 'stats sha' });
      r.li.insertBefore(r.hash, r.msg);
    }
    r.hash.textContent = hex ? 'SHA-256 ' + hex : 'SHA-256 ' + Math.floor(fraction * 100) + '%';
    if (hex) r.li.dataset.sha256 = hex;
  },

  resumed: function (up, held, total) {
    rows.get(up).msg.textContent = held ? 'Resuming: ' + held + ' of ' + total + ' parts were already uploaded.' : '';
    rows.get(up).li.dataset.resumedParts = String(held);
  },

  assetLink: function (up, id) {
    var r = rows.get(up);
    if (id) r.li.dataset.assetId = id;
    UI.state(up, up.state, r.msg.textContent);
    if (!id) return;
    up.onStatus = function (s) {
      if (s.state === 'processing' || s.state === 'queued') {
        r.progress.value = s.percent || 0;
        r.stats.textContent = s.state === 'queued' ? (s.storing ? 'Storing the master safely…' : 'Queued for processing') : 'Processing ' + Math.floor(s.percent || 0) + '%' + (s.eta ? ' · ' + formatDuration(s.eta) + ' left' : '');
      } else if (s.state === 'ready') {
        r.progress.value = 100;
        r.stats.textContent = 'Ready to play';
        up.set('ready', '');
      } else if (s.state === 'failed') {
        up.set('failed', s.error || 'Processing failed.', true);
      }
    };
  },

  // A row for an upload left unfinished by an earlier visit.
  interrupted: function (rec, heldParts) {
    var r = build(rec.name, rec.id);
    r.li.dataset.state = 'interrupted';
    r.li.dataset.record = JSON.stringify(rec);
    r.badge.textContent = STATE_TEXT.interrupted;
    var pct = rec.partCount ? Math.floor((100 * heldParts) / rec.partCount) : 0;
    r.progress.value = pct;
    r.stats.textContent = fmt(rec.size) + ' · ' + heldParts + ' of ' + rec.partCount + ' parts uploaded';
    r.msg.textContent = 'Choose the same file again to resume where it stopped.';
    r.actions.append(button('choose', 'Choose file…'), button('discard', 'Discard', 'danger'));
    list.append(r.li);
  },

  interruptedMessage: function (id, text) {
    var li = list.querySelector('li[data-state="interrupted"][data-upload-id="' + CSS.escape(id) + '"]');
    if (li) li.querySelector('.message').textContent = text;
  },

  dropInterrupted: function (id) {
    var li = list.querySelector('li[data-state="interrupted"][data-upload-id="' + CSS.escape(id) + '"]');
    if (li) li.remove();
  }
};
