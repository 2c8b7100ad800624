// Shared by the end-to-end tests: serve dist/ on loopback, drive Debian's Chromium with
// playwright-core, and a page object for Gossip Lab.
import { spawn, execFileSync } from 'node:child_process';
import { once } from 'node:events';
import { createServer } from 'node:net';
import { mkdirSync } from 'node:fs';
import { chromium } from 'playwright-core';

export const ARTIFACTS = new URL('./artifacts/', import.meta.url).pathname;
mkdirSync(ARTIFACTS, { recursive: true });

async function freePort() {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address();
  server.close();
  return port;
}

/** Serves dist/ with Python's static server (it knows application/wasm). */
export async function serveDist() {
  const port = await freePort();
  const dist = new URL('../dist/', import.meta.url).pathname;
  const server = spawn('python3', ['-m', 'http.server', '--bind', '127.0.0.1', String(port)], { cwd: dist, stdio: 'ignore' });
  const origin = `http://127.0.0.1:${port}`;
  for (let attempt = 0; attempt < 50; attempt++) {
    try {
      const response = await fetch(origin + '/index.html');
      if (response.ok) break;
    } catch {}
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return { origin, stop: () => server.kill() };
}

export async function launch() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}

/** A page of Gossip Lab that records console errors and failed requests. */
export class LabPage {
  constructor(page, origin) {
    this.page = page;
    this.origin = origin;
    this.errors = [];
    page.on('console', (message) => { if (message.type() === 'error') this.errors.push(message.text()); });
    page.on('pageerror', (error) => this.errors.push(String(error)));
    // A request the browser gave up because the test navigated on (a favicon still loading when
    // the next page opens) is not the page's failure; any other failed request is.
    page.on('requestfailed', (request) => {
      if (request.failure()?.errorText !== 'net::ERR_ABORTED') this.errors.push(`request failed: ${request.url()}`);
    });
  }

  async open(query = '') {
    await this.page.goto(`${this.origin}/${query}`);
    await this.page.getByTestId('round').waitFor();
  }

  text(testId) { return this.page.getByTestId(testId).textContent(); }
  async number(testId) { return Number((await this.text(testId)).trim()); }
  button(name) { return this.page.getByRole('button', { name, exact: true }); }
  slider(name) { return this.page.getByRole('slider', { name }); }
  field(name) { return this.page.getByRole('spinbutton', { name }); }

  /** Waits until the run reports a rounds-to-all figure (it is empty until complete). */
  async waitForCompletion(timeout = 30000) {
    await this.page.waitForFunction(() => document.querySelector('[data-testid="rounds-to-all"]')?.textContent.trim() !== '', null, { timeout });
    return this.number('rounds-to-all');
  }
}

/**
 * Serves dist/ and starts Chromium before a test file's tests, stops both after them; returns
 * `openLab(query, viewport)`, which opens the page on its own tab.
 */
export function labSuite({ before, after }) {
  const shared = {};
  before(async () => {
    shared.server = await serveDist();
    shared.browser = await launch();
  });
  after(async () => {
    await shared.browser?.close();
    shared.server?.stop();
  });
  return async (query = '', viewport = { width: 1280, height: 720 }) => {
    const page = await shared.browser.newPage({ viewport });
    const lab = new LabPage(page, shared.server.origin);
    await lab.open(query);
    return lab;
  };
}

/** gossip-sim's JSON summary of one trial (trial 0 is the seed itself): what the page must show. */
export function cliSummary(args) {
  return JSON.parse(execFileSync('target/release/gossip-sim', [...args, '--trials', '1', '--quiet'], { encoding: 'utf8' }));
}
