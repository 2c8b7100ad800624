// The page reads each protocol through its descriptor: the lesson's figure as gossip-sim computes
// it, the theory note (and no theory curve where none holds), URL parameters the protocol does not
// take ignored with a notice, the page's memory budget, and membership's own words.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { cliSummary as cli, ARTIFACTS } from './harness.mjs';
import { viewSuite } from './views.mjs';

const openView = viewSuite({ before, after });

/** Opens the page on its own tab; the run view once its counts are there. */
async function openLab(query) {
  const lab = await openView(query);
  await lab.page.getByTestId('round').first().waitFor();
  return lab;
}

/** The page's figure format (panels.rs `figure`): whole numbers bare, two decimals below 1, one
 * up to 100, none above. */
function figure(value) {
  if (Math.abs(value - Math.round(value)) < 1e-9 || value >= 100) return value.toFixed(0);
  return value < 1 ? value.toFixed(2) : value.toFixed(1);
}

test('SRM with loss: the lesson shows the expected and measured figures gossip-sim prints', async () => {
  // A star (the sender above 16 leaves): theory.md's 1 + n u - u^n holds there.
  const lab = await openLab('?mode=srm&n=17&b=16&loss=0.05&c2=8&seed=3');
  assert.ok(await lab.page.getByTestId('lesson-expected').isVisible());
  await lab.button('Run to end').click();
  await lab.page.waitForFunction(() => !/^Running/.test(document.querySelector('[data-testid="status"]').textContent), null, { timeout: 120000 });
  const expected = (await lab.text('lesson-expected')).trim();
  const measured = (await lab.text('lesson-measured')).trim();
  assert.ok(Number.isFinite(Number(expected)), `expected is a number: ${expected}`);
  assert.ok(Number.isFinite(Number(measured)), `measured is a number: ${measured}`);
  const summary = cli(['--mode', 'srm', '--nodes', '17', '--fanout', '16', '--loss', '0.05', '--c2', '8', '--seed', '3']);
  assert.equal(expected, figure(summary.lesson.expected));
  assert.equal(measured, figure(summary.lesson.measured));
  assert.match(await lab.text('expectation'), new RegExp(`^${summary.lesson.figure}`, 'i'));
  // Repairs under loss have no closed form: the note says so and no theory curve is drawn.
  assert.match(await lab.text('theory-note'), /no closed-form theory/);
  assert.equal(await lab.page.getByTestId('chart').getAttribute('data-theory-curve'), 'none');
  assert.deepEqual(lab.errors, []);
  await lab.page.close();
});

