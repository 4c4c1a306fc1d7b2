// Signing in through the page, coming back to the page asked for after a session ends, and the
// admin pages, with screenshots of each.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Mm, browser, screenshot, signIn } from './harness.mjs';

let mm;
let b;
let admin;

before(async () => {
  mm = await Mm.start();
  admin = mm.createUser('ada@mm.test', 'admin', 'Ada Admin');
  mm.createUser('ed@mm.test', 'editor', 'Ed Editor');
  b = await browser();
});

after(async () => {
  await b?.close();
  await mm?.stop();
});

test('sign in, lose the session, sign in again and land where you were', async () => {
  const page = await b.page();
  const first = await page.goto(`${mm.url}/upload`);
  assert.equal(new URL(page.url()).pathname, '/login', 'a visitor is asked to sign in');
  assert.equal(first.status(), 200);
  await screenshot(page, 'login');
  await page.fill('#email', admin.email);
  await page.fill('#password', admin.password);
  await Promise.all([page.waitForNavigation(), page.click('button[type=submit]')]);
  assert.equal(new URL(page.url()).pathname, '/upload');
  assert.match(await page.textContent('.account .who'), /Ada Admin/);

  // The session ends server-side (expiry, logout elsewhere): the next page asks again.
  mm.sql('delete from sessions');
  await page.goto(`${mm.url}/admin/users`);
  assert.equal(new URL(page.url()).pathname, '/login');
  assert.equal(new URL(page.url()).searchParams.get('next'), '/admin/users');
  await page.fill('#email', admin.email);
  await page.fill('#password', admin.password);
  await Promise.all([page.waitForNavigation(), page.click('button[type=submit]')]);
  assert.equal(new URL(page.url()).pathname, '/admin/users');
  assert.deepEqual(b.errors, []);
});

test('admin pages: change a role from the people page; read the audit log', async () => {
  const page = await b.page();
  await signIn(page, mm.url, admin, '/admin/users');
  await screenshot(page, 'admin-users');
  const row = page.locator('tr', { hasText: 'ed@mm.test' });
  await row.locator('select[name=role]').selectOption('manager');
  await Promise.all([page.waitForNavigation(), row.getByRole('button', { name: 'Change' }).click()]);
  assert.match(await page.textContent('.flash'), /The change was saved/);
  assert.equal(new URL(page.url()).searchParams.get('notice'), null, 'the notice leaves the address bar');
  assert.equal(await page.locator('tr', { hasText: 'ed@mm.test' }).locator('select[name=role]').inputValue(), 'manager');
  assert.equal(mm.sql("select role from users where email = 'ed@mm.test'"), 'manager');

  await page.click('nav.subnav >> text=Audit log');
  assert.equal(new URL(page.url()).pathname, '/admin/audit');
  assert.ok(await page.locator('code', { hasText: 'user.role' }).count() >= 1);
  await screenshot(page, 'admin-audit');
  await page.click('nav.subnav >> text=API tokens');
  await screenshot(page, 'admin-tokens');

  // Signing out says so once, on the login page.
  await Promise.all([page.waitForNavigation(), page.click('.account button[type=submit]')]);
  assert.equal(new URL(page.url()).pathname, '/login');
  assert.match(await page.textContent('.flash'), /You are signed out/);
  await page.reload();
  assert.equal(await page.locator('.flash').count(), 0, 'a notice shows once');
  assert.deepEqual(b.errors, []);
});

test('the token form\'s Name field is styled like its Expires field', async () => {
  const page = await b.page();
  await signIn(page, mm.url, admin, '/account/tokens');
  assert.equal(new URL(page.url()).pathname, '/account/tokens');
  const style = (selector) => page.$eval(selector, (el) => {
    const s = getComputedStyle(el);
    return {
      border: `${s.borderTopWidth} ${s.borderTopStyle} ${s.borderTopColor}`,
      radius: s.borderTopLeftRadius,
      padding: `${s.paddingTop} ${s.paddingLeft}`,
    };
  });
  const ttl = await style('#ttl');
  assert.notEqual(ttl.padding, '0px 0px', 'the field rule applies at all');
  assert.deepEqual(await style('#name'), ttl);
  assert.deepEqual(b.errors, []);
});
