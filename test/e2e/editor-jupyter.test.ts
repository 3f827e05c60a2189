/// <reference lib="dom" />
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { HAVE_CHROMIUM, STEP, WebUi } from '../helpers/web-ui-harness.ts';

const PYTHON = '/usr/bin/python3';
const hasJupyter = spawnSync(PYTHON, ['-c', 'import jupyter_server, ipykernel, nbconvert'], { stdio: 'ignore' }).status === 0;
const hasLab = spawnSync(PYTHON, ['-c', 'import jupyterlab'], { stdio: 'ignore' }).status === 0;

const step = (i: number, title: string, file: string, environment: string) => ({
  uuid: STEP(i), title, file_path: file, environment, incoming_connections: [], parameters: {}, kernel: { name: 'python', display_name: 'Python 3' }, meta_data: { position: [i * 200, 0], hidden: false },
});
const pipeline = (steps: ReturnType<typeof step>[]) => ({ name: 'nb', uuid: randomUUID(), version: '1.2.3', parameters: {}, settings: {}, services: {}, steps: Object.fromEntries(steps.map((s) => [s.uuid, s])) });
const notebook = { cells: [{ cell_type: 'markdown', metadata: {}, source: ['Hello from the notebook'] }], metadata: {}, nbformat: 4, nbformat_minor: 5 };
const node = (page: import('playwright-core').Page, title: string) => page.locator('.react-flow__node', { has: page.locator(`[data-title="${title}"]`) });

/** Issue 16 from the editor: a notebook step opens in the session's Jupyter; the step panel tells its environment and kernel. */
describe('the editor and the session\'s Jupyter (Chromium, real Jupyter Server)', { skip: !HAVE_CHROMIUM ? 'no Chromium' : hasJupyter ? false : `${PYTHON} has no jupyter_server/ipykernel/nbconvert` }, () => {
  let ui: WebUi;
  before(async () => {
    ui = await WebUi.start({ BERTH_PYTHON: PYTHON });
  });
  after(async () => {
    await ui?.api('DELETE', '/api/projects/nbook/pipelines/pipes%2Fnb.orchest/session').catch(() => undefined);
    await ui?.close();
  });

  it('shows the environment and kernel a step uses', async () => {
    await ui.project('envshow', {
      'nb.orchest': pipeline([step(1, 'With env', 'w.ipynb', 'env-one'), step(2, 'Script', 's.py', '')]),
      'w.ipynb': notebook,
      's.py': 'print(1)\n',
      '.orchest/environments/env-one/properties.json': { name: 'My Env', base_image: 'orchest/base-kernel-py', language: 'python', gpu_support: false, setup_script: '' },
    });
    const page = await ui.page();
    await ui.goto(page, 'projects/envshow/pipelines/nb.orchest');
    await node(page, 'With env').click();
    await page.getByTestId('step-environment').filter({ hasText: 'My Env' }).waitFor();
    assert.match(await page.getByTestId('step-environment').innerText(), /Environment: My Env · Kernel: My Env \(orchest-kernel-env-one\)/);
    assert.equal(await page.getByRole('button', { name: 'Open in Jupyter' }).count(), 1, 'a notebook step has "Open in Jupyter"');
    await node(page, 'Script').click();
    await page.getByTestId('step-environment').filter({ hasText: 'host interpreter' }).waitFor();
    assert.equal(await page.getByRole('button', { name: 'Open in Jupyter' }).count(), 0, 'a script step has not');
    await page.context().close();
  });

  it('"Open in Jupyter" starts the session and opens the notebook in its Jupyter, on a service origin', async () => {
    await ui.project('nbook', { 'pipes/nb.orchest': pipeline([step(1, 'Notebook', 'n.ipynb', '')]), 'pipes/n.ipynb': notebook });
    const page = await ui.page();
    await ui.goto(page, 'projects/nbook/pipelines/pipes/nb.orchest');
    await node(page, 'Notebook').click();
    const [tab] = await Promise.all([page.context().waitForEvent('page', { timeout: 180_000 }), page.getByRole('button', { name: 'Open in Jupyter' }).click()]);
    await tab.waitForURL(/\.localhost:\d+\//, { timeout: 180_000 });
    const url = new URL(tab.url());
    assert.match(url.hostname, /^s-[a-z2-7]{26}\.localhost$/, 'the session\'s Jupyter on its own (short) host');
    if (hasLab) assert.equal(url.pathname, '/lab/tree/pipes/n.ipynb');
    else {
      assert.equal(url.pathname, '/nbconvert/html/pipes/n.ipynb', 'Jupyter Server alone: its read-only rendering');
      await tab.getByText('Hello from the notebook').waitFor({ timeout: 60_000 });
      await page.getByRole('status').filter({ hasText: 'JupyterLab is not installed' }).waitFor();
    }
    assert.equal(await tab.evaluate(() => window.opener), null);
    await ui.shot(tab, '40-open-in-jupyter');
    // The session panel links the session's Jupyter.
    const session = page.getByRole('region', { name: 'session' });
    await session.getByRole('button', { name: 'Refresh' }).click();
    const link = session.getByRole('link', { name: 'Open Jupyter' });
    await link.waitFor();
    assert.equal(await link.getAttribute('rel'), 'noopener noreferrer');
    const [home] = await Promise.all([page.context().waitForEvent('page'), link.click()]);
    await home.waitForURL(/^http:\/\/s-[a-z2-7]{26}\.localhost:\d+\//, { timeout: 60_000 });
    assert.equal(new URL(home.url()).hostname, url.hostname);
    await page.context().close();
  });
});
