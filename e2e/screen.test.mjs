// The lecture screen: on a 1280x720 projector (with and without present=1) every protocol's run
// view shows the stage, the main chart and the lesson's figure without scrolling and without
// overlap, with nodes legible from the back row; the compare, experiment and scaling views show
// their figures and whole chart on the first screen; at 640x400 (embed=1) the stage, the chart,
// every compare panel and the experiment's figures fit the frame.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { ARTIFACTS } from './harness.mjs';
import { viewSuite } from './views.mjs';

const openView = viewSuite({ before, after });

const PROTOCOLS = ['centralized', 'tree', 'srm', 'rmtp', 'push', 'pull', 'push-pull', 'heartbeat', 'swim', 'cassandra', 'plumtree'];
const PROJECTOR = { width: 1280, height: 720 };
const EMBED = { width: 640, height: 400 };

/** The boxes of the given test ids (every element of each), in CSS pixels, and the window's size. */
async function boxes(page, ids) {
  return boxesOf(page, Object.fromEntries(ids.map((id) => [id, `[data-testid="${id}"]`])));
}

/** Like `boxes`, for elements named by CSS selectors: { name: selector }. */
async function boxesOf(page, selectors) {
  return page.evaluate((selectors) => {
    const box = (element) => {
      const { left, top, right, bottom } = element.getBoundingClientRect();
      return { left, top, right, bottom };
    };
    const found = {};
    for (const [name, selector] of Object.entries(selectors)) {
      const elements = [...document.querySelectorAll(selector)];
      found[name] = elements.map(box);
    }
    return {
      found,
      width: window.innerWidth,
      height: window.innerHeight,
      scrollHeight: document.scrollingElement.scrollHeight,
      scrollY: window.scrollY,
    };
  }, selectors);
}

/**
 * Every box lies in the window, the page does not scroll, and no two boxes overlap; each box is
 * drawn, at least `drawn` CSS pixels each way (a figure's line of type is less than 20 px high).
 */
function assertOnScreen(layout, label, drawn = 20) {
  const all = [];
  for (const [id, list] of Object.entries(layout.found)) {
    assert.ok(list.length > 0, `${label}: no ${id}`);
    list.forEach((box, index) => {
      const name = `${id}#${index}`;
      assert.ok(box.right - box.left > drawn && box.bottom - box.top > drawn, `${label}: ${name} is drawn (${JSON.stringify(box)})`);
      assert.ok(box.left >= -0.5 && box.top >= -0.5 && box.right <= layout.width + 0.5 && box.bottom <= layout.height + 0.5,
        `${label}: ${name} ${JSON.stringify(box)} is outside the ${layout.width}x${layout.height} window`);
      all.push([name, box]);
    });
  }
  for (let i = 0; i < all.length; i++) {
    for (let j = i + 1; j < all.length; j++) {
      const [[a, p], [b, q]] = [all[i], all[j]];
      const overlap = Math.min(p.right, q.right) - Math.max(p.left, q.left) > 0.5
        && Math.min(p.bottom, q.bottom) - Math.max(p.top, q.top) > 0.5;
      assert.ok(!overlap, `${label}: ${a} overlaps ${b}`);
    }
  }
  assert.ok(layout.scrollHeight <= layout.height + 1, `${label}: the page scrolls (${layout.scrollHeight} > ${layout.height})`);
}

/** Opens the run view and waits for the stage to be drawn (its node size is set then). */
async function openRun(query, viewport) {
  const lab = await openView(query, viewport);
  await lab.page.getByTestId('round').waitFor({ state: 'attached' });
  await lab.page.waitForFunction(() => document.querySelector('[data-testid="stage"]')?.hasAttribute('data-node-px'));
  return lab;
}

