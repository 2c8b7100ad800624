// The multicast baselines in the page: the for-loop of unicasts (centralized) and the tree, from
// a URL to the end with their layouts, rounds equal to gossip-sim's, and the mode switch between
// all five protocols on one seed (O(N), O(log N), and the tree's fragility).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { labSuite, cliSummary as cli, ARTIFACTS } from './harness.mjs';

const openLab = labSuite({ before, after });

/** Waits until the status line says the run is over, whatever the outcome. */
async function waitForEnd(lab, timeout = 30000) {
  // "Ready" at round 0 before anything plays; "Running" while it plays.
  await lab.page.waitForFunction(() => !/^(Running|Ready)/.test(document.querySelector('[data-testid="status"]').textContent), null, { timeout });
  return (await lab.text('status')).trim();
}

/** Clicks the stage at a point given as fractions of its box and returns the node details. */
async function clickStage(lab, fx, fy) {
  const stage = lab.page.getByTestId('stage');
  const box = await stage.boundingBox();
  await stage.click({ position: { x: box.width * fx, y: box.height * fy } });
  return (await lab.text('node-details')).trim();
}

test('?mode=centralized sweeps the receivers one unicast at a time: O(N) rounds, as gossip-sim says', async () => {
  const lab = await openLab('?mode=centralized&n=120&b=2&seed=4&autoplay=1&speed=60');
  assert.equal(await lab.button('centralized').getAttribute('aria-pressed'), 'true');
  const rounds = await lab.waitForCompletion();
  assert.equal(rounds, 60, 'ceil(119 / 2)');
  assert.equal(rounds, cli(['--mode', 'centralized', '--nodes', '120', '--fanout', '2', '--seed', '4']).rounds.mean);
  assert.equal(await lab.number('datagrams'), 119, 'one unicast per receiver');
  assert.equal(await lab.number('theory-rounds'), 60);
  // The sender sits in the centre of its receivers.
  assert.match(await clickStage(lab, 0.5, 0.5), /^Node 0: the sender/);
  await lab.page.screenshot({ path: `${ARTIFACTS}centralized-1280x720.png` });
  assert.deepEqual(lab.errors, []);
  await lab.page.close();
});

test('centralized over UDP with loss ends after one sweep and says how many never got it', async () => {
  const lab = await openLab('?mode=centralized&n=200&b=4&loss=0.2&seed=8&autoplay=1&speed=60');
  const status = await waitForEnd(lab);
  const summary = cli(['--mode', 'centralized', '--nodes', '200', '--fanout', '4', '--loss', '0.2', '--seed', '8']);
  const missed = summary.uninformed.mean;
  assert.ok(missed > 0);
  assert.match(status, new RegExp(`Over after 50 rounds .*: ${missed} live nodes never got the message`));
  assert.equal((await lab.text('rounds-to-all')).trim(), '', 'never complete');
  assert.equal(await lab.number('informed'), 200 - missed);
  await lab.page.close();
});

test('centralized over a reliable transport retransmits until everyone has it', async () => {
  const lab = await openLab('?mode=centralized&transport=reliable&timeout=3&n=60&loss=0.2&seed=2&autoplay=1&speed=60');
  assert.equal(await lab.button('reliable').getAttribute('aria-pressed'), 'true');
  assert.equal(await lab.field('Timeout (rounds) value').inputValue(), '3');
  const rounds = await lab.waitForCompletion();
  const expected = cli(['--mode', 'centralized', '--transport', 'reliable', '--timeout', '3', '--nodes', '60', '--loss', '0.2', '--seed', '2']);
  assert.equal(rounds, expected.rounds.mean);
  assert.equal(await lab.number('informed'), 60);
  assert.match(await lab.page.locator('.chart-legend').textContent(), /ACK.*retransmission/);
  assert.deepEqual(lab.errors, []);
  await lab.page.close();
});

test('?mode=tree reaches everyone in the depth of the tree, drawn in rings around the root', async () => {
  const lab = await openLab('?mode=tree&n=100&b=2&seed=4&autoplay=1&speed=60');
  const rounds = await lab.waitForCompletion();
  assert.equal(rounds, 6, 'ceil(log2(101)) - 1');
  assert.equal(rounds, cli(['--mode', 'tree', '--nodes', '100', '--fanout', '2', '--seed', '4']).rounds.mean);
  assert.equal(await lab.number('datagrams'), 99, 'one forward per edge');
  // The root sits in the centre; its first child on the first of 6 rings, a quarter turn round.
  assert.match(await clickStage(lab, 0.5, 0.5), /^Node 0: the sender/);
  const box = await lab.page.getByTestId('stage').boundingBox();
  const ring = (0.43 * Math.min(box.width, box.height)) / 6;
  assert.match(await clickStage(lab, 0.5 + ring / box.width, 0.5), /^Node 1: informed in round 1 by node 0\./);
  await lab.page.screenshot({ path: `${ARTIFACTS}tree-1280x720.png` });
  assert.deepEqual(lab.errors, []);
  await lab.page.close();
});

