// Benchmarks of the views in headless Chromium (not a test: `node e2e/views-bench.mjs [largest power]`):
// 10,000 trials at N = 1000, and the sweep of push, pull and push-pull with 200 trials per point,
// with the worst requestAnimationFrame gap while the sweep runs.
import { serveDist, launch } from './harness.mjs';

const largest = Number(process.argv[2] || 19);
const server = await serveDist();
const browser = await launch();
const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
const results = { workers: null };

let start = Date.now();
await page.goto(`${server.origin}/?view=experiment&trials=10000&n=1000&seed=1`);
await page.getByTestId('experiment-mean').waitFor({ timeout: 600000 });
results.experiment_10000_trials_n1000_s = (Date.now() - start) / 1000;
results.workers = await page.evaluate(() => navigator.hardwareConcurrency);

await page.goto(`${server.origin}/?view=scaling&modes=push,pull,push-pull&trials=200&seed=1`);
await page.getByRole('combobox', { name: 'Largest N' }).waitFor();
start = Date.now();
await page.getByRole('combobox', { name: 'Largest N' }).selectOption(String(largest));
const gaps = page.evaluate(() => new Promise((resolve) => {
  let last = performance.now(); let worst = 0; const all = [];
  const frame = (now) => {
    const gap = now - last; all.push(gap); worst = Math.max(worst, gap); last = now;
    if (document.querySelector('[data-testid="progress"]') || all.length < 10) requestAnimationFrame(frame);
    else { all.sort((a, b) => a - b); resolve({ frames: all.length, worst_ms: worst, p99_ms: all[Math.floor(all.length * 0.99)], over_50ms: all.filter((g) => g > 50).length }); }
  };
  requestAnimationFrame(frame);
}));
const points = (largest - 4 + 1) * 3;
await page.waitForFunction((rows) => !document.querySelector('[data-testid="progress"]') && document.querySelectorAll('[data-testid="scaling-table"] tbody tr').length === rows, points, { timeout: 1800000, polling: 500 });
results[`sweep_${largest - 3}_points_3_modes_200_trials_s`] = (Date.now() - start) / 1000;
results.frame_gaps_during_sweep = await gaps;
console.log(JSON.stringify(results, null, 2));
await browser.close();
server.stop();
