// Every user flow of the visualizer, driven in Chromium over the served release build (dist/).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { labSuite, cliSummary, ARTIFACTS } from './harness.mjs';

const openLab = labSuite({ before, after });

/** Rounds gossip-sim reports for one trial of this configuration (trial 0 is the seed itself). */
const cliRounds = (args) => cliSummary(args).rounds.mean;

async function setField(lab, name, value) {
  const field = lab.field(name);
  await field.fill(String(value));
  await field.press('Enter');
  await field.blur();
}

test('the page loads with its stage, chart and numbers, and no console error', async () => {
  const lab = await openLab();
  await lab.page.waitForTimeout(300);
  assert.equal(await lab.page.title(), 'Gossip Lab');
  assert.ok(await lab.page.getByTestId('stage').isVisible());
  assert.ok(await lab.page.getByTestId('chart').isVisible());
  assert.equal(await lab.number('round'), 0);
  assert.equal(await lab.number('live'), 200);
  assert.equal(await lab.number('informed'), 1);
  assert.equal((await lab.text('fraction')).trim(), '0.5%');
  assert.equal((await lab.text('rounds-to-all')).trim(), '');
  assert.equal(await lab.page.locator('#loading').count(), 0, 'the loading note is removed');
  assert.deepEqual(lab.errors, []);
  await lab.page.close();
});

test('a URL runs to 100% and shows the rounds gossip-sim reports for that seed', async () => {
  const lab = await openLab('?n=1000&b=2&mode=pull&seed=3&autoplay=1&speed=60');
  const rounds = await lab.waitForCompletion();
  assert.equal(rounds, cliRounds(['--nodes', '1000', '--fanout', '2', '--mode', 'pull', '--seed', '3']));
  assert.equal((await lab.text('fraction')).trim(), '100.0%');
  assert.equal(await lab.number('informed'), 1000);
  assert.deepEqual(lab.errors, []);
  await lab.page.close();
});

test('Step, Reset, Play and Run to end drive the run', async () => {
  const lab = await openLab('?n=300&seed=5');
  await lab.button('Step').click();
  assert.equal(await lab.number('round'), 1);
  assert.equal(await lab.number('datagrams'), 1, 'push: one informed node, fanout 1');
  await lab.button('Step').click();
  assert.equal(await lab.number('round'), 2);
  await lab.button('Reset').click();
  assert.equal(await lab.number('round'), 0);
  await lab.button('Play').click();
  await lab.page.waitForFunction(() => Number(document.querySelector('[data-testid="round"]').textContent) >= 2);
  await lab.button('Pause').click();
  const paused = await lab.number('round');
  await lab.page.waitForTimeout(1200);
  assert.equal(await lab.number('round'), paused, 'pausing stops the rounds');
  await lab.button('Run to end').click();
  const rounds = await lab.waitForCompletion();
  assert.equal(rounds, cliRounds(['--nodes', '300', '--seed', '5']));
  assert.ok(await lab.button('Step').isDisabled(), 'nothing to step once complete');
  assert.deepEqual(lab.errors, []);
  await lab.page.close();
});

test('each parameter control changes what it should', async () => {
  const lab = await openLab('?n=300&seed=5');
  await setField(lab, 'Nodes N value', 401);
  assert.equal(await lab.number('live'), 401);

  await setField(lab, 'Crashed % value', 50);
  assert.equal(await lab.number('live'), 201, 'half of the 400 non-senders crash');

  await setField(lab, 'Fanout b value', 3);
  await lab.button('Step').click();
  assert.equal(await lab.number('datagrams'), 3, 'the sender calls three peers');

  await lab.button('pull', { exact: true }).click();
  assert.equal(await lab.button('pull').getAttribute('aria-pressed'), 'true');
  assert.match(await lab.text('explanation'), /^Pull:/);
  await lab.button('Step').click();
  assert.ok(await lab.number('datagrams') >= 201 * 3, 'every live node pulls three times');

  await setField(lab, 'Loss % value', 100);
  await lab.button('Run to end').click();
  await lab.page.waitForFunction(() => /cannot spread/.test(document.querySelector('[data-testid="status"]').textContent));
  assert.equal(await lab.number('informed'), 1);

  await setField(lab, 'Loss % value', 0);
  await setField(lab, 'Speed (rounds/s) value', 12);
  assert.equal(await lab.field('Speed (rounds/s) value').inputValue(), '12');

  const seedField = lab.page.getByRole('textbox', { name: 'Seed' });
  await seedField.fill('42');
  await seedField.press('Enter');
  await lab.button('Run to end').click();
  const rounds = await lab.waitForCompletion();
  assert.equal(rounds, cliRounds(['--nodes', '401', '--crash', '0.5', '--fanout', '3', '--mode', 'pull', '--seed', '42']));

  await lab.button('New seed').click();
  assert.notEqual(await seedField.inputValue(), '42');

  await lab.slider('Nodes N').fill('2');
  assert.equal(await lab.field('Nodes N value').inputValue(), '100', 'the log slider at 2 means N = 10^2');
  assert.deepEqual(lab.errors, []);
  await lab.page.close();
});

