import { serveDist, launch } from '../e2e/harness.mjs';
const server = await serveDist();
const browser = await launch();
for (const n of (process.env.NS ?? "2000,10000").split(",").map(Number)) {
  const page = await browser.newPage({ viewport: { width: 1280, height: 720 } });
  await page.goto(`${server.origin}/?perf=1&n=${n}&mode=srm&speed=60&autoplay=1&b=2&loss=0.05&packets=16`);
  const t0 = Date.now();
  const samples = [];
  for (let i = 0; i < 24; i++) {
    await page.waitForTimeout(500);
    const round = await page.getByTestId('round').first().textContent().catch(() => '?');
    samples.push(`${((Date.now() - t0) / 1000).toFixed(1)}s:${round.trim()}`);
  }
  const readout = await page.getByTestId('perf').textContent();
  console.log(n, samples.join(' '), '|', readout);
  await page.close();
}
await browser.close();
server.stop();
