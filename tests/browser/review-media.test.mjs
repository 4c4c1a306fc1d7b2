// Review on the media a video player does not show: an image (a PNG uploaded through the page,
// made ready by the worker) takes comments at no time with a drawing over its still (in 0..1 of
// the picture), and audio takes comments at the player's
// time (milliseconds at the contract's 1000/1 rate), clicking one seeking back there.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Mm, browser, screenshot, signIn, until } from './harness.mjs';
import { uploadThroughPage, cleanup } from './review-lib.mjs';

let mm;
let b;
let admin;
let work;
let page;

before(async () => {
  work = fs.mkdtempSync(path.join(os.tmpdir(), 'mm-review-media-'));
  mm = await Mm.start({ MM_PREVIEW_LADDER: '360', MM_X264_PRESET: 'ultrafast' });
  admin = mm.createUser('ada@mm.test', 'admin', 'Ada Admin');
  b = await browser();
  page = await b.page();
  await signIn(page, mm.url, admin, '/upload');
});

after(async () => {
  await b?.close();
  await mm?.stop();
  cleanup(work);
});

function ffmpeg(...args) {
  execFileSync('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-y', ...args]);
}

/** The comments of the version the page shows, from the API (the page's own session). */
function listed() {
  return page.evaluate(async () => {
    const root = document.getElementById('asset');
    const q = new URLSearchParams({ version_id: root.dataset.versionId });
    const res = await fetch(`/api/assets/${root.dataset.assetId}/comments?${q}`);
    return (await res.json()).comments;
  });
}

async function postComment(text) {
  await page.fill('#comment-body', text);
  await page.click('[data-composer] button[type=submit]');
  await until('the comment in the list', async () =>
    (await page.locator('[data-comments] .comment', { hasText: text }).count()) === 1, 10_000);
}

test('an image takes a comment at no time with a rectangle drawn over its still', async () => {
  // A real 4:3 PNG through the upload page and the worker: ready as an image, its preview the
  // picture itself (no player, no ladder).
  const file = path.join(work, 'board.png');
  ffmpeg('-f', 'lavfi', '-i', 'testsrc2=size=800x600', '-frames:v', '1', '-update', '1', file);
  const assetId = await uploadThroughPage(page, mm.url, file);
  await page.goto(`${mm.url}/assets/${assetId}`);
  await until('the still', () => page.evaluate(() => document.querySelector('[data-still]')?.naturalWidth > 0), 30_000);
  assert.equal(await page.locator('[data-player] video').count(), 0, 'no player for an image');
  assert.equal(await page.locator('[data-review-panel]').count(), 1, 'the decision panel shows');
  assert.equal(await page.textContent('[data-composer-at]'), 'this image');
  await page.click('[data-draw-toggle]');
  await page.click('[data-draw-bar] [data-tool="rect"]');
  // Clicking the tool may scroll the page: bring the still back and measure after it.
  await page.locator('[data-still-box]').scrollIntoViewIfNeeded();
  const pic = await page.evaluate(() => {
    const img = document.querySelector('[data-still]');
    const r = img.getBoundingClientRect();
    const s = Math.min(r.width / img.naturalWidth, r.height / img.naturalHeight);
    const w = img.naturalWidth * s;
    const h = img.naturalHeight * s;
    const c = document.querySelector('canvas[data-drawing]').getBoundingClientRect();
    return { x: r.left + (r.width - w) / 2, y: r.top + (r.height - h) / 2, w, h, cw: c.width, cx: c.left };
  });
  assert.ok(Math.abs(pic.cw - pic.w) < 1.5 && Math.abs(pic.cx - pic.x) < 1.5, `canvas on the picture: ${JSON.stringify(pic)}`);
  await page.mouse.move(pic.x + pic.w * 0.2, pic.y + pic.h * 0.3);
  await page.mouse.down();
  await page.mouse.move(pic.x + pic.w * 0.5, pic.y + pic.h * 0.5, { steps: 3 });
  await page.mouse.move(pic.x + pic.w * 0.6, pic.y + pic.h * 0.7, { steps: 3 });
  await page.mouse.up();
  assert.equal(await page.getAttribute('canvas[data-drawing]', 'data-shapes'), '1', 'the rectangle is drawn');
  await postComment('The logo is too small here');

  await page.reload();
  await until('the list after reload', async () => (await page.locator('[data-comments] .comment').count()) === 1, 10_000);
  const canvas = page.locator('canvas[data-drawing]');
  assert.equal(await canvas.getAttribute('data-shapes'), '0', 'no drawing before a click');
  await page.click('[data-comments] .comment [data-body]');
  await until('the drawing shown', async () => (await canvas.getAttribute('data-shapes')) === '1', 5_000);
  assert.ok(await canvas.isVisible(), 'the drawing canvas is visible');
  await screenshot(page, 'review-image');

  const csv = await page.evaluate(async () => {
    const res = await fetch(document.querySelector('[data-export] a[data-format="csv"]').href);
    return [res.status, await res.text()];
  });
  assert.equal(csv[0], 200, 'the CSV export link works for an image');
  assert.ok(csv[1].includes('The logo is too small here'), csv[1]);

  const [c] = await listed();
  assert.equal(c.frame, null);
  assert.equal(c.timecode ?? null, null);
  assert.equal(c.has_drawing, true);
  const full = await page.evaluate(async (id) => (await fetch(`/api/comments/${id}`)).json(), c.id);
  assert.equal(full.drawing.shapes.length, 1);
  const r = full.drawing.shapes[0];
  assert.equal(r.tool, 'rect');
  for (const [k, want] of [['x', 0.2], ['y', 0.3], ['w', 0.4], ['h', 0.4]]) {
    assert.ok(Math.abs(r[k] - want) < 0.02, `rect ${k} ${r[k]} ≈ ${want}`);
  }
});

test('audio takes a comment at the player time, and clicking it seeks back there', async () => {
  const file = path.join(work, 'tone.m4a');
  ffmpeg('-f', 'lavfi', '-i', 'sine=frequency=440:duration=5', '-c:a', 'aac', file);
  const assetId = await uploadThroughPage(page, mm.url, file);
  await page.goto(`${mm.url}/assets/${assetId}`);
  assert.equal(await page.getAttribute('[data-player]', 'data-frame-rate'), '1000/1');
  const media = '[data-player] video';
  await until('the audio to load', () => page.evaluate((s) => document.querySelector(s).readyState >= 2, media), 60_000);
  const at = await page.evaluate((s) => new Promise((done) => {
    const v = document.querySelector(s);
    v.pause();
    v.addEventListener('seeked', () => done(v.currentTime), { once: true });
    v.currentTime = 3.217;
  }), media);
  assert.ok(Math.abs(at - 3.217) < 0.05, `seeked to ${at}`);
  await postComment('A click in the tone');
  const [c] = await listed();
  assert.ok(c.frame != null, 'an audio comment has a time');
  assert.ok(Math.abs(c.seconds - at) < 0.05, `comment at ${c.seconds} s, player at ${at} s`);

  // Elsewhere, then back through the comment.
  await page.evaluate((s) => { document.querySelector(s).currentTime = 0.5; }, media);
  await page.click('[data-comments] .comment [data-body]');
  await until('the seek to the comment', () => page.evaluate(({ s, want }) => {
    const v = document.querySelector(s);
    return !v.seeking && Math.abs(v.currentTime - want) < 0.05;
  }, { s: media, want: c.seconds }), 10_000);
});