for (const present of [false, true]) {
  test(`1280x720${present ? ' presenting' : ''}: every protocol's stage, chart and lesson on one screen, nodes 14 px across at N = 200`, async () => {
    for (const mode of PROTOCOLS) {
      const lab = await openRun(`?mode=${mode}&n=200&seed=3${present ? '&present=1' : ''}`, PROJECTOR);
      const label = `${mode}${present ? ' (present)' : ''}`;
      // The lesson's figure: where the protocol has one, with its expected and measured values inside.
      const lesson = lab.page.getByTestId('lesson');
      const hasLesson = (await lesson.count()) > 0;
      if (hasLesson) {
        // The expected figure where the lesson has one (else its reason stands in its place).
        const expectation = lab.page.getByTestId('expectation');
        const figured = (await expectation.count()) > 0 && /expected about/.test(await expectation.textContent());
        if (await expectation.count()) {
          for (const id of ['expectation', ...(figured ? ['lesson-expected'] : []), 'lesson-measured']) {
            assert.equal(await lesson.getByTestId(id).count(), 1, `${label}: ${id} inside the lesson`);
          }
        }
      }
      const ids = ['stage', 'chart', ...(hasLesson ? ['lesson'] : [])];
      assertOnScreen(await boxes(lab.page, ids), label);
      // The counts under the stage, to their last row, within the stage's panel as it shows.
      const { counts, panel, after } = await lab.page.evaluate(() => {
        const box = (selector) => document.querySelector(selector)?.getBoundingClientRect().toJSON();
        return { counts: box('.run-view .counts'), panel: box('.run-view .stage-panel'), after: box('.run-view .stage-fold + *') };
      });
      assert.ok(counts.bottom <= panel.bottom + 0.5 && panel.bottom <= PROJECTOR.height + 0.5,
        `${label}: the counts end at ${counts.bottom}, past the stage's panel (${panel.bottom})`);
      // What follows the fold (the legend, a click's path) waits in the panel's scroll: no line of
      // it peeks, cut, at the panel's bottom edge.
      assert.ok(!after || after.top >= panel.bottom, `${label}: what follows the stage's fold starts at ${after?.top}, inside the panel (bottom ${panel.bottom})`);
      // The lesson's own chart stays inside the lesson's box.
      if (await lab.page.getByTestId('lesson-chart').count()) {
        const [chart, box] = await Promise.all(['lesson-chart', 'lesson'].map((id) => lab.page.getByTestId(id).boundingBox()));
        assert.ok(chart.y >= box.y && chart.y + chart.height <= box.y + box.height + 0.5, `${label}: the lesson chart is in the lesson`);
      }
      const nodePx = Number(await lab.page.getByTestId('stage').getAttribute('data-node-px'));
      assert.ok(nodePx >= 14, `${label}: a node is ${nodePx} px across at N = 200`);
      await lab.page.screenshot({ path: `${ARTIFACTS}screen-${mode}${present ? '-present' : ''}.png` });
      assert.deepEqual(lab.errors, [], label);
      await lab.page.close();
    }
  });
}

test('the protocols with a lesson chart show it in the lesson: SRM, RMTP and membership', async () => {
  for (const mode of ['srm', 'rmtp', 'heartbeat', 'swim', 'cassandra']) {
    const lab = await openRun(`?mode=${mode}&n=200&seed=3`, PROJECTOR);
    assert.equal(await lab.page.getByTestId('lesson').getByTestId('lesson-chart').count(), 1, `${mode}: a lesson chart`);
    assertOnScreen(await boxes(lab.page, ['stage', 'chart', 'lesson']), mode);
    await lab.page.close();
  }
});

test('N = 200: the tree with fanout 2 and 3 and gossip on racks draw nodes 14 px across', async () => {
  for (const query of ['?mode=tree&n=200&b=2', '?mode=tree&n=200&b=3', '?mode=push&n=200&racks=4']) {
    for (const present of [false, true]) {
      const lab = await openRun(`${query}&seed=3${present ? '&present=1' : ''}`, PROJECTOR);
      const nodePx = Number(await lab.page.getByTestId('stage').getAttribute('data-node-px'));
      assert.ok(nodePx >= 14, `${query}${present ? ' (present)' : ''}: a node is ${nodePx} px across`);
      assertOnScreen(await boxes(lab.page, ['stage', 'chart']), query);
      await lab.page.screenshot({ path: `${ARTIFACTS}screen-nodes-${query.replace(/[^a-z0-9]+/gi, '-')}${present ? '-present' : ''}.png` });
      assert.deepEqual(lab.errors, [], query);
      await lab.page.close();
    }
  }
});

test('N <= 50: each node carries its number', async () => {
  for (const [n, numbered] of [[50, 'true'], [51, 'false']]) {
    const lab = await openRun(`?mode=push&n=${n}&seed=3`, PROJECTOR);
    const stage = lab.page.getByTestId('stage');
    assert.ok(Number(await stage.getAttribute('data-node-px')) >= 14, `N = ${n}: legible nodes`);
    assert.equal(await stage.getAttribute('data-numbered'), numbered, `N = ${n}: numbers drawn`);
    await lab.page.close();
  }
});

test('640x400 embed: the run view\'s stage and chart fit the frame', async () => {
  for (const mode of ['push', 'srm', 'tree', 'swim']) {
    const lab = await openRun(`?mode=${mode}&n=200&seed=3&embed=1`, EMBED);
    assertOnScreen(await boxes(lab.page, ['stage', 'chart']), `${mode} embed`);
    await lab.page.screenshot({ path: `${ARTIFACTS}screen-embed-${mode}.png` });
    assert.deepEqual(lab.errors, []);
    await lab.page.close();
  }
});

test('640x400 embed: the compare view shows every panel and its chart', async () => {
  const lab = await openView('?view=compare&modes=push,pull,push-pull&n=200&seed=3&embed=1', EMBED);
  await lab.page.getByTestId('panel').first().waitFor();
  assert.equal(await lab.page.getByTestId('panel').count(), 3);
  assertOnScreen(await boxes(lab.page, ['panel', 'compare-chart']), 'compare embed');
  await lab.page.screenshot({ path: `${ARTIFACTS}screen-embed-compare.png` });
  assert.deepEqual(lab.errors, []);
  await lab.page.close();
});

