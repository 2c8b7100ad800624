// Issue #8's scaling view: a sweep over N in the workers, each row equal to gossip-sim's summary
// of that point; hops from the sender; exports; the page stays responsive while it runs.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { ARTIFACTS } from './harness.mjs';
import { viewSuite } from './views.mjs';

const openView = viewSuite({ before, after });

async function table(page) {
  await page.getByTestId('scaling-table').waitFor({ timeout: 120000 });
  const header = await page.locator('[data-testid="scaling-table"] thead th').allTextContents();
  const rows = await page.locator('[data-testid="scaling-table"] tbody tr').evaluateAll((rows) =>
    rows.map((row) => [...row.querySelectorAll('td')].map((cell) => cell.textContent)));
  return rows.map((cells) => Object.fromEntries(header.map((key, index) => [key, cells[index]])));
}

test('a scaling URL sweeps N for each protocol; the table is `gossip-sim sweep --format csv`, row for row', async () => {
  const lab = await openView('?view=scaling&modes=push,pull,push-pull&trials=30&seed=5&b=1');
  await lab.page.getByRole('combobox', { name: 'Largest N' }).selectOption('8');
  // Rows of the 2^4 .. 2^8 sweep (the first run, to 2^14, was cancelled by the change).
  await lab.page.waitForFunction(() => !document.querySelector('[data-testid="progress"]')
    && document.querySelectorAll('[data-testid="scaling-table"] tbody tr').length === 15, null, { timeout: 120000 });
  const rows = await table(lab.page);
  assert.equal(rows.length, 15, 'one row per protocol and N');
  assert.deepEqual([...new Set(rows.map((row) => row.nodes))], ['16', '32', '64', '128', '256']);
  const csv = execFileSync('target/release/gossip-sim', ['sweep', '--modes', 'push,pull,push-pull', '--nodes-from', '16',
    '--nodes-to', '256', '--trials', '30', '--seed', '5', '--fanout', '1', '--format', 'csv', '--quiet'], { encoding: 'utf8' });
  const [header, ...lines] = csv.split('\n').filter((line) => line && !line.startsWith('#'));
  assert.deepEqual(Object.keys(rows[0]), header.split(','), 'the CLI\'s columns');
  const key = (row) => `${row.mode} ${row.nodes}`;
  const cli = new Map(lines.map((line) => {
    const row = Object.fromEntries(header.split(',').map((column, index) => [column, line.split(',')[index]]));
    return [key(row), row];
  }));
  assert.equal(cli.size, 15);
  for (const row of rows) assert.deepEqual(row, cli.get(key(row)), `${key(row)}: the page's row is the CLI's`);
  await lab.page.screenshot({ path: `${ARTIFACTS}scaling.png`, fullPage: true });
  assert.deepEqual(lab.errors, []);
  await lab.page.close();
});

