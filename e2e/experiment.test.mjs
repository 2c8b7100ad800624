// Issue #8's experiment view: R trials in Web Workers, the numbers equal gossip-sim's.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { ARTIFACTS } from './harness.mjs';
import { viewSuite } from './views.mjs';

const openView = viewSuite({ before, after });

/** gossip-sim's JSON summary of R trials. */
const cli = (args) => JSON.parse(execFileSync('target/release/gossip-sim', [...args, '--quiet'], { encoding: 'utf8' }));

async function waitForResult(lab, timeout = 60000) {
  await lab.page.getByTestId('experiment-mean').waitFor({ timeout });
  return {
    // The full values (the text shows three significant digits).
    mean: Number(await lab.page.getByTestId('experiment-mean').getAttribute('data-value')),
    sd: Number(await lab.page.getByTestId('experiment-sd').getAttribute('data-value')),
    completed: Number(await lab.text('experiment-completed')),
    datagrams: Number(await lab.page.getByTestId('experiment-datagrams').getAttribute('data-value')),
  };
}

test('an experiment URL runs R trials in workers and shows gossip-sim --trials R to the last digit', async () => {
  for (const [query, args] of [
    ['?view=experiment&trials=300&n=500&b=1&mode=push&seed=7', ['--nodes', '500', '--mode', 'push', '--seed', '7', '--trials', '300']],
    ['?view=experiment&trials=120&n=300&b=2&mode=pull&loss=0.1&crash=0.05&seed=11', ['--nodes', '300', '--fanout', '2', '--mode', 'pull', '--loss', '0.1', '--crash', '0.05', '--seed', '11', '--trials', '120']],
  ]) {
    const lab = await openView(query);
    const shown = await waitForResult(lab);
    const summary = cli(args);
    assert.equal(shown.mean, summary.rounds.mean, `${query}: mean`);
    assert.equal(shown.sd, summary.rounds.sd, `${query}: sd`);
    assert.equal(shown.completed, summary.completed, `${query}: completed`);
    assert.equal(shown.datagrams, summary.datagrams_per_node.mean, `${query}: datagrams per node`);
    await lab.page.screenshot({ path: `${ARTIFACTS}experiment.png`, fullPage: true });
    assert.deepEqual(lab.errors, []);
    await lab.page.close();
  }
});

test('the same numbers with one worker as with four', async () => {
  const results = [];
  for (const workers of [1, 4]) {
    const lab = await openView('?view=experiment&trials=200&n=400&mode=push-pull&seed=2');
    await lab.page.close();
    const page = await lab.page.context().browser().newPage();
    await page.addInitScript((count) => Object.defineProperty(navigator, 'hardwareConcurrency', { get: () => count }), workers);
    await page.goto(lab.origin + '/?view=experiment&trials=200&n=400&mode=push-pull&seed=2');
    await page.getByTestId('experiment-mean').waitFor({ timeout: 60000 });
    results.push([await page.getByTestId('experiment-mean').getAttribute('data-value'), await page.getByTestId('experiment-sd').getAttribute('data-value')]);
    await page.close();
  }
  assert.deepEqual(results[0], results[1]);
});

test('progress while running, Cancel stops, and the histogram exports as PNG and CSV', async () => {
  const lab = await openView('?view=experiment&trials=10000&n=2000&seed=1');
  await lab.page.getByTestId('progress').waitFor();
  await lab.button('Cancel').click();
  assert.equal(await lab.page.getByTestId('progress').count(), 0, 'the bar is gone');
  assert.match(await lab.page.locator('.experiment-view').textContent(), /Cancelled/);
  await lab.page.getByRole('spinbutton', { name: 'Trials R' }).fill('50');
  await lab.page.getByRole('spinbutton', { name: 'Trials R' }).press('Enter');
  await lab.page.getByTestId('experiment-mean').waitFor({ timeout: 60000 });
  assert.match(lab.page.url(), /trials=50/);
  for (const [button, pattern] of [['PNG', /\.png$/], ['CSV', /\.csv$/]]) {
    const [download] = await Promise.all([lab.page.waitForEvent('download'), lab.button(button).click()]);
    assert.match(download.suggestedFilename(), pattern);
    assert.match(download.suggestedFilename(), /experiment-push-n2000-seed1/);
    const path = await download.path();
    const bytes = readFileSync(path);
    assert.ok(bytes.length > 100, `${button}: a non-empty file`);
    if (button === 'PNG') assert.equal(bytes.subarray(1, 4).toString(), 'PNG');
    else assert.match(bytes.toString(), /^# Gossip Lab: .*\n# configuration: \?.*view=experiment.*\nrounds,trials\n\d+,\d+/);
  }
  await lab.page.close();
});