/** Compare's three panels and their chart on the first screen of `viewport`; saved as `shot`. */
async function assertCompareScreen(viewport, present, label, shot) {
  const lab = await openView(`?view=compare&modes=push,pull,push-pull&n=200&seed=3${present ? '&present=1' : ''}`, viewport);
  await lab.page.getByTestId('panel').first().waitFor();
  assert.equal(await lab.page.getByTestId('panel').count(), 3, label);
  // The view goes on below (the table, the exports), so only the boxes are checked, not the scroll.
  const layout = await boxes(lab.page, ['panel', 'compare-chart']);
  assertOnScreen({ ...layout, scrollHeight: layout.height }, label);
  await lab.page.screenshot({ path: `${ARTIFACTS}${shot}.png` });
  assert.deepEqual(lab.errors, [], label);
  await lab.page.close();
}

for (const present of [false, true]) {
  test(`1280x720${present ? ' presenting' : ''}: the compare view shows every panel beside its chart, on the first screen`, async () => {
    await assertCompareScreen(PROJECTOR, present, `compare${present ? ' (present)' : ''}`, `screen-compare${present ? '-present' : ''}`);
  });
}

/** The experiment's figures, each by its test id. */
const EXPERIMENT_NUMBERS = ['experiment-mean', 'experiment-sd', 'experiment-interval', 'experiment-completed', 'experiment-datagrams', 'experiment-theory'];

/** Opens a view and waits for its result: the experiment's figures, or a finished sweep. */
async function openResult(view, query, viewport) {
  const lab = await openView(`?view=${view}&${query}`, viewport);
  if (view === 'experiment') await lab.page.getByTestId('experiment-mean').waitFor({ state: 'attached', timeout: 60000 });
  else await lab.page.waitForFunction(() => !document.querySelector('[data-testid="progress"]')
    && document.querySelectorAll('[data-testid="scaling-table"] tbody tr').length > 0, null, { timeout: 120000 });
  return lab;
}

/** The chart's canvas holds as many pixels as its box shows (drawn at its size, not stretched). */
async function assertDrawnAtSize(page, id, label) {
  await page.waitForFunction((id) => {
    const canvas = document.querySelector(`[data-testid="${id}"]`);
    const ratio = Math.max(window.devicePixelRatio, 1);
    return canvas.width === Math.round(canvas.clientWidth * ratio) && canvas.height === Math.round(canvas.clientHeight * ratio);
  }, id, { timeout: 5000 }).catch(() => {});
  const { width, height, boxWidth, boxHeight } = await page.getByTestId(id).evaluate((canvas) => {
    const ratio = Math.max(window.devicePixelRatio, 1);
    return { width: canvas.width, height: canvas.height, boxWidth: Math.round(canvas.clientWidth * ratio), boxHeight: Math.round(canvas.clientHeight * ratio) };
  });
  assert.ok(width === boxWidth && height === boxHeight, `${label}: ${id} is drawn ${width}x${height} in a ${boxWidth}x${boxHeight} box`);
}

/**
 * The experiment's figures and its histogram, and the scaling view's protocols, its sweep's
 * controls and its chart: on a projector's first screen, whole, the page not scrolling.
 */
const VIEW_SCREENS = [
  ['experiment', 'trials=300&n=500&mode=push&seed=7',
    Object.fromEntries([...EXPERIMENT_NUMBERS, 'histogram'].map((id) => [id, `[data-testid="${id}"]`]))],
  ['scaling', 'modes=push,pull,push-pull&trials=20&seed=5',
    { protocols: '.scaling-view [aria-label="Protocols to sweep"]', sweep: '.scaling-view .progress-row', 'scaling-chart': '[data-testid="scaling-chart"]' }],
];

for (const [view, query, selectors] of VIEW_SCREENS) {
  const chart = Object.keys(selectors).at(-1);
  for (const present of [false, true]) {
    test(`1280x720${present ? ' presenting' : ''}: the ${view} view's figures and its whole chart on the first screen`, async () => {
      const label = `${view}${present ? ' (present)' : ''}`;
      const lab = await openResult(view, `${query}${present ? '&present=1' : ''}`, PROJECTOR);
      assertOnScreen(await boxesOf(lab.page, selectors), label, 8);
      await assertDrawnAtSize(lab.page, chart, label);
      await lab.page.screenshot({ path: `${ARTIFACTS}screen-${view}${present ? '-present' : ''}.png` });
      if (!present) {
        // Present mode switched on over the result: the chart's new box is drawn afresh.
        await lab.button('Present').click();
        await lab.page.locator('html.present').waitFor({ state: 'attached' });
        assertOnScreen(await boxesOf(lab.page, selectors), `${label}, then Present`, 8);
        await assertDrawnAtSize(lab.page, chart, `${label}, then Present`);
      }
      // A window of another size: the chart follows it and is drawn again at its new size.
      await lab.page.setViewportSize({ width: 1100, height: 800 });
      assertOnScreen(await boxesOf(lab.page, selectors), `${label} at 1100x800`, 8);
      await assertDrawnAtSize(lab.page, chart, `${label} at 1100x800`);
      assert.deepEqual(lab.errors, [], label);
      await lab.page.close();
    });
  }
}

