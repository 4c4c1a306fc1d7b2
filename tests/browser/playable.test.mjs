// Playing before the ladder is done: a ProRes master read at real time (MM_PREVIEW_READ_RATE=1)
// is published segment by segment; the library says it plays, the asset page plays it with
// hls.js from its EVENT playlists and says "Still processing", and the same player plays on
// through the switch to the final VOD playlists.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Mm, browser, screenshot, signIn, until } from './harness.mjs';

let mm;
let b;
let admin;
let work;

before(async () => {
  work = fs.mkdtempSync(path.join(os.tmpdir(), 'mm-browser-playable-'));
  mm = await Mm.start({
    MM_PREVIEW_LADDER: '240,360',
    MM_X264_PRESET: 'ultrafast',
    MM_HLS_SEGMENT_SECONDS: '2',
    MM_PREVIEW_READ_RATE: '1',
  });
  admin = mm.createUser('ada@mm.test', 'admin', 'Ada Admin');
  b = await browser();
});

after(async () => {
  await b?.close();
  await mm?.stop();
  if (work) fs.rmSync(work, { recursive: true, force: true });
});

test('a ProRes master plays on the asset page while it is still being encoded', async () => {
  const master = path.join(work, 'grade.mov');
  execFileSync('ffmpeg', [
    '-hide_banner', '-loglevel', 'error', '-y',
    '-f', 'lavfi', '-i', 'testsrc2=duration=16:size=640x360:rate=25',
    '-f', 'lavfi', '-i', 'sine=frequency=440:duration=16',
    '-c:v', 'prores_ks', '-profile:v', '0', '-c:a', 'pcm_s16le', master,
  ]);
  const page = await b.page();
  await signIn(page, mm.url, admin, '/upload');
  await page.setInputFiles('[data-file-input]', master);
  const row = page.locator('li.upload-row', { hasText: 'grade.mov' });
  await until('the upload to finish', async () => {
    const state = await row.getAttribute('data-state');
    if (['error', 'rejected', 'cancelled', 'failed'].includes(state)) throw new Error(`upload ${state}`);
    return Boolean(await row.getAttribute('data-asset-id'));
  }, 60_000);
  const assetId = await row.getAttribute('data-asset-id');
  const playable = () => mm.sql(`select playable_at is not null from asset_versions v join assets a on a.current_version_id = v.id where a.id = '${assetId}'`);
  const jobState = () => mm.sql(`select state from jobs where kind = 'preview' and asset_id = '${assetId}' order by created_at desc limit 1`);
  await until('the preview to play early', () => playable() === 't', 60_000, 100);

  // The library card says it plays while still processing.
  await page.goto(`${mm.url}/`);
  const card = page.locator(`[data-asset-id="${assetId}"]`);
  await card.waitFor();
  assert.match(await card.textContent(), /Still processing \(\d+%\)/);

  // The asset page plays it from the growing playlists, from the start.
  await page.goto(`${mm.url}/assets/${assetId}`);
  const note = page.locator('[data-still-processing]');
  await note.waitFor({ state: 'visible' });
  assert.match(await note.textContent(), /^Still processing \(\d+%\)$/);
  await page.click('[data-play]');
  await until('playback to advance', () => page.evaluate(() => document.querySelector('video').currentTime > 1.0), 30_000, 100);
  assert.equal(jobState(), 'running', 'it played while the job was still running');
  await screenshot(page, 'asset-still-processing');

  // The same player plays on through the end of the job and past the point it first had.
  await until('the job to end', () => jobState() === 'succeeded', 180_000, 500);
  await until('playback to pass 12 s', () => page.evaluate(() => document.querySelector('video').currentTime > 12), 60_000, 200);
  await until('the note to go', async () => !(await note.isVisible()), 30_000);
  assert.deepEqual(b.errors, []);
});
