// The space-time diagram: one line per node, every datagram of the run an arrow (a lost one a
// cross), every named timer a bar, for every protocol of the registry; it follows its timeline
// and the run view's scrubber, a hovered arrow shows its datagram, a clicked node its line, and
// it exports as SVG. Screenshots at 1280x720 and in the 640x400 embed.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { labSuite, ARTIFACTS } from './harness.mjs';

const openLab = labSuite({ before, after });
const cli = `${process.env.CARGO_TARGET_DIR ?? 'target'}/release/gossip-sim`;

function cliEvents(args) {
  return execFileSync(cli, ['trace', ...args], { encoding: 'utf8', maxBuffer: 64 << 20 })
    .trim().split('\n').map((line) => JSON.parse(line));
}

async function openView(lab, query) {
  // The run view's favicon may still be loading: going on aborts it, which is not an error.
  await lab.page.waitForLoadState('networkidle');
  await lab.page.goto(`${lab.origin}/${query}`);
  await lab.page.getByTestId('trace-source').waitFor();
}

const diagram = (lab) => lab.page.getByTestId('spacetime');

test('SRM under loss: an arrow per datagram, a cross per loss, a bar per timer, a line per node', async () => {
  const lab = await openLab('?mode=srm&n=12&b=2&loss=0.1&seed=3');
  await openView(lab, '?view=spacetime&mode=srm&n=12&b=2&loss=0.1&seed=3');
  const events = cliEvents(['--mode', 'srm', '--nodes', '12', '--fanout', '2', '--loss', '0.1', '--seed', '3']);
  const count = (name) => events.filter((event) => event.event === name).length;
  assert.equal(await diagram(lab).locator('.st-node').count(), 12);
  assert.equal(await diagram(lab).locator('.st-datagram').count(), count('send'));
  assert.equal(await diagram(lab).locator('.st-datagram path[stroke="#d55e00"]').count(), count('lost'), 'a cross per lost datagram');
  assert.equal(await diagram(lab).locator('.st-timer').count(), count('timer_set'));
  assert.ok(count('timer_set') > 0 && count('lost') > 0);
  // The legend names the protocol's kinds and timers, from the trace (no protocol named in the UI).
  const legend = await lab.page.locator('.spacetime-legend').textContent();
  for (const name of ['data', 'nak', 'repair', 'session', 'request (NAK) timer', 'repair timer']) assert.ok(legend.includes(name), name);

  // Hovering an arrow shows its datagram.
  const first = diagram(lab).locator('.st-datagram').first();
  await first.hover({ force: true });
  const sent = events.find((event) => event.event === 'send');
  await lab.page.waitForFunction(() => document.querySelector('[data-testid="spacetime-readout"]').textContent.includes(' from '));
  assert.match(await lab.text('spacetime-readout'), new RegExp(`^${sent.kind} from ${sent.from} to ${sent.to}: sent at tick ${sent.tick}`));
  // Clicking a node's number highlights its line, and the stage's node.
  await diagram(lab).locator('.st-node[data-node="5"] .st-hit').click();
  assert.equal(await diagram(lab).locator('.st-node[data-node="5"] rect[fill="#f6e4ee"]').count(), 1);
  assert.equal(await diagram(lab).locator('.st-node rect[fill="#f6e4ee"]').count(), 1);
  // The timeline: scrubbing to round 3 veils what comes later.
  await lab.page.getByTestId('trace-timeline').fill('250');
  assert.equal(await lab.text('trace-round'), `round 3 / ${Math.floor(events.at(-1).tick / 100) + 1}`);
  // While it plays, the diagram spans the first eight rounds; the cursor is halfway through round 3.
  assert.equal(await diagram(lab).locator('.st-round').count(), 8);
  const veil = Number(await diagram(lab).locator('.st-cursor rect').getAttribute('x'));
  const [one, two] = await Promise.all([0, 1].map(async (index) => Number(await diagram(lab).locator('.st-round line').nth(index).getAttribute('x1'))));
  assert.ok(Math.abs(veil - (one + (two - one) * 2.5)) < 0.5, `the cursor at tick 250 (${veil}), rounds at ${one} and ${two}`);
  // SVG export: the drawing, standalone.
  const [download] = await Promise.all([lab.page.waitForEvent('download'), lab.page.getByTestId('spacetime-svg').click()]);
  assert.match(download.suggestedFilename(), /^gossip-lab_srm_n12_seed3_trace\.svg$/);
  const svg = readFileSync(await download.path(), 'utf8');
  assert.match(svg, /<svg[^>]*xmlns="http:\/\/www.w3.org\/2000\/svg"/);
  assert.equal((svg.match(/class="st-datagram"/g) ?? []).length, count('send'));
  await lab.page.screenshot({ path: `${ARTIFACTS}spacetime-1280.png` });
  assert.deepEqual(lab.errors, []);
  await lab.page.close();
});