test('640x400 embed: the experiment\'s figures and histogram, and the scaling chart, fit the frame', async () => {
  for (const [view, query, selectors] of VIEW_SCREENS) {
    const lab = await openResult(view, `${query}&embed=1`, EMBED);
    const shown = view === 'experiment' ? selectors : { 'scaling-chart': selectors['scaling-chart'] };
    assertOnScreen(await boxesOf(lab.page, shown), `${view} embed`, 8);
    await assertDrawnAtSize(lab.page, Object.keys(selectors).at(-1), `${view} embed`);
    await lab.page.screenshot({ path: `${ARTIFACTS}screen-embed-${view}.png` });
    assert.deepEqual(lab.errors, [], view);
    await lab.page.close();
  }
});

/** A 1024x768 projector, or 1280x720 zoomed to 125 %: the run view's three columns narrow. */
const SMALL_PROJECTOR = { width: 1024, height: 768 };

/**
 * Opens the run view of `modes` at `viewport`, with and without present=1, and checks what every
 * narrowed screen promises: the stage, chart and lesson on one screen and no column past the right
 * edge; `more(lab, label, present)` checks what that screen promises besides. Screenshots of
 * `shots` (modes).
 */
async function assertRunScreens(viewport, { modes = PROTOCOLS, presents = [false, true], shots = modes, more = async () => {} } = {}) {
  const size = `${viewport.width}x${viewport.height}`;
  for (const present of presents) {
    for (const mode of modes) {
      const lab = await openRun(`?mode=${mode}&n=200&seed=3${present ? '&present=1' : ''}`, viewport);
      const label = `${mode} at ${size}${present ? ' (present)' : ''}`;
      await assertLessonScreen(lab.page, label);
      const { scrollWidth, past } = await lab.page.evaluate(() => ({
        scrollWidth: document.scrollingElement.scrollWidth,
        past: [...document.querySelectorAll('.run-view .layout > .panel')].map((panel) => panel.getBoundingClientRect().right).filter((right) => right > innerWidth + 0.5),
      }));
      assert.ok(scrollWidth <= viewport.width && past.length === 0, `${label}: the page is ${scrollWidth} px wide, a column ends at ${past}`);
      await more(lab, label, present);
      if (shots.includes(mode)) await lab.page.screenshot({ path: `${ARTIFACTS}screen-${viewport.width}-${mode}${present ? '-present' : ''}.png` });
      assert.deepEqual(lab.errors, [], label);
      await lab.page.close();
    }
  }
}

/** Presenting: the views' tabs and the lecture bar share the toolbar's one row. */
async function assertToolbarOneRow(page, label) {
  const tops = await page.evaluate(() => ['.view-tabs', '.lecture-bar'].map((bar) => document.querySelector(bar).getBoundingClientRect().top));
  assert.ok(Math.abs(tops[0] - tops[1]) < 20, `${label}: the tabs and the lecture bar share a row (tops ${tops})`);
}

test('1024x768, with and without present=1: every protocol\'s stage, chart and lesson on one screen, nothing past the right edge, nodes 14 px across at N = 200', async () => {
  await assertRunScreens(SMALL_PROJECTOR, {
    more: async (lab, label) => {
      const nodePx = Number(await lab.page.getByTestId('stage').getAttribute('data-node-px'));
      assert.ok(nodePx >= 14, `${label}: a node is ${nodePx} px across at N = 200`);
    },
  });
});

/** A window half as wide as a 1920x1080 screen, at a projector's height: still one screen. */
const HALF_SCREEN = { width: 960, height: 720 };

test('960x720 (half a wide screen), with and without present=1: every protocol\'s stage, chart and lesson on one screen, the toolbar one row when presenting', async () => {
  const toolbar = async (lab, label, present) => present && assertToolbarOneRow(lab.page, label);
  await assertRunScreens(HALF_SCREEN, { shots: ['srm', 'cassandra'], more: toolbar });
  // At the breakpoint's edge, presenting: the lesson and a one-row toolbar still.
  await assertRunScreens({ width: 900, height: 720 }, { modes: ['srm', 'cassandra'], presents: [true], shots: [], more: toolbar });
});

test('1024x768, with and without present=1: compare\'s panels beside their chart, the experiment\'s and the sweep\'s figures and whole chart, on the first screen', async () => {
  for (const present of [false, true]) {
    const suffix = present ? '&present=1' : '';
    await assertCompareScreen(SMALL_PROJECTOR, present, `compare at 1024x768${present ? ' (present)' : ''}`, `screen-1024-compare${present ? '-present' : ''}`);
    for (const [view, query, selectors] of VIEW_SCREENS) {
      const label = `${view} at 1024x768${present ? ' (present)' : ''}`;
      const result = await openResult(view, `${query}${suffix}`, SMALL_PROJECTOR);
      assertOnScreen(await boxesOf(result.page, selectors), label, 8);
      await assertDrawnAtSize(result.page, Object.keys(selectors).at(-1), label);
      assert.deepEqual(result.errors, [], label);
      await result.page.close();
    }
  }
});