test('SRM on a chain at 5 % loss: no expected figure where the model does not hold, and why', async () => {
  const lab = await openLab('?mode=srm&n=200&b=1&loss=0.05&seed=3');
  // The reason stands where the figure would: no dash, no "expected about".
  assert.equal(await lab.page.getByTestId('lesson-expected').count(), 0);
  assert.match(await lab.text('expectation'), /^NAKs per node that missed a packet: no closed form: .* losses on a packet's way down.*\. This run: /);
  assert.doesNotMatch(await lab.text('expectation'), /expected about|–/);
  const summary = cli(['--mode', 'srm', '--nodes', '200', '--fanout', '1', '--loss', '0.05', '--seed', '3']);
  assert.equal(summary.lesson.expected, null);
  assert.deepEqual(lab.errors, []);
  await lab.page.close();
});

test('racks with a delay: the theory note says there is no closed-form theory, and no theory legend', async () => {
  const lab = await openLab('?mode=push&racks=4&delay=fixed:1&seed=2');
  assert.match(await lab.text('theory-note'), /no closed-form theory for this combination/);
  assert.equal(await lab.page.getByTestId('chart').getAttribute('data-theory-curve'), 'none');
  assert.equal((await lab.text('theory-rounds')).trim(), '–');
  // Plain push on a flat network keeps its mean-field curve and says so.
  const flat = await openLab('?mode=push&seed=2');
  assert.match(await flat.text('theory-note'), /mean-field/);
  assert.match(await flat.page.getByTestId('chart').getAttribute('data-theory-curve'), /^theory: all by round \d+/);
  // Racks alone have their model, the mean field per rack, and the chart draws it.
  const racks = await openLab('?mode=push&racks=4&seed=2');
  assert.match(await racks.text('theory-note'), /per rack/);
  assert.notEqual(await racks.page.getByTestId('chart').getAttribute('data-theory-curve'), 'none');
  assert.deepEqual(lab.errors, []);
  assert.deepEqual(flat.errors, []);
  assert.deepEqual(racks.errors, []);
  await lab.page.close();
  await flat.page.close();
  await racks.page.close();
});

test('pull and push-pull with a delay: the lagged recurrence is drawn, with the rounds gossip-sim prints', async () => {
  for (const [mode, delay] of [['pull', 'exp:2'], ['push-pull', 'fixed:2.5']]) {
    const lab = await openLab(`?mode=${mode}&n=200&delay=${delay}&seed=3`);
    assert.match(await lab.text('theory-note'), new RegExp(`the lagged recurrence for delay ${delay}`));
    assert.match(await lab.page.getByTestId('chart').getAttribute('data-theory-curve'), /^theory: all by round \d+/);
    const summary = cli(['--mode', mode, '--nodes', '200', '--delay', delay, '--seed', '3']);
    assert.equal(await lab.number('theory-rounds'), summary.theory.mean_field_rounds);
    assert.equal((await lab.text('lesson-expected')).trim(), figure(summary.lesson.expected));
    if (mode === 'pull') await lab.page.screenshot({ path: `${ARTIFACTS}pull-delay-theory-1280x720.png` });
    assert.deepEqual(lab.errors, []);
    await lab.page.close();
  }
  // Under loss near 1 with a long delay the recurrence stops at its bound of work: the page says
  // how far the curve got, not a million rounds.
  const slow = await openLab('?mode=pull&n=1000&delay=exp:10&loss=0.95&seed=3');
  assert.match(await slow.text('theory-note'), /the lagged recurrence for delay exp:10/);
  const over = (await slow.text('theory-rounds')).trim();
  assert.match(over, /^over \d+$/);
  assert.ok(Number(over.slice(5)) > 100 && Number(over.slice(5)) < 4000, over);
  assert.equal(await slow.page.getByTestId('chart').getAttribute('data-theory-curve'), `theory: not within ${over.slice(5)} rounds`);
  assert.deepEqual(slow.errors, []);
  await slow.page.close();
});

test('?mode=push&suppression=off: the parameter is ignored with a notice naming it and srm', async () => {
  const lab = await openLab('?mode=push&suppression=off');
  const notice = await lab.text('notice');
  assert.match(notice, /suppression/);
  assert.match(notice, /srm/);
  assert.match(notice, /ignored/);
  // The run is push's, and it plays.
  assert.equal(await lab.button('push').getAttribute('aria-pressed'), 'true');
  await lab.button('Step').click();
  assert.equal(await lab.number('round'), 1);
  // The compare view runs SRM too: there the key is kept, without a notice.
  const compare = await openLab('?view=compare&modes=push,srm&suppression=off');
  assert.equal(await compare.page.getByTestId('notice').count(), 0);
  assert.deepEqual(lab.errors, []);
  assert.deepEqual(compare.errors, []);
  await lab.page.close();
  await compare.page.close();
});

test('a configuration over the page memory budget gets a notice, is not started, and the tab stays responsive', async () => {
  const lab = await openLab('?mode=pull&n=100000&b=16&delay=fixed:10&autoplay=1');
  const notice = await lab.text('notice');
  assert.match(notice, /memory/);
  assert.match(notice, /not started/);
  // The page opened with pull's defaults instead, paused.
  assert.equal(await lab.number('round'), 0);
  assert.equal(await lab.number('live'), 200);
  await lab.button('Step').click();
  assert.equal(await lab.number('round'), 1);
  const started = Date.now();
  assert.equal(await lab.page.evaluate(() => 6 * 7), 42);
  assert.ok(Date.now() - started < 2000, 'the tab answers at once');
  assert.deepEqual(lab.errors, []);
  await lab.page.close();
});

test('?mode=heartbeat&n=300&delay=exp:10&autoplay=1 plays without a panic, in membership words', async () => {
  const lab = await openLab('?mode=heartbeat&n=300&delay=exp:10&autoplay=1&speed=20');
  await lab.page.waitForFunction(() => Number(document.querySelector('[data-testid="round"]').textContent) >= 3, null, { timeout: 60000 });
  const legend = await lab.page.getByRole('list', { name: 'Legend', exact: true }).textContent();
  assert.match(legend, /believed failed/);
  assert.doesNotMatch(legend, /informed/);
  assert.match(await lab.text('node-details'), /view of the members/);
  assert.match(await lab.text('theory-note'), /no closed-form theory/);
  await lab.page.screenshot({ path: `${ARTIFACTS}heartbeat-delay-1280x720.png` });
  assert.deepEqual(lab.errors.filter((error) => /panic|unreachable|RuntimeError/i.test(error)), []);
  assert.deepEqual(lab.errors, []);
  await lab.page.close();
});