test('every protocol of the registry draws its diagram', async () => {
  const protocols = JSON.parse(execFileSync(cli, ['protocols', '--format', 'json'], { encoding: 'utf8' }));
  const lab = await openLab('?mode=push&n=8&seed=1');
  for (const { name } of protocols) {
    await openView(lab, `?view=spacetime&mode=${name}&n=8&seed=2&loss=0.05`);
    await lab.page.waitForFunction((name) => document.querySelector('[data-testid="trace-source"]')?.textContent.startsWith(`this run: ${name},`), name);
    assert.equal(await diagram(lab).locator('.st-node').count(), 8, name);
    const arrows = await diagram(lab).locator('.st-datagram').count();
    assert.ok(arrows > 0, `${name}: ${arrows} arrows`);
  }
  assert.deepEqual(lab.errors, []);
  await lab.page.close();
});

test('the run view shows the diagram for small networks; it follows the timeline and the stage', async () => {
  const lab = await openLab('?mode=swim&n=8&seed=2');
  const panel = lab.page.locator('.spacetime-run');
  for (let step = 0; step < 6; step++) await lab.button('Step').click();
  await lab.page.waitForFunction(() => document.querySelector('[data-testid="round"]').textContent.trim() === '6');
  const six = await panel.locator('.st-datagram').count();
  const sends = cliEvents(['--mode', 'swim', '--nodes', '8', '--seed', '2'])
    .filter((event) => event.event === 'send' && event.tick < 600).length;
  assert.equal(six, sends, 'the six rounds\' datagrams');
  // Scrubbing back to round 3 draws only its first three rounds.
  await lab.page.getByTestId('timeline').fill('3');
  await lab.page.waitForFunction(() => document.querySelector('[data-testid="round"]').textContent.trim() === '3');
  assert.ok(await panel.locator('.st-datagram').count() < six);
  // A node clicked in the diagram is the stage's selected node too.
  await panel.locator('.st-node[data-node="4"] .st-hit').click();
  assert.equal(await panel.locator('.st-node[data-node="4"] rect[fill="#f6e4ee"]').count(), 1);
  assert.match(await lab.page.locator('.node-details').textContent(), /4/);
  await panel.scrollIntoViewIfNeeded();
  await panel.screenshot({ path: `${ARTIFACTS}spacetime-run-panel.png` });
  // Above 32 nodes the run view has no diagram.
  const large = await openLab('?mode=push&n=64&seed=2');
  assert.equal(await large.page.locator('.spacetime-run').count(), 0);
  assert.deepEqual(lab.errors, []);
  await lab.page.close();
  await large.page.close();
});

test('in a 640x400 embed the view shows its stage, diagram and timeline', async () => {
  const lab = await openLab('?mode=push&n=8&seed=1', { width: 640, height: 400 });
  await lab.page.waitForLoadState('networkidle');
  await lab.page.goto(`${lab.origin}/?view=spacetime&mode=rmtp&n=10&loss=0.1&seed=2&embed=1`);
  await lab.page.getByTestId('spacetime').waitFor();
  const box = await diagram(lab).boundingBox();
  assert.ok(box.width > 250 && box.y + box.height <= 400, JSON.stringify(box));
  const overflow = await lab.page.evaluate(() => document.documentElement.scrollHeight - window.innerHeight);
  assert.ok(overflow <= 0, `no vertical scroll (${overflow} px over)`);
  await lab.page.screenshot({ path: `${ARTIFACTS}spacetime-640.png` });
  assert.deepEqual(lab.errors, []);
  await lab.page.close();
});
