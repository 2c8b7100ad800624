// Rumor mongering and push-then-pull in the page: the stop-rule and hand-over controls, the
// residue beside its theory, a run that ends with nodes never informed said plainly, and the same
// numbers as gossip-sim for the same seed.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { labSuite, cliSummary as cli, ARTIFACTS } from './harness.mjs';

const openLab = labSuite({ before, after });

async function waitForStatus(lab, pattern, timeout = 60000) {
  await lab.page.waitForFunction((source) => new RegExp(source).test(document.querySelector('[data-testid="status"]')?.textContent ?? ''),
    pattern.source, { timeout });
  return lab.text('status');
}

test('?stop=feedback-counter&stop_k=2: the rumor dies out with a residue, as gossip-sim says', async () => {
  const lab = await openLab('?mode=push&n=1000&stop=feedback-counter&stop_k=2&seed=5&speed=60&autoplay=1');
  assert.equal(await lab.button('feedback-counter').getAttribute('aria-pressed'), 'true');
  assert.match(await lab.text('variant-explanation'), /Rumor mongering/);
  const status = await waitForStatus(lab, /died out/);
  const summary = cli(['--mode', 'push', '--nodes', '1000', '--stop', 'feedback-counter', '--stop-k', '2', '--seed', '5']);
  const missed = Math.round(summary.residue.mean * summary.live_nodes);
  assert.ok(missed > 0, 'k = 2 leaves about 4 % uninformed');
  assert.match(status, new RegExp(`${missed} live nodes never got it`));
  assert.equal(await lab.number('informed'), summary.live_nodes - missed);
  assert.equal(await lab.text('residue'), `${(summary.residue.mean * 100).toFixed(1)}%`);
  assert.equal(Number(await lab.text('traffic')), Number(summary.traffic.mean.toFixed(2)));
  assert.equal(await lab.number('kind-push'), Math.round(summary.kinds_per_node.push.mean * summary.live_nodes));
  assert.equal(await lab.number('kind-feedback'), Math.round(summary.kinds_per_node.feedback.mean * summary.live_nodes));
  // The mean field's residue is printed beside the run's.
  assert.match(await lab.text('expectation'), new RegExp(`expected about ${(summary.theory.residue * 100).toFixed(1)}%`));
  await lab.page.screenshot({ path: `${ARTIFACTS}mongering-1280x720.png` });
  assert.deepEqual(lab.errors, []);
  await lab.page.close();
});

test('the stop-rule switch and k field change the run, as gossip-sim says', async () => {
  const lab = await openLab('?mode=push&n=1000&seed=8&speed=60');
  assert.equal(await lab.button('none').getAttribute('aria-pressed'), 'true');
  await lab.button('blind-coin').click();
  assert.equal(await lab.button('blind-coin').getAttribute('aria-pressed'), 'true');
  await lab.field('k value').fill('4');
  await lab.field('k value').press('Enter');
  await lab.button('Run to end').click();
  await waitForStatus(lab, /died out|informed/);
  const summary = cli(['--mode', 'push', '--nodes', '1000', '--stop', 'blind-coin', '--stop-k', '4', '--seed', '8']);
  assert.equal(await lab.number('informed'), Math.round((1 - summary.residue.mean) * summary.live_nodes));
  assert.equal(await lab.number('kind-feedback'), 0, 'blind rules send no feedback');
  // Back to plain push: it never stops, and informs everyone.
  await lab.button('none').click();
  await lab.button('Run to end').click();
  await lab.waitForCompletion();
  assert.equal(await lab.number('informed'), 1000);
  await lab.page.close();
});

test('"Then pull" hands push over to pull at the chosen fraction, as gossip-sim --push-until does', async () => {
  const lab = await openLab('?mode=push&n=2000&seed=4&speed=60');
  await lab.page.getByLabel('Then pull').check();
  assert.equal(await lab.slider('Push until informed (%)').inputValue(), '50');
  await lab.field('Push until informed (%) value').fill('30');
  await lab.field('Push until informed (%) value').press('Enter');
  assert.match(await lab.text('variant-explanation'), /Push, then pull/);
  await lab.button('Run to end').click();
  const rounds = await lab.waitForCompletion();
  const summary = cli(['--mode', 'push', '--nodes', '2000', '--push-until', '0.3', '--seed', '4']);
  assert.equal(rounds, summary.rounds.mean);
  assert.equal(await lab.number('kind-push'), Math.round(summary.kinds_per_node.push.mean * summary.live_nodes));
  assert.ok(await lab.number('kind-pull-request') > 0);
  // A stop rule replaces the hand-over (they cannot combine).
  await lab.button('feedback-coin').click();
  assert.equal(await lab.page.getByLabel('Then pull').isChecked(), false);
  await lab.page.screenshot({ path: `${ARTIFACTS}push-then-pull-1280x720.png` });
  assert.deepEqual(lab.errors, []);
  await lab.page.close();
});

test('a malformed stop rule in the URL is explained and ignored', async () => {
  const lab = await openLab('?mode=push&stop=%3Cb%3Eloud%3C/b%3E&push_until=2');
  const notice = await lab.text('notice');
  assert.doesNotMatch(notice, /unknown/);
  assert.match(notice, /stop/);
  assert.match(notice, /push_until/);
  assert.equal(await lab.button('none').getAttribute('aria-pressed'), 'true');
  assert.equal(await lab.page.locator('b', { hasText: 'loud' }).count(), 0);
  await lab.page.close();
});
