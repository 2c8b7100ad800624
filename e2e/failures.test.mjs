// Failures and delays in the page: every control changes the run, datagrams in flight across
// round boundaries are counted, clicking a node crashes and recovers it (with or without its
// state), and a seeded run with a delay and a crash schedule shows what gossip-sim reports.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { labSuite, cliSummary as cli, ARTIFACTS } from './harness.mjs';

const openLab = labSuite({ before, after });

test('a delay keeps datagrams in flight across rounds, counted and drawn', async () => {
  const lab = await openLab('?mode=push&n=200&delay=fixed:2.5&seed=3&speed=1');
  assert.equal(await lab.button('fixed').getAttribute('aria-pressed'), 'true');
  assert.equal(await lab.page.locator('#delay-d').inputValue(), '2.5');
  await lab.button('Step').click();
  await lab.button('Step').click();
  await lab.button('Step').click();
  await lab.button('Step').click();
  assert.ok(await lab.number('in-flight') > 0, 'datagrams in flight');
  await lab.page.waitForTimeout(400);
  await lab.page.screenshot({ path: `${ARTIFACTS}delay-in-flight-1280x720.png` });
  assert.deepEqual(lab.errors, []);
  await lab.page.close();
});

test('every failure control changes the run', async () => {
  const lab = await openLab('?mode=push&n=200&seed=5&speed=60');
  await lab.button('Run to end').click();
  const plain = await lab.waitForCompletion();
  const plainLost = await lab.number('lost');
  // Delay: each distribution, then its numbers.
  await lab.button('exp').click();
  assert.match(await lab.text('rounds-to-all'), /^$/, 'a new run');
  await lab.button('Run to end').click();
  const exp = await lab.waitForCompletion();
  assert.notEqual(exp, plain);
  await lab.page.locator('#delay-mean').fill('3');
  await lab.page.locator('#delay-mean').press('Enter');
  await lab.button('Run to end').click();
  assert.ok(await lab.waitForCompletion() > exp, 'a longer mean delay is slower');
  await lab.button('uniform').click();
  await lab.page.locator('#delay-b').fill('1');
  await lab.page.locator('#delay-b').press('Enter');
  await lab.button('Run to end').click();
  const uniform = await lab.waitForCompletion();
  assert.ok(uniform !== exp);
  await lab.button('no delay').click();
  // Burst loss with Loss % as the bad state's loss.
  await lab.field('Loss % value').fill('80');
  await lab.field('Loss % value').press('Enter');
  await lab.button('Run to end').click();
  await lab.waitForCompletion();
  const independent = await lab.number('lost');
  await lab.button('bursts').click();
  await lab.page.locator('#burst-p').fill('0.02');
  await lab.page.locator('#burst-p').press('Enter');
  await lab.button('Run to end').click();
  await lab.waitForCompletion();
  const bursty = await lab.number('lost');
  assert.ok(bursty < independent, `burst ${bursty} < independent ${independent}`);
  assert.ok(independent > plainLost);
  await lab.button('independent').click();
  await lab.field('Loss % value').fill('0');
  await lab.field('Loss % value').press('Enter');
  // A crash schedule: add a row, change it, remove it.
  await lab.page.locator('#crash-at-add').click();
  assert.equal(await lab.page.getByTestId('crash-row').count(), 1);
  await lab.page.locator('#crash-at-fraction-0').fill('40');
  await lab.page.locator('#crash-at-fraction-0').press('Enter');
  await lab.page.locator('#crash-at-round-0').fill('4');
  await lab.page.locator('#crash-at-round-0').press('Enter');
  await lab.button('Run to end').click();
  await lab.waitForCompletion();
  assert.equal(await lab.number('live'), 200 - 80);
  await lab.page.screenshot({ path: `${ARTIFACTS}failure-controls-1280x720.png`, fullPage: true });
  await lab.page.getByRole('button', { name: 'remove crash 1' }).click();
  assert.equal(await lab.page.getByTestId('crash-row').count(), 0);
  // A malformed value gets a notice and the schedule stays valid.
  await lab.page.locator('#crash-at-add').click();
  await lab.page.locator('#crash-at-fraction-0').fill('250');
  await lab.page.locator('#crash-at-fraction-0').press('Enter');
  assert.match(await lab.text('notice'), /crash_at must be .*fraction must be from 0 to 1/);
  assert.deepEqual(lab.errors, []);
  await lab.page.close();
});

