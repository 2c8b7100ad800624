// Plumtree in the page: the mode runs from a URL to the end as gossip-sim says, the stage draws
// the eager tree solid and the lazy links dashed, the lesson and the per-message figures show,
// a crash is repaired by GRAFTs, and the tour plays.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { labSuite, cliSummary as cli, ARTIFACTS } from './harness.mjs';

const openLab = labSuite({ before, after });

const QUERY = 'mode=plumtree&n=40&b=4&messages=6&inject-every=4&seed=3';
const ARGS = ['--mode', 'plumtree', '--nodes', '40', '--fanout', '4', '--messages', '6', '--inject-every', '4', '--seed', '3'];

/** The stage's count of links drawn in `style` (solid or dashed). */
async function links(lab, style) {
  return Number(await lab.page.getByTestId('stage').getAttribute(`data-links-${style}`));
}

test('?mode=plumtree floods, prunes to a tree drawn solid over dashed lazy links, as gossip-sim says', async () => {
  const lab = await openLab(`?${QUERY}&speed=60&autoplay=1`);
  assert.equal(await lab.button('plumtree').getAttribute('aria-pressed'), 'true');
  const rounds = await lab.waitForCompletion(60000);
  const summary = cli(ARGS);
  assert.equal(rounds, summary.rounds.mean);
  for (const kind of ['gossip', 'ihave', 'prune']) {
    assert.equal(await lab.number(`kind-${kind}`), Math.round(summary.kinds_per_node[kind].mean * summary.live_nodes), kind);
  }
  // A spanning tree of the 40 nodes, solid; every other link of the overlay dashed.
  assert.equal(await links(lab, 'solid'), 39);
  assert.ok(await links(lab, 'dashed') > 10);
  // The lesson: RMR after the tree forms, expected 0, measured 0; and the figures per message.
  assert.match(await lab.text('expectation'), /RMR after the tree forms \(messages 2 to M\): expected about 0/);
  assert.equal((await lab.text('lesson-measured')).trim(), '0');
  const rmr = (await lab.text('per-message-rmr')).split(', ');
  assert.equal(rmr.length, 6);
  assert.ok(Number(rmr[0]) > 1, `the flood's RMR ${rmr[0]}`);
  assert.deepEqual(rmr.slice(1), ['0', '0', '0', '0', '0']);
  assert.equal(await lab.text('per-message-reliability'), '1, 1, 1, 1, 1, 1');
  await lab.page.screenshot({ path: `${ARTIFACTS}plumtree-1280x720.png` });
  assert.deepEqual(lab.errors, []);
  await lab.page.close();
});

/** Waits until the stage has drawn the overlay's links (a frame after the page opens). */
async function overlayDrawn(lab) {
  await lab.page.waitForFunction(() => {
    const stage = document.querySelector('[data-testid="stage"]');
    return Number(stage?.getAttribute('data-links-solid')) + Number(stage?.getAttribute('data-links-dashed')) > 0;
  });
}

test('the first rounds: every link eager, then PRUNEs turn links dashed', async () => {
  const lab = await openLab(`?${QUERY}&round=1`);
  assert.equal(await lab.number('round'), 1);
  await overlayDrawn(lab);
  assert.equal(await links(lab, 'dashed'), 0, 'every link starts eager');
  const eager = await links(lab, 'solid');
  assert.ok(eager > 39);
  const later = await openLab(`?${QUERY}&round=8`);
  assert.equal(await later.number('round'), 8);
  await overlayDrawn(later);
  assert.equal(await links(later, 'solid') + await links(later, 'dashed'), eager, 'the same overlay');
  assert.ok(await links(later, 'dashed') > 0);
  await lab.page.close();
  await later.page.close();
});

test('a crash during the run is repaired by GRAFTs: every live node still delivers', async () => {
  const lab = await openLab(`?${QUERY}&crash_at=10:0.1&speed=60&autoplay=1`);
  const rounds = await lab.waitForCompletion(60000);
  const summary = cli([...ARGS, '--crash-at', '10:0.1']);
  assert.equal(rounds, summary.rounds.mean);
  assert.ok(await lab.number('kind-graft') > 0);
  assert.equal(await lab.number('kind-graft'), Math.round(summary.kinds_per_node.graft.mean * summary.live_nodes));
  assert.equal(await lab.text('per-message-reliability'), '1, 1, 1, 1, 1, 1');
  await lab.page.screenshot({ path: `${ARTIFACTS}plumtree-crash-1280x720.png` });
  assert.deepEqual(lab.errors, []);
  await lab.page.close();
});

test('the Plumtree tour plays; the embed stays readable at 640x400', async () => {
  const lab = await openLab('?tour=plumtree');
  const caption = lab.page.getByTestId('tour-caption');
  await caption.waitFor();
  const tour = JSON.parse(readFileSync(new URL('../static/tours/plumtree.json', import.meta.url)));
  assert.equal(await caption.textContent(), tour.steps[0].caption);
  for (let index = 1; index < tour.steps.length; index++) {
    await lab.page.getByTestId('tour-next').click();
    assert.equal(await caption.textContent(), tour.steps[index].caption);
  }
  // The embed (no controls, no round readout) at 640x400: the tree, no scrollbars.
  await lab.page.setViewportSize({ width: 640, height: 400 });
  await lab.page.goto(`${lab.origin}/?${QUERY}&embed=1&round=12`);
  await lab.page.waitForFunction(() => Number(document.querySelector('[data-testid="stage"]')?.dataset.linksDashed) > 0);
  assert.equal(await links(lab, 'solid'), 39);
  const size = await lab.page.evaluate(() => [document.documentElement.scrollWidth, document.documentElement.scrollHeight]);
  assert.ok(size[0] <= 640 && size[1] <= 400, `no scrollbars: ${size}`);
  await lab.page.screenshot({ path: `${ARTIFACTS}plumtree-embed-640x400.png` });
  assert.deepEqual(lab.errors, []);
  await lab.page.close();
});
