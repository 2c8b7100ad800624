// Membership by gossip in the page: the matrix view for each mode from a URL, the
// detection numbers equal gossip-sim's for the same seed, the parameters' controls, the
// click-to-crash flow ending in a detection, and membership at the page's 2,000 nodes.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { labSuite, cliSummary as cli, ARTIFACTS } from './harness.mjs';

const openLab = labSuite({ before, after });

async function runToEnd(lab) {
  await lab.button('Run to end').click();
  await lab.page.waitForFunction(() => /^Ran its/.test(document.querySelector('[data-testid="status"]')?.textContent ?? ''), null, { timeout: 60000 });
}

const fixed = (value, digits) => (value === null || value === undefined ? '–' : value.toFixed(digits));

for (const [mode, extra, args] of [
  ['swim', '&ping_req=2&suspicion=3', ['--ping-req', '2', '--suspicion', '3']],
  ['heartbeat', '&t_fail=12&t_cleanup=60&loss=0.05', ['--t-fail', '12', '--t-cleanup', '60', '--loss', '0.05']],
  ['cassandra', '&phi=6&join_at=20', ['--phi', '6', '--join-at', '20']],
]) {
  test(`${mode} from a URL: the matrix, the detection chart, and gossip-sim's numbers`, async () => {
    const lab = await openLab(`?mode=${mode}&n=60&seed=4&periods=70${extra}`);
    assert.equal(await lab.button(mode).getAttribute('aria-pressed'), 'true');
    await lab.page.getByTestId('membership-matrix').waitFor();
    await lab.page.getByTestId('detection-chart').waitFor();
    assert.match(await lab.text('explanation'), /trade-off/);
    await runToEnd(lab);
    const summary = cli(['--mode', mode, '--nodes', '60', '--seed', '4', '--periods', '70', ...args]);
    assert.equal(await lab.text('first-detection'), fixed(summary.first_detection?.mean, 2));
    assert.equal(await lab.text('all-detection'), fixed(summary.all_detection?.mean, 2));
    assert.equal(await lab.text('false-detections'), fixed(summary.false_detections_per_1000_periods.mean, 1));
    assert.equal(await lab.text('datagrams-per-period'), fixed(summary.datagrams_per_node_per_period.mean, 3));
    assert.equal(await lab.text('bytes-per-period'), fixed(summary.bytes_per_node_per_period.mean, 0));
    if (summary.join_time !== undefined) {
      assert.equal(await lab.text('join-time'), fixed(summary.join_time?.mean, 2));
    }
    assert.equal(await lab.text('rounds-to-all'), 'n/a');
    assert.equal(await lab.number('round'), 70);
    // The matrix's crashed column: orange cells in the middle of the canvas are drawn.
    const painted = await lab.page.getByTestId('membership-matrix').evaluate((canvas) => {
      const data = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data;
      let orange = 0;
      for (let i = 0; i < data.length; i += 4) if (data[i] === 213 && data[i + 1] === 94 && data[i + 2] === 0) orange++;
      return orange;
    });
    assert.ok(painted > 0, 'failed cells in the matrix');
    await lab.page.getByTestId('membership').scrollIntoViewIfNeeded();
    await lab.page.screenshot({ path: `${ARTIFACTS}membership-${mode}-1280x720.png`, fullPage: true });
    assert.deepEqual(lab.errors, []);
    await lab.page.close();
  });
}

test('the membership controls change the run', async () => {
  const lab = await openLab('?mode=swim&n=40&seed=2&speed=60');
  await runToEnd(lab);
  const before = await lab.text('datagrams-per-period');
  await lab.field('Ping-req k value').fill('6');
  await lab.field('Ping-req k value').press('Enter');
  await lab.field('Loss % value').fill('20');
  await lab.field('Loss % value').press('Enter');
  await runToEnd(lab);
  assert.notEqual(await lab.text('datagrams-per-period'), before);
  await lab.button('heartbeat').click();
  await lab.field('T_fail (periods) value').fill('3');
  await lab.field('T_fail (periods) value').press('Enter');
  await runToEnd(lab);
  assert.ok(Number(await lab.text('false-detections')) > 0, 'a small T_fail under loss fails live nodes');
  await lab.button('cassandra').click();
  await lab.field('Phi threshold value').fill('12');
  await lab.field('Phi threshold value').press('Enter');
  await lab.page.locator('#join-at').fill('15');
  await lab.page.locator('#join-at').press('Enter');
  await runToEnd(lab);
  await lab.page.getByTestId('join-time').waitFor();
  assert.deepEqual(lab.errors, []);
  await lab.page.close();
});

