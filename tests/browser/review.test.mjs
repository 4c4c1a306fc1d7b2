// Review in the browser on a clip that burns its frame number into the picture (29.97 fps,
// 4:3 so the 16:9 player letterboxes it): the frame on screen is the frame the page names while
// stepping with `,` `.`; a drawing made on the paused frame sits on the picture at two window
// sizes and in full screen; a comment with a drawing brings the same frame back after a reload;
// a comment posted in one page shows in another within 2 s.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Mm, browser, screenshot, signIn, until } from './harness.mjs';
import {
  makeNumberedClip, referenceFrames, capture, closestFrame, uploadThroughPage, playerReady,
  settled, cleanup,
} from './review-lib.mjs';

const RATE = 30000 / 1001;
let mm;
let b;
let admin;
let work;
let refs;
let assetId;
let page;

before(async () => {
  work = fs.mkdtempSync(path.join(os.tmpdir(), 'mm-review-'));
  mm = await Mm.start({ MM_PREVIEW_LADDER: '360', MM_X264_PRESET: 'ultrafast' });
  admin = mm.createUser('ada@mm.test', 'admin', 'Ada Admin');
  b = await browser();
  const clip = path.join(work, 'numbers-2997.mp4');
  makeNumberedClip(clip, '30000/1001');
  refs = referenceFrames(clip);
  assert.equal(refs.length, 120, 'ffmpeg made 120 reference frames');
  page = await b.page();
  await signIn(page, mm.url, admin, '/upload');
  assetId = await uploadThroughPage(page, mm.url, clip);
});

after(async () => {
  await b?.close();
  await mm?.stop();
  cleanup(work);
});

async function shownFrame() {
  const named = await settled(page);
  const { frame, score } = closestFrame(refs, await capture(page));
  return { named, seen: frame, score };
}

async function openAsset() {
  await page.goto(`${mm.url}/assets/${assetId}`);
  await playerReady(page);
}

async function seekFrame(f) {
  await page.evaluate((t) => { const v = document.querySelector('[data-player] video'); v.pause(); v.currentTime = t; }, (f + 0.5) / RATE);
  return settled(page);
}

test('the frame on screen is the frame named, stepping with . and ,', async () => {
  await openAsset();
  assert.equal(await page.getAttribute('[data-player]', 'data-frame-rate'), '30000/1001');
  assert.equal(await seekFrame(37), 37);
  for (let i = 0; i < 3; i++) {
    const before = await settled(page);
    await page.keyboard.press('.');
    await until('one frame forward', async () => (await settled(page)) === before + 1);
  }
  let s = await shownFrame();
  assert.deepEqual([s.named, s.seen], [40, 40], `frame 40 on screen (match score ${s.score})`);
  // 40 frames at 29.97 from 00:00:00;00: a clip without a timecode counts drop-frame, as the
  // comments API and the exports do.
  assert.equal(await page.textContent('[data-timecode]'), '00:00:01;10');
  await page.keyboard.press(',');
  await until('one frame back', async () => (await settled(page)) === 39);
  s = await shownFrame();
  assert.deepEqual([s.named, s.seen], [39, 39]);
  // Across a keyframe boundary (every 12 frames) and back, the picture follows the count.
  for (const f of [11, 12, 95, 0]) {
    assert.equal(await seekFrame(f), f);
    s = await shownFrame();
    assert.equal(s.seen, f, `seek to ${f} shows ${s.seen}`);
  }
  await screenshot(page, 'review-frame');
});

/** The picture's rect in client px, computed here from the video's box and size. */
async function geometry() {
  return page.evaluate(() => {
    const v = document.querySelector('[data-player] video');
    const r = v.getBoundingClientRect();
    const s = Math.min(r.width / v.videoWidth, r.height / v.videoHeight);
    const w = v.videoWidth * s;
    const h = v.videoHeight * s;
    const pic = { x: r.left + (r.width - w) / 2, y: r.top + (r.height - h) / 2, w, h };
    const c = document.querySelector('canvas[data-drawing]').getBoundingClientRect();
    return { pic, canvas: { x: c.left, y: c.top, w: c.width, h: c.height } };
  });
}

function near(a, b, what) {
  for (const k of ['x', 'y', 'w', 'h']) assert.ok(Math.abs(a[k] - b[k]) < 1.5, `${what}: ${k} ${a[k]} vs ${b[k]}`);
}

async function drawRect(from, to) {
  // Clicking the tool may scroll the page: measure after it.
  await page.click('[data-draw-bar] [data-tool="rect"]');
  await page.locator('[data-player]').scrollIntoViewIfNeeded();
  const { pic } = await geometry();
  await page.mouse.move(pic.x + pic.w * from[0], pic.y + pic.h * from[1]);
  await page.mouse.down();
  await page.mouse.move(pic.x + pic.w * ((from[0] + to[0]) / 2), pic.y + pic.h * ((from[1] + to[1]) / 2), { steps: 3 });
  await page.mouse.move(pic.x + pic.w * to[0], pic.y + pic.h * to[1], { steps: 3 });
  await page.mouse.up();
}

