// Browser test harness: starts the debug `mm serve --role=all` that cargo built, on a fresh
// database, its own Redis prefix and a temp data dir; drives Debian's Chromium with
// playwright-core (never a downloaded browser); collects console errors; saves screenshots.
import { spawn, execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { chromium } from 'playwright-core';

export const ROOT = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..', '..');
export const ARTIFACTS = path.join(ROOT, 'test-artifacts');
const ADMIN_URL = process.env.TEST_DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/postgres';
const REDIS_URL = process.env.TEST_REDIS_URL || 'redis://127.0.0.1:6379';

export function mmBinary() {
  // MM_BROWSER_BIN: a copy of the binary to test, when the target dir is shared and rebuilt.
  if (process.env.MM_BROWSER_BIN) return process.env.MM_BROWSER_BIN;
  const target = process.env.CARGO_TARGET_DIR || path.join(ROOT, 'target');
  const bin = path.join(path.resolve(ROOT, target), 'debug', 'mm');
  if (!fs.existsSync(bin)) {
    throw new Error(`${bin} is missing: build it first (cargo build, or cargo nextest run)`);
  }
  return bin;
}

function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

function withDb(url, db) {
  const u = new URL(url);
  u.pathname = '/' + db;
  return u.toString();
}

function psql(sql) {
  execFileSync('psql', ['-X', '-q', '-v', 'ON_ERROR_STOP=1', ADMIN_URL, '-c', sql], { stdio: 'pipe' });
}

function key() {
  return randomBytes(32).toString('base64');
}

/** A running mm with its own database, Redis prefix and data dir. */
export class Mm {
  static async start(extraEnv = {}) {
    const mm = new Mm();
    try {
      await mm.#start(extraEnv);
    } catch (e) {
      // Whatever was made before the failure (database, process, data dir) goes away.
      await mm.stop();
      throw e;
    }
    return mm;
  }

  async #start(extraEnv) {
    const id = randomBytes(6).toString('hex');
    this.dbName = `mm_browser_${id}`;
    this.prefix = `mmbrowser:${id}:`;
    this.dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'mm-browser-data-'));
    this.port = await freePort();
    this.url = `http://127.0.0.1:${this.port}`;
    psql(`create database ${this.dbName}`);
    this.env = {
      PATH: process.env.PATH,
      HOME: process.env.HOME || os.tmpdir(),
      DATABASE_URL: withDb(ADMIN_URL, this.dbName),
      REDIS_URL,
      MM_REDIS_PREFIX: this.prefix,
      MM_DATA_DIR: this.dataDir,
      PORT: String(this.port),
      MM_BIND: '127.0.0.1',
      MM_PUBLIC_URL: this.url,
      MM_EDGE_KEYS: `b1:${key()}`,
      MM_SECRET_KEY: key(),
      MM_LOG_FORMAT: 'json',
      MM_STATIC_DIR: path.join(ROOT, 'static'),
      MM_VENDOR_DIR: path.join(ROOT, 'node_modules'),
      MM_WORKER_HEALTH_PORT: String(this.port),
      MM_SHUTDOWN_TIMEOUT: '5',
      RUST_LOG: 'info,actix_server=warn',
      ...extraEnv,
    };
    this.run(['migrate']);
    fs.mkdirSync(ARTIFACTS, { recursive: true });
    this.logPath = path.join(ARTIFACTS, `mm-${id}.log`);
    const log = fs.openSync(this.logPath, 'w');
    this.child = spawn(mmBinary(), ['serve', '--role=all'], {
      env: this.env,
      cwd: ROOT,
      stdio: ['ignore', log, log],
    });
    this.exited = new Promise((resolve) => this.child.on('exit', resolve));
    const deadline = Date.now() + 30_000;
    for (;;) {
      if (this.child.exitCode !== null) throw new Error(`mm exited at start; see ${this.logPath}`);
      try {
        const r = await fetch(`${this.url}/api/health`);
        if (r.status === 200) break;
      } catch { /* not listening yet */ }
      if (Date.now() > deadline) throw new Error(`mm did not answer /api/health; see ${this.logPath}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  /** Runs an `mm` subcommand with this instance's environment; returns stdout. */
  run(args, env = {}, input) {
    return execFileSync(mmBinary(), args, {
      env: { ...this.env, ...env },
      cwd: ROOT,
      input,
      stdio: ['pipe', 'pipe', 'pipe'],
    }).toString();
  }

  /** One SQL statement against this instance's database; rows as tab-separated text. */
  sql(statement) {
    return execFileSync('psql', ['-X', '-q', '-A', '-t', '-F', '\t', '-v', 'ON_ERROR_STOP=1', this.env.DATABASE_URL, '-c', statement])
      .toString()
      .trim();
  }

  /** Creates an account with `mm user create` (the operator's way); returns its credentials. */
  createUser(email, role, name) {
    const password = `pw-${randomBytes(9).toString('hex')}`;
    const args = ['user', 'create', '--email', email, '--role', role];
    if (name) args.push('--name', name);
    this.run(args, { MM_PASSWORD: password });
    return { email, password };
  }

  async stop() {
    if (this.child && this.child.exitCode === null) {
      this.child.kill('SIGTERM');
      const timer = setTimeout(() => this.child.kill('SIGKILL'), 10_000);
      await this.exited;
      clearTimeout(timer);
    }
    if (this.dbName) {
      try { psql(`drop database if exists ${this.dbName} with (force)`); } catch { /* best effort */ }
    }
    try {
      const host = new URL(REDIS_URL);
      const args = ['-h', host.hostname, '-p', host.port || '6379'];
      const keys = execFileSync('redis-cli', [...args, '--scan', '--pattern', `${this.prefix}*`]).toString().split('\n').filter(Boolean);
      for (let i = 0; i < keys.length; i += 500) execFileSync('redis-cli', [...args, 'del', ...keys.slice(i, i + 500)]);
    } catch { /* best effort */ }
    if (this.dataDir) fs.rmSync(this.dataDir, { recursive: true, force: true });
  }
}

/** Debian's Chromium with a fresh profile; console errors and page errors are collected. */
export async function browser() {
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'mm-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: '/usr/bin/chromium',
    headless: true,
    args: [
      '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync',
      '--autoplay-policy=no-user-gesture-required',
    ],
    viewport: { width: 1280, height: 860 },
    acceptDownloads: false,
  });
  const errors = [];
  const watch = (page) => {
    page.on('console', (m) => {
      if (m.type() === 'error') errors.push(`${m.location().url || page.url()}: console: ${m.text()}`);
    });
    page.on('pageerror', (e) => errors.push(`${page.url()}: uncaught: ${e.message}`));
  };
  context.pages().forEach(watch);
  context.on('page', watch);
  return {
    context,
    errors,
    /** Forgets the errors a test caused on purpose (the document of a 404 it asked for). */
    forget(pattern) {
      for (let i = errors.length - 1; i >= 0; i--) if (pattern.test(errors[i])) errors.splice(i, 1);
    },
    async page() {
      return context.pages()[0] || context.newPage();
    },
    async close() {
      await context.close();
      fs.rmSync(profile, { recursive: true, force: true });
    },
  };
}

/** Signs in through the login page, as a person would. */
export async function signIn(page, baseUrl, who, next = '/') {
  await page.goto(`${baseUrl}/login?next=${encodeURIComponent(next)}`);
  // Signed in already: the login page sends the browser on.
  if (new URL(page.url()).pathname !== '/login') return;
  await page.fill('#email', who.email);
  await page.fill('#password', who.password);
  await Promise.all([page.waitForNavigation(), page.click('button[type=submit]')]);
}

export async function screenshot(page, name) {
  fs.mkdirSync(ARTIFACTS, { recursive: true });
  await page.screenshot({ path: path.join(ARTIFACTS, `${name}.png`), fullPage: true });
}

/** Polls `fn` until it returns a truthy value or `ms` pass. */
export async function until(what, fn, ms = 60_000, every = 200) {
  const deadline = Date.now() + ms;
  let last;
  for (;;) {
    last = await fn();
    if (last) return last;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what} (last: ${JSON.stringify(last)})`);
    await new Promise((r) => setTimeout(r, every));
  }
}
