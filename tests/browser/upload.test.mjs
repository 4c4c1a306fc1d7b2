// Uploading through the page: a generated 5 s clip reaches 100 % and becomes an asset (then,
// once previews exist, plays with a quality menu); a larger file interrupted by a reload
// resumes where it stopped instead of starting over.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Mm, browser, screenshot, signIn, until } from './harness.mjs';

const MiB = 1024 * 1024;
let mm;
let b;
let admin;
let work;

before(async () => {
  work = fs.mkdtempSync(path.join(os.tmpdir(), 'mm-browser-files-'));
  mm = await Mm.start({
    // Small parts, so a 40 MiB file has five of them, two sent at a time.
    MM_MULTIPART_THRESHOLD: '8MiB',
    MM_UPLOAD_PART_SIZE: '8MiB',
    MM_UPLOAD_PARALLEL_PARTS: '2',
    // A small, fast ladder where the preview pipeline reads these.
    MM_PREVIEW_LADDER: '240,360',
    MM_X264_PRESET: 'ultrafast',
  });
  admin = mm.createUser('ada@mm.test', 'admin', 'Ada Admin');
  b = await browser();
});

after(async () => {
  await b?.close();
  await mm?.stop();
  if (work) fs.rmSync(work, { recursive: true, force: true });
});

function makeClip(file) {
  execFileSync('ffmpeg', [
    '-hide_banner', '-loglevel', 'error', '-y',
    '-f', 'lavfi', '-i', 'testsrc=duration=5:size=640x360:rate=25',
    '-f', 'lavfi', '-i', 'sine=frequency=440:duration=5',
    '-c:v', 'libx264', '-preset', 'ultrafast', '-pix_fmt', 'yuv420p',
    '-c:a', 'aac', '-shortest', file,
  ]);
}

test('a clip uploaded through the page reaches 100 % and becomes an asset', async () => {
  const clip = path.join(work, 'test-clip.mp4');
  makeClip(clip);
  const page = await b.page();
  await signIn(page, mm.url, admin, '/upload');
  assert.equal(new URL(page.url()).pathname, '/upload');
  await screenshot(page, 'upload');

  let maxPercent = 0;
  await page.exposeFunction('mmSawPercent', (p) => { maxPercent = Math.max(maxPercent, Number(p)); });
  await page.evaluate(() => {
    new MutationObserver((records) => {
      for (const r of records) if (r.attributeName === 'data-percent') window.mmSawPercent(r.target.dataset.percent);
    }).observe(document.querySelector('[data-uploads]'), { subtree: true, attributes: true });
  });
  await page.setInputFiles('[data-file-input]', clip);
  const row = page.locator('li.upload-row', { hasText: 'test-clip.mp4' });
  await until('the upload to finish', async () => {
    const state = await row.getAttribute('data-state');
    if (['error', 'rejected', 'cancelled'].includes(state)) {
      throw new Error(`upload ${state}: ${await row.locator('.message').textContent()}`);
    }
    return ['processing', 'ready', 'failed'].includes(state);
  });
  assert.equal(maxPercent, 100, 'the progress bar reached 100 %');
  const assetId = await row.getAttribute('data-asset-id');
  assert.match(assetId, /^[0-9a-f-]{36}$/);
  assert.equal(mm.sql(`select title || ' ' || size_bytes from assets where id = '${assetId}'`),
    `test-clip ${fs.statSync(clip).size}`);
  await screenshot(page, 'upload-done');

  // The worker makes the previews; the row follows it live to Ready.
  await until('the asset to be ready', async () => {
    const state = await row.getAttribute('data-state');
    if (state === 'failed') throw new Error(`processing failed: ${await row.locator('.message').textContent()}`);
    return state === 'ready';
  }, 180_000, 500);

  // The library shows it with its poster, duration and badge.
  await page.goto(`${mm.url}/`);
  const card = page.locator(`[data-asset-id="${assetId}"]`);
  await card.waitFor();
  assert.equal(await card.locator('[data-status]').getAttribute('data-state'), 'ready');
  assert.match(await card.textContent(), /0:05/);
  await until('the poster to load', () => card.locator('img').evaluate((img) => img.complete && img.naturalWidth > 0));
  await screenshot(page, 'library');

  // The asset page plays it: hls.js lists the rungs, time advances, frame steps are exact.
  await card.locator('a').first().click();
  await page.waitForURL(`**/assets/${assetId}`);
  const controls = page.locator('[data-controls]');
  await until('the rungs to be listed', () => controls.getAttribute('data-rungs'));
  const rungs = Number(await controls.getAttribute('data-rungs'));
  assert.equal(rungs, 2, 'a 360p source with a 240,360 ladder has two rungs');
  const labels = await page.locator('[data-quality] option').allTextContents();
  assert.equal(labels.length, rungs + 1);
  assert.match(labels[0], /^Auto/);
  assert.match(labels[1], /^360p/);
  assert.match(labels[2], /^240p/);
  await page.click('[data-play]');
  await until('playback to advance', () => page.evaluate(() => document.querySelector('video').currentTime > 1.2), 30_000);
  await page.keyboard.press('k');
  await until('the pause', () => page.evaluate(() => document.querySelector('video').paused));
  const before = await page.evaluate(() => document.querySelector('video').currentTime);
  const tcBefore = await page.textContent('[data-timecode]');
  await page.keyboard.press('.');
  await until('one frame forward', async () => {
    const t = await page.evaluate(() => document.querySelector('video').currentTime);
    return Math.abs(t - before) > 0.01;
  });
  const after = await page.evaluate(() => document.querySelector('video').currentTime);
  assert.ok(after - before > 0 && after - before < 0.09, `a frame at 25 fps: ${before} -> ${after}`);
  await until('the timecode to move', async () => (await page.textContent('[data-timecode]')) !== tcBefore);
  // Hovering the timeline shows the sprite thumbnail of that moment.
  const seek = page.locator('[data-seek]');
  const box = await seek.boundingBox();
  await page.mouse.move(box.x + box.width * 0.6, box.y + box.height / 2);
  const scrub = page.locator('[data-scrub]');
  await scrub.waitFor({ state: 'visible' });
  assert.match(await scrub.evaluate((el) => el.style.backgroundImage), /sprite\.jpg/);
  assert.match(await scrub.textContent(), /^00:00:0[23]:\d\d$/);
  await screenshot(page, 'asset');
  assert.deepEqual(b.errors, []);
});

