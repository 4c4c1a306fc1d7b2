// Layout pages in a real browser: they load under the strict CSP without a console error, the
// 404 page is friendly, and the upload page's SHA-256 worker matches known vectors.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { Mm, browser, screenshot } from './harness.mjs';

let mm;
let b;

before(async () => {
  mm = await Mm.start();
  b = await browser();
});

after(async () => {
  await b?.close();
  await mm?.stop();
});

test('a page and the 404 page render under the CSP without console errors', async () => {
  const page = await b.page();
  const violations = [];
  await page.exposeFunction('mmCspViolation', (v) => violations.push(v));
  await page.addInitScript(() => {
    document.addEventListener('securitypolicyviolation', (e) => window.mmCspViolation(`${e.violatedDirective} ${e.blockedURI}`));
  });
  const res = await page.goto(`${mm.url}/`);
  assert.ok(res.status() < 400, `home answered ${res.status()}`);
  assert.match(res.headers()['content-security-policy'], /script-src 'self'/);
  await page.keyboard.press('Tab');
  const focused = await page.evaluate(() => document.activeElement?.textContent?.trim());
  assert.equal(focused, 'Skip to content', 'the first Tab reaches the skip link');

  const missing = await page.goto(`${mm.url}/no/such/page`);
  assert.equal(missing.status(), 404);
  assert.match(await page.textContent('h1'), /Page not found/);
  await screenshot(page, 'not-found');
  b.forget(/\/no\/such\/page: console: Failed to load resource: .* 404/);
  assert.deepEqual(violations, []);
  assert.deepEqual(b.errors, []);
});

test('the SHA-256 worker matches known vectors, across chunk boundaries', async () => {
  const page = await b.page();
  await page.goto(`${mm.url}/`);
  // Deterministic bytes both sides can make: xorshift32.
  const make = (n, seed) => {
    const out = new Uint8Array(n);
    let x = seed >>> 0;
    for (let i = 0; i < n; i++) {
      x ^= x << 13; x >>>= 0; x ^= x >>> 17; x ^= x << 5; x >>>= 0;
      out[i] = x & 0xff;
    }
    return out;
  };
  const cases = [
    { kind: 'text', text: '', chunk: 64 },
    { kind: 'text', text: 'abc', chunk: 64 },
    { kind: 'text', text: 'abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq', chunk: 7 },
    { kind: 'repeat', text: 'a', count: 1_000_000, chunk: 65_537 },
    { kind: 'random', n: 5 * 1024 * 1024 + 13, seed: 12345, chunk: 1024 * 1024 + 1 },
  ];
  const expected = [
    'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
    'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad',
    '248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1',
    'cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0',
    createHash('sha256').update(make(cases[4].n, cases[4].seed)).digest('hex'),
  ];
  // The page's CSP forbids eval, so the generator is written out again inside the page.
  const got = await page.evaluate(async ({ cases }) => {
    const make = (n, seed) => {
      const out = new Uint8Array(n);
      let x = seed >>> 0;
      for (let i = 0; i < n; i++) {
        x ^= x << 13; x >>>= 0; x ^= x >>> 17; x ^= x << 5; x >>>= 0;
        out[i] = x & 0xff;
      }
      return out;
    };
    const hash = (blob, chunkSize) => new Promise((resolve, reject) => {
      const w = new Worker('/static/js/sha256-worker.js');
      w.onmessage = (ev) => {
        if (ev.data.type === 'done') { w.terminate(); resolve(ev.data.hex); }
        if (ev.data.type === 'error') { w.terminate(); reject(new Error(ev.data.message)); }
      };
      w.postMessage({ file: blob, chunkSize });
    });
    const out = [];
    for (const c of cases) {
      let blob;
      if (c.kind === 'text') blob = new Blob([c.text]);
      if (c.kind === 'repeat') blob = new Blob([c.text.repeat(c.count)]);
      if (c.kind === 'random') blob = new Blob([make(c.n, c.seed)]);
      out.push(await hash(blob, c.chunk));
    }
    return out;
  }, { cases });
  assert.deepEqual(got, expected);
  assert.deepEqual(b.errors, []);
});

/** The box style of a form control: what makes a field look like its neighbours. */
const boxStyle = (page, selector) => page.$eval(selector, (el) => {
  const s = getComputedStyle(el);
  return {
    border: `${s.borderTopWidth} ${s.borderTopStyle} ${s.borderTopColor}`,
    radius: s.borderTopLeftRadius,
    padding: `${s.paddingTop} ${s.paddingLeft}`,
    font: `${s.fontSize} ${s.fontFamily}`,
  };
});

test('the /setup Name field is styled like the Email and Password fields', async () => {
  const page = await b.page();
  const res = await page.goto(`${mm.url}/setup`);
  assert.equal(res.status(), 200, 'no account exists, so setup is open');
  const email = await boxStyle(page, '#email');
  assert.notEqual(email.padding, '0px 0px', 'the field rule applies at all');
  assert.deepEqual(await boxStyle(page, '#display_name'), email);
  assert.deepEqual(await boxStyle(page, '#password'), email);
  assert.deepEqual(b.errors, []);
});
