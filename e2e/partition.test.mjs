// Partitions in the page: the editor adds one, the stage draws the cut while it holds, the
// datagrams dropped at it are counted, and the run completes after the heal exactly as
// gossip-sim reports; membership's views become consistent again; bad input gets a notice.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { labSuite, cliSummary as cli, ARTIFACTS } from './harness.mjs';

const openLab = labSuite({ before, after });
const cut = (lab) => lab.page.getByTestId('stage').getAttribute('data-cut');

test('the editor adds a partition, the stage shows the cut, the run completes after the heal', async () => {
  const lab = await openLab('?mode=push&n=100&seed=4&speed=60');
  assert.equal(await lab.page.getByTestId('partition-row').count(), 0);
  await lab.page.locator('#partition-add').click();
  assert.equal(await lab.page.getByTestId('partition-row').count(), 1);
  assert.equal(await lab.page.locator('#partition-split-0').inputValue(), 'half');
  assert.equal(await lab.page.locator('#partition-round-0').inputValue(), '5');
  assert.equal(await lab.page.locator('#partition-heal-0').inputValue(), '15');
  // Before round 5 no cut is drawn; from round 5 it is.
  await lab.button('Step').click();
  await lab.page.waitForTimeout(200);
  assert.equal(await cut(lab), null);
  for (let round = 2; round <= 6; round += 1) await lab.button('Step').click();
  await lab.page.waitForTimeout(300);
  assert.ok(Number(await cut(lab)) > 0, 'the cut is drawn');
  assert.match(await lab.text('partition-state'), /cut till round 15/);
  assert.ok(await lab.number('partitioned') > 0);
  await lab.page.screenshot({ path: `${ARTIFACTS}partition-cut-1280x720.png` });
  await lab.button('Run to end').click();
  const rounds = await lab.waitForCompletion();
  await lab.page.waitForTimeout(300);
  assert.equal(await cut(lab), null, 'healed: no cut');
  assert.match(await lab.text('partition-state'), /healed/);
  const summary = cli(['--mode', 'push', '--nodes', '100', '--seed', '4', '--partition', '5:half:15']);
  assert.equal(rounds, summary.rounds.mean);
  assert.ok(rounds > 15, 'completes after the heal');
  assert.equal(await lab.number('partitioned'), summary.partitioned.mean);
  // The URL carries the partition (the share link).
  assert.match(lab.page.url(), /partition=5%3Ahalf%3A15|partition=5:half:15/);
  assert.deepEqual(lab.errors, []);
  await lab.page.close();
});

test('a one-way split typed in the editor, and a malformed one refused with a notice', async () => {
  const lab = await openLab('?mode=push-pull&n=60&seed=2&partition=1:half:8');
  const split = lab.page.locator('#partition-split-0');
  await split.fill('0-9->10-59');
  await split.press('Enter');
  await split.blur();
  await lab.page.waitForFunction(() => document.querySelector('#partition-split-0')?.value === '0-9->10-59');
  await split.fill('0-9|bogus');
  await split.press('Enter');
  await split.blur();
  await lab.page.getByTestId('notice').waitFor();
  assert.match(await lab.text('notice'), /partition "1:0-9\|bogus:8" is wrong: "bogus" is not a node range/);
  assert.equal(await split.inputValue(), '0-9->10-59', 'kept as it was');
  assert.deepEqual(lab.errors, []);
  await lab.page.close();
});

test('a URL partition naming nodes beyond N is dropped with a notice', async () => {
  const lab = await openLab('?mode=push&n=50&partition=1:0-9|10-99');
  assert.match(await lab.text('notice'), /names node 99, but the nodes are 0 to 49; the partitions were dropped/);
  assert.equal(await lab.page.getByTestId('partition-row').count(), 0);
  await lab.page.close();
  const bad = await openLab('?mode=push&n=50&partition=1:bogus');
  assert.match(await bad.text('notice'), /unknown split "bogus"/);
  await bad.page.close();
});

