// Traces out and in: the run view's Trace export is `gossip-sim trace` to the byte; loaded back
// (file picker, or `trace=` a same-origin URL) it draws the same diagram; a malformed or
// oversized trace gets a message with its line, and nothing of it becomes markup.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync, rmSync, openSync, ftruncateSync, closeSync } from 'node:fs';
import { labSuite, ARTIFACTS } from './harness.mjs';

const openLab = labSuite({ before, after });
const cli = `${process.env.CARGO_TARGET_DIR ?? 'target'}/release/gossip-sim`;
const DIST = new URL('../dist/', import.meta.url).pathname;

function cliTrace(args) {
  return execFileSync(cli, ['trace', ...args], { encoding: 'utf8', maxBuffer: 64 << 20 });
}

/** Opens the space-time view (it has no run counters to wait for). */
async function openView(lab, query) {
  // The run view's favicon may still be loading: going on aborts it, which is not an error.
  await lab.page.waitForLoadState('networkidle');
  await lab.page.goto(`${lab.origin}/${query}`);
  await lab.page.getByTestId('trace-source').waitFor();
}

async function pick(lab, name, text) {
  await lab.page.getByTestId('trace-drop').setInputFiles({ name, mimeType: 'application/jsonl', buffer: Buffer.from(text) });
}

test('the run view exports its trace: gossip-sim trace for the same flags, to the byte', async () => {
  const lab = await openLab('?mode=srm&n=12&b=2&loss=0.1&seed=3');
  await lab.button('Run to end').click();
  await lab.button('Replay').waitFor({ timeout: 30000 });
  const [download] = await Promise.all([lab.page.waitForEvent('download'), lab.page.getByTestId('export-trace').click()]);
  assert.match(download.suggestedFilename(), /^gossip-lab_srm_n12_b2_.*\.jsonl$/);
  const text = readFileSync(await download.path(), 'utf8');
  assert.equal(text, cliTrace(['--mode', 'srm', '--nodes', '12', '--fanout', '2', '--loss', '0.1', '--seed', '3']));
  writeFileSync(`${ARTIFACTS}srm-trace.jsonl`, text);
  assert.deepEqual(lab.errors, []);
  await lab.page.close();
});

test('a trace loaded back draws the same diagram as the run it came from', async () => {
  const args = ['--mode', 'push-pull', '--nodes', '10', '--loss', '0.2', '--crash', '0.1', '--seed', '4'];
  const text = cliTrace(args);
  const lab = await openLab('?mode=push-pull&n=10&b=1&loss=0.2&crash=0.1&seed=4');
  await openView(lab, '?view=spacetime&mode=push-pull&n=10&b=1&loss=0.2&crash=0.1&seed=4');
  const picture = () => lab.page.locator('[data-testid="spacetime"] .st-picture').evaluate((element) => element.outerHTML);
  // The run's own trace opens at round 8; at its end the diagram spans all of it.
  const timeline = lab.page.getByTestId('trace-timeline');
  assert.equal(await timeline.inputValue(), String(Math.min(800, Number(await timeline.getAttribute('max')))));
  await timeline.fill(await timeline.getAttribute('max'));
  const own = await picture();
  assert.match(await lab.text('trace-source'), /^this run: push-pull, N = 10, seed 4/);
  await pick(lab, 'mine.jsonl', text);
  await lab.page.waitForFunction(() => document.querySelector('[data-testid="trace-source"]')?.textContent.startsWith('loaded: mine.jsonl'));
  // Loading plays it from the first tick: the timeline moves on by itself.
  const start = Number(await timeline.inputValue());
  await lab.page.waitForFunction((start) => Number(document.querySelector('[data-testid="trace-timeline"]').value) > start, start);
  // At its end, the whole trace is drawn: the same picture as the run's own.
  await timeline.fill(await timeline.getAttribute('max'));
  assert.equal(await picture(), own, 'the same replay, the same drawing');
  const events = text.trim().split('\n').length;
  assert.match(await lab.text('trace-source'), new RegExp(`· ${events} events, 10 nodes`));
  assert.deepEqual(lab.errors, []);
  await lab.page.close();
});

