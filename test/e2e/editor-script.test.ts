/// <reference lib="dom" />
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { HAVE_CHROMIUM, STEP, WebUi } from '../helpers/web-ui-harness.ts';
import { eventually } from '../helpers/eventually.ts';

const pipeline = {
  name: 'p', uuid: '7b0c3d1e-2f4a-4b5c-8d6e-9f0a1b2c3d4e', version: '1.2.3', parameters: {}, settings: {}, services: {},
  steps: { [STEP(1)]: { uuid: STEP(1), title: 'Script', file_path: 's.py', environment: '', incoming_connections: [], parameters: {}, kernel: { name: 'python', display_name: 'Python 3' }, meta_data: { position: [0, 0], hidden: false } } },
};

/** Issue 16: a script step opens in an editor pane (CodeMirror) in Berth's UI and saves through the project file API. */
describe('the editor: a script step in an editor pane (Chromium)', { skip: !HAVE_CHROMIUM }, () => {
  let ui: WebUi;
  before(async () => {
    ui = await WebUi.start();
  });
  after(async () => {
    await ui?.close();
  });

  it('opens the step\'s file (relative to the pipeline\'s folder), edits it and saves it with Ctrl-S and with Save', async () => {
    const { dir } = await ui.project('scripted', { 'pipes/p.orchest': pipeline, 'pipes/s.py': 'print(1)\n' });
    const page = await ui.page();
    await ui.goto(page, 'projects/scripted/pipelines/pipes/p.orchest');
    await page.locator('.react-flow__node', { has: page.locator('[data-title="Script"]') }).click();
    await page.getByRole('button', { name: 'Edit script' }).click();
    const editor = page.getByRole('region', { name: 'editor of pipes/s.py' });
    const content = editor.getByLabel('contents of pipes/s.py');
    await content.getByText('print(1)').waitFor();
    assert.equal(await page.getByTestId('script-state').innerText(), 'saved');
    assert.equal(await editor.locator('.cm-editor .cm-lineNumbers').count(), 1, "CodeMirror's editor, with line numbers");
    await content.click();
    await page.keyboard.press('Control+End');
    await page.keyboard.type('print("edited in Berth")\n');
    await page.getByTestId('script-state').filter({ hasText: 'unsaved changes' }).waitFor();
    await page.keyboard.press('Control+s');
    await page.getByTestId('script-state').filter({ hasText: /^saved$/ }).waitFor();
    await eventually('the file is saved', () => readFileSync(join(dir, 'pipes', 's.py'), 'utf8').includes('print("edited in Berth")'));
    assert.match(readFileSync(join(dir, 'pipes', 's.py'), 'utf8'), /^print\(1\)\nprint\("edited in Berth"\)\n/);
    await page.keyboard.type('x = 2\n');
    await editor.getByRole('button', { name: 'Save' }).click();
    await page.getByTestId('script-state').filter({ hasText: /^saved$/ }).waitFor();
    await eventually('saved with the button', () => readFileSync(join(dir, 'pipes', 's.py'), 'utf8').includes('x = 2'));
    await ui.shot(page, '41-script-editor');
    assert.deepEqual(page.errors, [], 'no console error');
    await page.context().close();
  });
});