test('SWIM: the split brain heals and the views become consistent', async () => {
  const lab = await openLab('?mode=swim&n=30&seed=3&crash_at=1:0&partition=10:half:40&periods=120&speed=60');
  await lab.button('Run to end').click();
  await lab.page.waitForFunction(() => /healed; rejoined in/.test(document.querySelector('[data-testid="partition-state"]')?.textContent ?? ''), null, { timeout: 60000 });
  const summary = cli(['--mode', 'swim', '--nodes', '30', '--seed', '3', '--crash-at', '1:0', '--partition', '10:half:40', '--periods', '120']);
  const text = await lab.text('partition-state');
  assert.match(text, new RegExp(`rejoined in ${summary.rejoin_time.mean}$`));
  assert.ok(summary.false_detections.mean >= 2 * 15 * 15);
  assert.deepEqual(lab.errors, []);
  await lab.page.close();
});

test('the cut at 1280x720 and in a 640x400 embed', async () => {
  const query = '?mode=push-pull&n=200&seed=3&partition=1:half:12&round=4';
  const lab = await openLab(query);
  await lab.page.waitForTimeout(600);
  assert.ok(Number(await cut(lab)) > 0, '1280x720: the cut is drawn');
  await lab.page.screenshot({ path: `${ARTIFACTS}partition-1280x720.png` });
  assert.deepEqual(lab.errors, []);
  // The embed hides the counts, so it is opened on its own page of the same browser.
  const embed = await lab.page.context().browser().newPage({ viewport: { width: 640, height: 400 } });
  await embed.goto(`${lab.origin}/${query}&embed=1`);
  await embed.getByTestId('stage').waitFor();
  await embed.waitForTimeout(600);
  assert.ok(Number(await embed.getByTestId('stage').getAttribute('data-cut')) > 0, '640x400: the cut is drawn');
  await embed.screenshot({ path: `${ARTIFACTS}partition-640x400.png` });
  await embed.close();
  await lab.page.close();
});

test('the cut on the dense field (N above 2,000), while it holds, at 1280x720 and in a 640x400 embed', async () => {
  const query = '?mode=push&n=5000&seed=3&partition=1:half:12&round=4';
  const lab = await openLab(query);
  await lab.page.waitForFunction(() => Number(document.querySelector('[data-testid="stage"]')?.getAttribute('data-cut')) > 0);
  // Half against half, in node order on a 71-column grid: the row where node 2,500 sits is cut
  // across, with a step down where the sides meet inside it.
  const edges = Number(await cut(lab));
  assert.ok(edges >= 71 && edges <= 73, `the cut runs along one row of cells (${edges} edges)`);
  assert.equal(await lab.page.getByTestId('stage').getAttribute('data-node-px'), null, 'the dense field, not nodes');
  await lab.page.screenshot({ path: `${ARTIFACTS}partition-field-1280x720.png` });
  const presenting = await lab.page.context().browser().newPage({ viewport: { width: 1280, height: 720 } });
  await presenting.goto(`${lab.origin}/${query}&present=1`);
  await presenting.waitForFunction(() => Number(document.querySelector('[data-testid="stage"]')?.getAttribute('data-cut')) > 0);
  await presenting.screenshot({ path: `${ARTIFACTS}partition-field-1280x720-present.png` });
  await presenting.close();
  // After the heal nothing is drawn.
  await lab.page.goto(`${lab.origin}/?mode=push&n=5000&seed=3&partition=1:half:3&round=5`);
  await lab.page.getByTestId('round').waitFor();
  await lab.page.waitForTimeout(600);
  assert.equal(await cut(lab), null, 'healed: no cut');
  assert.deepEqual(lab.errors, []);
  const embed = await lab.page.context().browser().newPage({ viewport: { width: 640, height: 400 } });
  await embed.goto(`${lab.origin}/${query}&embed=1`);
  await embed.waitForFunction(() => Number(document.querySelector('[data-testid="stage"]')?.getAttribute('data-cut')) > 0);
  await embed.screenshot({ path: `${ARTIFACTS}partition-field-640x400.png` });
  await embed.close();
  await lab.page.close();
});