test('a crash cuts a subtree off; a repair re-attaches the orphans', async () => {
  const fragile = await openLab('?mode=tree&n=300&b=3&crash=0.05&seed=6&autoplay=1&speed=60');
  const status = await waitForEnd(fragile);
  const summary = cli(['--mode', 'tree', '--nodes', '300', '--fanout', '3', '--crash', '0.05', '--seed', '6']);
  assert.ok(summary.uninformed.mean > 0, 'this seed crashes an internal node');
  assert.match(status, new RegExp(`${summary.uninformed.mean} live nodes? never got the message`));
  assert.match(await fragile.text('theory-rounds'), /not all/);
  await fragile.page.screenshot({ path: `${ARTIFACTS}tree-cut-1280x720.png` });
  await fragile.page.close();

  const repaired = await openLab('?mode=tree&n=300&b=3&crash=0.05&repair=2&seed=6&autoplay=1&speed=60');
  assert.ok(await repaired.page.getByRole('checkbox', { name: 'Repair orphans' }).isChecked());
  const rounds = await repaired.waitForCompletion();
  const withRepair = cli(['--mode', 'tree', '--nodes', '300', '--fanout', '3', '--crash', '0.05', '--repair-delay', '2', '--seed', '6']);
  assert.equal(rounds, withRepair.rounds.mean);
  assert.ok(rounds > 5, 'repairs cost extra rounds beyond the depth of 5');
  assert.deepEqual(repaired.errors, []);
  await repaired.page.close();
});

test('switching between all five protocols on one seed shows O(N), O(log N) and gossip', async () => {
  const lab = await openLab('?n=150&b=2&seed=9&speed=60');
  const rounds = {};
  for (const mode of ['centralized', 'tree', 'push', 'pull', 'push-pull']) {
    await lab.button(mode).click();
    assert.equal(await lab.button(mode).getAttribute('aria-pressed'), 'true');
    assert.equal(await lab.number('round'), 0, `${mode} starts from round 0`);
    await lab.button('Run to end').click();
    rounds[mode] = await lab.waitForCompletion();
    assert.equal(rounds[mode], cli(['--mode', mode, '--nodes', '150', '--fanout', '2', '--seed', '9']).rounds.mean, mode);
  }
  assert.equal(rounds.centralized, 75);
  assert.equal(rounds.tree, 7);
  assert.ok(rounds.centralized > 5 * rounds['push-pull'], JSON.stringify(rounds));
  // Earlier runs stay on the chart as ghosts, and a log axis shows 75 rounds beside 7.
  assert.ok(await lab.button('Clear earlier runs').isEnabled());
  await lab.page.getByRole('checkbox', { name: 'Log round axis' }).check();
  await lab.page.waitForTimeout(300);
  await lab.page.screenshot({ path: `${ARTIFACTS}five-protocols-log-1280x720.png` });
  assert.deepEqual(lab.errors, []);
  await lab.page.close();
});

test('bad protocol parameters in the URL are explained', async () => {
  const lab = await openLab('?mode=centralized&transport=tcp&timeout=0&repair=soon');
  const notice = await lab.text('notice');
  assert.match(notice, /transport="tcp" is not one of udp, reliable/);
  assert.match(notice, /timeout="0" is not a whole number from 1 to 100/);
  assert.match(notice, /repair="soon" is not a whole number from 1 to 100, or none/);
  assert.equal(await lab.button('udp').getAttribute('aria-pressed'), 'true');
  await lab.page.close();
});

test('picking the tree, SRM or Plumtree at b = 1 moves b to its lesson (a binary tree, a few neighbours); gossip gets b = 1 back, and a b the lecturer chose stays', async () => {
  const lab = await openLab('?n=200&seed=1');
  const fanout = () => lab.field('Fanout b value').inputValue();
  assert.equal(await fanout(), '1');
  await lab.button('tree').click();
  assert.equal(await fanout(), '2', 'a tree, not a chain');
  assert.match(await lab.page.evaluate(() => location.search), /b=2/);
  await lab.button('Run to end').click();
  const rounds = await lab.waitForCompletion();
  assert.equal(rounds, cli(['--mode', 'tree', '--nodes', '200', '--fanout', '2', '--seed', '1']).rounds.mean);
  assert.equal(rounds, 7, 'the depth of a binary tree of 200 nodes');
  await lab.button('srm').click();
  assert.equal(await fanout(), '2');
  await lab.button('plumtree').click();
  assert.equal(await fanout(), '4', 'a few neighbours each');
  await lab.button('push').click();
  assert.equal(await fanout(), '1', 'gossip: one call a round');
  // A b the lecturer sets is the lecturer's: it survives the switches.
  await lab.button('tree').click();
  await lab.field('Fanout b value').fill('3');
  await lab.field('Fanout b value').press('Enter');
  await lab.button('push').click();
  assert.equal(await fanout(), '3');
  await lab.button('tree').click();
  assert.equal(await fanout(), '3');
  assert.deepEqual(lab.errors, []);
  await lab.page.close();
});
