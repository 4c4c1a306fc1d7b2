// A guest in a fresh browser without any session opens a share link: gives the password and a
// name, plays, comments at a frame with a drawing and approves; the signed-in team member's
// asset page shows the guest's comment and decision without a reload; the watermark carries
// the guest's name and email over the picture. A shared image shows its still, and the guest
// draws on it and comments at no time.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Mm, browser, screenshot, signIn, until } from './harness.mjs';
import { makeNumberedClip, uploadThroughPage, playerReady, settled, cleanup } from './review-lib.mjs';

const RATE = 30000 / 1001;
let mm;
let team;
let work;
let assetId;
let teamPage;
let link;

before(async () => {
  work = fs.mkdtempSync(path.join(os.tmpdir(), 'mm-guest-'));
  mm = await Mm.start({ MM_PREVIEW_LADDER: '360', MM_X264_PRESET: 'ultrafast' });
  const ed = mm.createUser('ed@mm.test', 'editor', 'Ed Editor');
  team = await browser();
  const clip = path.join(work, 'numbers.mp4');
  makeNumberedClip(clip, '30000/1001');
  teamPage = await team.page();
  await signIn(teamPage, mm.url, ed, '/upload');
  assetId = await uploadThroughPage(teamPage, mm.url, clip);
  // The editor makes the link through the asset page's panel.
  await teamPage.goto(`${mm.url}/assets/${assetId}`);
  await teamPage.locator('[data-shares-panel]').waitFor({ state: 'visible', timeout: 10_000 });
  await teamPage.selectOption('#s-permissions', 'approve');
  await teamPage.fill('#s-password', 'client review 2026');
  await teamPage.check('[data-share-create] input[name=watermark]');
  await teamPage.click('[data-share-create] button[type=submit]');
  link = await until('the link', async () => teamPage.inputValue('[data-share-url-input]'), 10_000);
  assert.match(link, new RegExp(`^${mm.url}/r/[A-Za-z0-9_-]{43}$`));
});

after(async () => {
  await team?.close();
  await mm?.stop();
  cleanup(work);
});

async function drawRect(page, from, to) {
  await page.click('[data-draw-bar] [data-tool="rect"]');
  await page.locator('[data-player]').scrollIntoViewIfNeeded();
  const pic = await page.evaluate(() => {
    const v = document.querySelector('[data-player] video');
    const r = v.getBoundingClientRect();
    const s = Math.min(r.width / v.videoWidth, r.height / v.videoHeight);
    const w = v.videoWidth * s;
    const h = v.videoHeight * s;
    return { x: r.left + (r.width - w) / 2, y: r.top + (r.height - h) / 2, w, h };
  });
  await page.mouse.move(pic.x + pic.w * from[0], pic.y + pic.h * from[1]);
  await page.mouse.down();
  await page.mouse.move(pic.x + pic.w * to[0], pic.y + pic.h * to[1], { steps: 4 });
  await page.mouse.up();
}

test('a guest gives the password and a name, plays, comments with a drawing and approves; the team sees it live', async () => {
  // The team member's page is open and listening before the guest arrives.
  await teamPage.goto(`${mm.url}/assets/${assetId}`);
  await until('the team page to listen', () => teamPage.evaluate(() => document.documentElement.dataset.reviewLive === 'open'), 20_000);

  const g = await browser();
  try {
    const page = await g.page();
    assert.equal((await g.context.cookies()).length, 0, 'a fresh context: no session');
    await page.goto(link);
    await page.fill('#g-password', 'wrong password');
    await page.click('[data-unlock] button[type=submit]');
    await page.locator('[data-unlock-message]', { hasText: 'not the password' }).waitFor({ timeout: 10_000 });
    g.forget(/401/);
    await page.fill('#g-password', 'client review 2026');
    await Promise.all([page.waitForNavigation(), page.click('[data-unlock] button[type=submit]')]);
    // Watermarked: the name comes before the picture.
    assert.equal(await page.locator('[data-player]').isHidden(), true);
    await page.fill('#g-name', 'Cleo <Client>');
    await page.fill('#g-email', 'cleo@agency.test');
    await page.click('[data-identity] button[type=submit]');
    await playerReady(page);
    const marks = await page.locator('[data-watermark] span').allTextContents();
    assert.ok(marks.length > 4 && marks.every((t) => t === 'Cleo <Client> · cleo@agency.test'), JSON.stringify(marks.slice(0, 2)));
    assert.equal(await page.locator('[data-watermark] client').count(), 0, 'names are text, never markup');

    await page.evaluate(() => document.querySelector('[data-player] video').play());
    await until('playback', () => page.evaluate(() => document.querySelector('[data-player] video').currentTime > 0.3), 15_000);
    await page.evaluate((t) => { const v = document.querySelector('[data-player] video'); v.pause(); v.currentTime = t; }, 40.5 / RATE);
    assert.equal(await settled(page), 40);
    await page.click('[data-draw-toggle]');
    await drawRect(page, [0.3, 0.3], [0.6, 0.6]);
    await page.fill('#comment-body', 'Logo a touch smaller please');
    await page.click('[data-composer] button[type=submit]');
    const mine = page.locator('[data-comments] .comment', { hasText: 'Logo a touch smaller please' });
    await mine.waitFor({ timeout: 10_000 });
    assert.equal(await mine.locator('[data-guest]').count(), 1, 'shown as guest');
    await page.click('[data-decide="approved"]');
    await page.locator('[data-review-status][data-state="approved"]').waitFor({ timeout: 10_000 });
    await screenshot(page, 'guest-approved');

    // The team's page shows both without a reload.
    const theirs = teamPage.locator('[data-comments] .comment', { hasText: 'Logo a touch smaller please' });
    await theirs.waitFor({ timeout: 5_000 });
    assert.equal(await theirs.locator('[data-guest]').count(), 1);
    await teamPage.locator('[data-review-status][data-state="approved"]').waitFor({ timeout: 5_000 });
    // The team tells guests of one name apart by their email; guests never see anyone's.
    assert.match(await teamPage.locator('[data-decisions]').textContent(), /Cleo <Client> \(guest, cleo@agency\.test\)/);
    assert.doesNotMatch(await page.locator('[data-decisions]').textContent(), /@/);
    const list = await teamPage.evaluate(async (id) => (await fetch(`/api/assets/${id}/comments`)).json(), assetId);
    const c = list.comments.find((x) => x.body === 'Logo a touch smaller please');
    assert.equal(c.frame, 40);
    assert.equal(c.has_drawing, true);
    const one = await teamPage.evaluate(async (id) => (await fetch(`/api/comments/${id}`)).json(), c.id);
    assert.equal(one.drawing.shapes.length, 1);
    assert.equal(c.author.guest, true);
    // The panel lists what the guest did.
    await teamPage.reload();
    await teamPage.locator('[data-share-activity] li[data-action="decided"]').waitFor({ timeout: 10_000 });
    for (const action of ['opened', 'played', 'commented']) {
      assert.equal(await teamPage.locator(`[data-share-activity] li[data-action="${action}"]`).count() > 0, true, action);
    }
    await screenshot(teamPage, 'guest-team-view');
    assert.deepEqual(g.errors, []);
  } finally {
    await g.close();
  }
  assert.deepEqual(team.errors, []);
});

