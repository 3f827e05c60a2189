/// <reference lib="dom" />
import assert from 'node:assert/strict';
import { existsSync, readFileSync, renameSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { bashProjectFiles, HAVE_CHROMIUM, STEP, WebUi, type WatchedPage } from '../helpers/web-ui-harness.ts';
import { eventually } from '../helpers/eventually.ts';

type Steps = Record<string, { title: string; file_path: string; incoming_connections: string[] }>;
const stepsOnDisk = (dir: string, file: string) => (JSON.parse(readFileSync(join(dir, file), 'utf8')) as { steps: Steps }).steps;
const node = (page: WatchedPage, title: string) => page.locator('.react-flow__node', { has: page.locator(`[data-title="${title}"]`) });

/**
 * The editor as Orchest's users knew it: the project's files beside the graph (create, rename,
 * upload, delete, drag onto the canvas to make a step), autosave with its indicator and a warning
 * when leaving with unsaved changes, and the run buttons grouped (Run selected + a menu).
 */
describe('the editor: file tree, autosave, run menu (Chromium)', { skip: !HAVE_CHROMIUM }, () => {
  let ui: WebUi;
  before(async () => {
    ui = await WebUi.start();
  });
  after(async () => {
    await ui?.close();
  });

  it('creates, renames, uploads and deletes project files from the tree, and refuses an upload over 16 MiB', async () => {
    const { dir } = await ui.project('tree', bashProjectFiles('flow.orchest', 'flow', [['One', 'echo 1\n'], ['Two', 'echo 2\n']]));
    const page = await ui.page();
    page.on('dialog', (d) => void d.accept());
    await ui.goto(page, 'projects/tree/pipelines/flow.orchest');
    await node(page, 'One').waitFor();
    const files = page.getByRole('navigation', { name: 'Project files' });
    const item = (path: string) => files.getByRole('treeitem', { name: path, exact: true });
    await item('steps/0.sh').waitFor();
    await item('flow.orchest').getByRole('link', { name: 'flow.orchest' }).waitFor();
    // New file (its folder made as needed).
    await files.getByRole('button', { name: 'New file' }).click();
    await files.getByLabel('New file path').fill('lib/helpers.py');
    await files.getByRole('button', { name: 'Create' }).click();
    await item('lib/helpers.py').waitFor();
    assert.equal(readFileSync(join(dir, 'lib/helpers.py'), 'utf8'), '');
    // Rename.
    await item('lib/helpers.py').getByRole('button', { name: 'Rename lib/helpers.py' }).click();
    await files.getByLabel('New path for lib/helpers.py').fill('lib/util.py');
    await files.getByLabel('New path for lib/helpers.py').press('Enter');
    await item('lib/util.py').waitFor();
    assert.ok(existsSync(join(dir, 'lib/util.py')) && !existsSync(join(dir, 'lib/helpers.py')));
    // Upload from the computer.
    await files.getByLabel('Upload files').setInputFiles({ name: 'data.csv', mimeType: 'text/csv', buffer: Buffer.from('a,b\n1,2\n') });
    await item('data.csv').waitFor();
    assert.equal(readFileSync(join(dir, 'data.csv'), 'utf8'), 'a,b\n1,2\n');
    // Too large: the server's message, nothing written.
    await files.getByLabel('Upload files').setInputFiles({ name: 'huge.bin', mimeType: 'application/octet-stream', buffer: Buffer.alloc(16 * 1024 * 1024 + 1, 1) });
    await files.getByRole('alert').filter({ hasText: 'Upload huge.bin' }).filter({ hasText: 'at most 16777216 bytes (16 MiB)' }).waitFor();
    assert.ok(!existsSync(join(dir, 'huge.bin')));
    // A path out of the project is refused with the server's reason.
    await files.getByRole('button', { name: 'New file' }).click();
    await files.getByLabel('New file path').fill('../escape.py');
    await files.getByRole('button', { name: 'Create' }).click();
    await files.getByRole('alert').filter({ hasText: 'is not a path inside the project' }).waitFor();
    assert.ok(!existsSync(join(dir, '..', 'escape.py')));
    await files.getByRole('button', { name: 'New file' }).click();
    await ui.shot(page, '40-editor-files');
    // Delete (after the confirmation).
    await item('data.csv').getByRole('button', { name: 'Delete data.csv' }).click();
    await item('data.csv').waitFor({ state: 'detached' });
    assert.ok(!existsSync(join(dir, 'data.csv')));
    await item('lib').getByRole('button', { name: 'Delete lib' }).click();
    await item('lib/util.py').waitFor({ state: 'detached' });
    assert.ok(!existsSync(join(dir, 'lib')));
    assert.deepEqual(page.errors.filter((e) => !/413|400/.test(e)), []);
    await page.context().close();
  });

  it('a file dragged from the tree onto the canvas becomes a selected step there, autosaved with the indicator saying so', async () => {
    const { dir } = await ui.project('dragfile', { ...bashProjectFiles('flow.orchest', 'flow', [['One', 'echo 1\n']]), 'scripts/clean_data.sh': 'echo clean\n' });
    const page = await ui.page();
    await ui.goto(page, 'projects/dragfile/pipelines/flow.orchest');
    await node(page, 'One').waitFor();
    const status = page.getByRole('status', { name: 'Save status' });
    await status.filter({ hasText: 'No unsaved changes' }).waitFor();
    const canvas = page.getByLabel('pipeline graph');
    const box = (await canvas.boundingBox())!;
    await page.getByRole('treeitem', { name: 'scripts/clean_data.sh', exact: true }).dragTo(canvas, { targetPosition: { x: box.width - 150, y: box.height - 120 } });
    await node(page, 'clean_data').waitFor();
    assert.match((await node(page, 'clean_data').getAttribute('class')) ?? '', /selected/);
    assert.equal(await page.getByLabel('File', { exact: true }).inputValue(), 'scripts/clean_data.sh');
    // Autosave: no Save pressed, the file on disk gets the step and the indicator says it was saved.
    await status.filter({ hasText: 'Saved flow.orchest' }).waitFor();
    const added = Object.values(stepsOnDisk(dir, 'flow.orchest')).find((s) => s.title === 'clean_data');
    assert.equal(added?.file_path, 'scripts/clean_data.sh');
    await ui.shot(page, '41-editor-file-dropped');
    // From the keyboard: the file's "+" button makes a step of it too.
    await page.getByRole('button', { name: 'Make a step of steps/0.sh' }).focus();
    await page.keyboard.press('Enter');
    await page.locator('.react-flow__node.selected [data-title="0"]').waitFor();
    await eventually('the second step on disk', () => Object.values(stepsOnDisk(dir, 'flow.orchest')).filter((s) => s.file_path === 'steps/0.sh').length === 2);
    assert.deepEqual(page.errors, []);
    await page.context().close();
  });

  it('renaming a step\'s file in the tree rewrites the step (on disk and on screen, kept by autosave); deleting it asks first, naming the steps that use it', async () => {
    const { dir } = await ui.project('usedfile', bashProjectFiles('flow.orchest', 'flow', [['One', 'echo 1\n'], ['Two', 'echo 2\n']]));
    const page = await ui.page();
    await ui.goto(page, 'projects/usedfile/pipelines/flow.orchest');
    await node(page, 'One').waitFor();
    const files = page.getByRole('navigation', { name: 'Project files' });
    const item = (path: string) => files.getByRole('treeitem', { name: path, exact: true });
    const status = page.getByRole('status', { name: 'Save status' });
    // Rename the file of step One.
    await item('steps/0.sh').getByRole('button', { name: 'Rename steps/0.sh' }).click();
    await files.getByLabel('New path for steps/0.sh').fill('scripts/first.sh');
    await files.getByLabel('New path for steps/0.sh').press('Enter');
    await item('scripts/first.sh').waitFor();
    assert.equal(stepsOnDisk(dir, 'flow.orchest')[STEP(1)]!.file_path, 'scripts/first.sh');
    await node(page, 'One').click();
    await eventually('the step panel to show the new file', async () => (await page.getByLabel('File', { exact: true }).inputValue()) === 'scripts/first.sh');
    // The open pipeline follows: its autosave writes the new path, never the old one back.
    await status.filter({ hasText: /Saved flow.orchest|No unsaved changes/ }).waitFor();
    assert.equal(stepsOnDisk(dir, 'flow.orchest')[STEP(1)]!.file_path, 'scripts/first.sh');
    // Delete the file of step Two: the question names the step; dismissed, nothing is deleted.
    const messages: string[] = [];
    let answer = false;
    page.on('dialog', (d) => {
      messages.push(d.message());
      void (answer ? d.accept() : d.dismiss());
    });
    await item('steps/1.sh').getByRole('button', { name: 'Delete steps/1.sh' }).click();
    await eventually('the confirmation', () => messages.length === 1);
    assert.match(messages[0]!, /Delete steps\/1\.sh\?/);
    assert.match(messages[0]!, /Used by step: "Two" \(flow\.orchest\)/);
    assert.ok(existsSync(join(dir, 'steps/1.sh')), 'dismissed: the file stays');
    answer = true;
    await item('steps/1.sh').getByRole('button', { name: 'Delete steps/1.sh' }).click();
    await item('steps/1.sh').waitFor({ state: 'detached' });
    assert.ok(!existsSync(join(dir, 'steps/1.sh')));
    assert.equal(messages.length, 2);
    await ui.shot(page, '42-editor-file-renamed');
    assert.deepEqual(page.errors, []);
    await page.context().close();
  });

  it('autosave waits for a valid pipeline, warns before leaving with unsaved changes, and shows a failed save', async () => {
    const { dir } = await ui.project('autosave', bashProjectFiles('flow.orchest', 'flow', [['One', 'echo 1\n'], ['Two', 'echo 2\n']]));
    const page = await ui.page();
    await ui.goto(page, 'projects/autosave/pipelines/flow.orchest');
    await node(page, 'One').click();
    const status = page.getByRole('status', { name: 'Save status' });
    // An invalid edit is not saved: the indicator says what stops it.
    await page.getByLabel('File', { exact: true }).fill('steps/missing.sh');
    await status.filter({ hasText: 'Unsaved: 1 problem to fix first' }).waitFor();
    assert.equal(await status.getAttribute('data-state'), 'unsaved');
    assert.equal(stepsOnDisk(dir, 'flow.orchest')[STEP(1)]!.file_path, 'steps/0.sh');
    // Leaving the page now asks first.
    const asked = new Promise<string>((resolve) => page.once('dialog', (d) => (resolve(d.type()), void d.dismiss())));
    await page.close({ runBeforeUnload: true });
    assert.equal(await asked, 'beforeunload');
    assert.equal(page.isClosed(), false, 'the page stays when the question is dismissed');
    // Repaired: saved by itself.
    await page.getByLabel('File', { exact: true }).fill('steps/1.sh');
    await status.filter({ hasText: 'Saved flow.orchest' }).waitFor();
    assert.equal(stepsOnDisk(dir, 'flow.orchest')[STEP(1)]!.file_path, 'steps/1.sh');
    // A save the server refuses (the project folder went away) says why, and the edit stays.
    renameSync(dir, `${dir}-moved`);
    await page.getByLabel('Title').fill('One renamed');
    // (The validator cannot check it either, so only an explicit save tries.)
    await page.keyboard.press('Control+s');
    await status.filter({ hasText: /Not saved: .*no longer exists/ }).waitFor({ timeout: 30_000 });
    assert.equal(await status.getAttribute('data-state'), 'error');
    await node(page, 'One renamed').waitFor();
    await ui.shot(page, '42-editor-save-failed');
    renameSync(`${dir}-moved`, dir);
    await page.keyboard.press('Control+s');
    await status.filter({ hasText: 'Saved flow.orchest' }).waitFor();
    assert.equal(stepsOnDisk(dir, 'flow.orchest')[STEP(1)]!.title, 'One renamed');
    await page.close();
  });

  it('groups the run buttons: Run selected, with a menu for Run incoming and Run all (keyboard too)', async () => {
    await ui.project('runmenu', bashProjectFiles('flow.orchest', 'flow', [['First', 'echo 1\n'], ['Second', 'echo 2\n'], ['Third', 'echo 3\n']]));
    const page = await ui.page();
    await ui.goto(page, 'projects/runmenu/pipelines/flow.orchest');
    await node(page, 'First').waitFor();
    const run = page.getByRole('group', { name: 'run' });
    assert.equal(await run.getByRole('button', { name: 'Run selected' }).isDisabled(), true, 'nothing selected');
    // The menu from the keyboard: ArrowDown opens it on its first enabled item, Escape closes it.
    await run.getByRole('button', { name: 'More ways to run' }).focus();
    await page.keyboard.press('ArrowDown');
    const menu = page.getByRole('menu', { name: 'Run' });
    await menu.waitFor();
    assert.equal(await menu.getByRole('menuitem', { name: /^Run incoming/ }).isDisabled(), true);
    assert.equal(await page.evaluate(() => document.activeElement?.textContent ?? ''), 'Run all — every step of the pipeline');
    await page.keyboard.press('Escape');
    await menu.waitFor({ state: 'detached' });
    // Run incoming of the third step: the steps it depends on run (first, second), not itself.
    await node(page, 'Third').click();
    await run.getByRole('button', { name: 'More ways to run' }).click();
    await ui.shot(page, '43-editor-run-menu');
    await menu.getByRole('menuitem', { name: /^Run incoming/ }).click();
    await page.getByTestId('run-status').filter({ hasText: 'SUCCESS' }).waitFor({ timeout: 60_000 });
    const want = JSON.stringify({ First: 'SUCCESS', Second: 'SUCCESS', Third: 'NONE' });
    await eventually(`the statuses ${want}`, async () => JSON.stringify(await page.locator('.step-node').evaluateAll((els) => Object.fromEntries(els.map((e) => [e.getAttribute('data-title'), e.getAttribute('data-status')])))) === want);
    // Run all from the menu.
    await run.getByRole('button', { name: 'More ways to run' }).click();
    await menu.getByRole('menuitem', { name: /^Run all/ }).click();
    await page.waitForFunction(() => document.querySelector('[data-title="Third"]')?.getAttribute('data-status') === 'SUCCESS', undefined, { timeout: 60_000 });
    assert.deepEqual(page.errors, []);
    await page.context().close();
  });
});
