// Many messages in the page: the M, K, policy and injection controls, the coverage heat strip,
// the latency per message under each policy, and the counts panel's latency, each checked
// against gossip-sim for the same seed.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { labSuite, cliSummary as cli, ARTIFACTS } from './harness.mjs';

const openLab = labSuite({ before, after });

async function setField(lab, name, value) {
  const field = lab.field(name);
  await field.fill(String(value));
  await field.press('Enter');
  await field.blur();
}

/** Pixels of a canvas close to each of `colours` ([r, g, b]), counted in the page. */
async function pixelCounts(lab, testId, colours) {
  return lab.page.evaluate(([testId, colours]) => {
    const canvas = document.querySelector(`[data-testid="${testId}"]`);
    const data = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data;
    const counts = colours.map(() => 0);
    for (let i = 0; i < data.length; i += 4) {
      colours.forEach(([r, g, b], index) => {
        if (Math.abs(data[i] - r) + Math.abs(data[i + 1] - g) + Math.abs(data[i + 2] - b) < 24) counts[index] += 1;
      });
    }
    return counts;
  }, [testId, colours]);
}

const COMPLETE = [8, 48, 107];
const NOBODY = [222, 222, 222];
const POLICY_COLOURS = [[0, 114, 178], [213, 94, 0], [0, 158, 115]];

test('?messages=8&capacity=1: the heat strip, the latency chart and the latency numbers, as gossip-sim says', async () => {
  const lab = await openLab('?mode=push&n=200&messages=8&capacity=1&policy=random&seed=3&speed=60&autoplay=1');
  assert.equal(await lab.field('Messages M value').inputValue(), '8');
  assert.equal(await lab.field('Capacity K value').inputValue(), '1');
  assert.equal(await lab.button('random').getAttribute('aria-pressed'), 'true');
  assert.match(await lab.text('messages-explanation'), /a datagram carries at most K/);
  const rounds = await lab.waitForCompletion(90000);
  const summary = cli(['--mode', 'push', '--nodes', '200', '--messages', '8', '--capacity', '1', '--seed', '3']);
  assert.equal(rounds, summary.rounds.mean);
  assert.equal(Number(await lab.text('message-latency')), Number(summary.message_latency.mean.toFixed(1)));
  assert.equal(await lab.number('message-latency-worst'), summary.message_latency.max);
  assert.equal(await lab.number('incomplete-messages'), 0);
  // The strip: complete cells (dark) on the right, empty cells (pale) at the start.
  await lab.page.waitForTimeout(300);
  const [complete, nobody] = await pixelCounts(lab, 'coverage-chart', [COMPLETE, NOBODY]);
  assert.ok(complete > 1000 && nobody > 100, `complete ${complete}, nobody ${nobody}`);
  // The latency chart: a line (at least a dot) for each policy, and its legend. Under priority
  // with K = 1 push only ever spreads the top message: one dot, 7 messages never everywhere.
  const lines = await pixelCounts(lab, 'latency-chart', POLICY_COLOURS);
  lines.forEach((count, index) => assert.ok(count > 10, `policy ${index}: ${count} pixels`));
  const legend = await lab.page.getByTestId('latency-legend').locator('li').allTextContents();
  assert.equal(legend.length, 3);
  assert.match(legend[0], new RegExp(`^random: mean ${summary.message_latency.mean.toFixed(1)}, worst ${summary.message_latency.max} rounds`));
  assert.match(legend[1], /^recent: mean [\d.]+, worst \d+ rounds/);
  assert.match(legend[2], /^priority: .*7 never everywhere/);
  await lab.page.screenshot({ path: `${ARTIFACTS}messages-1280x720.png` });
  await lab.page.getByTestId('coverage-chart').screenshot({ path: `${ARTIFACTS}messages-coverage.png` });
  await lab.page.getByTestId('latency-chart').screenshot({ path: `${ARTIFACTS}messages-latency.png` });
  assert.deepEqual(lab.errors, []);
  await lab.page.close();
});

