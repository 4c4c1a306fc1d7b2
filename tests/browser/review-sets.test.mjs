// Review sets in the library, as an editor uses them: select cards and add them to a new set,
// add another to it, move one up, filter the library by the set from the toolbar, make a share
// link for the set from its panel; a guest opening the link finds the set's assets in its order.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { Mm, browser, screenshot, signIn, until } from './harness.mjs';

// The seeded versions have no rendered preview: its files (poster, manifest, playlist) answer
// 404, and only those are forgiven.
const NO_PREVIEW = /\/previews\/[0-9a-f-]+\/[0-9a-f-]+\/(poster\.jpg|manifest\.json|index\.m3u8): console: Failed to load resource: .* 404/;
let mm;
let team;
let page;
const assets = {};

// An asset with one stored version, as ingest leaves it (no preview needed to list or share).
function seedAsset(title, minutesAgo) {
  const [a, v] = [randomUUID(), randomUUID()];
  mm.sql(`insert into assets (id, title, media_type, filename, size_bytes, status, version_count, created_at)
          values ('${a}', '${title}', 'video', 'spot.mov', 10, 'ready', 1, now() - interval '${minutesAgo} minutes')`);
  mm.sql(`insert into asset_versions (id, asset_id, number, filename, content_type, media_type, size_bytes,
          staging_key, master_key, status, stored_at, technical)
          values ('${v}', '${a}', 1, 'spot.mov', 'video/quicktime', 'video', 10, 'staging/${v}/spot.mov',
          'masters/${a}/${v}/spot.mov', 'ready', now(), '{"duration": 10.0}')`);
  mm.sql(`update assets set current_version_id = '${v}' where id = '${a}'`);
  assets[title] = a;
}

before(async () => {
  mm = await Mm.start();
  const ed = mm.createUser('ed@mm.test', 'editor', 'Ed Editor');
  seedAsset('Alpha', 4);
  seedAsset('Bravo', 3);
  seedAsset('Charlie', 2);
  seedAsset('Delta', 1);
  team = await browser();
  page = await team.page();
  await signIn(page, mm.url, ed, '/');
});

after(async () => {
  await team?.close();
  await mm?.stop();
});

const panelTitles = () => page.locator('[data-set-items] [data-set-item] a').allTextContents();
const cardIds = () => page.locator('[data-library] [data-asset-id]').evaluateAll((els) => els.map((e) => e.dataset.assetId));
const apiOrder = (id) => page.evaluate(async (u) => (await (await fetch(u)).json()).asset_ids, `/api/review-sets/${id}`);

async function select(...titles) {
  for (const t of titles) await page.check(`[data-asset-id="${assets[t]}"] [data-select]`);
}

test('an editor makes a set from the library, orders it, filters by it and shares it; the guest sees its order', async () => {
  await page.goto(`${mm.url}/`);
  assert.equal(await page.locator('[data-set-add-button]').isDisabled(), true, 'nothing selected yet');
  // Newest first on the page: Charlie, then Bravo.
  await select('Bravo', 'Charlie');
  assert.equal(await page.textContent('[data-selected-count]'), '2 selected');
  await page.fill('#set-new-name', 'Client spots');
  await Promise.all([page.waitForURL(/\/\?set=/), page.click('[data-set-add-button]')]);
  const setId = new URL(page.url()).searchParams.get('set');
  assert.deepEqual(await panelTitles(), ['Charlie', 'Bravo']);
  assert.deepEqual(await cardIds(), [assets.Charlie, assets.Bravo], 'only the set, in its order');
  assert.equal(await page.inputValue('#set'), setId, 'the filter shows the set');

  // Another one, added to the set that exists: it goes last.
  await page.goto(`${mm.url}/`);
  await select('Alpha');
  await page.selectOption('#set-target', setId);
  assert.equal(await page.locator('[data-new-set]').isHidden(), true, 'no name for an existing set');
  await Promise.all([page.waitForURL(/\/\?set=/), page.click('[data-set-add-button]')]);
  assert.deepEqual(await panelTitles(), ['Charlie', 'Bravo', 'Alpha']);

  // Alpha moves up one: the server keeps it, the cards follow.
  await page.click(`[data-set-item="${assets.Alpha}"] [data-move="up"]`);
  await page.locator('[data-set-message]', { hasText: 'Order saved' }).waitFor({ timeout: 10_000 });
  assert.deepEqual(await panelTitles(), ['Charlie', 'Alpha', 'Bravo']);
  assert.deepEqual(await apiOrder(setId), [assets.Charlie, assets.Alpha, assets.Bravo]);
  assert.deepEqual(await cardIds(), [assets.Charlie, assets.Alpha, assets.Bravo]);
  await page.fill('#set-rename-name', 'Client spots <v2>');
  await page.click('[data-set-rename] button[type=submit]');
  await page.locator('[data-set-name]', { hasText: 'Client spots <v2>' }).waitFor({ timeout: 10_000 });

  // The toolbar's filter, from the whole library.
  await page.goto(`${mm.url}/`);
  assert.equal((await cardIds()).length, 4);
  await page.selectOption('#set', setId);
  await Promise.all([page.waitForURL(/set=/), page.click('form.toolbar button[type=submit]')]);
  assert.deepEqual(await cardIds(), [assets.Charlie, assets.Alpha, assets.Bravo], 'after a reload too');
  assert.equal(await page.locator(`[data-asset-id="${assets.Delta}"]`).count(), 0);
  assert.equal(await page.textContent('[data-set-name]'), 'Client spots <v2>');

  // A share link for the whole set, from the set's panel.
  await page.click('[data-set-share] summary');
  await page.selectOption('#s-permissions', 'comment');
  await page.click('[data-share-create] button[type=submit]');
  const link = await until('the link', async () => page.inputValue('[data-share-url-input]'), 10_000);
  assert.match(link, new RegExp(`^${mm.url}/r/[A-Za-z0-9_-]{43}$`));
  await screenshot(page, 'review-set-library');
  assert.equal(mm.sql(`select title from shares where set_id = '${setId}'`), 'Client spots <v2>');

  const g = await browser();
  try {
    const guest = await g.page();
    await guest.goto(link);
    assert.deepEqual(await guest.locator('.guest-items a').allTextContents(), ['Charlie', 'Alpha', 'Bravo']);
    assert.equal(await guest.textContent('[data-asset-title]').then((t) => t.trim().startsWith('Charlie')), true);
    assert.equal(await guest.locator(`text=Delta`).count(), 0);
    await screenshot(guest, 'review-set-guest');
    g.forget(NO_PREVIEW);
    assert.deepEqual(g.errors, []);
  } finally {
    await g.close();
  }
  team.forget(NO_PREVIEW);
  assert.deepEqual(team.errors, []);
});
