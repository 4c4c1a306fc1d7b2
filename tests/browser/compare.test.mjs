// The compare page: two versions of different rates and lengths (29.97 fps 4 s, 25 fps 3 s)
// play on one clock, a frame step on A puts B on the same moment (its own frame at that time,
// read from the picture), the wipe divider drags, and bad version ids answer an error page.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Mm, browser, screenshot, signIn, until } from './harness.mjs';
import { makeNumberedClip, referenceFrames, capture, closestFrame, uploadThroughPage, cleanup } from './review-lib.mjs';

let mm;
let b;
let work;
let page;
let assetId;
let v1;
let v2;
let refsB;

before(async () => {
  work = fs.mkdtempSync(path.join(os.tmpdir(), 'mm-compare-'));
  mm = await Mm.start({ MM_PREVIEW_LADDER: '360', MM_X264_PRESET: 'ultrafast' });
  const admin = mm.createUser('ada@mm.test', 'admin', 'Ada Admin');
  b = await browser();
  const a = path.join(work, 'cut-a.mp4');
  const bb = path.join(work, 'cut-b.mp4');
  makeNumberedClip(a, '30000/1001', 4);
  makeNumberedClip(bb, '25', 3);
  refsB = referenceFrames(bb);
  page = await b.page();
  await signIn(page, mm.url, admin, '/upload');
  assetId = await uploadThroughPage(page, mm.url, a);
  await uploadThroughPage(page, mm.url, bb, assetId);
  const rows = mm.sql(`select id from asset_versions where asset_id = '${assetId}' order by number`).split('\n');
  [v1, v2] = rows;
  assert.ok(v1 && v2, 'two versions');
});

after(async () => {
  await b?.close();
  await mm?.stop();
  cleanup(work);
});

const times = () => page.evaluate(() => [...document.querySelectorAll('[data-compare-stage] video')].map((v) => ({ t: v.currentTime, paused: v.paused })));

test('two versions play on one clock, step together by time, and the wipe divider moves', async () => {
  await page.goto(`${mm.url}/assets/${assetId}/compare?a=${v1}&b=${v2}`);
  await until('both players to show a frame', () => page.evaluate(() =>
    [...document.querySelectorAll('[data-compare-stage] [data-player]')].every((p) => p.querySelector('video').readyState >= 2 && p.dataset.frame != null)), 60_000);
  await page.click('[data-controls][data-side="a"] [data-play]');
  await until('playback to advance', async () => (await times())[0].t > 1.2, 20_000);
  let [ta, tb] = await times();
  assert.ok(!ta.paused && !tb.paused, 'both play');
  assert.ok(Math.abs(ta.t - tb.t) < 0.15, `in sync while playing: ${ta.t} vs ${tb.t}`);
  await page.keyboard.press('k');
  await until('both paused', async () => (await times()).every((x) => x.paused));
  // Stepping on A: B lands on its own frame at A's moment.
  await page.evaluate(() => { document.querySelector('[data-player][data-side="a"] video').currentTime = (40 + 0.5) / (30000 / 1001); });
  // A person steps from the frame they see: wait for frame 40 on screen first.
  await until('A to show frame 40', async () => page.evaluate(() => document.getElementById('compare').dataset.frameA === '40'), 10_000);
  await page.keyboard.press('.');
  const wantB = String(Math.floor(((41 + 0.5) * 1001 / 30000) * 25));
  let last;
  await until('A at frame 41 and B following', async () => {
    last = await page.evaluate(() => ({ ...document.getElementById('compare').dataset, t: [...document.querySelectorAll('video')].map((v) => v.currentTime) }));
    return last.frameA === '41' && last.frameB === wantB;
  }, 10_000).catch((e) => { throw new Error(`${e.message}: ${JSON.stringify(last)}`); });
  [ta, tb] = await times();
  assert.ok(Math.abs(ta.t - tb.t) < 1 / 25, `paused in step: ${ta.t} vs ${tb.t}`);
  const seen = closestFrame(refsB, await capture(page, '[data-player][data-side="b"] video'));
  assert.equal(seen.frame, Math.floor(ta.t * 25), `B shows its frame at A's time (score ${seen.score})`);
  await screenshot(page, 'compare-side-by-side');

  await page.click('[data-mode="wipe"]');
  const divider = page.locator('[data-divider]');
  await divider.waitFor({ state: 'visible' });
  const stage = await page.locator('[data-compare-stage]').boundingBox();
  const d = await divider.boundingBox();
  await page.mouse.move(d.x + d.width / 2, d.y + d.height / 2);
  await page.mouse.down();
  await page.mouse.move(stage.x + stage.width * 0.25, d.y + d.height / 2, { steps: 5 });
  await page.mouse.up();
  const wipe = Number(await page.getAttribute('[data-compare-stage]', 'data-wipe'));
  assert.ok(Math.abs(wipe - 25) <= 1, `divider at ${wipe} %`);
  assert.match(await page.evaluate(() => document.querySelector('[data-player][data-side="b"]').style.clipPath), /inset\(0(px)? 0(px)? 0(px)? 25/);
  await screenshot(page, 'compare-wipe');
});

test('a missing, malformed or foreign version answers a readable error page', async () => {
  for (const [q, status, text] of [
    [`a=${v1}`, 400, /two versions/],
    [`a=${v1}&b=nonsense`, 400, /not a version id/],
    [`a=${v1}&b=00000000-0000-0000-0000-000000000000`, 404, /not found/i],
  ]) {
    const res = await page.goto(`${mm.url}/assets/${assetId}/compare?${q}`);
    assert.equal(res.status(), status, q);
    assert.match(await page.textContent('main'), text);
  }
  b.forget(/compare\?/);
});
