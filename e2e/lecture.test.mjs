// Lecture-ready: embedded in course notes from a sub-path, locked controls, links that
// reproduce a run, the timeline, a guided tour with Back, present mode in both themes, exports,
// hostile URLs, and no request leaving the machine.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { cpSync, mkdirSync, writeFileSync, readFileSync, rmSync } from 'node:fs';
import { labSuite, launch, ARTIFACTS, LabPage } from './harness.mjs';

const openLab = labSuite({ before, after });

/** Fails a test on any request that is not to the loopback server. */
async function blockExternal(context, origin) {
  const external = [];
  await context.route('**/*', (route) => {
    const url = route.request().url();
    if (url.startsWith(origin) || url.startsWith('data:') || url.startsWith('blob:')) return route.continue();
    external.push(url);
    return route.abort();
  });
  return external;
}

async function counts(lab) {
  return {
    round: await lab.number('round'),
    informed: await lab.number('informed'),
    datagrams: await lab.number('datagrams'),
    lost: await lab.number('lost'),
  };
}

test('course notes embed the lab at 640x400 from a sub-path: no scrollbars, locked controls, no external request', async () => {
  // dist/ copied as-is under /notes/lab/, beside a course-notes page.
  const root = `${ARTIFACTS}notes-site`;
  rmSync(root, { recursive: true, force: true });
  mkdirSync(`${root}/notes`, { recursive: true });
  cpSync(new URL('../dist/', import.meta.url).pathname, `${root}/notes/lab`, { recursive: true });
  const port = 20000 + Math.floor(Math.random() * 20000);
  const origin = `http://127.0.0.1:${port}`;
  writeFileSync(`${root}/notes/index.html`, `<!doctype html><html><body><h1>Lecture 7: gossip</h1>
<iframe id="lab" src="lab/?mode=push&n=200&b=1&seed=3&embed=1&lock=n,b,mode&autoplay=1&speed=8" width="640" height="400" style="border:0" title="Gossip Lab"></iframe>
<p>Watch the informed fraction double.</p></body></html>`);
  const server = spawn('python3', ['-m', 'http.server', '--bind', '127.0.0.1', String(port)], { cwd: root, stdio: 'ignore' });
  const browser = await launch();
  try {
    for (let attempt = 0; attempt < 50; attempt++) {
      try { if ((await fetch(`${origin}/notes/index.html`)).ok) break; } catch {}
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    const context = await browser.newContext({ viewport: { width: 900, height: 600 } });
    const external = await blockExternal(context, origin);
    const page = await context.newPage();
    const lab = new LabPage(page, origin);
    await page.goto(`${origin}/notes/index.html`);
    const frame = page.frameLocator('#lab');
    await frame.getByTestId('stage').waitFor();
    await page.waitForTimeout(1500);
    const inner = page.frame({ url: /notes\/lab\// });
    const size = await inner.evaluate(() => ({
      width: innerWidth, height: innerHeight,
      scrollWidth: document.documentElement.scrollWidth, scrollHeight: document.documentElement.scrollHeight,
      header: getComputedStyle(document.querySelector('.top')).display,
    }));
    assert.equal(size.width, 640);
    assert.equal(size.height, 400);
    assert.ok(size.scrollWidth <= 640 && size.scrollHeight <= 400, `no scrollbars: ${JSON.stringify(size)}`);
    assert.equal(size.header, 'none', 'no page header in an embed');
    assert.ok(await frame.getByTestId('chart').isVisible(), 'the chart is shown');
    assert.ok(await frame.getByRole('button', { name: 'Reset' }).isVisible(), 'one row of controls');
    assert.ok(Number(await frame.getByTestId('timeline').inputValue()) > 0, 'autoplay: rounds played');
    for (const id of ['#nodes', '#nodes-value', '#fanout', '#fanout-value']) {
      assert.equal(await frame.locator(id).isDisabled(), true, `${id} locked`);
      assert.equal(await frame.locator(id).getAttribute('title'), 'fixed by the lecturer');
    }
    for (const button of await frame.locator('.modes button').all()) assert.equal(await button.isDisabled(), true);
    assert.equal(await frame.locator('#loss').isDisabled(), false, 'a parameter not locked stays free');
    assert.ok(await inner.evaluate(() => performance.getEntriesByType('resource').some((entry) => entry.name.includes('/notes/lab/') && entry.name.endsWith('.wasm'))), 'the wasm comes from the sub-path');
    await page.screenshot({ path: `${ARTIFACTS}lecture-embed-notes.png` });
    // The frame follows its size.
    await page.evaluate(() => { const lab = document.getElementById('lab'); lab.width = 480; lab.height = 320; });
    await page.waitForTimeout(300);
    const small = await inner.evaluate(() => [document.documentElement.scrollWidth, document.documentElement.scrollHeight]);
    assert.ok(small[0] <= 480 && small[1] <= 320, `resizes with its frame: ${small}`);
    assert.deepEqual(external, []);
    assert.deepEqual(lab.errors, []);
  } finally {
    await browser.close();
    server.kill();
  }
});

test('with every non-local request blocked the page works and makes none', async () => {
  const lab = await openLab('?mode=push&n=200&seed=2');
  const context = lab.page.context();
  const external = await blockExternal(context, lab.origin);
  await lab.page.reload();
  await lab.page.getByTestId('round').waitFor();
  await lab.button('Step').click();
  assert.equal(await lab.number('round'), 1);
  assert.deepEqual(external, []);
  assert.deepEqual(lab.errors, []);
  await lab.page.close();
});

test('Copy link, then opening it reproduces the round and the numbers; the embed snippet carries the state', async () => {
  const lab = await openLab('?mode=push-pull&n=300&b=2&loss=0.2&seed=9');
  await lab.page.context().grantPermissions(['clipboard-read', 'clipboard-write'], { origin: lab.origin });
  for (let step = 0; step < 4; step++) await lab.button('Step').click();
  const before = await counts(lab);
  assert.equal(before.round, 4);
  await lab.page.getByTestId('copy-link').click();
  const link = await lab.page.evaluate(() => navigator.clipboard.readText());
  assert.match(link, /round=4/);
  assert.equal(link, await lab.page.getByTestId('share-link').inputValue());
  assert.equal(await lab.page.evaluate(() => location.href), link, 'the address bar follows the state');
  const copy = await openLab(link.slice(lab.origin.length + 1));
  assert.deepEqual(await counts(copy), before);
  assert.equal(await copy.page.locator('#loss-value').inputValue(), '20');
  await lab.button('Embed').click();
  const snippet = await lab.page.getByTestId('embed-snippet').inputValue();
  assert.match(snippet, /^<iframe src="http:\/\/127\.0\.0\.1:\d+\/\?mode=push-pull&n=300&b=2&loss=0\.2&seed=9&round=4&embed=1" width="640" height="400"/);
  assert.deepEqual(lab.errors, []);
  assert.deepEqual(copy.errors, []);
  await lab.page.close();
  await copy.page.close();
});

test('the timeline scrubs back and forth, and going back never changes what happens next', async () => {
  const lab = await openLab('?mode=push&n=400&b=1&loss=0.1&seed=4');
  const seen = [await counts(lab)];
  for (let step = 1; step <= 8; step++) {
    await lab.button('Step').click();
    seen.push(await counts(lab));
  }
  const timeline = lab.page.getByTestId('timeline');
  assert.equal(await timeline.getAttribute('max'), '8');
  await timeline.fill('3');
  assert.deepEqual(await counts(lab), seen[3]);
  await lab.page.locator('body').click({ position: { x: 5, y: 5 } });
  await lab.page.keyboard.press('ArrowLeft');
  assert.deepEqual(await counts(lab), seen[2]);
  await lab.page.keyboard.press('ArrowRight');
  assert.deepEqual(await counts(lab), seen[3]);
  await timeline.fill('8');
  assert.deepEqual(await counts(lab), seen[8]);
  await timeline.fill('0');
  assert.deepEqual(await counts(lab), seen[0]);
  for (let step = 1; step <= 8; step++) {
    await lab.button('Step').click();
    assert.deepEqual(await counts(lab), seen[step], `round ${step} again`);
  }
  await timeline.fill('5');
  await lab.page.waitForTimeout(300);
  await lab.page.screenshot({ path: `${ARTIFACTS}lecture-timeline.png` });
  assert.deepEqual(lab.errors, []);
  await lab.page.close();
});

test('a guided tour from start to end, with Back and the presenter keys', async () => {
  const lab = await openLab('?tour=push-pull');
  const caption = lab.page.getByTestId('tour-caption');
  await caption.waitFor();
  const tour = JSON.parse(readFileSync(new URL('../static/tours/push-pull.json', import.meta.url)));
  assert.equal(await caption.textContent(), tour.steps[0].caption);
  assert.equal(await lab.page.getByTestId('tour-back').isDisabled(), true);
  for (let index = 1; index < tour.steps.length; index++) {
    await lab.page.getByTestId('tour-next').click();
    assert.equal(await caption.textContent(), tour.steps[index].caption);
    const action = tour.steps[index].action;
    if (action?.run_to !== undefined) assert.ok(await lab.number('round') <= action.run_to);
  }
  assert.equal(await lab.page.getByTestId('tour-next').isDisabled(), true, 'the last step');
  assert.equal(await lab.page.locator('button.segment[aria-pressed=true]').first().textContent(), 'push-pull');
  await lab.page.getByTestId('tour-back').click();
  assert.equal(await caption.textContent(), tour.steps[tour.steps.length - 2].caption);
  await lab.page.keyboard.press('PageUp');
  assert.equal(await caption.textContent(), tour.steps[tour.steps.length - 3].caption);
  await lab.page.keyboard.press('PageDown');
  assert.equal(await caption.textContent(), tour.steps[tour.steps.length - 2].caption);
  await lab.page.screenshot({ path: `${ARTIFACTS}lecture-tour.png` });
  // Every built-in tour loads from the menu.
  for (const name of ['for-loop', 'loss-crashes', 'trees-break', 'nak-storms']) {
    await lab.page.getByTestId('tour-menu').selectOption(name);
    const first = JSON.parse(readFileSync(new URL(`../static/tours/${name}.json`, import.meta.url))).steps[0].caption;
    await lab.page.waitForFunction((text) => document.querySelector('[data-testid="tour-caption"]')?.textContent === text, first);
  }
  assert.deepEqual(lab.errors, []);
  await lab.page.close();
  const missing = await openLab('?tour=no-such-tour');
  await missing.page.getByText('The tour could not be loaded: tours/no-such-tour.json answered HTTP 404.').waitFor();
  await missing.page.close();
});

test('present mode in both themes, with the keys overlay', async () => {
  for (const theme of ['light', 'dark']) {
    const lab = await openLab(`?mode=push&n=300&b=1&seed=6&present=1&theme=${theme}&round=6`, { width: 1920, height: 1080 });
    assert.equal(await lab.number('round'), 6);
    assert.equal(await lab.page.evaluate(() => document.documentElement.dataset.theme), theme);
    assert.ok(await lab.page.evaluate(() => document.documentElement.classList.contains('present')));
    const size = await lab.page.evaluate(() => parseFloat(getComputedStyle(document.documentElement).fontSize));
    assert.ok(size >= 20, `large type: ${size}px`);
    await lab.page.waitForTimeout(1200);
    await lab.page.screenshot({ path: `${ARTIFACTS}lecture-present-${theme}.png` });
    await lab.page.keyboard.press('?');
    await lab.page.getByTestId('help-overlay').waitFor();
    if (theme === 'dark') await lab.page.screenshot({ path: `${ARTIFACTS}lecture-keys-overlay.png` });
    await lab.page.keyboard.press('Escape');
    assert.equal(await lab.page.getByTestId('help-overlay').count(), 0);
    assert.deepEqual(lab.errors, []);
    await lab.page.close();
  }
  const lab = await openLab('?mode=push&n=100&seed=1');
  await lab.button('Present').click();
  assert.ok(await lab.page.evaluate(() => document.documentElement.classList.contains('present')));
  assert.match(await lab.page.evaluate(() => location.search), /present=1/);
  await lab.page.close();
});

test('each export downloads a non-empty file of the right type, named after the configuration', async () => {
  const lab = await openLab('?mode=push&n=60&b=2&seed=11&speed=20');
  for (let step = 0; step < 3; step++) await lab.button('Step').click();
  const expected = { 'Stage PNG': ['.png', [0x89, 0x50, 0x4e, 0x47]], 'Data CSV': ['.csv', null], 'Config JSON': ['.json', null], 'Video': ['.webm', [0x1a, 0x45, 0xdf, 0xa3]] };
  for (const [name, [extension, magic]] of Object.entries(expected)) {
    const download = lab.page.waitForEvent('download', { timeout: 30000 });
    await lab.button(name).click();
    const file = await download;
    const name_ = file.suggestedFilename();
    assert.ok(name_.startsWith('gossip-lab_push_n60_b2_loss0_crash0_seed11'), name_);
    assert.ok(name_.endsWith(extension), name_);
    const bytes = readFileSync(await file.path());
    assert.ok(bytes.length > 0, `${name} is empty`);
    if (magic) assert.deepEqual([...bytes.subarray(0, 4)], magic, `${name} magic`);
    if (extension === '.png') {
      // The stage with its legend in a band underneath: as wide as the stage, taller.
      const stage = await lab.page.getByTestId('stage').evaluate((canvas) => [canvas.width, canvas.height]);
      const [width, height] = [bytes.readUInt32BE(16), bytes.readUInt32BE(20)];
      assert.equal(width, stage[0], 'the PNG is the stage\'s width');
      assert.ok(height >= stage[1] + 40, `the legend band under the stage (${height} against ${stage[1]})`);
    }
    if (extension === '.csv') {
      const lines = bytes.toString().trim().split('\n');
      assert.match(lines[0], /^round,informed,live,informed_fraction,datagrams/);
      assert.equal(lines.length, 1 + 4, 'rounds 0 to 3');
    }
    if (extension === '.json') {
      const json = JSON.parse(bytes.toString());
      assert.equal(json.config.mode, 'push');
      assert.equal(json.config.nodes, 60);
      assert.equal(json.round, 3);
    }
  }
  assert.deepEqual(lab.errors, []);
  await lab.page.close();
});

test('hostile URLs: specific notices, safe defaults, nothing rendered as markup', async () => {
  const lab = await openLab('?n=1e12&b=abc&theme=%3Cimg%20src%3Dx%20onerror%3Dalert(1)%3E&lock=n,%3Cb%3E&round=-3&tour=https://evil.example/t.json&zz%3Cscript%3E=1&loop=2');
  const notices = await lab.page.locator('.notices').textContent();
  for (const expected of ['n="1e12"', 'b="abc"', 'theme=', 'lock: "<b>"', 'round="-3"', 'tour=', 'unknown', 'loop="2"']) {
    assert.ok(notices.includes(expected), `a notice about ${expected}: ${notices}`);
  }
  assert.equal(await lab.page.locator('img[src=x]').count(), 0);
  assert.equal(await lab.page.locator('.notices b, .notices script').count(), 0);
  assert.equal(await lab.number('round'), 0);
  assert.equal(await lab.page.locator('#nodes').isDisabled(), true, 'n is still locked');
  assert.deepEqual(lab.errors, []);
  await lab.page.close();
});

/**
 * Ink in a band of a canvas (or an image drawn onto one): pixels that differ clearly from the
 * band's own background, read at its top right corner (text starts at the left), and a digest
 * of the band's pixels to tell two frames apart.
 */
function inkInBand(canvas, top, bottom) {
  const context = canvas.getContext('2d');
  const { width } = canvas;
  const data = context.getImageData(0, top, width, bottom - top).data;
  const corner = (width - 2) * 4;
  const [r, g, b] = [data[corner], data[corner + 1], data[corner + 2]];
  let ink = 0;
  let digest = 0;
  for (let i = 0; i < data.length; i += 4) {
    if (Math.abs(data[i] - r) + Math.abs(data[i + 1] - g) + Math.abs(data[i + 2] - b) > 120) ink++;
    digest = (digest * 31 + data[i] + data[i + 1] * 7 + data[i + 2] * 13) >>> 0;
  }
  return { ink, digest };
}

test('the video\'s frames carry the round counter and the caption under the stage, in the recorded WebM too', async () => {
  const lab = await openLab('?mode=push&n=60&b=1&seed=11&speed=2&tour=push-pull');
  await lab.page.getByTestId('tour-caption').waitFor();
  // The canvas the recorder captures is composed off the page: note it when it is captured.
  await lab.page.evaluate(() => {
    const capture = HTMLCanvasElement.prototype.captureStream;
    HTMLCanvasElement.prototype.captureStream = function (...rate) {
      window.recordedCanvas = this;
      return capture.apply(this, rate);
    };
  });
  const bands = async () => lab.page.evaluate(([ink]) => {
    const inkInBand = new Function(`return (${ink})`)();
    const canvas = window.recordedCanvas;
    const stage = document.querySelector('[data-testid="stage"]');
    const ratio = Math.max(window.devicePixelRatio, 1);
    const top = stage.height;
    // The frame: the stage's pixels, then 64 CSS pixels of band (the round, then the caption).
    return {
      size: [canvas.width, canvas.height, stage.width, stage.height],
      round: inkInBand(canvas, top + Math.round(6 * ratio), top + Math.round(26 * ratio)),
      caption: inkInBand(canvas, top + Math.round(28 * ratio), top + Math.round(62 * ratio)),
      shown: document.querySelector('[data-testid="round"]').textContent.trim(),
    };
  }, [inkInBand.toString()]);
  const download = lab.page.waitForEvent('download', { timeout: 60000 });
  await lab.button('Video').click();
  await lab.page.waitForFunction(() => window.recordedCanvas && Number(document.querySelector('[data-testid="round"]').textContent) >= 1);
  await lab.page.waitForTimeout(300);
  const first = await bands();
  assert.equal(first.size[0], first.size[2], 'the frame is the stage\'s width');
  assert.equal(first.size[1], first.size[3] + 64, 'the frame is the stage and a 64 px band');
  assert.ok(first.round.ink > 40, `the round counter is written in the band (${first.round.ink} ink pixels)`);
  assert.ok(first.caption.ink > 80, `the caption is written in the band (${first.caption.ink} ink pixels)`);
  const frame = await lab.page.evaluate(() => window.recordedCanvas.toDataURL('image/png'));
  writeFileSync(`${ARTIFACTS}lecture-video-frame.png`, Buffer.from(frame.split(',')[1], 'base64'));
  // A later round writes a different counter.
  await lab.page.waitForFunction((shown) => document.querySelector('[data-testid="round"]').textContent.trim() !== shown, first.shown);
  await lab.page.waitForTimeout(300);
  const later = await bands();
  assert.notEqual(later.round.digest, first.round.digest, `round ${first.shown} and round ${later.shown} read differently`);
  assert.equal(later.caption.digest, first.caption.digest, 'the caption stays while the step does');
  // The recorded file itself: decode a frame and find the same band under the stage.
  await lab.page.waitForTimeout(500);
  await lab.button('Stop video').click();
  const bytes = readFileSync(await (await download).path());
  const decoded = await lab.page.evaluate(async ([base64, ink]) => {
    const inkInBand = new Function(`return (${ink})`)();
    const binary = Uint8Array.from(atob(base64), (c) => c.charCodeAt(0));
    const video = document.createElement('video');
    video.muted = true;
    video.src = URL.createObjectURL(new Blob([binary], { type: 'video/webm' }));
    await new Promise((resolve, reject) => { video.onloadeddata = resolve; video.onerror = () => reject(new Error('the WebM does not decode')); });
    await video.play();
    await new Promise((resolve) => setTimeout(resolve, 400));
    video.pause();
    const canvas = document.createElement('canvas');
    canvas.width = video.videoWidth;
    canvas.height = video.videoHeight;
    canvas.getContext('2d').drawImage(video, 0, 0);
    const stage = document.querySelector('[data-testid="stage"]');
    const ratio = Math.max(window.devicePixelRatio, 1);
    const top = stage.height;
    return {
      size: [canvas.width, canvas.height],
      round: inkInBand(canvas, top + Math.round(6 * ratio), top + Math.round(26 * ratio)).ink,
      caption: inkInBand(canvas, top + Math.round(28 * ratio), top + Math.round(62 * ratio)).ink,
    };
  }, [bytes.toString('base64'), inkInBand.toString()]);
  assert.deepEqual(decoded.size, first.size.slice(0, 2), 'the video is the composed frame\'s size');
  assert.ok(decoded.round > 40, `a decoded frame shows the round counter (${decoded.round} ink pixels)`);
  assert.ok(decoded.caption > 80, `a decoded frame shows the caption (${decoded.caption} ink pixels)`);
  assert.deepEqual(lab.errors, []);
  await lab.page.close();
});
