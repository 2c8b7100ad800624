// Issue #8's compare view: panels from the URL, lockstep rounds, numbers equal gossip-sim's.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { crc32 } from 'node:zlib';
import { cliSummary, ARTIFACTS } from './harness.mjs';
import { viewSuite, panelNumbers } from './views.mjs';

const openView = viewSuite({ before, after });

/** Waits `count` animation frames: at speed 60 a playing run or panel moves on in each. */
const frames = (page, count) => page.evaluate((count) => new Promise((resolve) => {
  const next = (left) => (left ? requestAnimationFrame(() => next(left - 1)) : resolve());
  next(count);
}), count);
const panelRounds = (page) => page.locator('[data-testid="panel"] [data-testid="round"]').allTextContents();

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
  await checkExports(lab.page.locator('.compare-view .export'), /^compare-push\+pull-n100-seed2\./, 'panel,round,informed_fraction');
  await lab.page.getByRole('tab', { name: 'Run' }).click();
  await lab.page.getByTestId('chart').waitFor();
  await checkExports(lab.page.locator('.results-panel .export').first(), /^run-push-n100-seed2\./, 'round,informed_fraction');
  assert.deepEqual(lab.errors, []);
  await lab.page.close();
});

test('a panel overrides N, loss and the seed from the URL and from its fields; its numbers are gossip-sim\'s', async () => {
  const lab = await openView('?view=compare&modes=push,push:loss=0.3:seed=9,pull:n=500&n=300&b=1&seed=4');
  const panels = lab.page.getByTestId('panel');
  assert.equal(await panels.count(), 3);
  assert.equal((await panels.nth(1).locator('summary').textContent()).trim(), 'Own: loss 30%, seed 9');
  assert.equal((await panels.nth(2).locator('summary').textContent()).trim(), 'Own: N 500');
  assert.equal(await lab.page.locator('.compare-table tbody th').nth(1).textContent(), 'push (loss 30%, seed 9)');
  await lab.button('Run to end').click();
  const ended = () => lab.page.waitForFunction(() => [...document.querySelectorAll('[data-testid="panel"] [data-testid="rounds-to-all"]')].every((cell) => cell.textContent.trim() !== ''));
  await ended();
  const expected = [
    ['--nodes', '300', '--mode', 'push', '--seed', '4'],
    ['--nodes', '300', '--mode', 'push', '--loss', '0.3', '--seed', '9'],
    ['--nodes', '500', '--mode', 'pull', '--seed', '4'],
  ];
  for (const [index, args] of expected.entries()) {
    const shown = await panelNumbers(panels.nth(index));
    const cli = cliSummary([...args, '--fanout', '1']);
    assert.equal(shown.roundsToAll, cli.rounds.mean, `panel ${index + 1}: ${args.join(' ')}`);
    assert.equal(shown.informed, cli.live_nodes, `panel ${index + 1}: everyone informed`);
  }
  // The fields: loss 50 % on panel 1 goes to the URL and the run; a value out of range is refused.
  await panels.nth(0).locator('summary').click();
  const loss = lab.page.getByRole('textbox', { name: 'Panel 1 loss' });
  assert.equal(await loss.getAttribute('placeholder'), '0%', 'the shared value, greyed');
  await loss.fill('150');
  await loss.press('Enter');
  assert.match(await lab.page.getByTestId('override-refused').textContent(), /Panel 1: loss "150" is not a number from 0 to 100 \(%\); it keeps its loss\./);
  assert.match(lab.page.url(), /modes=push,push:loss=0\.3:seed=9,pull:n=500&/, 'the URL is unchanged');
  await loss.fill('50');
  await loss.press('Enter');
  await lab.page.waitForFunction(() => /modes=push:loss=0\.5,push:loss=0\.3:seed=9,pull:n=500/.test(location.search));
  assert.equal(await lab.page.getByTestId('override-refused').count(), 0, 'the message goes once a value is taken');
  assert.match(await lab.page.locator('.share-link').inputValue(), /view=compare&modes=push:loss=0\.5,push:loss=0\.3:seed=9,pull:n=500&trials=100$/,
    'Copy link carries the view and its panels');
  await lab.button('Run to end').click();
  await ended();
  const cli = cliSummary(['--nodes', '300', '--mode', 'push', '--loss', '0.5', '--seed', '4', '--fanout', '1']);
  assert.equal((await panelNumbers(panels.nth(0))).roundsToAll, cli.rounds.mean, 'panel 1 at loss 50 %');
  await lab.page.screenshot({ path: `${ARTIFACTS}compare-overrides.png`, fullPage: true });
  // Emptied, the field shares the value on the left again.
  await loss.fill('');
  await loss.press('Enter');
  await lab.page.waitForFunction(() => /modes=push,push:loss/.test(location.search));
  // A shared link reopens the same panels.
  const again = await openView(`?${new URL(lab.page.url()).searchParams}`);
  assert.equal((await again.page.getByTestId('panel').nth(1).locator('summary').textContent()).trim(), 'Own: loss 30%, seed 9');
  const bad = await openView('?view=compare&modes=push:loss=2,pull:zz=1:seed=x');
  const notice = await bad.page.getByTestId('notice').textContent();
  assert.match(notice, /panel 1's loss="2" is not a number from 0 to 1; the panel shares loss/);
  assert.match(notice, /panel 2's override "zz" is not one of n, b, loss, crash, seed/);
  assert.match(notice, /panel 2's seed="x" is not/);
  assert.equal(await bad.page.getByTestId('panel').count(), 2, 'the panels stay, without the bad overrides');
  assert.deepEqual([...lab.errors, ...again.errors, ...bad.errors], []);
  await Promise.all([lab.page.close(), again.page.close(), bad.page.close()]);
});

test('the keys drive the panels in the compare view; the shared controls are the compared protocols\'', async () => {
  const lab = await openView('?view=compare&modes=srm,push&n=64&seed=3');
  const panels = lab.page.getByTestId('panel');
  await lab.page.keyboard.press('ArrowRight');
  await lab.page.keyboard.press('ArrowRight');
  await lab.page.waitForFunction(() => [...document.querySelectorAll('[data-testid="panel"] [data-testid="round"]')].every((cell) => cell.textContent === '2'));
  await lab.page.keyboard.press('r');
  await lab.page.waitForFunction(() => [...document.querySelectorAll('[data-testid="panel"] [data-testid="round"]')].every((cell) => cell.textContent === '0'));
  await lab.page.keyboard.press(' ');
  await lab.page.waitForFunction(() => Number(document.querySelector('[data-testid="panel"] [data-testid="round"]').textContent) >= 1);
  await lab.page.keyboard.press(' ');
  // SRM's and push's own controls, under their names; no protocol buttons (each panel has its own).
  const sections = await lab.page.locator('.view-protocol > .group-name').allTextContents();
  assert.deepEqual(sections, ['srm', 'push']);
  assert.ok(await lab.page.locator('#packets').isVisible(), 'SRM packets');
  assert.equal(await lab.page.getByRole('group', { name: 'Gossip protocols' }).count(), 0);
  // Experiment: the run's protocol buttons, no playback; Scaling: neither.
  await lab.page.getByRole('tab', { name: 'Experiment' }).click();
  assert.equal(await lab.page.getByRole('group', { name: 'Gossip protocols' }).count(), 1);
  assert.equal(await lab.page.getByRole('button', { name: 'Step' }).count(), 0);
  await lab.page.keyboard.press('ArrowRight');
  await lab.page.getByRole('tab', { name: 'Scaling' }).click();
  assert.equal(await lab.page.getByRole('button', { name: 'Step' }).count(), 0);
  assert.equal(await lab.page.getByRole('group', { name: 'Gossip protocols' }).count(), 0);
  await lab.page.getByRole('tab', { name: 'Run' }).click();
  assert.equal(await lab.number('round'), 0, 'keys pressed in other views left the run alone');
  assert.deepEqual(lab.errors, []);
  await lab.page.close();
});

test('the compare view works in an embed: panels and buttons fit 640x400', async () => {
  const lab = await openView('?view=compare&modes=push,pull&n=64&seed=5&embed=1', { width: 640, height: 400 });
  await lab.button('Run to end').click();
  await lab.page.waitForFunction(() => [...document.querySelectorAll('[data-testid="rounds-to-all"]')].every((cell) => cell.textContent.trim() !== ''));
  const size = await lab.page.evaluate(() => [document.documentElement.scrollWidth, document.documentElement.scrollHeight]);
  assert.ok(size[0] <= 640 && size[1] <= 400, `no scrollbars: ${size}`);
  for (const index of [0, 1]) {
    const panel = lab.page.getByTestId('panel').nth(index);
    assert.ok(await panel.locator('canvas').isVisible(), `panel ${index + 1}'s stage`);
    assert.ok(await panel.getByTestId('rounds-to-all').isVisible(), `panel ${index + 1}'s rounds to all`);
    const box = await panel.boundingBox();
    assert.ok(box.x + box.width <= 640 && box.y + box.height <= 400, `panel ${index + 1} inside the frame`);
  }
  const cli = cliSummary(['--nodes', '64', '--mode', 'pull', '--seed', '5']);
  assert.equal((await panelNumbers(lab.page.getByTestId('panel').nth(1))).roundsToAll, cli.rounds.mean);
  await lab.page.screenshot({ path: `${ARTIFACTS}compare-embed.png` });
  assert.deepEqual(lab.errors, []);
  await lab.page.close();
});

/** A PNG's tEXt chunks as { keyword: text }, after checking every chunk's CRC. */
function pngText(bytes) {
  const texts = {};
  for (let at = 8; at < bytes.length;) {
    const length = bytes.readUInt32BE(at);
    const type = bytes.subarray(at + 4, at + 8).toString('latin1');
    const data = bytes.subarray(at + 8, at + 8 + length);
    assert.equal(bytes.readUInt32BE(at + 8 + length), crc32(bytes.subarray(at + 4, at + 8 + length)), `${type}: its CRC`);
    if (type === 'tEXt') {
      const nul = data.indexOf(0);
      texts[data.subarray(0, nul).toString('latin1')] = data.subarray(nul + 1).toString('latin1').trimEnd();
    }
    at += 12 + length;
  }
  return texts;
}

async function checkExports(group, name, header) {
  for (const [button, type] of [['PNG', 'png'], ['SVG', 'svg'], ['CSV', 'csv']]) {
    const [download] = await Promise.all([group.page().waitForEvent('download'), group.getByRole('button', { name: button, exact: true }).click()]);
    assert.match(download.suggestedFilename(), name);
    assert.ok(download.suggestedFilename().endsWith(`.${type}`));
    const bytes = readFileSync(await download.path());
    if (type === 'png') {
      assert.equal(bytes.subarray(1, 4).toString(), 'PNG');
      assert.match(pngText(bytes).Description, /^Gossip Lab: .*; configuration: \?.*seed=/, 'the configuration inside the PNG');
    }
    if (type === 'svg') {
      assert.match(bytes.toString(), /^<svg xmlns="http:\/\/www.w3.org\/2000\/svg"[^]*<polyline[^]*<\/svg>\n$/);
      assert.match(bytes.toString(), /<metadata>Gossip Lab: .*; configuration: \?.*seed=.*<\/metadata>/, 'the configuration inside the SVG');
    }
    if (type === 'csv') assert.match(bytes.toString(), new RegExp(`^# Gossip Lab: .*\\n# configuration: \\?.*\\n${header}\\n`));
  }
}

test('autoplay plays the panels, not the hidden run; a field keeps what is typed while they play', async () => {
  const lab = await openView('?view=compare&modes=push,pull&n=2000&seed=6&speed=4&autoplay=1');
  const panels = lab.page.getByTestId('panel');
  await lab.page.waitForFunction(() => Number(document.querySelector('[data-testid="panel"] [data-testid="round"]').textContent) >= 1);
  // Typed slowly while rounds go by: every round re-renders the panels.
  await panels.nth(0).locator('summary').click();
  const loss = lab.page.getByRole('textbox', { name: 'Panel 1 loss' });
  await loss.click();
  for (const key of ['3', '0']) {
    await lab.page.keyboard.type(key);
    const round = Number(await panels.nth(0).getByTestId('round').textContent());
    await lab.page.waitForFunction((r) => Number(document.querySelector('[data-testid="panel"] [data-testid="round"]').textContent) > r, round);
  }
  assert.equal(await loss.inputValue(), '30', 'the text typed survived the rounds');
  await loss.press('Enter');
  await lab.page.waitForFunction(() => location.search.includes('modes=push:loss=0.3,pull'));
  assert.match(await lab.page.getByTestId('compare-table').textContent(), /push \(loss 30%\)/);
  await lab.page.getByRole('tab', { name: 'Run' }).click();
  assert.equal(await lab.number('round'), 0, 'the hidden run never played');
  assert.deepEqual(lab.errors, []);
  await lab.page.close();
});

test('a panel above its protocol\'s page cap says so; lock disables the panels\' fields; ids stay unique', async () => {
  const lab = await openView('?view=compare&modes=push,swim,pull&n=5000&seed=2&lock=loss,mode');
  const panels = lab.page.getByTestId('panel');
  assert.match(await panels.nth(1).getByTestId('panel-notice').textContent(), /SWIM runs in the page with at most 2000 nodes/);
  assert.match(await panels.nth(1).textContent(), /\/ 2000 live/);
  assert.equal(await panels.nth(0).getByTestId('panel-notice').count(), 0, 'push takes N = 5000');
  for (let i = 1; i <= 3; i++) {
    // The fields are in each panel's closed "Own ..." details.
    assert.ok(await panels.nth(i - 1).locator('[data-own=loss]').isDisabled(), `panel ${i}'s loss is locked`);
    assert.ok(await lab.page.getByRole('combobox', { name: `Panel ${i} protocol` }).isDisabled(), `panel ${i}'s protocol is locked`);
  }
  assert.ok(await panels.nth(0).locator('[data-own=seed]').isEnabled(), 'the seed is not locked');
  assert.ok(await lab.button('Add panel').isDisabled(), 'locked protocols: no panel added');
  assert.deepEqual(lab.errors, []);
  await lab.page.close();

  const four = await openView('?view=compare&modes=srm,rmtp,heartbeat,swim&n=100');
  const duplicates = await four.page.evaluate(() => {
    const ids = [...document.querySelectorAll('[id]')].map((element) => element.id);
    return ids.filter((id, index) => ids.indexOf(id) !== index);
  });
  assert.deepEqual(duplicates, [], 'SRM and RMTP share one packets control; heartbeat and SWIM one periods');
  assert.equal(await four.page.locator('#packets').count(), 1);
  assert.equal(await four.page.locator('#periods').count(), 1);
  assert.deepEqual(four.errors, []);
  await four.page.close();
});

test('← and the tour keys belong to the run view: pressed in the compare view they leave the run\'s round and the tour\'s step alone', async () => {
  const tour = JSON.parse(readFileSync(new URL('../static/tours/push-pull.json', import.meta.url)));
  const lab = await openView('?tour=push-pull');
  const caption = lab.page.getByTestId('tour-caption');
  await lab.page.waitForFunction((text) => document.querySelector('[data-testid="tour-caption"]')?.textContent === text, tour.steps[0].caption);
  // Round 3 of the tour's first step (its query has no round: a round= in the URL would not last).
  // Each press at a person's pace: the round shown after it is the next one (a page under load
  // renders a moment after the key).
  for (let step = 1; step <= 3; step++) {
    await lab.page.keyboard.press('ArrowRight');
    await lab.page.waitForFunction((round) => document.querySelector('[data-testid="round"]')?.textContent.trim() === String(round), step);
  }
  assert.equal(await lab.number('round'), 3);
  await lab.page.getByRole('tab', { name: 'Compare' }).click();
  // In the run view these would scrub to round 2, then go to the tour's step 2 and back to step 1,
  // each step restarting the run.
  for (const key of ['ArrowLeft', 'PageDown', 'PageUp']) await lab.page.keyboard.press(key);
  await lab.page.getByRole('tab', { name: 'Run' }).click();
  assert.equal(await lab.number('round'), 3, 'the run is at the round it was left at');
  assert.equal(await caption.textContent(), tour.steps[0].caption);
  assert.match(await lab.page.locator('.tour-count').textContent(), /^step 1 of 4 /);
  assert.deepEqual(lab.errors, []);
  await lab.page.close();
});

test('autoplay plays the panels once, in the view the page opened with: the finished hidden run stays finished, a return to the tab does not play them again', async () => {
  const lab = await openView('?view=compare&modes=push,pull&mode=push&n=100&b=1&seed=1&speed=60&autoplay=1&round=40');
  await lab.page.waitForFunction(() => [...document.querySelectorAll('[data-testid="panel"] [data-testid="rounds-to-all"]')].every((cell) => cell.textContent.trim() !== ''));
  // round=40 is past push's end on 100 nodes: the hidden run opened finished, and leaving its
  // view paused it without replaying it.
  await lab.page.getByRole('tab', { name: 'Run' }).click();
  const cli = cliSummary(['--nodes', '100', '--fanout', '1', '--mode', 'push', '--seed', '1']);
  assert.equal(await lab.number('round'), cli.rounds.mean, 'the run at its end, not replayed from 0');
  assert.equal(await lab.button('Replay').count(), 1, 'finished and paused');
  await lab.page.getByRole('tab', { name: 'Compare' }).click();
  await frames(lab.page, 30);
  assert.deepEqual(await panelRounds(lab.page), ['0', '0'], 'the panels wait for Play');
  assert.equal(await lab.button('Play').count(), 1);
  assert.deepEqual(lab.errors, []);
  await lab.page.close();
});

test('a tour step with autoplay=1, taken in the compare view, plays the run only when its view is shown', async () => {
  const lab = await openView('?view=compare&modes=push,pull');
  const query = '?mode=push&n=100&b=1&seed=1&speed=60&autoplay=1';
  const tour = { title: 'Autoplay', steps: [{ query, caption: 'First.' }, { query, caption: 'Second.' }] };
  await lab.page.route('**/tours/autoplay.json', (route) => route.fulfill({ contentType: 'application/json', body: JSON.stringify(tour) }));
  await lab.page.goto(`${lab.origin}/?view=compare&modes=push,pull&tour=autoplay`);
  await lab.page.getByText('First.').waitFor();
  await lab.page.getByTestId('tour-next').click();
  await lab.page.getByText('Second.').waitFor();
  await frames(lab.page, 30);
  // Copy link carries the run's round once it has played one.
  assert.doesNotMatch(await lab.page.getByTestId('share-link').inputValue(), /[?&]round=/, 'the hidden run did not move');
  assert.deepEqual(await panelRounds(lab.page), ['0', '0'], 'nor did the panels');
  await lab.page.getByRole('tab', { name: 'Run' }).click();
  await lab.page.waitForFunction(() => Number(document.querySelector('[data-testid="round"]').textContent) >= 1);
  assert.deepEqual(lab.errors, []);
  await lab.page.close();
});

test('lock= locks the fields of every panel after one is added', async () => {
  // Yew reuses the old panels' elements for the last ones and makes the first anew: every
  // panel is checked, not only the added one.
  const lab = await openView('?view=compare&modes=push,pull&n=100&lock=loss');
  await lab.button('Add panel').click();
  const panels = lab.page.getByTestId('panel');
  await panels.nth(2).waitFor();
  for (let i = 0; i < 3; i++) {
    const loss = panels.nth(i).locator('[data-own=loss]');
    assert.ok(await loss.isDisabled(), `panel ${i + 1}'s loss is locked`);
    assert.equal(await loss.getAttribute('title'), 'fixed by the lecturer');
    assert.ok(await panels.nth(i).locator('[data-own=seed]').isEnabled(), `panel ${i + 1}'s seed is not`);
  }
  assert.ok(await lab.page.getByRole('combobox', { name: 'Panel 3 protocol' }).isEnabled(), 'nor the protocols');
  assert.deepEqual(lab.errors, []);
  await lab.page.close();
});

test('a panel\'s field keeps what is typed while the whole page re-renders (a theme switch)', async () => {
  const lab = await openView('?view=compare&modes=push,pull&n=100&theme=light');
  await lab.page.getByTestId('panel').first().locator('summary').click();
  const loss = lab.page.getByRole('textbox', { name: 'Panel 1 loss' });
  await loss.fill('30');
  // Clicked from a script, so the field keeps the focus and what it holds is not yet sent: the
  // page re-renders, and a field whose callbacks changed would render again, emptied.
  await lab.page.evaluate(() => [...document.querySelectorAll('.lecture-bar button')].find((button) => button.textContent === 'Dark theme').click());
  await lab.page.waitForFunction(() => document.documentElement.dataset.theme === 'dark');
  assert.equal(await loss.inputValue(), '30');
  assert.ok(await loss.evaluate((field) => field === document.activeElement), 'still being typed in');
  await loss.press('Enter');
  await lab.page.waitForFunction(() => location.search.includes('modes=push:loss=0.3,pull'));
  assert.deepEqual(lab.errors, []);
  await lab.page.close();
});