test('clicking a node highlights its path back to the sender and gives the hop count', async () => {
  const lab = await openRun('?mode=push&n=20&seed=4', PROJECTOR);
  await lab.button('Run to end').click();
  await lab.waitForCompletion();
  const stage = lab.page.getByTestId('stage');
  const box = await stage.boundingBox();
  // Node 5 of 20 sits at the right of the circle.
  await stage.click({ position: { x: box.width / 2 + 0.43 * Math.min(box.width, box.height), y: box.height / 2 } });
  const details = await lab.text('node-details');
  const [, informer] = details.match(/Node 5: informed in round \d+ by node (\d+)\./);
  const path = (await lab.text('node-path')).trim();
  const [, nodes, hops] = path.match(/^Path from the sender: ([\d →]+) \((\d+) hops?\)$/);
  const steps = nodes.split(' → ').map(Number);
  assert.equal(steps[0], 0, 'the path starts at the sender');
  assert.equal(steps.at(-1), 5, 'and ends at the clicked node');
  assert.equal(steps.at(-2), Number(informer), 'the last hop is from the node that informed it');
  assert.equal(Number(hops), steps.length - 1);
  assert.ok(Number(hops) >= 1);
  await lab.page.screenshot({ path: `${ARTIFACTS}screen-node-path.png` });
  // Clicking the sender: no hops.
  await stage.click({ position: { x: box.width / 2, y: box.height / 2 - 0.43 * Math.min(box.width, box.height) } });
  assert.match(await lab.text('node-path'), /^Path from the sender: 0 \(0 hops\)$/);
  assert.deepEqual(lab.errors, []);
  await lab.page.close();
});

/** The built-in tours, as the page serves them (static/tours/*.json). */
const TOURS = readdirSync(new URL('../static/tours/', import.meta.url))
  .filter((file) => file.endsWith('.json'))
  .map((file) => [file.slice(0, -'.json'.length), JSON.parse(readFileSync(new URL(`../static/tours/${file}`, import.meta.url)))]);

/** The lesson's elements where the screen has them: the lesson, its expected and measured values, its own chart. */
async function lessonIds(page) {
  const ids = [];
  for (const id of ['lesson', 'lesson-chart']) {
    if (await page.getByTestId(id).count()) ids.push(id);
  }
  return ids;
}

/** Stage, chart, caption and the lesson on screen; the lesson's figures and chart inside the lesson box. */
async function assertLessonScreen(page, label, extra = []) {
  const lesson = await lessonIds(page);
  assertOnScreen(await boxes(page, ['stage', 'chart', ...extra, ...lesson.filter((id) => id === 'lesson')]), label);
  if (lesson.includes('lesson')) {
    const box = await page.getByTestId('lesson').boundingBox();
    for (const id of ['lesson-expected', 'lesson-measured', 'lesson-chart']) {
      const inner = page.getByTestId('lesson').getByTestId(id);
      if (!(await inner.count())) continue;
      const part = await inner.boundingBox();
      assert.ok(part && part.x >= box.x - 0.5 && part.y >= box.y - 0.5 && part.x + part.width <= box.x + box.width + 0.5
        && part.y + part.height <= box.y + box.height + 0.5, `${label}: ${id} lies inside the lesson`);
    }
  }
}

test('the tour menu lists every tour in static/tours', async () => {
  const lab = await openRun('?mode=push&n=50&seed=1', PROJECTOR);
  const options = await lab.page.getByTestId('tour-menu').locator('option').evaluateAll((list) => list.map((option) => option.value).filter(Boolean));
  assert.deepEqual([...options].sort(), TOURS.map(([name]) => name).sort());
  for (const name of ['racks', 'many-messages', 'rumor-mongering', 'swim-heartbeat', 'cassandra-phi', 'async-delay']) {
    assert.ok(options.includes(name), `a tour ${name}`);
  }
  await lab.page.close();
});

test('every step of every tour fits the 1280x720 screen, and presenting the 1024x768 one, with and without present=1', async () => {
  const screens = [[PROJECTOR, false], [PROJECTOR, true], [SMALL_PROJECTOR, true]];
  for (const [tour, json] of TOURS) {
    for (const [viewport, present] of screens) {
      const lab = await openView(`?tour=${tour}${present ? '&present=1' : ''}`, viewport);
      const caption = lab.page.getByTestId('tour-caption');
      await caption.waitFor();
      for (let step = 0; step < json.steps.length; step++) {
        const label = `${tour} step ${step + 1} at ${viewport.width}x${viewport.height}${present ? ' (present)' : ''}`;
        // A step loads its run: wait for its caption and the run view's stage drawn again.
        await lab.page.waitForFunction((text) => document.querySelector('[data-testid="tour-caption"]')?.textContent === text, json.steps[step].caption);
        await lab.page.waitForFunction(() => document.querySelector('[data-testid="stage"]')?.hasAttribute('data-node-px') && document.querySelector('[data-testid="chart"]'));
        assert.equal(await lab.page.getByTestId('notice').count(), 0, `${label}: no notice`);
        const runTo = json.steps[step].action?.run_to;
        if (runTo !== undefined) assert.ok(await lab.number('round') <= runTo, `${label}: at most round ${runTo}`);
        await assertLessonScreen(lab.page, label, ['tour-caption']);
        if (!present) await lab.page.screenshot({ path: `${ARTIFACTS}tour-${tour}-${step + 1}.png` });
        if (viewport === SMALL_PROJECTOR) await lab.page.screenshot({ path: `${ARTIFACTS}tour-1024-${tour}-${step + 1}.png` });
        const next = lab.page.getByTestId('tour-next');
        assert.equal(await next.isDisabled(), step === json.steps.length - 1, `${label}: Next`);
        if (step < json.steps.length - 1) await next.click();
      }
      assert.deepEqual(lab.errors, [], tour);
      await lab.page.close();
    }
  }
});