test('an upload interrupted by a reload resumes without sending its parts again', async () => {
  const big = path.join(work, 'big-master.mov');
  fs.writeFileSync(big, randomBytes(40 * MiB));
  const sha = createHash('sha256').update(fs.readFileSync(big)).digest('hex');
  const page = await b.page();
  await signIn(page, mm.url, admin, '/upload');
  // A slow uplink, so the reload lands in the middle of the upload.
  const cdp = await b.context.newCDPSession(page);
  await cdp.send('Network.enable');
  await cdp.send('Network.emulateNetworkConditions', {
    offline: false, latency: 0, downloadThroughput: -1, uploadThroughput: 4 * MiB,
  });
  const partsStored = () => page.evaluate(() => {
    const all = JSON.parse(localStorage.getItem('mm.uploads.v1') || '{}');
    return Object.values(all).map((r) => r.done || 0)[0] || 0;
  });
  // The page asks before leaving an upload in flight; the test means to leave.
  page.on('dialog', (d) => d.accept());
  await page.setInputFiles('[data-file-input]', big);
  await until('two parts to be stored', async () => (await partsStored()) >= 2, 120_000);

  await page.reload();
  const puts = [];
  page.on('request', (r) => { if (r.method() === 'PUT') puts.push(r.url()); });
  const interrupted = page.locator('li.upload-row[data-state="interrupted"]', { hasText: 'big-master.mov' });
  await interrupted.waitFor();
  await screenshot(page, 'upload-interrupted');
  await cdp.send('Network.emulateNetworkConditions', {
    offline: false, latency: 0, downloadThroughput: -1, uploadThroughput: -1,
  });
  const [chooser] = await Promise.all([
    page.waitForEvent('filechooser'),
    interrupted.getByRole('button', { name: 'Choose file…' }).click(),
  ]);
  await chooser.setFiles(big);
  const row = page.locator('li.upload-row', { hasText: 'big-master.mov' }).first();
  await until('the resumed upload to finish', async () => {
    const state = await row.getAttribute('data-state');
    if (['error', 'rejected', 'cancelled'].includes(state)) {
      throw new Error(`upload ${state}: ${await row.locator('.message').textContent()}`);
    }
    return ['processing', 'ready', 'failed'].includes(state);
  }, 120_000);
  const held = Number(await row.getAttribute('data-resumed-parts'));
  assert.ok(held >= 2, `the server held ${held} parts at the reload`);
  assert.equal(puts.length, 5 - held, `only the missing parts are sent again: ${puts.length} PUTs`);
  const assetId = await row.getAttribute('data-asset-id');
  await until('promotion to verify the master', async () =>
    mm.sql(`select coalesce(sha256, '') from asset_versions where asset_id = '${assetId}'`) === sha, 60_000);
  assert.equal(mm.sql(`select size_bytes from assets where id = '${assetId}'`), String(40 * MiB));
  assert.deepEqual(b.errors, []);
});