test('the drawing canvas lies on the picture at two window sizes and in full screen', async () => {
  await openAsset();
  await seekFrame(40);
  await page.click('[data-draw-toggle]');
  let g = await geometry();
  assert.ok(g.pic.w < g.canvas.w + 2 && g.pic.x > 0, 'a 4:3 picture is pillarboxed in the 16:9 player');
  near(g.canvas, g.pic, 'canvas at 1280×860');
  await drawRect([0.25, 0.25], [0.75, 0.75]);
  const shapes = () => page.evaluate(() => document.querySelector('canvas[data-drawing]').dataset.shapes);
  assert.equal(await shapes(), '1');
  await page.setViewportSize({ width: 700, height: 900 });
  await until('the overlay to follow the resize', async () => {
    const x = await geometry();
    return Math.abs(x.canvas.w - x.pic.w) < 1.5 && Math.abs(x.canvas.x - x.pic.x) < 1.5;
  }, 5_000);
  g = await geometry();
  near(g.canvas, g.pic, 'canvas at 700×900');
  await page.click('[data-fullscreen]');
  await until('full screen', () => page.evaluate(() => document.fullscreenElement === document.querySelector('[data-player]')), 5_000);
  await until('the overlay in full screen', async () => {
    const x = await geometry();
    return Math.abs(x.canvas.h - x.pic.h) < 1.5 && Math.abs(x.canvas.w - x.pic.w) < 1.5 && Math.abs(x.canvas.x - x.pic.x) < 1.5;
  }, 5_000);
  g = await geometry();
  near(g.canvas, g.pic, 'canvas in full screen');
  await screenshot(page, 'review-fullscreen');
  await page.evaluate(() => document.exitFullscreen());
  await page.setViewportSize({ width: 1280, height: 860 });
});

/** Whether this build serves the comments API (it is built beside these pages). */
async function commentsApi(version) {
  const q = version ? `?version_id=${version}` : '';
  return page.evaluate(async (url) => (await fetch(url, { credentials: 'same-origin' })).json(), `/api/assets/${assetId}/comments${q}`);
}

test('a comment with a drawing at a frame brings that frame and drawing back after a reload', async () => {
  await openAsset();
  await seekFrame(40);
  await page.keyboard.press('.');
  await until('frame 41', async () => (await settled(page)) === 41);
  await page.click('[data-draw-toggle]');
  await drawRect([0.25, 0.25], [0.75, 0.75]);
  await page.fill('#comment-body', 'The <b>logo</b> is too early');
  await page.click('[data-composer] button[type=submit]');
  await page.locator('[data-comments] .comment', { hasText: 'The <b>logo</b> is too early' }).waitFor({ timeout: 10_000 });
  const list = await commentsApi();
  assert.equal(list.comments.length, 1);
  const c = list.comments[0];
  assert.equal(c.frame, 41);
  // The list says a drawing exists; the comment's own route has it.
  assert.equal(c.has_drawing, true);
  assert.equal(c.drawing, undefined, 'the list leaves drawings out');
  const full = await page.evaluate(async (id) => (await fetch(`/api/comments/${id}`)).json(), c.id);
  assert.equal(full.drawing.shapes.length, 1);
  const r = full.drawing.shapes[0];
  assert.equal(r.tool, 'rect');
  for (const [k, want] of [['x', 0.25], ['y', 0.25], ['w', 0.5], ['h', 0.5]]) {
    assert.ok(Math.abs(r[k] - want) < 0.01, `rect ${k} ${r[k]} in picture coordinates`);
  }

  await page.reload();
  await playerReady(page);
  await seekFrame(5);
  await page.click(`[data-comment-id="${c.id}"] [data-goto]`);
  await until('the comment frame', async () => (await settled(page)) === 41);
  const s = await shownFrame();
  assert.deepEqual([s.named, s.seen], [41, 41], `the comment's frame on screen (score ${s.score})`);
  assert.ok(await page.evaluate(() => document.querySelector('[data-player] video').paused));
  assert.equal(await page.evaluate(() => document.querySelector('canvas[data-drawing]').dataset.shapes), '1');
  // The body is text, never markup.
  assert.equal(await page.locator(`[data-comment-id="${c.id}"] b`).count(), 0);
  // The timeline marker carries the comment as its hover text.
  assert.match(await page.getAttribute(`[data-marker="${c.id}"]`, 'title'), /logo/);
  await screenshot(page, 'review-comment');
});

test('a comment posted in one page shows in another within 2 s', async () => {
  await openAsset();
  const other = await b.context.newPage();
  await other.goto(`${mm.url}/assets/${assetId}`);
  await until('the other page to listen', () => other.evaluate(() => document.documentElement.dataset.reviewLive === 'open'), 20_000);
  await page.fill('#comment-body', 'Live from page one');
  const t0 = Date.now();
  await page.click('[data-composer] button[type=submit]');
  await other.locator('[data-comments] .comment', { hasText: 'Live from page one' }).waitFor({ timeout: 2_000 });
  const ms = Date.now() - t0;
  assert.ok(ms < 2_000, `shown after ${ms} ms`);
  console.log(`live comment shown in the other page after ${ms} ms`);
  await other.close();
});
