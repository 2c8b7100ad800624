// async-racks: asynchronous periods and racks behind a core switch in the page: every control,
// the URL keys, the periods axis beside the synchronous theory, the rack layout with its core
// switch, the core chart and the core-per-round figure, each matching gossip-sim for the seed.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { labSuite, cliSummary as cli, ARTIFACTS } from './harness.mjs';

const openLab = labSuite({ before, after });

/** The RGB of the stage canvas at a point given as fractions of its box. */
async function stagePixel(lab, fx, fy) {
  return lab.page.getByTestId('stage').evaluate((canvas, [fx, fy]) => {
    const context = canvas.getContext('2d');
    const data = context.getImageData(Math.round(canvas.width * fx), Math.round(canvas.height * fy), 1, 1).data;
    return [data[0], data[1], data[2]];
  }, [fx, fy]);
}

test('?async=0.2 runs on each node\'s own clock: time in periods on the chart, the run as gossip-sim says', async () => {
  const lab = await openLab('?async=0.2&n=200&seed=3&autoplay=1&speed=30');
  assert.equal(await lab.page.getByLabel('Asynchronous periods').isChecked(), true);
  assert.equal(await lab.field('Jitter value').inputValue(), '0.2');
  assert.match(await lab.text('async-explanation'), /own clock.*time in periods/);
  assert.match(await lab.page.getByTestId('chart').getAttribute('aria-label'), /time in periods.*synchronous theory.*asynchronous/);
  await lab.page.waitForFunction(() => Number(document.querySelector('[data-testid="round"]').textContent) >= 6);
  await lab.page.screenshot({ path: `${ARTIFACTS}async-playing-1280x720.png` });
  const rounds = await lab.waitForCompletion();
  const summary = cli(['--nodes', '200', '--async', '0.2', '--seed', '3']);
  // Time in periods, exact to the tick, as gossip-sim reports it (the page steps 100-tick rounds).
  assert.equal(rounds, summary.rounds.mean);
  assert.notEqual(rounds, Math.round(rounds), 'a fraction of a period');
  assert.equal(await lab.number('informed'), 200);
  assert.equal(await lab.number('datagrams'), summary.datagrams_per_node.mean * 200);
  await lab.page.screenshot({ path: `${ARTIFACTS}async-1280x720.png` });
  assert.deepEqual(lab.errors, []);
  await lab.page.close();
});

test('the async switch and jitter control: on, a jitter, off, and a jitter out of range is clamped', async () => {
  const lab = await openLab('?n=100&seed=5');
  const toggle = lab.page.getByLabel('Asynchronous periods');
  assert.equal(await toggle.isChecked(), false);
  assert.equal(await lab.slider('Jitter').count(), 0);
  assert.match(await lab.page.getByTestId('chart').getAttribute('aria-label'), /per round/);
  await toggle.check();
  assert.equal(await lab.field('Jitter value').inputValue(), '0.1');
  assert.match(await lab.page.getByTestId('chart').getAttribute('aria-label'), /time in periods/);
  await lab.field('Jitter value').fill('0.35');
  await lab.field('Jitter value').press('Enter');
  await lab.page.waitForFunction(() => document.querySelector('#async-value').value === '0.35');
  await lab.button('Run to end').click();
  const rounds = await lab.waitForCompletion();
  assert.equal(rounds, cli(['--nodes', '100', '--async', '0.35', '--seed', '5']).rounds.mean);
  await lab.field('Jitter value').fill('0.9');
  await lab.field('Jitter value').press('Enter');
  await lab.page.getByTestId('notice').waitFor();
  assert.match(await lab.text('notice'), /Jitter must be from 0 to 0.5; 0.9 was set to 0.5/);
  assert.equal(await lab.field('Jitter value').inputValue(), '0.5');
  await toggle.uncheck();
  assert.equal(await lab.slider('Jitter').count(), 0);
  assert.equal(await lab.page.getByTestId('async-explanation').count(), 0);
  // Multicast protocols have no asynchronous periods nor racks.
  await lab.button('tree').click();
  assert.equal(await lab.page.getByLabel('Asynchronous periods').count(), 0);
  assert.equal(await lab.page.getByLabel('Racks', { exact: true }).count(), 0);
  await lab.page.close();
});