test('switching modes keeps earlier runs as ghosts until cleared', async () => {
  const lab = await openLab('?n=200&seed=2');
  const clear = lab.button('Clear earlier runs');
  assert.ok(await clear.isDisabled());
  await lab.button('Run to end').click();
  await lab.waitForCompletion();
  await lab.button('pull').click();
  assert.ok(await clear.isEnabled(), 'the push run is kept as a ghost');
  await clear.click();
  assert.ok(await clear.isDisabled());
  await lab.page.close();
});

test('out-of-range input is clamped with a visible explanation', async () => {
  const lab = await openLab();
  await setField(lab, 'Nodes N value', 2000000);
  assert.equal(await lab.number('live'), 1048576);
  assert.match(await lab.text('notice'), /N must be from 2 to 1048576; 2000000 was set to 1048576/);
  // Each protocol's own cap: the tree runs with at most 100,000 nodes in the page.
  await lab.button('tree').click();
  assert.equal(await lab.number('live'), 100000);
  assert.match(await lab.text('notice'), /Tree runs in the page with at most 100000 nodes: more would not keep the frames smooth \(gossip-sim takes more\)/);
  const seedField = lab.page.getByRole('textbox', { name: 'Seed' });
  await seedField.fill('not-a-seed');
  await seedField.press('Enter');
  assert.match(await lab.text('notice'), /Seed "not-a-seed" is not a whole number/);
  await lab.button('Dismiss').click();
  assert.equal(await lab.page.getByTestId('notice').count(), 0);
  assert.deepEqual(lab.errors, []);
  await lab.page.close();
});

test('invalid URL values show specific messages and fall back to defaults', async () => {
  const lab = await openLab('?n=abc&b=99&loss=2&crash=-1&mode=gossip&seed=x&speed=0&colour=red');
  const notice = await lab.text('notice');
  for (const expected of [/n="abc"/, /b="99"/, /loss="2"/, /crash="-1"/, /mode="gossip"/, /seed="x"/, /speed="0"/, /"colour" is unknown/]) {
    assert.match(notice, expected);
  }
  assert.equal(await lab.number('live'), 200);
  await lab.button('Run to end').click();
  assert.ok((await lab.waitForCompletion()) > 0, 'the page still works');
  assert.deepEqual(lab.errors, []);
  await lab.page.close();
});

test('keyboard: Space plays and pauses, Right arrow steps, R resets', async () => {
  // At 0.25 rounds/s a played round waits 4 s: no round is played between two quick presses.
  const lab = await openLab('?n=300&speed=0.25');
  await lab.page.locator('body').click({ position: { x: 5, y: 5 } });
  await lab.page.keyboard.press('ArrowRight');
  assert.equal(await lab.number('round'), 1);
  await lab.page.keyboard.press('r');
  assert.equal(await lab.number('round'), 0);
  await lab.page.keyboard.press('Space');
  assert.equal(await lab.button('Pause').count(), 1);
  await lab.page.keyboard.press('Space');
  assert.equal(await lab.button('Play').count(), 1);
  // After a click, focus sits on the Step button: Space must toggle play once and not press Step
  // too, which would play a round and pause again.
  await lab.button('Step').click();
  const stepped = await lab.number('round');
  assert.equal(stepped, 1);
  assert.equal(await lab.page.evaluate(() => document.activeElement?.textContent), 'Step', 'focus sits on Step');
  await lab.page.keyboard.press('Space');
  assert.equal(await lab.button('Pause').count(), 1, 'Space plays with focus on Step');
  assert.equal(await lab.number('round'), stepped, 'Space did not also press Step');
  await lab.page.keyboard.press('Space');
  assert.equal(await lab.button('Play').count(), 1, 'a second Space pauses');
  assert.equal(await lab.number('round'), stepped, 'two presses of Space neither stepped nor played a round');
  await lab.page.keyboard.press('Tab');
  assert.ok(await lab.page.evaluate(() => document.activeElement && document.activeElement !== document.body), 'controls take focus');
  await lab.page.close();
});