test('every preset opens without a notice, its stage, chart and lesson on one screen', async () => {
  const lab = await openRun('?mode=push&n=50&seed=1', PROJECTOR);
  const links = await lab.page.locator('.presets a').evaluateAll((list) => list.map((link) => link.getAttribute('href')));
  await lab.page.close();
  assert.ok(links.length >= 17, `${links.length} presets`);
  for (const href of links) {
    const preset = await openRun(href, PROJECTOR);
    assert.equal(await preset.page.getByTestId('notice').count(), 0, `${href}: no notice`);
    const n = Number(new URLSearchParams(href.slice(1)).get('n'));
    if (['push', 'pull', 'push-pull'].includes(new URLSearchParams(href.slice(1)).get('mode'))) {
      assert.ok(n <= 2000, `${href}: gossip presets use an N whose datagrams fly (at most 2,000)`);
    }
    await assertLessonScreen(preset.page, href);
    assert.deepEqual(preset.errors, [], href);
    await preset.page.close();
  }
});

test('Cassandra: the phi plot and the stage show the chosen observer\'s phi, the threshold drawn', async () => {
  const lab = await openRun('?mode=cassandra&n=20&seed=3&round=40', PROJECTOR);
  const stage = lab.page.getByTestId('stage');
  const chart = lab.page.getByTestId('phi-chart');
  assert.equal(await lab.page.getByTestId('lesson').getByTestId('phi-chart').count(), 1, 'the phi plot is the lesson\'s chart');
  assert.equal(await stage.getAttribute('data-phi-observer'), '0', 'the first live node observes by default');
  assert.equal(await chart.getAttribute('data-observer'), '0');
  assertOnScreen(await boxes(lab.page, ['stage', 'chart', 'lesson']), 'cassandra');
  // Node 5 of 20 sits at the right of the circle: clicking it makes it the observer.
  const box = await stage.boundingBox();
  await stage.click({ position: { x: box.width / 2 + 0.43 * Math.min(box.width, box.height), y: box.height / 2 } });
  await lab.page.waitForFunction(() => document.querySelector('[data-testid="phi-chart"]')?.dataset.observer === '5');
  assert.equal(await stage.getAttribute('data-phi-observer'), '5');
  assert.match(await lab.text('node-details'), /^Node 5: .*φ about each member/);
  await lab.page.screenshot({ path: `${ARTIFACTS}screen-cassandra-phi.png` });
  assert.deepEqual(lab.errors, []);
  await lab.page.close();
});

const pageHeight = (page) => page.evaluate(() => document.scrollingElement.scrollHeight);

/**
 * The Embed dialog lies inside the window, and the stage and the page's height are what they
 * were before it opened (`before`: the stage's box and the page's height).
 */
async function assertDialogOver(page, [stage, height], label) {
  assert.deepEqual(await page.getByTestId('stage').boundingBox(), stage, `${label}: the stage does not move when the Embed dialog opens`);
  assert.equal(await pageHeight(page), height, `${label}: the page is as tall as before`);
  const dialog = await page.getByTestId('embed-dialog').boundingBox();
  const window = page.viewportSize();
  assert.ok(dialog.x >= 0 && dialog.y >= 0 && dialog.x + dialog.width <= window.width + 0.5 && dialog.y + dialog.height <= window.height + 0.5,
    `${label}: the dialog ${JSON.stringify(dialog)} fits the ${window.width}x${window.height} window`);
}

