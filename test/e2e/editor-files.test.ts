/// <reference lib="dom" />
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { bashProjectFiles, HAVE_CHROMIUM, STEP, WebUi, type Json, type WatchedPage } from '../helpers/web-ui-harness.ts';

type Steps = Record<string, { incoming_connections: string[]; title: string; file_path: string }>;
const onDisk = (dir: string, file: string) => readFileSync(join(dir, file), 'utf8');
const stepsOnDisk = (dir: string, file: string) => (JSON.parse(onDisk(dir, file)) as { steps: Steps }).steps;
const node = (page: WatchedPage, title: string) => page.locator('.react-flow__node', { has: page.locator(`[data-title="${title}"]`) });

/**
 * The editor opens exactly the file the URL names: state is keyed by project + pipeline and reset on
 * every route change, invalid pipelines open with their problems shown where they are (so they can be
 * repaired and saved), and a save only ever writes the graph loaded from the file it is saved to.
 */
describe('the pipeline editor and the file it edits (Chromium)', { skip: !HAVE_CHROMIUM }, () => {
  let ui: WebUi;
  before(async () => {
    ui = await WebUi.start();
  });
  after(async () => {
    await ui?.close();
  });

  /** good.orchest (valid) and one invalid pipeline per kind of problem. */
  const invalidProject = (name: string) =>
    ui.project(name, {
      ...bashProjectFiles('good.orchest', 'good', [['Alpha load', 'echo a\n'], ['Alpha clean', 'echo b\n']]),
      ...bashProjectFiles('cycle.orchest', 'cycle', [['Cyc one', 'echo 1\n'], ['Cyc two', 'echo 2\n'], ['Cyc three', 'echo 3\n']], (p) => {
        p.steps[STEP(1)]!.incoming_connections = [STEP(3)];
      }),
      ...bashProjectFiles('unknown.orchest', 'unknown', [['Orphan', 'echo o\n']], (p) => {
        p.steps[STEP(1)]!.incoming_connections = ['ffffffff-0000-4000-8000-00000000dead'];
      }),
      ...bashProjectFiles('nofile.orchest', 'nofile', [['Has file', 'echo h\n'], ['Lost file', 'echo l\n']], (p) => {
        p.steps[STEP(2)]!.file_path = 'steps/gone.sh';
      }),
      'bad.orchest': '{\n  "name": "bad",\n  "steps": {,\n}\n',
    });

  it('going from a valid pipeline to an invalid one (hash change, Back/Forward, another project) never shows or saves the previous graph', async () => {
    const a = await invalidProject('lossa');
    const b = await ui.project('lossb', bashProjectFiles('broken.orchest', 'broken', [['Beta one', 'echo 1\n']], (p) => {
      p.steps[STEP(1)]!.incoming_connections = [STEP(1)];
    }));
    const before = { cycle: onDisk(a.dir, 'cycle.orchest'), bad: onDisk(a.dir, 'bad.orchest'), broken: onDisk(b.dir, 'broken.orchest') };
    const page = await ui.page();
    await ui.goto(page, 'projects/lossa/pipelines/good.orchest');
    await node(page, 'Alpha load').waitFor();
    // An unsaved edit in good.orchest, then the URL changes to an invalid pipeline of the same project.
    await node(page, 'Alpha load').click();
    await page.getByLabel('Title').fill('Alpha edited');
    await page.evaluate(() => (window.location.hash = '#/projects/lossa/pipelines/cycle.orchest'));
    await node(page, 'Cyc one').waitFor();
    assert.equal(await page.locator('[data-title^="Alpha"]').count(), 0, 'the previous graph is gone');
    assert.equal(await page.getByRole('button', { name: 'Save', exact: true }).count(), 0, 'nothing to save: the file as loaded');
    await page.keyboard.press('Control+s');
    // Back: good.orchest as it is on disk; Forward: cycle.orchest again.
    // (The edit in good.orchest may have been saved on the way out: autosave.)
    await page.goBack();
    await page.locator('[data-title^="Alpha"]').first().waitFor();
    assert.equal(await page.locator('[data-title^="Cyc"]').count(), 0);
    await page.goForward();
    await node(page, 'Cyc one').waitFor();
    assert.equal(await page.locator('[data-title^="Alpha"]').count(), 0);
    // Bad JSON: no graph at all, the text instead.
    await page.evaluate(() => (window.location.hash = '#/projects/lossa/pipelines/bad.orchest'));
    await page.getByRole('textbox', { name: 'Text of bad.orchest' }).waitFor();
    assert.equal(await page.locator('.react-flow__node').count(), 0);
    // Another project's invalid pipeline.
    await page.goBack();
    await node(page, 'Cyc one').waitFor();
    await page.evaluate(() => (window.location.hash = '#/projects/lossb/pipelines/broken.orchest'));
    await node(page, 'Beta one').waitFor();
    assert.equal(await page.locator('[data-title^="Cyc"], [data-title^="Alpha"]').count(), 0);
    await page.keyboard.press('Control+s');
    await page.waitForTimeout(300);
    assert.deepEqual({ cycle: onDisk(a.dir, 'cycle.orchest'), bad: onDisk(a.dir, 'bad.orchest'), broken: onDisk(b.dir, 'broken.orchest') }, before, 'no file was written');
    assert.deepEqual(page.errors, []);
    await page.context().close();
  });

  it('a failed load (no such file) after a valid pipeline shows the error and no graph', async () => {
    await invalidProject('gone');
    const page = await ui.page();
    await ui.goto(page, 'projects/gone/pipelines/good.orchest');
    await node(page, 'Alpha load').waitFor();
    await page.evaluate(() => (window.location.hash = '#/projects/gone/pipelines/missing.orchest'));
    await page.getByRole('alert').filter({ hasText: 'has no pipeline missing.orchest' }).waitFor();
    assert.equal(await page.locator('.react-flow__node').count(), 0);
    assert.equal(await page.getByRole('button', { name: /^Save/ }).count(), 0);
    await page.context().close();
  });

  it('opens a pipeline with a cycle, marks the connections of the cycle, and saves it once one is removed', async () => {
    const p = await invalidProject('cyc');
    const page = await ui.page();
    await ui.goto(page, 'projects/cyc/pipelines/cycle.orchest');
    await node(page, 'Cyc one').waitFor();
    await page.locator('.react-flow__edge.edge-problem').nth(2).waitFor();
    assert.equal(await page.locator('.react-flow__edge.edge-problem').count(), 3);
    await page.getByRole('alert').filter({ hasText: 'steps form a cycle' }).first().waitFor();
    await ui.shot(page, '20-editor-cycle');
    await node(page, 'Cyc one').click();
    await page.getByRole('tab', { name: 'Connections' }).click();
    await page.getByRole('button', { name: 'Disconnect Cyc three' }).click();
    await page.locator('.react-flow__edge.edge-problem').first().waitFor({ state: 'detached' });
    await page.keyboard.press('Control+s');
    await page.getByRole('status').filter({ hasText: 'Saved cycle.orchest' }).waitFor();
    assert.deepEqual(stepsOnDisk(p.dir, 'cycle.orchest')[STEP(1)]!.incoming_connections, []);
    assert.equal(((await (await ui.api('GET', '/api/projects/cyc/pipelines')).json()) as { pipelines: Array<{ path: string; valid: boolean }> }).pipelines.find((x) => x.path === 'cycle.orchest')?.valid, true);
    await page.context().close();
  });

  it('opens a pipeline whose step depends on an unknown step, shows it on the step, and removes it', async () => {
    const p = await invalidProject('unk');
    const page = await ui.page();
    await ui.goto(page, 'projects/unk/pipelines/unknown.orchest');
    await node(page, 'Orphan').waitFor();
    assert.match((await node(page, 'Orphan').locator('.step-node').getAttribute('class')) ?? '', /has-problems/);
    await node(page, 'Orphan').click();
    await page.getByRole('tab', { name: 'Connections' }).click();
    await page.getByRole('alert').filter({ hasText: 'depends on unknown step' }).waitFor();
    await ui.shot(page, '21-editor-unknown-parent');
    await page.getByRole('button', { name: 'Disconnect unknown step ffffffff-0000-4000-8000-00000000dead' }).click();
    await page.keyboard.press('Control+s');
    await page.getByRole('status').filter({ hasText: 'Saved unknown.orchest' }).waitFor();
    assert.deepEqual(stepsOnDisk(p.dir, 'unknown.orchest')[STEP(1)]!.incoming_connections, []);
    await page.context().close();
  });

  it('opens a pipeline whose step file is missing, shows it on the File field, and saves the repair', async () => {
    const p = await invalidProject('nof');
    const page = await ui.page();
    await ui.goto(page, 'projects/nof/pipelines/nofile.orchest');
    await node(page, 'Lost file').waitFor();
    assert.match((await node(page, 'Lost file').locator('.step-node').getAttribute('class')) ?? '', /has-problems/);
    await node(page, 'Lost file').click();
    await page.locator('#step-file_path-error').filter({ hasText: 'does not exist' }).waitFor();
    await page.getByLabel('File', { exact: true }).fill('steps/1.sh');
    await page.locator('#step-file_path-error').waitFor({ state: 'detached' });
    await page.keyboard.press('Control+s');
    await page.getByRole('status').filter({ hasText: 'Saved nofile.orchest' }).waitFor();
    assert.equal(stepsOnDisk(p.dir, 'nofile.orchest')[STEP(2)]!.file_path, 'steps/1.sh');
    await page.context().close();
  });

  it('opens a file that is not JSON as text with the error at its line and column, and saves the repair', async () => {
    const p = await invalidProject('badjson');
    const page = await ui.page();
    await ui.goto(page, 'projects/badjson/pipelines/bad.orchest');
    const text = page.getByRole('textbox', { name: 'Text of bad.orchest' });
    await text.waitFor();
    await page.getByRole('alert').filter({ hasText: /Line 3, column 13/ }).waitFor();
    assert.equal(await page.locator('.json-error-line').innerText(), '3');
    await ui.shot(page, '22-editor-bad-json');
    const uuid = '33333333-2222-4333-8444-555555555555';
    await text.fill(JSON.stringify({ name: 'bad', uuid, version: '1.2.3', settings: {}, parameters: {}, steps: {} }, null, 2));
    await page.getByRole('button', { name: 'Open in the editor' }).click();
    await page.getByRole('button', { name: 'Add step' }).waitFor();
    await page.keyboard.press('Control+s');
    await page.getByRole('status').filter({ hasText: 'Saved bad.orchest' }).waitFor();
    assert.equal((JSON.parse(onDisk(p.dir, 'bad.orchest')) as Json).uuid, uuid);
    await page.context().close();
  });
});