test('clicking a node shows who informed it', async () => {
  const lab = await openLab('?n=20&seed=4');
  await lab.button('Run to end').click();
  await lab.waitForCompletion();
  const stage = lab.page.getByTestId('stage');
  const box = await stage.boundingBox();
  // Node 0 sits at the top of the circle (radius 0.43 of the side).
  await stage.click({ position: { x: box.width / 2, y: box.height / 2 - 0.43 * Math.min(box.width, box.height) } });
  assert.match(await lab.text('node-details'), /Node 0: the sender/);
  // Node 5 of 20 sits at the right.
  await stage.click({ position: { x: box.width / 2 + 0.43 * Math.min(box.width, box.height), y: box.height / 2 } });
  assert.match(await lab.text('node-details'), /Node 5: informed in round \d+ by node \d+\./);
  await lab.page.close();
});

test('a large network runs to the end as a dense field', async () => {
  const lab = await openLab('?n=100000&mode=push-pull&autoplay=1&speed=60');
  const rounds = await lab.waitForCompletion(60000);
  assert.equal(rounds, cliRounds(['--nodes', '100000', '--mode', 'push-pull', '--seed', '1']));
  assert.deepEqual(lab.errors, []);
  await lab.page.close();
});

test('a million nodes run to the end in the page, one cell each on the dense field', async () => {
  const lab = await openLab('?n=1048576&mode=pull&loss=0.1&crash=0.05&seed=2');
  const live = await lab.number('live');
  assert.ok(live > 990000 && live < 1000000, `${live} live of 1048576 with 5 % crashed`);
  await lab.button('Run to end').click();
  const rounds = await lab.waitForCompletion(60000);
  assert.equal(rounds, cliRounds(['--nodes', '1048576', '--mode', 'pull', '--loss', '0.1', '--crash', '0.05', '--seed', '2']));
  // The field is painted: the stage's centre holds coloured cells, not the background.
  const painted = await lab.page.evaluate(() => {
    const canvas = document.querySelector('[data-testid="stage"]');
    const context = canvas.getContext('2d');
    const { data } = context.getImageData(Math.floor(canvas.width / 2) - 20, Math.floor(canvas.height / 2) - 20, 40, 40);
    let coloured = 0;
    for (let i = 0; i < data.length; i += 4) if (!(data[i] > 240 && data[i + 1] > 240 && data[i + 2] > 240)) coloured++;
    return coloured;
  });
  assert.ok(painted > 1500, `${painted} of 1600 centre pixels painted`);
  await lab.page.screenshot({ path: `${ARTIFACTS}million-1280x720.png` });
  assert.deepEqual(lab.errors, []);
  await lab.page.close();
});

test('screenshots at projector and phone sizes', async () => {
  for (const [name, viewport, query] of [
    ['desktop-1280x720', { width: 1280, height: 720 }, '?n=120&seed=7&mode=push-pull&loss=0.1&crash=0.1'],
    ['phone-390x844', { width: 390, height: 844 }, '?n=60&seed=7'],
    ['large-1280x720', { width: 1280, height: 720 }, '?n=20000&mode=pull&seed=3'],
  ]) {
    const lab = await openLab(query, viewport);
    for (let step = 0; step < 5; step++) await lab.button('Step').click();
    await lab.page.waitForTimeout(400);
    await lab.page.screenshot({ path: `${ARTIFACTS}${name}.png`, fullPage: name.startsWith('phone') });
    assert.deepEqual(lab.errors, []);
    await lab.page.close();
  }
});

test('the status line says the run is ready at round 0, and running once it plays', async () => {
  const lab = await openLab('?mode=push&n=50&seed=1');
  assert.equal((await lab.text('status')).trim(), 'Ready: press Play, Step or Run to end.');
  await lab.button('Step').click();
  await lab.page.waitForFunction(() => /^Running: /.test(document.querySelector('[data-testid="status"]').textContent));
  await lab.button('Reset').click();
  await lab.page.waitForFunction(() => /^Ready: /.test(document.querySelector('[data-testid="status"]').textContent));
  // Playing from round 0: running, not ready, before the first round is drawn.
  await lab.button('Play').click();
  assert.match(await lab.text('status'), /^(Running: |After \d+ rounds)/);
  assert.deepEqual(lab.errors, []);
  await lab.page.close();
});
