// Browser tests of Tværs: the real binary with the demo municipality, driven
// by headless Chromium through playwright-core (which never downloads a browser).
//
//   node --test e2e/            (from the repo root; needs target/debug/tvaers)
//
// Environment:
//   TVAERS_BIN   the tvaers binary (default <repo>/target/debug/tvaers)
//   CHROMIUM     the Chromium executable (default /usr/bin/chromium)
//   TVAERS_E2E_SERVER_LOG=1   echo the server's output while the tests run

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import fs from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const E2E_DIR = path.dirname(fileURLToPath(import.meta.url));
const REPO_ROOT = path.resolve(E2E_DIR, '..');
const BIN = process.env.TVAERS_BIN
  ? path.resolve(process.env.TVAERS_BIN)
  : path.join(REPO_ROOT, 'target', 'debug', 'tvaers');
const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
const RESULTS_DIR = path.join(E2E_DIR, 'test-results');

const STARTUP_TIMEOUT_MS = 120_000;
const TEST_TIMEOUT_MS = 90_000;
const STEP_TIMEOUT_MS = 20_000;

const DEMO_PASSWORD = 'demo';
const SEARCH_TERM = 'Jensen';
const MASKED_CPR = /\b\d{6}-XXXX\b/;
// A full CPR number standing alone (not the tail of a UUID or a longer number).
const FULL_CPR = /(?<![\w-])\d{6}-\d{4}(?![\w-])/;

