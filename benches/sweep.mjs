// The scaling view's sweep in headless Chromium over the release build: push, pull and push-pull,
// 200 trials at every N = 2^4 .. 2^20, on the page's Web Workers (one per hardware thread), timed
// from the choice of the largest N until the table holds every row. Budget: under 10 s. The
// sweep's speed is the counting driver's (crates/engine/src/drivers/counts.rs).
import { serveDist, launch } from '../e2e/harness.mjs';

const budget = 10;
const largest = 20;
const server = await serveDist();
const browser = await launch();
const page = await browser.newPage({ viewport: { width: 1280, height: 720 } });
await page.goto(`${server.origin}/?view=scaling&modes=push,pull,push-pull&trials=200&seed=1`);
const select = page.getByRole('combobox', { name: 'Largest N' });
await select.waitFor();
const workers = await page.evaluate(() => navigator.hardwareConcurrency);
const start = Date.now();
await select.selectOption(String(largest));
const rows = (largest - 4 + 1) * 3;
await page.waitForFunction(
  (rows) => !document.querySelector('[data-testid="progress"]')
    && document.querySelectorAll('[data-testid="scaling-table"] tbody tr').length === rows,
  rows, { timeout: 600000, polling: 100 });
const seconds = (Date.now() - start) / 1000;
await browser.close();
server.stop();
const over = seconds > budget;
console.log('\nScaling sweep in the page (push, pull, push-pull; N = 2^4 .. 2^20; 200 trials a point)');
console.log(`${seconds.toFixed(1)} s on ${workers} workers   budget < ${budget} s${over ? '   over budget' : ''}`);
process.exit(over ? 1 : 0);
