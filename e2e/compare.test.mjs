// Issue #8's compare view: panels from the URL, lockstep rounds, numbers equal gossip-sim's.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { cliSummary, ARTIFACTS } from './harness.mjs';
import { viewSuite, panelNumbers } from './views.mjs';

const openView = viewSuite({ before, after });

test('a compare URL opens three panels that step in lockstep and end at gossip-sim\'s rounds', async () => {
  const lab = await openView('?view=compare&modes=push,pull,push-pull&n=300&b=1&seed=4');
  const panels = lab.page.getByTestId('panel');
  assert.equal(await panels.count(), 3);
  for (let step = 1; step <= 3; step++) {
    await lab.button('Step').click();
    const rounds = await Promise.all([0, 1, 2].map(async (i) => Number(await panels.nth(i).getByTestId('round').textContent())));
    assert.deepEqual(rounds, [step, step, step], 'round r is round r in every panel');
  }
  await lab.button('Reset').click();
  assert.equal(Number(await panels.nth(0).getByTestId('round').textContent()), 0);
  await lab.button('Run to end').click();
  await lab.page.waitForFunction(() => [...document.querySelectorAll('[data-testid="panel"] [data-testid="rounds-to-all"]')].every((cell) => cell.textContent.trim() !== ''));
  for (const [index, mode] of ['push', 'pull', 'push-pull'].entries()) {
    const shown = await panelNumbers(panels.nth(index));
    const cli = cliSummary(['--nodes', '300', '--fanout', '1', '--mode', mode, '--seed', '4']);
    assert.equal(shown.roundsToAll, cli.rounds.mean, `${mode}: rounds to all`);
    assert.equal(shown.informed, cli.live_nodes, `${mode}: everyone informed`);
    assert.equal(shown.round, cli.rounds.mean, `${mode}: the run stopped at completion`);
  }
  await lab.page.screenshot({ path: `${ARTIFACTS}compare.png`, fullPage: true });
  assert.deepEqual(lab.errors, []);
  await lab.page.close();
});

test('panels can be added, removed and given another protocol; bad modes get a notice', async () => {
  const lab = await openView('?view=compare&modes=push,pull&n=100');
  assert.equal(await lab.page.getByTestId('panel').count(), 2);
  await lab.button('Add panel').click();
  assert.equal(await lab.page.getByTestId('panel').count(), 3);
  await lab.page.getByRole('combobox', { name: 'Panel 3 protocol' }).selectOption('tree');
  await lab.page.waitForFunction(() => document.querySelectorAll('[data-testid="panel"] select')[2].value === 'tree');
  assert.match(lab.page.url(), /modes=push,pull,tree/);
  await lab.button('Remove panel 1').click();
  assert.equal(await lab.page.getByTestId('panel').count(), 2);
  const bad = await openView('?view=compare&modes=push,gossip');
  assert.match(await bad.page.getByTestId('notice').textContent(), /modes="push,gossip" is not 2 to 4 protocol names/);
  assert.equal(await bad.page.getByTestId('panel').count(), 3, 'the default three panels');
  await lab.page.close();
  await bad.page.close();
});

test('on a phone the panels stack', async () => {
  const lab = await openView('?view=compare&modes=push,pull,push-pull&n=64', { width: 390, height: 844 });
  const boxes = await Promise.all([0, 1, 2].map((i) => lab.page.getByTestId('panel').nth(i).boundingBox()));
  assert.ok(boxes[1].y >= boxes[0].y + boxes[0].height - 1, 'the second panel is below the first');
  assert.ok(Math.abs(boxes[1].x - boxes[0].x) < 2, 'aligned in one column');
  await lab.page.screenshot({ path: `${ARTIFACTS}compare-phone.png`, fullPage: true });
  await lab.page.close();
});

test('the compare chart and the run view\'s charts export PNG, SVG and CSV files', async () => {
  const lab = await openView('?view=compare&modes=push,pull&n=100&seed=2');
  await lab.button('Run to end').click();
  await lab.page.waitForFunction(() => [...document.querySelectorAll('[data-testid="rounds-to-all"]')].every((cell) => cell.textContent.trim() !== ''));
  await checkExports(lab.page.locator('.compare-view .export'), /^compare-push\+pull-n100-seed2\./, 'mode,round,informed_fraction');
  await lab.page.getByRole('tab', { name: 'Run' }).click();
  await lab.page.getByTestId('chart').waitFor();
  await checkExports(lab.page.locator('.results-panel .export').first(), /^run-push-n100-seed2\./, 'round,informed_fraction');
  assert.deepEqual(lab.errors, []);
  await lab.page.close();
});

async function checkExports(group, name, header) {
  for (const [button, type] of [['PNG', 'png'], ['SVG', 'svg'], ['CSV', 'csv']]) {
    const [download] = await Promise.all([group.page().waitForEvent('download'), group.getByRole('button', { name: button, exact: true }).click()]);
    assert.match(download.suggestedFilename(), name);
    assert.ok(download.suggestedFilename().endsWith(`.${type}`));
    const bytes = readFileSync(await download.path());
    if (type === 'png') assert.equal(bytes.subarray(1, 4).toString(), 'PNG');
    if (type === 'svg') assert.match(bytes.toString(), /^<svg xmlns="http:\/\/www.w3.org\/2000\/svg"[^]*<polyline[^]*<\/svg>\n$/);
    if (type === 'csv') assert.match(bytes.toString(), new RegExp(`^# Gossip Lab: .*\\n# configuration: \\?.*\\n${header}\\n`));
  }
}
