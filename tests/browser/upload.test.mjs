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
  // A browser-safe H.264 master is also packaged as it is (`source`), listed beside the
  // ladder since its rate suits streaming.
  assert.equal(rungs, 3, 'a 360p H.264 source with a 240,360 ladder: two rungs and the source');
  const labels = await page.locator('[data-quality] option').allTextContents();
  assert.equal(labels.length, rungs + 1);
  assert.match(labels[0], /^Auto/);
  assert.deepEqual(labels.slice(1, 3).map((l) => l.split(' · ')[0]).sort(), ['360p', 'Source 360p']);
  assert.match(labels[3], /^240p/);
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

  // Editors change the details in place (PATCH with the session's CSRF header).
  await page.fill('#f-title', 'Test clip, graded');
  await page.fill('#f-tags', 'bench, test');
  await page.click('[data-edit] button[type=submit]');
  await until('the save', async () => (await page.textContent('[data-edit-message]')) === 'Saved.');
  assert.equal(await page.textContent('[data-asset-title]'), 'Test clip, graded');
  assert.equal(mm.sql(`select title || '|' || array_to_string(tags, ',') from assets where id = '${assetId}'`),
    'Test clip, graded|bench,test');
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

  // Random bytes named .mov are kept safe but cannot be previewed: the asset page says why
  // and offers Retry, which queues the preview again and follows it live.
  await until('processing to fail', async () => (await row.getAttribute('data-state')) === 'failed', 120_000, 500);
  await page.goto(`${mm.url}/assets/${assetId}`);
  const error = page.locator('[data-error]');
  await error.waitFor({ state: 'visible' });
  const reason = (await error.textContent()).trim();
  assert.ok(reason.length > 10, `a reason in words: ${reason}`);
  await screenshot(page, 'asset-failed');
  const jobsBefore = Number(mm.sql(`select count(*) from jobs where asset_id = '${assetId}' and kind = 'preview'`));
  await page.click('[data-retry]');
  await until('the retry to be queued', async () =>
    Number(mm.sql(`select count(*) from jobs where asset_id = '${assetId}' and kind = 'preview'`)) > jobsBefore);
  await until('the retried job to fail again, live', async () =>
    (await page.locator('span[data-status]').getAttribute('data-state')) === 'failed'
    && (await error.isVisible()), 120_000, 500);
  assert.deepEqual(b.errors, []);
});

test('an audio upload plays with its waveform', async () => {
  const tone = path.join(work, 'tone.m4a');
  execFileSync('ffmpeg', [
    '-hide_banner', '-loglevel', 'error', '-y',
    '-f', 'lavfi', '-i', 'sine=frequency=220:duration=4',
    '-af', 'volume=0.8', '-c:a', 'aac', tone,
  ]);
  const page = await b.page();
  await signIn(page, mm.url, admin, '/upload');
  await page.setInputFiles('[data-file-input]', tone);
  const row = page.locator('li.upload-row', { hasText: 'tone.m4a' });
  await until('the audio to be ready', async () => {
    const state = await row.getAttribute('data-state');
    if (state === 'failed' || state === 'error') throw new Error(`audio ${state}: ${await row.locator('.message').textContent()}`);
    return state === 'ready';
  }, 180_000, 500);
  const assetId = await row.getAttribute('data-asset-id');
  await page.goto(`${mm.url}/assets/${assetId}`);
  const canvas = page.locator('canvas[data-waveform]');
  await canvas.waitFor({ state: 'visible' });
  const drawn = await until('the waveform to be drawn', () => canvas.evaluate((c) => {
    const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
    let painted = 0;
    for (let i = 3; i < d.length; i += 4) if (d[i] > 0) painted++;
    return painted > c.width ? painted : 0;
  }));
  assert.ok(drawn > 0);
  await page.click('[data-play]');
  await until('audio playback to advance', () => page.evaluate(() => document.querySelector('video').currentTime > 0.5), 30_000);
  await screenshot(page, 'asset-audio');
  assert.deepEqual(b.errors, []);
});
