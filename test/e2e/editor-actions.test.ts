/// <reference lib="dom" />
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { bashProjectFiles, HAVE_CHROMIUM, STEP, WebUi, type WatchedPage } from '../helpers/web-ui-harness.ts';

const node = (page: WatchedPage, title: string) => page.locator('.react-flow__node', { has: page.locator(`[data-title="${title}"]`) });
const edgeCount = (page: WatchedPage, n: number) => page.waitForFunction((want) => document.querySelectorAll('.react-flow__edge').length === want, n, { timeout: 10_000 });

/** Adding, connecting and running in the editor, and what it shows (and logs) on a normal load. */
describe('the pipeline editor: add, connect, run (Chromium)', { skip: !HAVE_CHROMIUM }, () => {
  let ui: WebUi;
  before(async () => {
    ui = await WebUi.start();
  });
  after(async () => {
    await ui?.close();
  });

  it('"Add step" puts the new step in free space (not on the step in the middle of the view) and selects it', async () => {
    await ui.project('addstep', bashProjectFiles('one.orchest', 'one', [['Solo', 'echo solo\n']]));
    const page = await ui.page();
    await ui.goto(page, 'projects/addstep/pipelines/one.orchest');
    await node(page, 'Solo').waitFor();
    await page.getByRole('button', { name: 'Add step' }).click();
    await node(page, 'Step 2').waitFor();
    const [solo, added] = [await node(page, 'Solo').boundingBox(), await node(page, 'Step 2').boundingBox()];
    assert.ok(solo && added);
    const overlap = !(added.x >= solo.x + solo.width || solo.x >= added.x + added.width || added.y >= solo.y + solo.height || solo.y >= added.y + added.height);
    assert.equal(overlap, false, `the new step ${JSON.stringify(added)} overlaps Solo ${JSON.stringify(solo)}`);
    assert.match((await node(page, 'Step 2').getAttribute('class')) ?? '', /\bselected\b/);
    assert.equal(await page.getByLabel('Title').inputValue(), 'Step 2');
    // A second one does not land on the first new one either.
    await page.getByRole('button', { name: 'Add step' }).click();
    await node(page, 'Step 3').waitFor();
    const third = await node(page, 'Step 3').boundingBox();
    assert.ok(third && (third.x >= added.x + added.width || added.x >= third.x + third.width || third.y >= added.y + added.height || added.y >= third.y + third.height));
    await ui.shot(page, '23-editor-add-step');
    await page.context().close();
  });

  it('"Connect from…" offers no step that would make a cycle, and dragging one is refused', async () => {
    await ui.project('nocycle', bashProjectFiles('chain.orchest', 'chain', [['First', 'echo 1\n'], ['Second', 'echo 2\n'], ['Third', 'echo 3\n']]));
    const page = await ui.page();
    await ui.goto(page, 'projects/nocycle/pipelines/chain.orchest');
    await node(page, 'First').waitFor();
    await edgeCount(page, 2);
    const offered = async () => (await page.getByLabel('Connect from step').locator('option').allInnerTexts()).filter((t) => t !== 'Connect from…');
    await node(page, 'First').click();
    await page.getByRole('tab', { name: 'Connections' }).click();
    assert.deepEqual(await offered(), [], 'Second and Third run after First');
    await node(page, 'Third').click();
    assert.deepEqual(await offered(), ['First']);
    await node(page, 'Second').click();
    assert.deepEqual(await offered(), []);
    // Drag Third's output onto First's input: no connection is made.
    const from = await page.locator(`.react-flow__node[data-id="${STEP(3)}"] .react-flow__handle.source`).boundingBox();
    const to = await page.locator(`.react-flow__node[data-id="${STEP(1)}"] .react-flow__handle.target`).boundingBox();
    assert.ok(from && to);
    await page.mouse.move(from.x + from.width / 2, from.y + from.height / 2);
    await page.mouse.down();
    await page.mouse.move(to.x + to.width / 2, to.y + to.height / 2, { steps: 15 });
    await page.mouse.up();
    await page.waitForTimeout(300);
    assert.equal(await page.locator('.react-flow__edge').count(), 2);
    assert.equal(await page.getByRole('button', { name: 'Save', exact: true }).count(), 0, 'nothing changed');
    await page.context().close();
  });

  it('a normal load logs no console error; the run banner tells the run ended; "Start session" is on without services (a session runs Jupyter)', async () => {
    await ui.project('banner', bashProjectFiles('quick.orchest', 'quick', [['Quick', 'echo quick; sleep 0.5\n']]));
    const page = await ui.page();
    await ui.goto(page, 'projects/banner/pipelines/quick.orchest');
    await node(page, 'Quick').waitFor();
    const session = page.getByRole('region', { name: 'session' });
    await session.getByText('declares no services').waitFor();
    assert.equal(await session.getByRole('button', { name: 'Start session' }).isDisabled(), false);
    await page.getByRole('button', { name: 'More ways to run' }).click();
    await page.getByRole('menuitem', { name: /^Run all/ }).click();
    await page.getByTestId('run-status').filter({ hasText: 'SUCCESS' }).waitFor({ timeout: 30_000 });
    assert.equal(await page.getByText(/\bstarted\b/i).count(), 0, 'nothing says the run started once it has ended');
    // The node keeps its last status and duration after a reload.
    await page.reload();
    await node(page, 'Quick').locator('.step-status').filter({ hasText: /SUCCESS · \d/ }).waitFor();
    await page.getByTestId('run-status').filter({ hasText: 'SUCCESS' }).waitFor();
    await ui.shot(page, '24-editor-last-run');
    assert.deepEqual(page.errors, []);
    await page.context().close();
  });
});
