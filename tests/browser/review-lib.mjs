// Shared pieces of the review browser tests: clips that burn the frame number into the
// picture, their reference frames from ffmpeg, uploading through the page, and naming the
// frame a page shows by comparing a canvas capture with the references.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { until } from './harness.mjs';

export const REF_W = 64;
export const REF_H = 48;

/** A 4:3 clip (so the 16:9 player letterboxes it) with `%{n}` in large digits. */
export function makeNumberedClip(file, rate, seconds = 4) {
  execFileSync('ffmpeg', [
    '-hide_banner', '-loglevel', 'error', '-y',
    '-f', 'lavfi', '-i', `color=c=0x404040:size=480x360:rate=${rate}:duration=${seconds}`,
    '-vf', "drawtext=text='%{n}':fontsize=220:fontcolor=white:x=(w-tw)/2:y=(h-th)/2",
    '-c:v', 'libx264', '-preset', 'ultrafast', '-pix_fmt', 'yuv420p', '-g', '12', file,
  ]);
}

/** Every frame of `file` as REF_W×REF_H grey pixels, in frame order (ffmpeg is the judge). */
export function referenceFrames(file) {
  const raw = execFileSync('ffmpeg', [
    '-hide_banner', '-loglevel', 'error', '-i', file,
    '-vf', `scale=${REF_W}:${REF_H},format=gray`, '-f', 'rawvideo', '-',
  ], { maxBuffer: 64 << 20 });
  const size = REF_W * REF_H;
  const frames = [];
  for (let i = 0; i + size <= raw.length; i += size) frames.push(raw.subarray(i, i + size));
  return frames;
}

/** The video frame on screen, captured to a canvas at the reference size, as grey pixels. */
export async function capture(page, selector = '[data-player] video') {
  return page.evaluate(({ sel, w, h }) => {
    const v = document.querySelector(sel);
    const c = document.createElement('canvas');
    c.width = w;
    c.height = h;
    const ctx = c.getContext('2d', { willReadFrequently: true });
    ctx.drawImage(v, 0, 0, w, h);
    const px = ctx.getImageData(0, 0, w, h).data;
    const grey = [];
    for (let i = 0; i < px.length; i += 4) grey.push(Math.round(0.299 * px[i] + 0.587 * px[i + 1] + 0.114 * px[i + 2]));
    return grey;
  }, { sel: selector, w: REF_W, h: REF_H });
}

/** The index of the reference frame closest (mean absolute difference) to the capture. */
export function closestFrame(refs, grey) {
  let best = -1;
  let bestScore = Infinity;
  refs.forEach((ref, i) => {
    let sum = 0;
    for (let j = 0; j < ref.length; j++) sum += Math.abs(ref[j] - grey[j]);
    const score = sum / ref.length;
    if (score < bestScore) { bestScore = score; best = i; }
  });
  return { frame: best, score: bestScore };
}

/** Uploads `file` through the upload page (as a new version of `assetId` when given). */
export async function uploadThroughPage(page, baseUrl, file, assetId) {
  await page.goto(`${baseUrl}/upload${assetId ? `?asset=${assetId}` : ''}`);
  await page.setInputFiles('[data-file-input]', file);
  const row = page.locator('li.upload-row', { hasText: path.basename(file) });
  await until('the upload and its processing', async () => {
    const state = await row.getAttribute('data-state');
    if (['error', 'rejected', 'cancelled', 'failed'].includes(state)) {
      throw new Error(`upload ${state}: ${await row.locator('.message').textContent()}`);
    }
    return state === 'ready';
  }, 240_000, 500);
  return row.getAttribute('data-asset-id');
}

/** Waits for the asset page's player to show its first frame (requestVideoFrameCallback). */
export async function playerReady(page) {
  await until('the first frame', () => page.evaluate(() => {
    const box = document.querySelector('[data-player]');
    const v = box && box.querySelector('video');
    return !!(v && v.readyState >= 2 && box.dataset.frame != null);
  }), 60_000);
}

/** Waits until the player has settled on a frame: not seeking, the callback's frame stable. */
export async function settled(page) {
  let last = null;
  await until('the frame to settle', async () => {
    const now = await page.evaluate(() => {
      const box = document.querySelector('[data-player]');
      const v = box.querySelector('video');
      return v.seeking ? null : box.dataset.frame;
    });
    const same = now != null && now === last;
    last = now;
    return same;
  }, 20_000, 150);
  return Number(last);
}

export function cleanup(dir) {
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
}
