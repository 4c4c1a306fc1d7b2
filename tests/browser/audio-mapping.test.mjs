// The asset page's "Preview audio from" form on a studio master with four mono tracks (track i
// a sine at 200·i Hz): choosing tracks 3 and 4 re-renders the preview's audio, the page then
// shows the new mapping, and ffmpeg finds tracks 3 and 4 on the left and right of the
// re-rendered preview it fetched through the page's own signed URL.
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
let page;
let work;

const TRACKS = 4;
const tone = (i) => 200 * i;

before(async () => {
  work = fs.mkdtempSync(path.join(os.tmpdir(), 'mm-audio-mapping-'));
  mm = await Mm.start({ MM_PREVIEW_LADDER: '360', MM_X264_PRESET: 'ultrafast' });
  const editor = mm.createUser('eve@mm.test', 'editor', 'Eve Editor');
  b = await browser();
  page = await b.page();
  await signIn(page, mm.url, editor, '/upload');
});

after(async () => {
  await b?.close();
  await mm?.stop();
  cleanup(work);
});

/** A 1 s ProRes master with TRACKS mono PCM tracks, track i at tone(i). */
function multitrackMaster(file) {
  const args = ['-hide_banner', '-loglevel', 'error', '-y', '-f', 'lavfi', '-i', 'testsrc2=s=64x36:r=25:d=2'];
  for (let i = 1; i <= TRACKS; i++) {
    args.push('-f', 'lavfi', '-i', `sine=frequency=${tone(i)}:sample_rate=48000:duration=2`);
  }
  args.push('-map', '0:v');
  for (let i = 1; i <= TRACKS; i++) args.push('-map', `${i}:a`);
  args.push('-c:v', 'prores_ks', '-profile:v', '3', '-pix_fmt', 'yuv422p10le', '-c:a', 'pcm_s24le', file);
  execFileSync('ffmpeg', args);
}

/** The left and right tones (Hz, from zero crossings over the middle second) of `file`. */
function channelTones(file) {
  const raw = execFileSync('ffmpeg', [
    '-hide_banner', '-nostdin', '-v', 'error', '-i', file, '-map', '0:a:0',
    '-ss', '0.5', '-t', '1', '-f', 's16le', '-c:a', 'pcm_s16le', '-ar', '48000', '-ac', '2', '-',
  ], { maxBuffer: 16 << 20 });
  const samples = new Int16Array(raw.buffer, raw.byteOffset, raw.length >> 1);
  const toneOf = (ch) => {
    let crossings = 0;
    let frames = 0;
    for (let i = ch + 2; i < samples.length; i += 2, frames++) {
      if ((samples[i - 2] < 0) !== (samples[i] < 0)) crossings++;
    }
    return crossings / 2 / (frames / 48000);
  };
  return [toneOf(0), toneOf(1)];
}

const near = (hz, want) => Math.abs(hz - want) < want * 0.05;

/** The published preview's manifest and its first rendition, downloaded through the URL the
 * page signs for its player. */
async function publishedPreview(name) {
  const signed = await page.evaluate(async () => {
    const root = document.getElementById('asset');
    const token = document.querySelector('meta[name="csrf-token"]')?.getAttribute('content') || '';
    const res = await fetch('/api/sign-preview', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', 'X-CSRF-Token': token },
      body: JSON.stringify({ asset_id: root.dataset.assetId }),
    });
    return { status: res.status, body: await res.json() };
  });
  assert.equal(signed.status, 200, JSON.stringify(signed.body));
  const url = signed.body.url;
  const base = /\.m3u8(\?|$)/.test(url) ? url.slice(0, url.lastIndexOf('/') + 1) : url.replace(/\/?$/, '/');
  const manifest = await (await fetch(new URL('manifest.json', base))).json();
  const rung = await fetch(new URL(manifest.renditions[0].mp4, base));
  assert.equal(rung.status, 200, `rendition ${manifest.renditions[0].mp4}`);
  const file = path.join(work, name);
  fs.writeFileSync(file, Buffer.from(await rung.arrayBuffer()));
  return { manifest, file };
}

/** The "Preview audio" row of the page's technical list. */
function previewAudioRow() {
  return page.evaluate(() => {
    const dt = [...document.querySelectorAll('dl.meta dt')].find((d) => d.textContent === 'Preview audio');
    return dt?.nextElementSibling?.textContent ?? null;
  });
}

test('choosing other tracks on the asset page re-renders the preview audio from them', async () => {
  const master = path.join(work, 'multitrack.mov');
  multitrackMaster(master);
  const assetId = await uploadThroughPage(page, mm.url, master);
  await page.goto(`${mm.url}/assets/${assetId}`);

  // The default for several mono tracks: tracks 1 and 2 as left and right.
  assert.equal(await previewAudioRow(), 'Tracks 1 (left) and 2 (right)');
  assert.equal(await page.inputValue('#f-audio-mapping'), 'pair:1,2');
  const before = await publishedPreview('before.mp4');
  assert.equal(before.manifest.audio_mapping, 'pair:1,2');
  const [l0, r0] = channelTones(before.file);
  assert.ok(near(l0, tone(1)) && near(r0, tone(2)), `before: left ${l0} Hz, right ${r0} Hz`);

  await page.selectOption('#f-audio-mapping', 'pair:3,4');
  await page.click('[data-audio-mapping] button[type=submit]');
  const msg = page.locator('[data-audio-mapping-message]');
  await until('the re-rendered audio', async () => {
    if (await msg.evaluate((m) => m.classList.contains('error'))) {
      throw new Error(`the re-render failed: ${await msg.textContent()}`);
    }
    return /now plays Tracks 3 \(left\) and 4 \(right\)/.test(await msg.textContent());
  }, 120_000, 500);
  await screenshot(page, 'audio-mapping-changed');

  // After a reload the page shows the stored mapping, and the preview plays it.
  await page.reload();
  assert.equal(await previewAudioRow(), 'Tracks 3 (left) and 4 (right)');
  assert.equal(await page.inputValue('#f-audio-mapping'), 'pair:3,4');
  const after = await publishedPreview('after.mp4');
  assert.equal(after.manifest.audio_mapping, 'pair:3,4');
  const [l1, r1] = channelTones(after.file);
  assert.ok(near(l1, tone(3)) && near(r1, tone(4)), `after: left ${l1} Hz, right ${r1} Hz`);
});