test('hops from the sender: the distribution, and the tree for N <= 64; exports of the right type', async () => {
  const lab = await openView('?view=scaling&modes=push,pull&trials=5&n=40&mode=push-pull&seed=3');
  await lab.page.getByTestId('hops-tree').waitFor();
  assert.ok(await lab.page.getByTestId('hops-chart').isVisible());
  await table(lab.page);
  const exports = lab.page.locator('.scaling-view .export').first();
  for (const [button, pattern] of [['PNG', /^scaling-push\+pull-seed3\.png$/], ['CSV', /^scaling-push\+pull-seed3\.csv$/]]) {
    const [download] = await Promise.all([lab.page.waitForEvent('download'), exports.getByRole('button', { name: button, exact: true }).click()]);
    assert.match(download.suggestedFilename(), pattern);
    const bytes = readFileSync(await download.path());
    if (button === 'PNG') assert.equal(bytes.subarray(1, 4).toString(), 'PNG');
    else assert.match(bytes.toString(), /^# Gossip Lab: .*\n# configuration: \?.*view=scaling.*\nmode,nodes,trials,completed,rounds_mean/);
  }
  const big = await openView('?view=scaling&modes=push,pull&trials=5&n=1000');
  assert.equal(await big.page.getByTestId('hops-tree').count(), 0, 'no tree above 64 nodes');
  await big.page.close();
  await lab.page.close();
});

test('the page stays responsive while a sweep runs (95 % of frame gaps under 50 ms), points appear as they finish, and Cancel keeps them', async () => {
  // The worst gap is logged, not asserted: on a shared, overloaded machine an idle page has
  // gaps of 250 ms too (e2e/views-bench.mjs measures a whole sweep on the idle machine: no gap
  // over 50 ms; see docs/page.md, "Compare, experiment, scaling").
  const lab = await openView('?view=scaling&modes=push,pull,push-pull&trials=10000');
  // Up to 2^20 nodes, 10,000 trials a point (the most the page takes): a sweep of about a minute
  // on two workers, so that it is still running for Cancel (1,000 trials took about 5 s).
  await lab.page.getByRole('combobox', { name: 'Largest N' }).selectOption('20');
  await lab.page.getByTestId('progress').waitFor();
  const gaps = await lab.page.evaluate(() => new Promise((resolve) => {
    let last = performance.now(); const gaps = []; const end = last + 3000;
    const frame = (now) => { gaps.push(now - last); last = now; if (now < end) requestAnimationFrame(frame); else resolve(gaps); };
    requestAnimationFrame(frame);
  }));
  gaps.sort((a, b) => a - b);
  // Other test files run beside this one: 95 %, not all (views-bench.mjs measures all, alone).
  const p95 = gaps[Math.floor(gaps.length * 0.95)];
  console.log(`frame gaps while sweeping: ${gaps.length} frames, 95th percentile ${p95.toFixed(1)} ms, worst ${gaps.at(-1).toFixed(1)} ms`);
  assert.ok(p95 < 50, `95th percentile frame gap ${p95.toFixed(1)} ms`);
  // The small points are done and shown while the large ones run: 17 points per protocol in all.
  const rows = () => lab.page.locator('[data-testid="scaling-table"] tbody tr').count();
  await lab.page.waitForFunction(() => document.querySelectorAll('[data-testid="scaling-table"] tbody tr').length >= 3);
  assert.equal(await lab.page.getByTestId('progress').count(), 1, 'still running');
  const shown = await rows();
  assert.ok(shown < 51, `${shown} of 51 points so far`);
  // Read in one evaluation: rows keep arriving, and a chained locator may resolve its row and
  // read its cells on either side of a render.
  const first = await lab.page.evaluate(() => [...document.querySelector('[data-testid="scaling-table"] tbody tr').cells].map((cell) => cell.textContent));
  assert.deepEqual(first.slice(0, 2), ['push', '16'], 'smallest N first');
  await lab.button('Cancel').click();
  assert.equal(await lab.page.getByTestId('progress').count(), 0);
  assert.ok(await rows() >= shown, 'the points done stay after Cancel');
  assert.deepEqual(lab.errors, []);
  await lab.page.close();
});

test('compare overrides: Scaling runs each protocol once and says the overrides do not apply; toggling a protocol off removes all its panels', async () => {
  const lab = await openView('?view=scaling&modes=push,push:loss=0.3,pull&trials=2');
  assert.match(await lab.page.getByTestId('overrides-ignored').textContent(), /own values do not apply/);
  await lab.page.getByTestId('scaling-table').waitFor({ timeout: 60000 });
  await lab.page.waitForFunction(() => !document.querySelector('[data-testid="progress"]'), null, { timeout: 60000 });
  const modes = (await table(lab.page)).map((row) => row.mode);
  assert.deepEqual([...new Set(modes)], ['push', 'pull']);
  assert.equal(modes.filter((mode) => mode === 'push').length, modes.length / 2, 'push once per N, not twice');
  await lab.page.getByRole('button', { name: 'push-pull', exact: true }).click();
  await lab.page.waitForFunction(() => location.search.includes('push-pull'));
  await lab.page.getByRole('button', { name: 'push', exact: true }).click();
  await lab.page.waitForFunction(() => /modes=pull,push-pull(&|$)/.test(location.search));
  assert.equal(await lab.page.getByTestId('overrides-ignored').count(), 0);
  assert.deepEqual(lab.errors, []);
  await lab.page.close();
});

test('Scaling keeps two distinct protocols: a button that cannot act is disabled and says why', async () => {
  // push twice (two compare panels): dropping pull would leave push alone.
  const lab = await openView('?view=scaling&modes=push,push,pull&trials=2');
  const sweep = lab.page.getByRole('group', { name: 'Protocols to sweep' });
  const button = (name) => sweep.getByRole('button', { name, exact: true });
  for (const name of ['push', 'pull']) {
    assert.ok(await button(name).isDisabled(), `${name} cannot be toggled off`);
    assert.equal(await button(name).getAttribute('title'), 'Scaling sweeps at least two protocols');
  }
  await button('push-pull').click();
  await lab.page.waitForFunction(() => /modes=push,push,pull,push-pull(&|$)/.test(location.search));
  assert.ok(await button('pull').isEnabled(), 'three protocols: pull can go');
  assert.ok(await button('tree').isDisabled(), 'four panels: no fifth');
  assert.match(await button('tree').getAttribute('title'), /At most four protocols/);
  await button('pull').click();
  await lab.page.waitForFunction(() => /modes=push,push,push-pull(&|$)/.test(location.search));
  assert.ok(await button('push-pull').isDisabled(), 'two protocols again');
  assert.ok(await button('tree').isEnabled(), 'three panels: a fourth can come');
  assert.deepEqual(lab.errors, []);
  await lab.page.close();
});

test('lock=mode locks the protocols to sweep', async () => {
  const lab = await openView('?view=scaling&modes=push,pull&trials=2&lock=mode');
  const buttons = lab.page.getByRole('group', { name: 'Protocols to sweep' }).getByRole('button');
  // After the sweep: its re-renders keep the lock.
  await lab.page.getByTestId('scaling-table').waitFor({ timeout: 60000 });
  await lab.page.waitForFunction(() => !document.querySelector('[data-testid="progress"]'), null, { timeout: 60000 });
  const count = await buttons.count();
  assert.ok(count > 2, `${count} protocol buttons`);
  for (let index = 0; index < count; index++) {
    assert.ok(await buttons.nth(index).isDisabled(), `${await buttons.nth(index).textContent()} locked`);
    assert.equal(await buttons.nth(index).getAttribute('title'), 'fixed by the lecturer');
  }
  assert.deepEqual(lab.errors, []);
  await lab.page.close();
});