test('malformed URL values get a notice and a safe default', async () => {
  const lab = await openLab('?delay=uniform:3:1&burst=%3Cb%3Ex%3C/b%3E&crash_at=5:2');
  const notice = await lab.text('notice');
  assert.match(notice, /A <= B/);
  assert.match(notice, /burst/);
  assert.match(notice, /fraction must be from 0 to 1/);
  assert.equal(await lab.page.locator('b', { hasText: 'x' }).count(), 0, 'markup shown as text');
  assert.equal(await lab.button('no delay').getAttribute('aria-pressed'), 'true');
  await lab.page.close();
});


test('click to crash, then recover with its state or empty', async () => {
  for (const mode of ['with its state', 'empty']) {
    const lab = await openLab('?mode=push&n=20&seed=2&speed=60');
    await lab.button('Step').click();
    await lab.button('Step').click();
    await lab.button('Step').click();
    const stage = lab.page.getByTestId('stage');
    const box = await stage.boundingBox();
    // Inspect mode (the default): find an informed node by clicking around the circle.
    let target = null;
    for (let step = 1; step < 40 && target === null; step++) {
      const angle = (step / 40) * 2 * Math.PI;
      const radius = Math.min(box.width, box.height) * 0.4;
      for (const scale of [1, 0.95, 1.05, 0.9]) {
        const position = { x: box.width / 2 + Math.sin(angle) * radius * scale, y: box.height / 2 - Math.cos(angle) * radius * scale };
        await stage.click({ position });
        const details = await lab.text('node-details');
        const match = details.match(/^Node (\d+): informed in round/);
        if (match && match[1] !== '0') { target = { node: Number(match[1]), position }; break; }
      }
    }
    assert.ok(target, 'an informed node to crash');
    const live = await lab.number('live');
    await lab.button('crash').click();
    await lab.button(mode).click();
    await stage.click({ position: target.position });
    assert.equal(await lab.number('live'), live - 1, 'crashed before the next round');
    await lab.button('Step').click();
    await stage.click({ position: target.position });
    assert.equal(await lab.number('live'), live, 'recovered');

    await lab.button('inspect').click();
    await stage.click({ position: target.position });
    const details = await lab.text('node-details');
    if (mode === 'empty') {
      assert.doesNotMatch(details, /informed in round/, details);
    } else {
      assert.match(details, /informed in round/, details);
    }
    await lab.button('Run to end').click();
    await lab.waitForCompletion();
    await lab.page.screenshot({ path: `${ARTIFACTS}click-crash-${mode === 'empty' ? 'empty' : 'state'}-1280x720.png` });
    assert.deepEqual(lab.errors, []);
    await lab.page.close();
  }
});

test('the page and gossip-sim agree on a seeded run with a delay and a crash schedule', async () => {
  const lab = await openLab('?mode=push-pull&n=300&delay=exp:0.7&crash_at=3:0.1,6:0.2&loss=0.1&seed=9&speed=60&autoplay=1');
  const time = await lab.waitForCompletion(60000);
  const summary = cli(['--mode', 'push-pull', '--nodes', '300', '--delay', 'exp:0.7', '--crash-at', '3:0.1', '--crash-at', '6:0.2', '--loss', '0.1', '--seed', '9']);
  assert.equal(time, summary.rounds.mean);
  assert.equal(await lab.number('datagrams'), Math.round(summary.datagrams_per_node.mean * summary.live_nodes));
  assert.equal(await lab.number('live'), 300 - 30 - 60);
  await lab.page.close();
});