test('a guest sees a shared image and comments on it with a rectangle drawn over the still', async () => {
  const file = path.join(work, 'board.png');
  execFileSync('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-y', '-f', 'lavfi', '-i', 'testsrc2=size=800x600', '-frames:v', '1', '-update', '1', file]);
  const imageId = await uploadThroughPage(teamPage, mm.url, file);
  await teamPage.goto(`${mm.url}/assets/${imageId}`);
  const made = await teamPage.evaluate(async (id) => {
    const res = await fetch('/api/shares', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', 'X-CSRF-Token': document.querySelector('meta[name="csrf-token"]').content },
      body: JSON.stringify({ asset_ids: [id], permissions: 'comment' }),
    });
    return [res.status, await res.json()];
  }, imageId);
  assert.equal(made[0], 201, JSON.stringify(made[1]));

  const g = await browser();
  try {
    const page = await g.page();
    await page.goto(made[1].url);
    await until('the still', () => page.evaluate(() => document.querySelector('[data-still]')?.naturalWidth > 0), 30_000);
    assert.equal(await page.locator('[data-player] video').count(), 0, 'no player for an image');
    assert.equal(await page.textContent('[data-composer-at]'), 'this image');
    await page.click('[data-draw-toggle]');
    await page.click('[data-draw-bar] [data-tool="rect"]');
    await page.locator('[data-still-box]').scrollIntoViewIfNeeded();
    const pic = await page.evaluate(() => {
      const r = document.querySelector('[data-still]').getBoundingClientRect();
      const img = document.querySelector('[data-still]');
      const s = Math.min(r.width / img.naturalWidth, r.height / img.naturalHeight);
      const w = img.naturalWidth * s;
      const h = img.naturalHeight * s;
      return { x: r.left + (r.width - w) / 2, y: r.top + (r.height - h) / 2, w, h };
    });
    await page.mouse.move(pic.x + pic.w * 0.2, pic.y + pic.h * 0.3);
    await page.mouse.down();
    await page.mouse.move(pic.x + pic.w * 0.6, pic.y + pic.h * 0.7, { steps: 4 });
    await page.mouse.up();
    assert.equal(await page.getAttribute('canvas[data-drawing]', 'data-shapes'), '1', 'the rectangle is drawn');
    await page.fill('#comment-body', 'Move the logo up');
    // The name comes first; the comment then goes as written, with its drawing.
    await page.click('[data-composer] button[type=submit]');
    await page.locator('[data-identity]').waitFor({ state: 'visible', timeout: 5_000 });
    await page.fill('#g-name', 'Dana');
    await page.fill('#g-email', 'dana@agency.test');
    await page.click('[data-identity] button[type=submit]');
    await page.locator('[data-identity-shown]').waitFor({ state: 'visible', timeout: 5_000 });
    await page.click('[data-composer] button[type=submit]');
    await page.locator('[data-comments] .comment', { hasText: 'Move the logo up' }).waitFor({ timeout: 10_000 });
    await screenshot(page, 'guest-image');
    assert.deepEqual(g.errors, []);
  } finally {
    await g.close();
  }
  const list = await teamPage.evaluate(async (id) => (await fetch(`/api/assets/${id}/comments`)).json(), imageId);
  const c = list.comments.find((x) => x.body === 'Move the logo up');
  assert.ok(c, JSON.stringify(list.comments));
  assert.equal(c.frame, null);
  assert.equal(c.has_drawing, true);
  assert.equal(c.author.guest, true);
  assert.deepEqual(team.errors, []);
});
