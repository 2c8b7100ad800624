// Reliable multicast in the page: SRM's NAKs and repairs on the tree and RMTP's ACKs to
// designated receivers, from a URL to the end, the rounds gossip-sim reports, and the two switches
// that show the NAK storm and the ACK implosion.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { labSuite, cliSummary as cli, ARTIFACTS } from './harness.mjs';

const openLab = labSuite({ before, after });

/** The per-kind total the page shows, and gossip-sim's for the same run. */
async function kindTotal(lab, kind) {
  return lab.number(`kind-${kind}`);
}
function cliKind(summary, kind) {
  return Math.round(summary.kinds_per_node[kind].mean * summary.live_nodes);
}

test('?mode=srm streams packets down the tree and repairs losses, as gossip-sim says', async () => {
  const query = '?mode=srm&n=63&b=2&packets=8&loss=0.05&seed=3&speed=60&autoplay=1';
  const lab = await openLab(query);
  assert.equal(await lab.button('srm').getAttribute('aria-pressed'), 'true');
  const rounds = await lab.waitForCompletion(60000);
  const summary = cli(['--mode', 'srm', '--nodes', '63', '--fanout', '2', '--packets', '8', '--loss', '0.05', '--seed', '3']);
  assert.equal(rounds, summary.rounds.mean);
  for (const kind of ['data', 'nak', 'repair', 'session']) {
    assert.equal(await kindTotal(lab, kind), cliKind(summary, kind), kind);
  }
  assert.ok(await lab.page.getByTestId('comparison-chart').isVisible());
  // A tree deeper than one level: no closed form, and the page says why.
  assert.match(await lab.text('expectation'), /NAKs per node that missed a packet: no closed form: /);
  // The tree's root, the sender, in the centre of its rings.
  const stage = lab.page.getByTestId('stage');
  const box = await stage.boundingBox();
  await stage.click({ position: { x: box.width / 2, y: box.height / 2 } });
  assert.match(await lab.text('node-details'), /^Node 0: the sender/);
  await lab.page.screenshot({ path: `${ARTIFACTS}srm-1280x720.png` });
  assert.deepEqual(lab.errors, []);
  await lab.page.close();
});

test('ns-2\'s srm-chain lesson on demand: packet 3 dropped into node 1, one request and one repair', async () => {
  const lab = await openLab('?mode=srm&n=6&b=1&c2=0&d2=0&drop=3@1&seed=1');
  await lab.button('Run to end').click();
  await lab.waitForCompletion(60000);
  const summary = cli(['--mode', 'srm', '--nodes', '6', '--fanout', '1', '--c2', '0', '--d2', '0', '--drop', '3@1']);
  assert.equal(summary.multicasts.nak.mean, 1);
  assert.equal(summary.multicasts.repair.mean, 1);
  // One request for the five members that missed the packet.
  assert.equal((await lab.text('lesson-measured')).trim(), '0.20');
  for (const kind of ['data', 'nak', 'repair', 'session']) {
    assert.equal(await kindTotal(lab, kind), cliKind(summary, kind), kind);
  }
  // The page says why SRM and the tree treat a crash differently.
  assert.match(await lab.text('explanation'), /A crashed SRM member costs only itself, unlike a crashed tree node/);
  await lab.page.screenshot({ path: `${ARTIFACTS}srm-chain-1280x720.png` });
  assert.deepEqual(lab.errors, []);
  await lab.page.close();
});

test('SRM under heavy loss: the theory note explains the slow recovery with the backoff cap', async () => {
  const lab = await openLab('?mode=srm&n=1000&b=2&loss=0.2&seed=3');
  assert.match(await lab.text('theory-note'), /backoffs reach the cap of 2\^5: a retry at depth 9 then waits 32 × \(C1 \+ C2\/2\) × d ≈ 864 rounds/);
  assert.deepEqual(lab.errors, []);
  await lab.page.close();
});

test('turning SRM suppression off on the same seed brings the NAK storm', async () => {
  const withSuppression = cli(['--mode', 'srm', '--nodes', '127', '--fanout', '2', '--loss', '0.05', '--seed', '4']);
  const lab = await openLab('?mode=srm&n=127&b=2&loss=0.05&seed=4&speed=60');
  await lab.button('off').click();
  assert.equal(await lab.button('off').getAttribute('aria-pressed'), 'true');
  await lab.button('Run to end').click();
  await lab.waitForCompletion(60000);
  const storm = await kindTotal(lab, 'nak');
  assert.ok(storm > 3 * cliKind(withSuppression, 'nak'), `${storm} NAKs without suppression`);
  await lab.page.screenshot({ path: `${ARTIFACTS}srm-storm-1280x720.png` });
  await lab.page.close();
});

test('?mode=rmtp: regions with designated receivers; without them the ACKs implode on the sender', async () => {
  const lab = await openLab('?mode=rmtp&n=200&packets=8&regions=8&loss=0.1&seed=3&speed=60&autoplay=1');
  const rounds = await lab.waitForCompletion(60000);
  const summary = cli(['--mode', 'rmtp', '--nodes', '200', '--packets', '8', '--regions', '8', '--loss', '0.1', '--seed', '3']);
  assert.equal(rounds, summary.rounds.mean);
  const peakWithDrs = await lab.number('peak-at-sender');
  assert.equal(peakWithDrs, summary.peak_at_sender.mean);
  assert.match(await lab.text('expectation'), /expected about 8 \(only the 8 designated receivers ACK the sender\)/);
  // The sender sits in the centre of its regions.
  const stage = lab.page.getByTestId('stage');
  const box = await stage.boundingBox();
  await stage.click({ position: { x: box.width / 2, y: box.height / 2 } });
  assert.match(await lab.text('node-details'), /^Node 0: the sender/);
  assert.ok(await lab.page.getByTestId('comparison-chart').isVisible());
  await lab.page.screenshot({ path: `${ARTIFACTS}rmtp-1280x720.png` });
  // The legend names both repairs: unicast to one receiver, multicast to a region.
  const legend = await lab.page.getByRole('list', { name: 'Legend', exact: true }).textContent();
  assert.match(legend, /unicast repair.*regional multicast repair/);

  await lab.button('off').click();
  await lab.button('Run to end').click();
  await lab.waitForCompletion(60000);
  const peakWithout = await lab.number('peak-at-sender');
  assert.ok(peakWithout > 100, `without DRs ${peakWithout} datagrams reach the sender in one round`);
  assert.ok(peakWithDrs <= 8 + 1 + 8, `with DRs at most ${peakWithDrs}`);
  await lab.page.screenshot({ path: `${ARTIFACTS}rmtp-implosion-1280x720.png` });
  assert.deepEqual(lab.errors, []);
  await lab.page.close();
});