test('every control: messages, capacity, policy and injection give gossip-sim\'s run', async () => {
  const lab = await openLab('?mode=pull&n=150&seed=4&speed=60');
  assert.equal(await lab.slider('Capacity K').count(), 0, 'no capacity with one message');
  assert.equal(await lab.page.getByTestId('coverage-chart').count(), 0);
  await setField(lab, 'Messages M value', 6);
  await lab.slider('Capacity K').waitFor();
  await setField(lab, 'Capacity K value', 2);
  await lab.button('recent').click();
  assert.equal(await lab.button('recent').getAttribute('aria-pressed'), 'true');
  await setField(lab, 'Inject every (rounds) value', 3);
  await lab.button('Run to end').click();
  const rounds = await lab.waitForCompletion(60000);
  const summary = cli(['--mode', 'pull', '--nodes', '150', '--seed', '4', '--messages', '6', '--capacity', '2',
    '--policy', 'recent', '--inject-every', '3']);
  assert.equal(rounds, summary.rounds.mean);
  assert.equal(await lab.number('message-latency-worst'), summary.message_latency.max);
  // The slider moves M as well; priority is a button like the others.
  await lab.slider('Messages M').fill('4');
  assert.equal(await lab.field('Messages M value').inputValue(), '4');
  await lab.button('priority').click();
  assert.equal(await lab.button('priority').getAttribute('aria-pressed'), 'true');
  await lab.slider('Capacity K').fill('3');
  assert.equal(await lab.field('Capacity K value').inputValue(), '3');
  await lab.slider('Inject every (rounds)').fill('0');
  assert.equal(await lab.field('Inject every (rounds) value').inputValue(), '0');
  await lab.button('Run to end').click();
  const again = await lab.waitForCompletion(60000);
  const other = cli(['--mode', 'pull', '--nodes', '150', '--seed', '4', '--messages', '4', '--capacity', '3', '--policy', 'priority']);
  assert.equal(again, other.rounds.mean);
  await lab.page.screenshot({ path: `${ARTIFACTS}messages-controls-1280x720.png` });
  assert.deepEqual(lab.errors, []);
  await lab.page.close();
});

test('recent starves old messages: the latency chart and the counts say so; bad URL values are refused', async () => {
  const lab = await openLab('?mode=push&n=300&messages=8&capacity=1&policy=recent&seed=5&speed=60');
  await lab.button('Run to end').click();
  const rounds = await lab.waitForCompletion(90000);
  const recent = cli(['--mode', 'push', '--nodes', '300', '--messages', '8', '--policy', 'recent', '--seed', '5']);
  const random = cli(['--mode', 'push', '--nodes', '300', '--messages', '8', '--policy', 'random', '--seed', '5']);
  assert.equal(rounds, recent.rounds.mean);
  assert.equal(await lab.number('message-latency-worst'), recent.message_latency.max);
  assert.ok(recent.message_latency.max > 2 * random.message_latency.max,
    `recent's slowest message ${recent.message_latency.max} rounds, random's ${random.message_latency.max}`);
  await lab.page.screenshot({ path: `${ARTIFACTS}messages-recent-1280x720.png` });
  await lab.page.close();

  const bad = await openLab('?messages=99&policy=lifo&capacity=0');
  const notice = await bad.text('notice');
  assert.match(notice, /messages/);
  assert.match(notice, /policy/);
  assert.match(notice, /capacity/);
  assert.equal(await bad.page.getByTestId('coverage-chart').count(), 0, 'back to one message');
  await bad.page.close();
});

test('the phone layout keeps the strip and the latency chart readable', async () => {
  const lab = await openLab('?mode=push-pull&n=100&messages=12&capacity=2&policy=priority&inject-every=2&seed=6&speed=60&autoplay=1', { width: 390, height: 844 });
  await lab.waitForCompletion(60000);
  await lab.page.getByTestId('coverage-chart').scrollIntoViewIfNeeded();
  await lab.page.screenshot({ path: `${ARTIFACTS}messages-390x844.png`, fullPage: true });
  assert.deepEqual(lab.errors, []);
  await lab.page.close();
});
