// Helpers shared by the compare, experiment and scaling tests: the views have no
// single `round`, so a view is opened by waiting for its selected tab.
import { serveDist, launch, LabPage } from './harness.mjs';

/** Like harness.labSuite; `openView(query, viewport)` waits for the view's tab. */
export function viewSuite({ before, after }) {
  const shared = {};
  before(async () => {
    shared.server = await serveDist();
    shared.browser = await launch();
  });
  after(async () => {
    await shared.browser?.close();
    shared.server?.stop();
  });
  return async (query = '', viewport = { width: 1280, height: 720 }, options = {}) => {
    const page = await shared.browser.newPage({ viewport, acceptDownloads: true, ...options });
    const lab = new LabPage(page, shared.server.origin);
    await page.goto(`${shared.server.origin}/${query}`);
    await page.locator('.view-tabs [aria-selected="true"]').waitFor({ state: 'attached' });
    return lab;
  };
}

export async function panelNumbers(panel) {
  const number = async (id) => Number((await panel.getByTestId(id).textContent()).trim());
  return { round: await number('round'), informed: await number('informed'), roundsToAll: await number('rounds-to-all') };
}