test('click a node to crash it, and watch SWIM detect it', async () => {
  const lab = await openLab('?mode=swim&n=30&seed=2&crash_at=1:0&speed=4');
  await lab.button('Step').click();
  assert.equal(await lab.text('first-detection'), '–');
  await lab.button('crash').click();
  const stage = lab.page.getByTestId('stage');
  const box = await stage.boundingBox();
  const live = await lab.number('live');
  // Click around the circle until a node crashes.
  for (let step = 1; step < 60 && (await lab.number('live')) === live; step++) {
    const angle = (step / 60) * 2 * Math.PI;
    const radius = Math.min(box.width, box.height) * 0.4;
    await stage.click({ position: { x: box.width / 2 + Math.sin(angle) * radius, y: box.height / 2 - Math.cos(angle) * radius } });
  }
  assert.equal(await lab.number('live'), live - 1, 'one node crashed');
  for (let round = 0; round < 4; round++) await lab.button('Step').click();
  assert.notEqual(await lab.text('first-detection'), '–', 'detected within a few periods');
  await lab.page.waitForTimeout(300);
  await lab.page.screenshot({ path: `${ARTIFACTS}membership-click-crash-suspected-1280x720.png`, fullPage: true });
  for (let round = 0; round < 12; round++) await lab.button('Step').click();
  assert.notEqual(await lab.text('all-detection'), '–', 'every live node considers it failed');
  await lab.page.waitForTimeout(300);
  await lab.page.screenshot({ path: `${ARTIFACTS}membership-click-crash-detected-1280x720.png`, fullPage: true });
  assert.deepEqual(lab.errors, []);
  await lab.page.close();
});

test('SWIM speaks of suspicion on the stage: a crashed member turns suspected, then believed failed, and no label says "informed"', async () => {
  const lab = await openLab('?mode=swim&n=50&seed=1');
  const stage = lab.page.getByTestId('stage');
  // Before the crash (round 10 by default) the group believes every member alive.
  for (let round = 0; round < 5; round++) await lab.button('Step').click();
  await lab.page.waitForFunction(() => document.querySelector('[data-testid="stage"]')?.hasAttribute('data-suspected'));
  assert.equal(await stage.getAttribute('data-suspected'), '0');
  assert.equal(await stage.getAttribute('data-believed-failed'), '0');
  // Past the crash, a few periods: the crashed member is suspected or believed failed.
  for (let round = 5; round < 14; round++) await lab.button('Step').click();
  await lab.page.waitForFunction(() => {
    const canvas = document.querySelector('[data-testid="stage"]');
    return Number(canvas?.getAttribute('data-suspected')) + Number(canvas?.getAttribute('data-believed-failed')) > 0;
  }, null, { timeout: 5000 });
  // The stage is not all one colour: some pixel is amber or vermilion (the matrix's suspected and failed).
  const shaded = await stage.evaluate((canvas) => {
    const data = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data;
    let count = 0;
    for (let i = 0; i < data.length; i += 4) {
      const [r, g, b] = [data[i], data[i + 1], data[i + 2]];
      if (r > 200 && b < 60 && g > 80 && g < 200) count++;
    }
    return count;
  });
  assert.ok(shaded > 20, `suspicion is drawn on the stage (${shaded} amber or vermilion pixels)`);
  // A few more periods: most of the group believes it failed.
  for (let round = 14; round < 20; round++) await lab.button('Step').click();
  await lab.page.waitForFunction(() => Number(document.querySelector('[data-testid="stage"]')?.getAttribute('data-believed-failed')) > 0, null, { timeout: 5000 });
  // The words: the page's visible text and the labels of the stage and chart never say "informed".
  const words = await lab.page.evaluate(() => [
    document.body.innerText,
    ...[...document.querySelectorAll('[aria-label]')].filter((element) => element.getClientRects().length > 0).map((element) => element.getAttribute('aria-label')),
  ].join('\n'));
  const informed = words.split('\n').filter((line) => /informed/i.test(line));
  assert.deepEqual(informed, [], 'no label in the membership run view says "informed"');
  assert.match(await lab.text('node-details'), /view of the members/);
  await lab.page.screenshot({ path: `${ARTIFACTS}membership-swim-stage-beliefs-1280x720.png` });
  assert.deepEqual(lab.errors, []);
  await lab.page.close();
});

test('heartbeat at 2,000 nodes from a URL plays, and the page says why it stops there', async () => {
  const lab = await openLab('?mode=heartbeat&n=2000&autoplay=1');
  assert.equal(await lab.field('Nodes N value').inputValue(), '2000');
  assert.equal(await lab.page.getByTestId('notice').count(), 0, 'N = 2,000 is taken as it is');
  await lab.page.waitForFunction(() => Number(document.querySelector('[data-testid="round"]')?.textContent) >= 3, null, { timeout: 60000 });
  assert.equal(await lab.button('Pause').count(), 1, 'still playing');
  // The nodes slider's hint gives the cap and its reason; a larger N is set back with both.
  const hint = lab.page.locator('.hint', { hasText: '(log scale)' }).first();
  assert.match(await hint.textContent(), /^2 to 2,000 \(log scale\): every node keeps a list of every member$/);
  await lab.page.screenshot({ path: `${ARTIFACTS}membership-heartbeat-2000-1280x720.png` });
  await lab.field('Nodes N value').fill('5000');
  await lab.field('Nodes N value').press('Enter');
  assert.match(await lab.text('notice'), /Heartbeat runs in the page with at most 2000 nodes: every node keeps a list of every member \(gossip-sim takes more\)/);
  assert.equal(await lab.field('Nodes N value').inputValue(), '2000');
  assert.deepEqual(lab.errors, []);
  await lab.page.close();
});