test('the Embed dialog floats over the page: the stage stays put, it fits 1280x720 and 640x400, Esc closes it', async () => {
  for (const viewport of [PROJECTOR, EMBED]) {
    for (const present of [false, true]) {
      const label = `${viewport.width}x${viewport.height}${present ? ' presenting' : ''}`;
      const lab = await openRun(`?mode=push&n=200&b=1&seed=3${present ? '&present=1' : ''}`, viewport);
      const stage = [await lab.page.getByTestId('stage').boundingBox(), await pageHeight(lab.page)];
      if (present) await lab.page.locator('.bar-menu summary').click();
      await lab.button('Embed').click();
      await lab.page.getByTestId('embed-dialog').waitFor();
      if (present) assert.equal(await lab.page.locator('.bar-menu[open]').count(), 0, `${label}: the menu folds away under the dialog`);
      await assertDialogOver(lab.page, stage, label);
      // With the preview open, the dialog still fits (it scrolls inside itself if it must).
      await lab.button('Preview').click();
      await lab.page.getByTestId('embed-preview').waitFor();
      await assertDialogOver(lab.page, stage, `${label}, preview`);
      await lab.page.screenshot({ path: `${ARTIFACTS}screen-embed-dialog-${viewport.width}x${viewport.height}${present ? '-present' : ''}.png` });
      await lab.page.keyboard.press('Escape');
      await lab.page.getByTestId('embed-dialog').waitFor({ state: 'detached' });
      // The × button closes it too.
      if (present) await lab.page.locator('.bar-menu summary').click();
      await lab.button('Embed').click();
      await lab.page.getByRole('button', { name: 'Close the Embed dialog' }).click();
      await lab.page.getByTestId('embed-dialog').waitFor({ state: 'detached' });
      assert.deepEqual(lab.errors, [], label);
      await lab.page.close();
    }
  }
});

test('the Embed dialog offers autoplay, loop, locks, the view and the size, and previews the snippet', async () => {
  const lab = await openRun('?mode=push&n=200&b=1&seed=3', PROJECTOR);
  await lab.button('Embed').click();
  const snippet = lab.page.getByTestId('embed-snippet');
  const plain = await snippet.inputValue();
  assert.match(plain, /width="640" height="400"/);
  assert.doesNotMatch(plain, /autoplay=1|loop=1|lock=|view=/);
  await lab.page.getByRole('checkbox', { name: 'Autoplay' }).check();
  await lab.page.getByRole('checkbox', { name: 'Loop' }).check();
  await lab.page.getByRole('checkbox', { name: 'Lock N' }).check();
  await lab.page.getByRole('checkbox', { name: 'Lock protocol' }).check();
  await lab.page.getByTestId('embed-view').selectOption('compare');
  await lab.page.getByTestId('embed-size').selectOption('800 × 500');
  const text = await snippet.inputValue();
  const src = text.match(/src="([^"]+)"/)[1].replaceAll('&amp;', '&');
  const query = new URLSearchParams(new URL(src).search);
  assert.equal(query.get('embed'), '1');
  assert.equal(query.get('autoplay'), '1');
  assert.equal(query.get('loop'), '1');
  assert.deepEqual(query.get('lock').split(',').sort(), ['mode', 'n']);
  assert.equal(query.get('view'), 'compare');
  assert.match(text, /width="800" height="500"/);
  // The preview is the snippet's frame: the compare view, embedded, its protocol locked.
  await lab.button('Preview').click();
  const frame = lab.page.getByTestId('embed-preview');
  assert.equal(await frame.getAttribute('src'), src);
  const inner = lab.page.frameLocator('[data-testid="embed-preview"]');
  await inner.getByTestId('panel').first().waitFor();
  await lab.page.screenshot({ path: `${ARTIFACTS}screen-embed-dialog.png` });
  assert.deepEqual(lab.errors, []);
  await lab.page.close();
});

test('N = 2,000: the stage animates every datagram of a round while playing', async () => {
  for (const [query, viewport, name] of [
    ['?mode=push&n=2000&autoplay=1', PROJECTOR, 'push-2000'],
    ['?mode=push&n=2000&autoplay=1&present=1', PROJECTOR, 'push-2000-present'],
    ['?mode=push-pull&n=2000&seed=3&autoplay=1&embed=1', EMBED, 'push-pull-2000-embed'],
  ]) {
    const lab = await openRun(query, viewport);
    // The stage counts the datagrams it drew in the frame: some fly within the first rounds.
    await lab.page.waitForFunction(() => Number(document.querySelector('[data-testid="stage"]')?.getAttribute('data-datagrams')) > 0, null, { timeout: 20000 });
    assert.ok(Number(await lab.page.getByTestId('stage').getAttribute('data-node-px')) > 0, `${name}: drawn as nodes, not the dense field`);
    // The screenshot mid-run, with hundreds of datagrams in the air.
    await lab.page.waitForFunction(() => Number(document.querySelector('[data-testid="stage"]')?.getAttribute('data-datagrams')) > 200, null, { timeout: 30000 });
    await lab.page.screenshot({ path: `${ARTIFACTS}screen-${name}.png` });
    assert.deepEqual(lab.errors, [], name);
    await lab.page.close();
  }
  // SRM's storm at N = 2,000 (16 packets, 5 % loss: tens of thousands of NAKs and repairs a
  // round) is thinned to at most 10,000 datagrams a frame, and the stage says so.
  const storm = await openRun('?mode=srm&n=2000&b=2&loss=0.05&packets=16&seed=1&round=10', PROJECTOR);
  await storm.page.waitForFunction(() => Number(document.querySelector('[data-testid="stage"]')?.getAttribute('data-datagrams-every')) > 1, null, { timeout: 30000 });
  assert.ok(Number(await storm.page.getByTestId('stage').getAttribute('data-datagrams')) <= 10000, 'at most 10,000 datagrams drawn');
  await storm.page.screenshot({ path: `${ARTIFACTS}screen-srm-2000-storm.png` });
  assert.deepEqual(storm.errors, []);
  await storm.page.close();
  // Above 2,000 nodes the dense field draws no datagram.
  const lab = await openView('?mode=push&n=2001&autoplay=1', PROJECTOR);
  await lab.page.waitForFunction(() => document.querySelector('[data-testid="stage"]')?.getAttribute('data-datagrams') === '0');
  assert.equal(await lab.page.getByTestId('stage').getAttribute('data-node-px'), null);
  await lab.page.close();
});