/** A TCP port on 127.0.0.1 that was free a moment ago. */
async function freePort() {
  const srv = net.createServer();
  srv.listen(0, '127.0.0.1');
  await once(srv, 'listening');
  const { port } = srv.address();
  srv.close();
  await once(srv, 'close');
  return port;
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** The running server: its process, address, and everything it printed. */
const server = { child: null, base: '', dataDir: '', log: '', exited: null };

function serverLogTail(chars = 6000) {
  const log = server.log.trim();
  if (!log) return '(the server printed nothing)';
  return log.length > chars ? `...${log.slice(-chars)}` : log;
}

async function startServer() {
  await fs.access(BIN).catch(() => {
    throw new Error(
      `tvaers binary not found at ${BIN}: run 'cargo build -p tvaers' first or set TVAERS_BIN`,
    );
  });
  server.dataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'tvaers-e2e-'));
  const port = await freePort();
  server.base = `http://127.0.0.1:${port}`;
  const args = ['serve', '--data', server.dataDir, '--bind', `127.0.0.1:${port}`, '--demo'];
  // The server's own settings come from the arguments above, never from the
  // environment: TVAERS_DATABASE_URL would override --data.
  const env = { ...process.env, NO_COLOR: '1' };
  for (const key of ['TVAERS_DATABASE_URL', 'TVAERS_DATA', 'TVAERS_BIND', 'TVAERS_DEMO', 'TVAERS_SECURE_COOKIES']) {
    delete env[key];
  }
  const child = spawn(BIN, args, {
    cwd: server.dataDir,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  server.child = child;
  const echo = process.env.TVAERS_E2E_SERVER_LOG === '1';
  for (const stream of [child.stdout, child.stderr]) {
    stream.setEncoding('utf8');
    stream.on('data', (chunk) => {
      server.log += chunk;
      if (server.log.length > 1_000_000) server.log = server.log.slice(-500_000);
      if (echo) process.stderr.write(chunk);
    });
  }
  child.on('error', (err) => {
    server.exited = `could not be started: ${err.message}`;
  });
  child.on('exit', (code, signal) => {
    server.exited = signal ? `was killed by ${signal}` : `exited with code ${code}`;
  });
  // Never leave a server behind, even if the test process dies.
  process.on('exit', () => child.kill('SIGKILL'));

  const deadline = Date.now() + STARTUP_TIMEOUT_MS;
  let last = 'no answer yet';
  while (Date.now() < deadline) {
    if (server.exited) {
      throw new Error(
        `tvaers ${server.exited} before /healthz answered (${BIN} ${args.join(' ')}).\n` +
          `--- server output ---\n${serverLogTail()}`,
      );
    }
    try {
      const res = await fetch(`${server.base}/healthz`, { signal: AbortSignal.timeout(2000) });
      if (res.status === 200) return;
      last = `HTTP ${res.status}`;
    } catch (err) {
      last = err.cause?.code || err.message;
    }
    await sleep(250);
  }
  throw new Error(
    `tvaers did not answer GET /healthz with 200 within ${STARTUP_TIMEOUT_MS / 1000} s ` +
      `(last: ${last}).\n--- server output ---\n${serverLogTail()}`,
  );
}

async function stopServer() {
  const child = server.child;
  if (child && child.exitCode === null && child.signalCode === null) {
    const exited = once(child, 'exit');
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
    await exited;
    clearTimeout(timer);
  }
  if (server.dataDir) {
    await fs.rm(server.dataDir, { recursive: true, force: true });
  }
}

let browser;

/** A fresh page in its own browser context (no cookies shared between tests). */
async function newPage() {
  const context = await browser.newContext({ locale: 'da-DK', viewport: { width: 1280, height: 900 } });
  const page = await context.newPage();
  page.setDefaultTimeout(STEP_TIMEOUT_MS);
  page.setDefaultNavigationTimeout(STEP_TIMEOUT_MS);
  return page;
}

/**
 * Runs one journey; on failure, saves a screenshot and adds the page's address
 * and the server's output to the error, so a red run says what went wrong.
 */
async function journey(name, fn) {
  const page = await newPage();
  try {
    await fn(page);
  } catch (err) {
    let where = '(no page)';
    try {
      where = page.url();
      await fs.mkdir(RESULTS_DIR, { recursive: true });
      await page.screenshot({ path: path.join(RESULTS_DIR, `${name}-failure.png`), fullPage: true });
    } catch {
      // the screenshot is a courtesy only
    }
    err.message +=
      `\n--- page: ${where} (screenshot: e2e/test-results/${name}-failure.png)` +
      `\n--- server output (tail) ---\n${serverLogTail(3000)}`;
    throw err;
  } finally {
    await page.context().close();
  }
}

/** Logs in through the form and waits until the browser has left /login. */
async function login(page, username, password) {
  await page.goto(`${server.base}/login`);
  await page.locator('input[name=username]').fill(username);
  await page.locator('input[name=password]').fill(password);
  await page.locator('button[type=submit]').click();
}

async function loginOk(page, username) {
  await login(page, username, DEMO_PASSWORD);
  await page.waitForURL((url) => url.pathname !== '/login', { waitUntil: 'load' }).catch((err) => {
    throw new Error(`login as ${username} did not leave /login: ${err.message}`);
  });
}

describe('Tværs in a browser', { timeout: STARTUP_TIMEOUT_MS + 4 * TEST_TIMEOUT_MS }, () => {
  before(
    async () => {
      await startServer();
      await fs.access(CHROMIUM).catch(() => {
        throw new Error(`Chromium not found at ${CHROMIUM}: apt-get install chromium, or set CHROMIUM`);
      });
      browser = await chromium.launch({
        executablePath: CHROMIUM,
        args: [
          '--headless',
          '--no-sandbox',
          '--disable-gpu',
          '--disable-background-networking',
          '--disable-component-update',
          '--disable-sync',
          '--no-first-run',
        ],
      });
    },
    { timeout: STARTUP_TIMEOUT_MS + 30_000 },
  );

  after(async () => {
    await browser?.close().catch(() => {});
    await stopServer();
  });

  it('a caseworker logs in, finds a citizen and sees the masked CPR and the cases', { timeout: TEST_TIMEOUT_MS }, async () => {
    await journey('journey', async (page) => {
      await loginOk(page, 'sagsbehandler');
      const landed = new URL(page.url()).pathname;
      assert.ok(
        ['/', '/borgere'].includes(landed),
        `after login expected the start page / or /borgere, got ${landed}`,
      );

      const q = page.locator('input[name=q]').first();
      await q.waitFor({ state: 'visible' });
      await q.fill(SEARCH_TERM);
      // The form may GET or POST (a POST keeps a searched CPR out of URLs and logs):
      // wait for the page that answers the submission, whatever its address.
      await Promise.all([
        page.waitForEvent('framenavigated', { predicate: (f) => f === page.mainFrame() }),
        q.press('Enter'),
      ]);
      await page.waitForLoadState('load');

      const links = page.locator('a.citizen-link');
      await links.first().waitFor({ state: 'visible' });
      const count = await links.count();
      assert.ok(count >= 1, `expected at least one a.citizen-link for "${SEARCH_TERM}"`);

      const first = links.first();
      const href = await first.getAttribute('href');
      assert.ok(href, 'the first a.citizen-link has no href');
      const target = new URL(href, page.url()).pathname;
      await first.click();
      await page.waitForURL((url) => url.pathname === target, { waitUntil: 'load' });

      const h1 = page.locator('h1').first();
      await h1.waitFor({ state: 'visible' });
      const name = (await h1.innerText()).trim();
      assert.ok(name.length > 0, 'the citizen page has an empty h1');
      assert.match(name, new RegExp(SEARCH_TERM), `the h1 "${name}" does not name a ${SEARCH_TERM}`);

      const text = await page.locator('body').innerText();
      assert.match(text, MASKED_CPR, 'the citizen page does not show a masked CPR (dddddd-XXXX)');
      const full = text.match(FULL_CPR);
      assert.equal(full, null, `the citizen page shows a full CPR number: ${full?.[0]}`);
      const html = await page.content();
      const fullInHtml = html.match(FULL_CPR);
      assert.equal(fullInHtml, null, `the citizen page's HTML contains a full CPR number: ${fullInHtml?.[0]}`);

      await page.locator('section#cases').waitFor({ state: 'visible' });

      await fs.mkdir(RESULTS_DIR, { recursive: true });
      await page.screenshot({ path: path.join(RESULTS_DIR, 'citizen.png'), fullPage: true });
    });
  });

  it('a wrong password shows a Danish error on the login page', { timeout: TEST_TIMEOUT_MS }, async () => {
    await journey('wrong-password', async (page) => {
      await login(page, 'sagsbehandler', 'forkert-kodeord');
      await page
        .getByText('Forkert brugernavn eller adgangskode')
        .first()
        .waitFor({ state: 'visible' });
      assert.equal(new URL(page.url()).pathname, '/login', 'a failed login should stay on /login');
      assert.equal(await page.locator('input[name=username]').count(), 1, 'the login form is gone');
    });
  });

  it('the administrator may not search citizens', { timeout: TEST_TIMEOUT_MS }, async () => {
    await journey('admin-refused', async (page) => {
      await loginOk(page, 'admin');
      const res = await page.goto(`${server.base}/borgere?q=${SEARCH_TERM}`);
      assert.ok(res, 'no response for /borgere');
      const status = res.status();
      const text = await page.locator('body').innerText();
      assert.ok(
        status === 403 || /ikke adgang/i.test(text),
        `expected 403 or a page saying "ikke adgang", got HTTP ${status}:\n${text.slice(0, 500)}`,
      );
      assert.equal(await page.locator('a.citizen-link').count(), 0, 'the administrator was shown citizens');
    });
  });
});