test('?racks=2 lays the nodes out by rack with the core switch, and counts the core traffic as gossip-sim does', async () => {
  const lab = await openLab('?racks=2&n=120&seed=2&autoplay=1&speed=60');
  assert.equal(await lab.page.getByLabel('Racks', { exact: true }).isChecked(), true);
  assert.equal(await lab.field('Racks R value').inputValue(), '2');
  assert.equal(await lab.page.getByLabel('Cross-rack auto (1 / rack size)').isChecked(), true);
  assert.match(await lab.text('racks-explanation'), /core switch/);
  await lab.page.getByTestId('core-chart').waitFor();
  const rounds = await lab.waitForCompletion();
  const summary = cli(['--nodes', '120', '--racks', '2', '--seed', '2']);
  assert.equal(rounds, summary.rounds.mean);
  assert.equal(Number(await lab.text('core-per-round')), Number(summary.core_per_round.mean.toFixed(2)));
  assert.ok(await lab.number('through-core') >= 1, 'the rumor crossed the core');
  // The core switch sits in the centre of the stage, drawn in ink.
  const [r, g, b] = await stagePixel(lab, 0.5, 0.5 - 0.01);
  assert.ok(r < 60 && g < 60 && b < 60, `core switch at the centre: ${r},${g},${b}`);
  await lab.page.screenshot({ path: `${ARTIFACTS}racks-1280x720.png` });
  assert.deepEqual(lab.errors, []);
  await lab.page.close();
});

test('the racks controls: on, R, a fixed cross-rack probability, cross 0 never crosses, off', async () => {
  const lab = await openLab('?n=80&seed=4');
  assert.equal(await lab.page.getByTestId('core-chart').count(), 0);
  assert.equal(await lab.page.getByTestId('core-per-round').count(), 0);
  await lab.page.getByLabel('Racks', { exact: true }).check();
  assert.equal(await lab.field('Racks R value').inputValue(), '2', 'two racks when turned on (the issue\'s default)');
  await lab.page.getByTestId('core-chart').waitFor();
  await lab.field('Racks R value').fill('4');
  await lab.field('Racks R value').press('Enter');
  await lab.page.waitForFunction(() => document.querySelector('#racks-value').value === '4');
  // Auto shows 1 / n_i = 4 / 80 on the slider.
  assert.equal(await lab.field('Cross-rack P value').inputValue(), '0.05');
  await lab.page.getByLabel('Cross-rack auto (1 / rack size)').uncheck();
  assert.equal(await lab.field('Cross-rack P value').inputValue(), '0.1');
  await lab.field('Cross-rack P value').fill('0');
  await lab.field('Cross-rack P value').press('Enter');
  await lab.page.waitForFunction(() => document.querySelector('#cross-value').value === '0');
  await lab.button('Run to end').click();
  await lab.page.waitForFunction(() => /round limit/.test(document.querySelector('[data-testid="status"]').textContent), null, { timeout: 30000 });
  assert.equal(await lab.number('through-core'), 0);
  assert.equal(await lab.number('informed'), 20, 'only the sender\'s rack of 20');
  await lab.page.screenshot({ path: `${ARTIFACTS}racks-cross-0-1280x720.png` });
  await lab.page.getByLabel('Racks', { exact: true }).uncheck();
  assert.equal(await lab.page.getByTestId('core-chart').count(), 0);
  assert.equal(await lab.slider('Racks R').count(), 0);
  await lab.page.close();
});

test('async and racks together from the URL, on a phone; invalid URL values fall back with a notice', async () => {
  const lab = await openLab('?racks=3&cross=0.2&async=0&mode=push-pull&n=150&seed=6&autoplay=1&speed=60', { width: 390, height: 844 });
  const rounds = await lab.waitForCompletion();
  const summary = cli(['--nodes', '150', '--racks', '3', '--cross', '0.2', '--async', '0', '--mode', 'push-pull', '--seed', '6']);
  assert.equal(rounds, summary.rounds.mean);
  assert.equal(Number(await lab.text('core-per-round')), Number(summary.core_per_round.mean.toFixed(2)));
  await lab.page.screenshot({ path: `${ARTIFACTS}async-racks-390x844.png`, fullPage: true });
  assert.deepEqual(lab.errors, []);
  await lab.page.close();
  const bad = await openLab('?racks=80&async=fast&cross=2&n=50');
  const notice = await bad.text('notice');
  assert.match(notice, /racks="80" is not a whole number from 1 to 64; using 1/);
  assert.match(notice, /async="fast" is not a number from 0 to 0.5, or off; using none/);
  assert.match(notice, /cross="2" is not a number from 0 to 1, or auto; using none/);
  assert.equal(await bad.page.getByLabel('Racks', { exact: true }).isChecked(), false);
  await bad.page.close();
});
