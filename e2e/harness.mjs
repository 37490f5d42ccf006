// Shared harness of the browser tests: starts the real tvaers binary with the
// demo municipality on a free port and a temporary data folder, launches the
// Debian Chromium through playwright-core (which never downloads a browser),
// and gives each journey a fresh page whose failures carry a screenshot, the
// page's address and the server's output.
//
// Each test file runs in its own process (node --test), so each file gets its
// own server and browser: call setUp() in a `before` hook and tearDown() in an
// `after` hook.
//
// Environment:
//   TVAERS_BIN   the tvaers binary (default <repo>/target/debug/tvaers)
//   CHROMIUM     the Chromium executable (default /usr/bin/chromium)
//   TVAERS_E2E_SERVER_LOG=1   echo the server's output while the tests run

import { spawn } from 'node:child_process';
import { once } from 'node:events';
import fs from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

export const E2E_DIR = path.dirname(fileURLToPath(import.meta.url));
export const REPO_ROOT = path.resolve(E2E_DIR, '..');
export const BIN = process.env.TVAERS_BIN
  ? path.resolve(process.env.TVAERS_BIN)
  : path.join(REPO_ROOT, 'target', 'debug', 'tvaers');
export const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
export const RESULTS_DIR = path.join(E2E_DIR, 'test-results');

export const STARTUP_TIMEOUT_MS = 120_000;
export const TEST_TIMEOUT_MS = 90_000;
export const STEP_TIMEOUT_MS = 20_000;
/** Time for setUp(): the server's start plus the browser's. */
export const SETUP_TIMEOUT_MS = STARTUP_TIMEOUT_MS + 30_000;

export const DEMO_PASSWORD = 'demo';

/** A TCP port on 127.0.0.1 that was free a moment ago. */
export async function freePort() {
  const srv = net.createServer();
  srv.listen(0, '127.0.0.1');
  await once(srv, 'listening');
  const { port } = srv.address();
  srv.close();
  await once(srv, 'close');
  return port;
}

export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** The running server: its process, address, and everything it printed. */
export const server = { child: null, base: '', dataDir: '', log: '', exited: null };

export function serverLogTail(chars = 6000) {
  const log = server.log.trim();
  if (!log) return '(the server printed nothing)';
  return log.length > chars ? `...${log.slice(-chars)}` : log;
}

export async function startServer() {
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

export async function stopServer() {
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

export async function launchBrowser() {
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
  return browser;
}

/** Starts the server, then the browser (a `before` hook). */
export async function setUp() {
  await startServer();
  await launchBrowser();
}

/** Closes the browser and stops the server (an `after` hook); never throws for the browser. */
export async function tearDown() {
  await browser?.close().catch(() => {});
  browser = undefined;
  await stopServer();
}

/** A fresh page in its own browser context (no cookies shared between tests). */
export async function newPage() {
  if (!browser) throw new Error('the browser is not running: call setUp() in a before hook');
  const context = await browser.newContext({ locale: 'da-DK', viewport: { width: 1280, height: 900 } });
  const page = await context.newPage();
  page.setDefaultTimeout(STEP_TIMEOUT_MS);
  page.setDefaultNavigationTimeout(STEP_TIMEOUT_MS);
  return page;
}

/** Saves a full-page screenshot as e2e/test-results/<name>.png. */
export async function screenshot(page, name) {
  await fs.mkdir(RESULTS_DIR, { recursive: true });
  const file = path.join(RESULTS_DIR, `${name}.png`);
  await page.screenshot({ path: file, fullPage: true });
  return file;
}

/**
 * Runs one journey; on failure, saves a screenshot and adds the page's address
 * and the server's output to the error, so a red run says what went wrong.
 */
export async function journey(name, fn) {
  const page = await newPage();
  try {
    await fn(page);
  } catch (err) {
    let where = '(no page)';
    try {
      where = page.url();
      await screenshot(page, `${name}-failure`);
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
export async function login(page, username, password) {
  await page.goto(`${server.base}/login`);
  await page.locator('input[name=username]').fill(username);
  await page.locator('input[name=password]').fill(password);
  await page.locator('button[type=submit]').click();
}

export async function loginOk(page, username) {
  await login(page, username, DEMO_PASSWORD);
  await page.waitForURL((url) => url.pathname !== '/login', { waitUntil: 'load' }).catch((err) => {
    throw new Error(`login as ${username} did not leave /login: ${err.message}`);
  });
}

/**
 * Clicks something that submits a form or follows a link and waits for the
 * page that answers (after any redirect). Returns that page's HTTP response,
 * so the caller can check its status as well as its text.
 */
export async function navigateBy(page, clickable) {
  const [response] = await Promise.all([
    page.waitForNavigation({ waitUntil: 'load' }),
    clickable.click(),
  ]);
  if (!response) throw new Error(`clicking did not load a new document (still at ${page.url()})`);
  return response;
}