test('a malformed trace is refused with its line and problem, and nothing of it is markup', async () => {
  const lab = await openLab('?mode=push&n=8&seed=1');
  await openView(lab, '?view=spacetime&mode=push&n=8&seed=1');
  const good = '{"event":"send","tick":0,"from":0,"to":1,"kind":"push"}';
  const cases = [
    ['broken.jsonl', `${good}\n${good}\n{"event":"receive","tick":0,`, /^broken\.jsonl: line 3: not JSON/],
    ['unknown.jsonl', `${good}\n{"event":"<img src=x onerror=alert(1)>","tick":1}`, /^unknown\.jsonl: line 2: unknown event "<img src=x onerror=alert\(1\)>"/],
    ['missing.jsonl', `${good}\n{"event":"crash","tick":4}`, /^missing\.jsonl: line 2: crash without "to" \(it needs: tick, to\)/],
    ['backwards.jsonl', `{"event":"crash","tick":9,"to":1}\n${good}`, /^backwards\.jsonl: line 2: tick 0 comes after tick 9/],
    ['orphan.jsonl', `${good}\n{"event":"receive","tick":3,"from":5,"to":1,"kind":"push"}`, /^orphan\.jsonl: line 2: receive of a push datagram from 5 to 1 that was never sent/],
  ];
  for (const [name, text, expected] of cases) {
    await pick(lab, name, text);
    const error = lab.page.getByTestId('trace-error');
    await lab.page.waitForFunction((name) => document.querySelector('[data-testid="trace-error"]')?.textContent.startsWith(name), name);
    assert.match(await error.textContent(), expected);
    assert.equal(await lab.page.locator('[data-testid="trace-error"] *').count(), 0, 'the message is one text node');
  }
  assert.equal(await lab.page.locator('img').count(), 0);
  // The run's own diagram stays while a bad file is refused.
  assert.match(await lab.text('trace-source'), /^this run: push/);
  // A valid trace whose kind is markup: drawn, its kind a text in the legend.
  const markup = `{"event":"send","tick":0,"from":0,"to":1,"kind":"<b>bold</b>"}\n{"event":"receive","tick":100,"from":0,"to":1,"kind":"<b>bold</b>"}\n`;
  await pick(lab, 'markup.jsonl', markup);
  await lab.page.waitForFunction(() => document.querySelector('[data-testid="trace-source"]')?.textContent.startsWith('loaded: markup.jsonl'));
  assert.equal(await lab.page.getByTestId('trace-error').count(), 0, 'a good file clears the message');
  assert.equal(await lab.page.locator('.spacetime-legend b').count(), 0);
  assert.match(await lab.page.locator('.spacetime-legend').textContent(), /<b>bold<\/b>/);
  assert.equal(await lab.page.locator('[data-testid="spacetime"] .st-node').count(), 2);
  assert.deepEqual(lab.errors, []);
  await lab.page.close();
});

test('trace= loads a same-origin trace; an oversized one and a foreign URL are refused', async () => {
  const text = cliTrace(['--mode', 'rmtp', '--nodes', '9', '--loss', '0.1', '--seed', '2']);
  writeFileSync(`${DIST}e2e-rmtp.jsonl`, text);
  // 49 MB: refused from its length, before it is read.
  const big = openSync(`${DIST}e2e-big.jsonl`, 'w');
  ftruncateSync(big, 49 * 1024 * 1024);
  closeSync(big);
  try {
    const lab = await openLab('?mode=push&n=8&seed=1');
    await openView(lab, '?trace=e2e-rmtp.jsonl');
    await lab.page.waitForFunction(() => document.querySelector('[data-testid="trace-source"]')?.textContent.startsWith('loaded: e2e-rmtp.jsonl'));
    assert.equal(await lab.page.getByRole('tab', { name: 'Space-time' }).getAttribute('aria-selected'), 'true');
    assert.equal(await lab.page.locator('[data-testid="spacetime"] .st-node').count(), 9);
    const acks = text.split('\n').filter((line) => line.includes('"event":"timer_set"')).length;
    assert.equal(await lab.page.locator('[data-testid="spacetime"] .st-timer').count(), acks, 'every ACK period a bar');

    const page = await openLab('?mode=push&n=8&seed=1');
    await page.page.waitForLoadState('networkidle');
    await page.page.goto(`${lab.origin}/?trace=e2e-big.jsonl`);
    await page.page.getByTestId('trace-error').waitFor();
    assert.equal(await page.text('trace-error'), 'e2e-big.jsonl: the file is 49.0 MB; at most 48 MB are read');
    await page.page.close();

    const foreign = await openLab('?mode=push&n=8&seed=1');
    const requests = [];
    await foreign.page.waitForLoadState('networkidle');
    foreign.page.on('request', (request) => requests.push(request.url()));
    await foreign.page.goto(`${lab.origin}/?view=spacetime&trace=${encodeURIComponent('https://example.com/x.jsonl')}&n=8`);
    await foreign.page.getByTestId('trace-source').waitFor();
    assert.match(await foreign.page.locator('.notices').textContent(), /URL parameter trace="https:\/\/example.com\/x.jsonl" is not a same-origin path/);
    assert.ok(requests.every((url) => url.startsWith(lab.origin)), requests.join(' '));
    await foreign.page.close();
    assert.deepEqual(lab.errors, []);
    await lab.page.close();
  } finally {
    rmSync(`${DIST}e2e-rmtp.jsonl`, { force: true });
    rmSync(`${DIST}e2e-big.jsonl`, { force: true });
  }
});
