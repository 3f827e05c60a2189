/// <reference lib="dom" />
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { bashProjectFiles, HAVE_CHROMIUM, STEP, WebUi } from '../helpers/web-ui-harness.ts';

const BUSYBOX_IMAGE = process.env.BERTH_TEST_BUSYBOX_IMAGE ?? 'berth-test/busybox:1';
const ENV = 'aaaaaaaa-1111-4222-8333-444444444444';
const haveBusybox = (() => {
  try {
    execFileSync('docker', ['image', 'inspect', BUSYBOX_IMAGE], { stdio: 'ignore', timeout: 10_000 });
    return true;
  } catch {
    return false;
  }
})();

/**
 * The second edition's screens, selected by role and accessible name: navigation with breadcrumbs
 * and settings apart, empty states, the run page (graph, timeline, log), the job page and the
 * environments page. Each case makes its own project; each screen is captured in test/e2e/screenshots/.
 */
describe('web UI screens (Chromium)', { skip: !HAVE_CHROMIUM }, () => {
  let ui: WebUi;
  before(async () => {
    ui = await WebUi.start();
  });
  after(async () => {
    await ui?.close();
    // The environment image the build test made (its setup script has a nonce: a new image every time).
    if (haveBusybox) {
      const ids = execFileSync('docker', ['images', '-q', '--filter', `label=berth.environment=${ENV}`], { encoding: 'utf8' }).split('\n').filter(Boolean);
      if (ids.length > 0) execFileSync('docker', ['image', 'rm', '-f', ...new Set(ids)], { stdio: 'ignore' });
    }
  });

  const runToEnd = async (project: string, pipeline: string) => {
    const started = (await (await ui.api('POST', `/api/projects/${project}/runs`, { pipeline })).json()) as { run: { uuid: string } };
    for (let i = 0; i < 300; i++) {
      const { run } = (await (await ui.api('GET', `/api/runs/${started.run.uuid}`)).json()) as { run: { status: string } };
      if (run.status !== 'PENDING' && run.status !== 'STARTED') return started.run.uuid;
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error('the run did not end');
  };

  it('navigates projects → pipelines → editor | runs | jobs | services | environments with breadcrumbs; empty states say what to do', async () => {
    const p = await ui.project('navi', {});
    const page = await ui.page();
    await page.goto(ui.url);
    await page.getByRole('heading', { name: 'Projects' }).waitFor();
    await page.getByRole('cell').getByRole('link', { name: 'navi', exact: true }).click();
    const crumbs = page.getByRole('navigation', { name: 'breadcrumb' });
    await crumbs.getByText('Pipelines').waitFor();
    assert.deepEqual(await crumbs.getByRole('listitem').allInnerTexts(), ['Projects', 'navi', 'Pipelines']);
    await page.getByText('No pipelines in this project yet.').waitFor();
    await ui.shot(page, '30-empty-project');
    for (const [tab, empty] of [['Runs', 'No runs yet'], ['Jobs', 'No jobs yet'], ['Services', 'No services'], ['Environments', 'No environments in this project']] as const) {
      await page.getByRole('navigation', { name: 'project sections' }).getByRole('link', { name: tab }).click();
      await page.getByText(empty).first().waitFor();
      assert.equal(await crumbs.locator('[aria-current="page"]').innerText(), tab);
    }
    // A new pipeline from the empty state opens in the editor; the breadcrumb leads back.
    await page.getByRole('navigation', { name: 'project sections' }).getByRole('link', { name: 'Pipelines' }).click();
    await page.getByLabel('File name').fill('first');
    await page.getByRole('button', { name: 'Create pipeline' }).click();
    await page.getByRole('button', { name: 'Add step' }).waitFor();
    assert.deepEqual(await crumbs.getByRole('listitem').allInnerTexts(), ['Projects', 'navi', 'Pipelines', 'first.orchest']);
    assert.equal((JSON.parse(readFileSync(join(p.dir, 'first.orchest'), 'utf8')) as { name: string }).name, 'first');
    await crumbs.getByRole('link', { name: 'navi' }).click();
    await page.getByRole('table', { name: 'pipelines' }).getByRole('link', { name: 'first' }).waitFor();
    assert.match(await page.getByRole('table', { name: 'pipelines' }).innerText(), /never run/);
    await ui.shot(page, '31-pipelines');
    assert.deepEqual(page.errors, []);
    await page.context().close();
  });

  it('keeps settings apart: tokens (created with the project name, secret shown once, revoked), webhooks, instances', async () => {
    await ui.project('tokproj', {});
    const page = await ui.page();
    await page.goto(ui.url);
    await page.getByRole('banner').getByRole('link', { name: 'Settings' }).click();
    const sections = page.getByRole('navigation', { name: 'settings sections' });
    await page.getByRole('heading', { name: 'Tokens' }).waitFor();
    await page.getByText('No project tokens yet').waitFor();
    await page.getByLabel('Token name').fill('ci');
    await page.getByLabel('Project').selectOption('tokproj');
    await page.getByRole('button', { name: 'Create token' }).click();
    await page.getByTestId('token-secret').filter({ hasText: 'shown once' }).waitFor();
    const row = page.getByRole('table', { name: 'tokens' }).getByRole('row').filter({ hasText: 'ci' });
    assert.match(await row.innerText(), /tokproj/);
    await ui.shot(page, '32-settings-tokens');
    await row.getByRole('button', { name: 'Revoke ci' }).click();
    await page.getByText('No project tokens yet').waitFor();
    for (const name of ['Webhooks', 'Instances']) {
      await sections.getByRole('link', { name }).click();
      await page.getByRole('heading', { name }).waitFor();
    }
    assert.deepEqual(page.errors, []);
    await page.context().close();
  });

  it('shows a run: the graph with each step status and duration, a timeline of its steps, and the selected step log beside', async () => {
    await ui.project('runview', bashProjectFiles('etl.orchest', 'etl', [['Extract', 'echo extract-out\n'], ['Transform', 'echo transform-out; sleep 1.5\n'], ['Load', 'echo load-out; exit 3\n']]));
    const uuid = await runToEnd('runview', 'etl.orchest');
    const page = await ui.page();
    await ui.goto(page, 'projects/runview/runs');
    await page.getByRole('link', { name: `Run ${uuid.slice(0, 8)} of etl` }).click();
    await page.getByTestId('run-status').filter({ hasText: 'FAILURE' }).waitFor();
    // The graph: every step with its status, the ones that ran with a duration.
    const graph = page.getByLabel('run graph');
    await graph.locator(`.react-flow__node[data-id="${STEP(3)}"] .step-node[data-status="FAILURE"]`).waitFor();
    await graph.locator(`.react-flow__node[data-id="${STEP(2)}"] .step-status`).filter({ hasText: /SUCCESS · \d/ }).waitFor();
    assert.equal(await graph.locator('.react-flow__edge').count(), 2);
    // The timeline: one bar per step, in the order they ran; the failed step is selected with its log.
    const timeline = page.getByRole('figure', { name: 'timeline' });
    const labels = await timeline.getByRole('button').allInnerTexts();
    assert.deepEqual(labels, ['Extract', 'Transform', 'Load']);
    assert.equal(await timeline.locator('.timeline-bar').count(), 3);
    const bars = await timeline.locator('.timeline-bar').evaluateAll((els) => els.map((e) => (e as HTMLElement).getBoundingClientRect()).map((r) => ({ x: r.x, w: r.width })));
    assert.ok(bars[1]!.x >= bars[0]!.x + bars[0]!.w - 2, 'Transform starts after Extract ends');
    // Bars are as long as the steps took (Transform sleeps, but a loaded machine may slow Extract more).
    const { steps } = (await (await ui.api('GET', `/api/runs/${uuid}`)).json()) as { steps: Array<{ title: string; started_at: string; finished_at: string }> };
    const took = (title: string) => {
      const st = steps.find((x) => x.title === title)!;
      return Date.parse(st.finished_at) - Date.parse(st.started_at);
    };
    if (took('Transform') !== took('Extract')) assert.equal(bars[1]!.w > bars[0]!.w, took('Transform') > took('Extract'), 'the longer step has the longer bar');
    await page.getByRole('region', { name: 'Log: Log of Load' }).getByText('load-out').waitFor();
    await timeline.getByRole('button', { name: /^Transform: SUCCESS, \d/ }).click();
    await page.getByRole('region', { name: 'Log: Log of Transform' }).getByText('transform-out').waitFor();
    await ui.shot(page, '33-run-detail');
    // A second run, compared on the same timeline with the first.
    const second = await runToEnd('runview', 'etl.orchest');
    await ui.goto(page, `projects/runview/runs/${second}`);
    await page.getByTestId('run-status').filter({ hasText: 'FAILURE' }).waitFor();
    await page.getByLabel('Compare with').selectOption(uuid);
    await timeline.locator('.timeline-bar.other').nth(2).waitFor();
    assert.equal(await timeline.locator('.timeline-bar.other').count(), 3);
    await timeline.getByRole('button', { name: new RegExp(`^Transform: SUCCESS, [\\d.]+ s; run ${uuid.slice(0, 8)}: SUCCESS, [\\d.]+ s$`) }).waitFor();
    await ui.shot(page, '37-run-compare');
    assert.deepEqual(page.errors, []);
    await page.context().close();
  });

  it("draws the run's own pipeline (as it was when the run started), not the file as edited since", async () => {
    const { dir } = await ui.project('runsnap', bashProjectFiles('flow.orchest', 'flow', [['Fetch', 'echo f\n'], ['Clean', 'echo c\n'], ['Publish', 'echo p\n']]));
    const uuid = await runToEnd('runsnap', 'flow.orchest');
    // After the run the file changes: a step renamed, one removed, one added.
    const edited = JSON.parse(readFileSync(join(dir, 'flow.orchest'), 'utf8')) as { steps: Record<string, { title: string; incoming_connections: string[] }> };
    edited.steps[STEP(1)]!.title = 'Fetch v2';
    delete edited.steps[STEP(3)];
    edited.steps[STEP(4)] = { ...structuredClone(edited.steps[STEP(2)]!), title: 'Brand new', incoming_connections: [STEP(1)], uuid: STEP(4) } as (typeof edited.steps)[string];
    const put = await ui.api('PUT', '/api/projects/runsnap/pipelines/flow.orchest', edited);
    assert.equal(put.status, 200, await put.text());
    const page = await ui.page();
    await ui.goto(page, `projects/runsnap/runs/${uuid}`);
    await page.getByTestId('run-status').filter({ hasText: 'SUCCESS' }).waitFor();
    const graph = page.getByLabel('run graph');
    await graph.locator('.react-flow__node').nth(2).waitFor();
    const titles = await graph.locator('.step-node').evaluateAll((els) => els.map((e) => e.getAttribute('data-title')));
    assert.deepEqual(titles.sort(), ['Clean', 'Fetch', 'Publish']);
    assert.equal(await graph.locator('.react-flow__edge').count(), 2);
    for (const i of [1, 2, 3]) await graph.locator(`.react-flow__node[data-id="${STEP(i)}"] .step-status`).filter({ hasText: /SUCCESS · \d/ }).waitFor();
    await page.getByText('the pipeline as this run started it').waitFor();
    await ui.shot(page, '38-run-own-pipeline');
    assert.deepEqual(page.errors, []);
    await page.context().close();
  });

  it('lists run history with each run’s duration, and compares two runs picked there on one timeline', async () => {
    const { dir } = await ui.project('history2', {
      ...bashProjectFiles('etl.orchest', 'etl', [['Extract', 'echo e\n'], ['Load', 'echo l\n']]),
      ...bashProjectFiles('other.orchest', 'other', [['Solo', 'echo s\n']], (p) => (p.uuid = 'abcdabcd-2222-4333-8444-555555555555')),
    });
    const quick = await runToEnd('history2', 'etl.orchest');
    writeFileSync(join(dir, 'steps/1.sh'), 'sleep 2; echo l\n');
    const slow = await runToEnd('history2', 'etl.orchest');
    const solo = await runToEnd('history2', 'other.orchest');
    const page = await ui.page();
    await ui.goto(page, 'projects/history2/runs');
    const row = (uuid: string) => page.getByRole('row').filter({ has: page.getByRole('link', { name: new RegExp(`^Run ${uuid.slice(0, 8)} of`) }) });
    await row(solo).waitFor();
    // Each run's duration as text and as a bar against the longest shown.
    const seconds = async (uuid: string) => Number(/([\d.]+) s/.exec(await row(uuid).getByTestId('run-duration-cell').innerText())?.[1]);
    const bar = (uuid: string) => row(uuid).locator('.duration-bar').evaluate((e) => e.getBoundingClientRect().width);
    assert.ok((await seconds(slow)) > (await seconds(quick)), 'the slow run took longer');
    assert.ok((await bar(slow)) > (await bar(quick)), 'the longer run has the longer bar');
    // Two runs of different pipelines cannot be compared; two of one pipeline can.
    const compareButton = page.getByRole('button', { name: 'Compare selected runs' });
    await page.getByRole('checkbox', { name: `Compare run ${solo.slice(0, 8)}` }).check();
    await page.getByRole('checkbox', { name: `Compare run ${quick.slice(0, 8)}` }).check();
    await page.getByText('The two runs are of different pipelines').waitFor();
    assert.equal(await compareButton.isDisabled(), true);
    await page.getByRole('checkbox', { name: `Compare run ${slow.slice(0, 8)}` }).check();
    assert.equal(await page.getByRole('checkbox', { name: `Compare run ${solo.slice(0, 8)}` }).isChecked(), false, 'at most two are ticked: the oldest tick goes');
    await ui.shot(page, '39-run-history-compare-pick');
    await compareButton.click();
    // The newer run's page with the older one drawn under each step.
    await page.getByTestId('run-status').filter({ hasText: 'SUCCESS' }).waitFor();
    assert.equal(await page.getByRole('heading', { level: 1 }).innerText().then((t) => t.includes(slow.slice(0, 8))), true);
    const crumbs = page.getByRole('navigation', { name: 'breadcrumb' });
    await crumbs.getByText(`${slow.slice(0, 8)} vs ${quick.slice(0, 8)}`).waitFor();
    const timeline = page.getByRole('figure', { name: 'timeline' });
    await timeline.locator('.timeline-bar.other').nth(1).waitFor();
    await timeline.getByRole('button', { name: new RegExp(`^Load: SUCCESS, [\\d.]+ s; run ${quick.slice(0, 8)}: SUCCESS, [\\d.]+ s$`) }).waitFor();
    assert.equal(await page.getByLabel('Compare with').inputValue(), quick);
    await ui.shot(page, '44-run-compare-from-history');
    assert.deepEqual(page.errors, []);
    await page.context().close();
  });

  it('shows a job on its own page with its runs in batches', async () => {
    await ui.project('jobview', bashProjectFiles('p.orchest', 'p', [['Only', 'echo only\n']], (p) => {
      p.parameters = { n: 1 };
    }));
    const created = await ui.api('POST', '/api/projects/jobview/jobs', { name: 'grid', pipeline_path: 'p.orchest', cron: '0 0 1 1 *', parameters: { pipeline_parameters: { n: [1, 2] } } });
    assert.equal(created.status, 201, await created.clone().text());
    const page = await ui.page();
    await ui.goto(page, 'projects/jobview/jobs');
    await page.getByRole('table', { name: 'jobs' }).getByRole('link', { name: 'grid' }).click();
    const job = page.getByRole('region', { name: 'Job grid' });
    await job.getByText('No runs yet').waitFor();
    const batches = job.getByRole('region', { name: /^Batch \d+$/ });
    for (const n of [1, 2]) {
      await job.getByRole('button', { name: 'Trigger grid' }).click();
      await page.waitForFunction((want) => Array.from(document.querySelectorAll('section.batch h3')).filter((h) => h.textContent?.includes('2/2 succeeded')).length === want, n, { timeout: 60_000 });
    }
    assert.equal(await batches.count(), 2);
    await ui.shot(page, '34-job-page', true);
    await batches.first().getByRole('link', { name: /^Run \d+ of batch \d+$/ }).first().click();
    await page.getByTestId('run-status').filter({ hasText: 'SUCCESS' }).waitFor();
    await page.context().close();
  });

  it('lists environments with the pipelines that use each, builds one and streams its log', async () => {
    const env = ENV;
    const files = bashProjectFiles('uses-env.orchest', 'uses env', [['In env', 'echo hi\n'], ['Also', 'echo hi\n']], (p) => {
      for (const s of Object.values(p.steps)) s.environment = env;
    });
    await ui.project('envs', {
      ...files,
      [`.orchest/environments/${env}/properties.json`]: { name: 'Busy', language: 'bash', base_image: BUSYBOX_IMAGE, gpu_support: false },
      [`.orchest/environments/${env}/setup_script.sh`]: `# ${Date.now()}\necho setting-up-busy-env\n`,
      '.orchest/environments/bbbbbbbb-1111-4222-8333-444444444444/properties.json': '{ not json',
    });
    const page = await ui.page();
    await ui.goto(page, 'projects/envs/environments');
    const table = page.getByRole('table', { name: 'environments' });
    const busy = table.getByRole('row').filter({ hasText: 'Busy' });
    await busy.waitFor();
    assert.match(await busy.innerText(), /not built yet/);
    assert.match(await busy.getByRole('link', { name: 'uses env' }).getAttribute('href') ?? '', /uses-env\.orchest$/);
    assert.match(await busy.innerText(), /2 steps/);
    await table.getByText('properties.json cannot be read').waitFor();
    await ui.shot(page, '35-environments');
    if (!haveBusybox) {
      console.log(`# skipped the build part: no ${BUSYBOX_IMAGE} image (bash scripts/build-test-images.sh)`);
      return;
    }
    await busy.getByRole('button', { name: 'Build Busy' }).click();
    await page.getByRole('region', { name: 'Log: Build of Busy' }).getByText('setting-up-busy-env').waitFor({ timeout: 120_000 });
    await busy.getByTestId('build-status').getByText('SUCCESS').waitFor({ timeout: 120_000 });
    await ui.shot(page, '36-environment-built');
    assert.deepEqual(page.errors, []);
    await page.context().close();
  });
});