test('the scaling chart\'s y axis is named in words its height holds: in full on the projector, shorter on a phone', async () => {
  for (const [viewport, words] of [[PROJECTOR, 'mean rounds to inform everyone'], [{ width: 390, height: 800 }, 'mean rounds']]) {
    const lab = await openResult('scaling', 'modes=push,pull&trials=5&seed=5', viewport);
    assert.equal(await lab.page.getByTestId('scaling-chart').getAttribute('data-y-label'), words, `${viewport.width}x${viewport.height}`);
    assert.deepEqual(lab.errors, []);
    await lab.page.close();
  }
});

test('the run chart\'s y axis is named in words its height holds: in full on the projector, shorter where a tour\'s caption leaves it little height', async () => {
  const choices = ['share believing X failed', 'believing X failed', 'X failed'];
  for (const [query, viewport, full] of [['?mode=cassandra&n=200&seed=3', PROJECTOR, true], ['?mode=cassandra&n=100&present=1&tour=cassandra-phi', SMALL_PROJECTOR, false]]) {
    const lab = await openRun(query, viewport);
    const words = await lab.page.getByTestId('chart').getAttribute('data-y-label');
    const label = `${query} at ${viewport.width}x${viewport.height}`;
    assert.ok(choices.includes(words), `${label}: "${words}"`);
    assert.equal(words === choices[0], full, `${label}: "${words}"`);
    assert.deepEqual(lab.errors, [], label);
    await lab.page.close();
  }
});

test('a paused dense field is drawn again at its new size when the window or present mode resizes it, not left stretched', async () => {
  // A dense field's stage has no node size (openRun waits for one).
  const lab = await openView('?mode=push&n=100000&seed=3', PROJECTOR);
  await lab.page.getByTestId('round').waitFor({ state: 'attached' });
  const drawnAt = () => lab.page.getByTestId('stage').evaluate((stage) => ({
    pixels: [stage.width, stage.height],
    box: [Math.round(stage.clientWidth * devicePixelRatio), Math.round(stage.clientHeight * devicePixelRatio)],
  }));
  // Drawn once at its box's size (a canvas not yet drawn is 300 px wide).
  await lab.page.waitForFunction(() => {
    const stage = document.querySelector('[data-testid="stage"]');
    return stage && stage.width === Math.round(stage.clientWidth * devicePixelRatio) && stage.width !== 300;
  });
  for (const [step, change] of [['a narrower window', () => lab.page.setViewportSize({ width: 1100, height: 800 })], ['present mode', () => lab.page.keyboard.press('p')]]) {
    const before = await drawnAt();
    await change();
    await lab.page.waitForTimeout(400);
    const after = await drawnAt();
    assert.notDeepEqual(after.box, before.box, `${step} changes the stage's box`);
    assert.deepEqual(after.pixels, after.box, `${step}: the stage's pixels match its box`);
    const chart = await lab.page.getByTestId('chart').evaluate((canvas) => [canvas.width, Math.round(canvas.clientWidth * devicePixelRatio)]);
    assert.equal(chart[0], chart[1], `${step}: the chart is drawn at its new width too`);
  }
  assert.equal(await lab.page.getByRole('button', { name: 'Play' }).count(), 1, 'still paused');
  assert.deepEqual(lab.errors, []);
  await lab.page.close();
});

test('a phone (390x800): no view widens the page past the screen, presenting or not', async () => {
  const PHONE = { width: 390, height: 800 };
  for (const query of ['?mode=push', '?view=compare&modes=push,pull', '?view=experiment', '?view=scaling', '?view=spacetime', '?mode=push&present=1']) {
    const lab = await openView(query, PHONE);
    // The view is mounted (openView waits for its tab); two frames let its layout settle.
    await lab.page.evaluate(() => new Promise((done) => requestAnimationFrame(() => requestAnimationFrame(done))));
    const { width, tabs } = await lab.page.evaluate(() => ({
      width: document.scrollingElement.scrollWidth,
      tabs: [...document.querySelectorAll('.view-tabs .tab')].map((tab) => tab.getBoundingClientRect().right),
    }));
    // The views' tabs wrap under the title instead of running off the screen.
    assert.ok(Math.max(...tabs) <= PHONE.width, `${query}: a view tab ends at ${Math.max(...tabs)}, past ${PHONE.width}`);
    assert.ok(width <= PHONE.width, `${query}: the page is ${width} px wide on a ${PHONE.width} px screen`);
    assert.deepEqual(lab.errors, [], query);
    await lab.page.close();
  }
});
