// The API reference at /api/docs: the vendored Swagger UI renders mm's own document under the
// page CSP (no inline code: a CSP violation is a console error, which fails the test).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Mm, browser, screenshot, signIn } from './harness.mjs';

let mm;
let b;
let admin;

before(async () => {
  mm = await Mm.start();
  admin = mm.createUser('ada@mm.test', 'admin', 'Ada Admin');
  b = await browser();
});

after(async () => {
  await b?.close();
  await mm?.stop();
});

test('the reference renders every tag of the document, with the strict CSP', async () => {
  const page = await b.page();
  // Signed in, the reference tries requests with the session (and its CSRF token).
  await signIn(page, mm.url, admin, '/upload');
  const resp = await page.goto(`${mm.url}/api/docs`);
  assert.equal(resp.status(), 200);
  const csp = resp.headers()['content-security-policy'];
  assert.match(csp, /script-src 'self';/);
  assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval/);
  await page.waitForSelector('.swagger-ui .info .title', { timeout: 30000 });
  assert.match(await page.textContent('.swagger-ui .info .title'), /mm/);
  const doc = await (await fetch(`${mm.url}/api/openapi.json`)).json();
  const tags = new Set(Object.values(doc.paths).flatMap((item) => Object.values(item).flatMap((op) => op.tags || [])));
  for (const tag of tags) {
    assert.ok(await page.locator(`.opblock-tag[data-tag="${tag}"]`).count(), `tag ${tag} is shown`);
  }
  // Tags open as a list by default: each operation's path is shown.
  await page.waitForSelector('.opblock-summary-path[data-path="/api/health"]');
  await screenshot(page, 'api-docs');
  b.forget(/favicon\.ico/); // the browser's own guess, before it reads the page's icon
  assert.deepEqual(b.errors, []);
});
