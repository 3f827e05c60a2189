/// <reference lib="dom" />
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync } from 'node:fs';
import { createServer as createHttpServer } from 'node:http';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { REPO } from '../helpers/berth-cli.ts';
import { ADMIN, bashProjectFiles, HAVE_CHROMIUM, WebUi, type Json, type WatchedPage } from '../helpers/web-ui-harness.ts';

const ECHO = join(REPO, 'test', 'fixtures', 'services', 'echo-service.mjs');
const uuids = ['00000000-0000-4000-8000-000000000001', '00000000-0000-4000-8000-000000000002', '00000000-0000-4000-8000-000000000003'];

async function freePort(): Promise<number> {
  const s = createServer().listen(0, '127.0.0.1');
  await new Promise((r) => s.once('listening', r));
  const port = (s.address() as { port: number }).port;
  await new Promise((r) => s.close(r));
  return port;
}

/** demo.orchest: Load → Clean, and Report on its own; each prints a marker and sleeps a little; a `rows` parameter; optional services. */
function demoFiles(services?: Json): Record<string, string | Json> {
  return bashProjectFiles('demo.orchest', 'demo', [['Load', 'echo load-done; sleep 0.3\n'], ['Clean', 'echo clean-done; sleep 0.3\n'], ['Report', 'echo report-output-42\n']], (p) => {
    p.steps[uuids[2]!]!.incoming_connections = [];
    p.parameters = { rows: 10 };
    if (services) p.services = services;
  });
}

const edgeCount = (page: WatchedPage, n: number) => page.waitForFunction((want) => document.querySelectorAll('.react-flow__edge').length === want, n, { timeout: 10_000 });

/**
 * The whole loop in a real browser against a real `berth server` process: sign in, add a project,
 * connect two steps by dragging and save (the file changes on disk), run and watch every step turn
 * green, read a step's log, start a pipeline session and open its exposed service, create and drive
 * a cron job with a parameter grid, add and ping webhooks and see a failed delivery, open a service
 * through its proxy link. Every case makes its own project and signed-in page, so any one runs
 * alone (`--test-name-pattern`) or in any order. Screenshots of each screen go to test/e2e/screenshots/.
 */
describe('web UI in Chromium', { skip: !HAVE_CHROMIUM }, () => {
  let ui: WebUi;
  before(async () => {
    ui = await WebUi.start();
  });
  after(async () => {
    await ui?.api('DELETE', '/api/projects/session/pipelines/demo.orchest/session').catch(() => undefined);
    await ui?.api('POST', '/api/instances/e2e-worker/stop', { signal: 'KILL', grace_seconds: 0 }).catch(() => undefined);
    await ui?.close();
  });

  /** Starts a full run of a pipeline through the API and waits for it to end. */
  const runToEnd = async (project: string, pipeline: string) => {
    const started = (await (await ui.api('POST', `/api/projects/${project}/runs`, { pipeline })).json()) as { run: { uuid: string } };
    for (let i = 0; i < 300; i++) {
      const { run } = (await (await ui.api('GET', `/api/runs/${started.run.uuid}`)).json()) as { run: { status: string } };
      if (run.status !== 'PENDING' && run.status !== 'STARTED') return run.status;
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error('the run did not end');
  };

  it('signs in with a token (kept out of page storage) and adds a project by path', async () => {
    const dir = join(ui.root, 'signup');
    mkdirSync(dir, { recursive: true });
    const page = await ui.page({ token: null });
    await page.goto(ui.url);
    await ui.shot(page, '01-sign-in');
    await page.getByLabel('Token').fill('wrong-token');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('alert').filter({ hasText: 'unknown or revoked' }).waitFor();
    await page.getByLabel('Token').fill(ADMIN);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: 'Projects' }).waitFor();
    const cookie = (await page.context().cookies()).find((c) => c.name === 'berth_token');
    assert.equal(cookie?.httpOnly, true);
    assert.equal(await page.evaluate(() => JSON.stringify(localStorage) + document.cookie), '{}');
    await page.getByLabel('Name').fill('signup');
    await page.getByLabel('Folder on the server').fill(dir);
    await page.getByRole('button', { name: 'Add project' }).click();
    await page.getByRole('link', { name: 'signup', exact: true }).first().waitFor();
    await ui.shot(page, '02-projects');
    await page.context().close();
  });

  it('connects two steps by dragging and saves the .orchest file', async () => {
    const p = await ui.project('drag', demoFiles());
    const page = await ui.page();
    await page.goto(ui.url);
    await page.getByRole('cell').getByRole('link', { name: p.name, exact: true }).click();
    await page.getByRole('heading', { name: p.name }).waitFor();
    await ui.shot(page, '03-project');
    await page.getByRole('cell').getByRole('link', { name: 'demo' }).click();
    await page.locator('.react-flow__node').nth(2).waitFor();
    await edgeCount(page, 1);
    const from = await page.locator(`.react-flow__node[data-id="${uuids[1]}"] .react-flow__handle.source`).boundingBox();
    const to = await page.locator(`.react-flow__node[data-id="${uuids[2]}"] .react-flow__handle.target`).boundingBox();
    assert.ok(from && to);
    await page.mouse.move(from.x + from.width / 2, from.y + from.height / 2);
    await page.mouse.down();
    await page.mouse.move(to.x + to.width / 2, to.y + to.height / 2, { steps: 15 });
    await page.mouse.up();
    await edgeCount(page, 2);
    await ui.shot(page, '04-editor-connected');
    await page.keyboard.press('Control+s');
    await page.getByRole('status').filter({ hasText: 'Saved demo.orchest' }).waitFor();
    const onDisk = JSON.parse(readFileSync(join(p.dir, 'demo.orchest'), 'utf8')) as { steps: Record<string, { incoming_connections: string[]; meta_data: { position: number[] } }> };
    assert.deepEqual(onDisk.steps[uuids[2]!]!.incoming_connections, [uuids[1]]);
    // The auto-layout's positions were written too (other Orchest tools draw the same graph).
    assert.notDeepEqual(onDisk.steps[uuids[0]!]!.meta_data.position, onDisk.steps[uuids[2]!]!.meta_data.position);
    await page.context().close();
  });

  it("shows the validator's message on the field for an invalid edit, and undoes it", async () => {
    const p = await ui.project('undo', demoFiles());
    const page = await ui.page();
    await ui.goto(page, `projects/${p.name}/pipelines/demo.orchest`);
    await page.locator(`.react-flow__node[data-id="${uuids[0]}"]`).click();
    const file = page.getByLabel('File', { exact: true });
    await file.fill('steps/notes.txt');
    await page.locator('#step-file_path-error').waitFor();
    assert.match(await page.locator('#step-file_path-error').innerText(), /cannot be run as a step/);
    await ui.shot(page, '05-invalid-edit');
    await page.getByRole('button', { name: 'Undo' }).click();
    await page.waitForFunction(() => (document.getElementById('step-file_path') as HTMLInputElement | null)?.value.endsWith('0.sh'));
    await page.locator('#step-file_path-error').waitFor({ state: 'detached' });
    // The keyboard way: connect from the picker, then undo it.
    await page.getByRole('tab', { name: 'Connections' }).click();
    await page.getByLabel('Connect from step').selectOption({ label: 'Report' });
    await page.getByRole('button', { name: 'Connect', exact: true }).press('Enter');
    await page.getByRole('button', { name: 'Disconnect Report' }).waitFor();
    await edgeCount(page, 2);
    await page.keyboard.press('Control+z');
    await page.getByRole('button', { name: 'Disconnect Report' }).waitFor({ state: 'detached' });
    await edgeCount(page, 1);
    await page.getByRole('button', { name: 'Saved' }).waitFor();
    await page.context().close();
  });

  it('runs the pipeline, every step turns green live, and a step log opens', async () => {
    const p = await ui.project('run', demoFiles());
    const page = await ui.page();
    await ui.goto(page, `projects/${p.name}/pipelines/demo.orchest`);
    await page.locator('.react-flow__node').nth(2).waitFor();
    await page.getByRole('button', { name: 'More ways to run' }).click();
    await page.getByRole('menuitem', { name: /^Run all/ }).click();
    await page.waitForFunction(() => Array.from(document.querySelectorAll('.step-node')).every((n) => n.getAttribute('data-status') === 'SUCCESS'), undefined, { timeout: 60_000 });
    await page.getByTestId('run-status').filter({ hasText: 'SUCCESS' }).waitFor();
    // The duration arrives with the step's end time, a render after the status colour: wait for it.
    await page.locator(`.react-flow__node[data-id="${uuids[0]}"] .step-status`).filter({ hasText: /SUCCESS · \d/ }).waitFor();
    await ui.shot(page, '06-run-success');
    await page.locator(`.react-flow__node[data-id="${uuids[2]}"]`).click();
    await page.getByRole('tab', { name: 'Logs' }).click();
    await page.getByTestId('log-text').filter({ hasText: 'report-output-42' }).waitFor();
    await ui.shot(page, '07-step-log');
    // Run only the selected step: the others are not part of that run.
    await page.locator(`.react-flow__node[data-id="${uuids[0]}"]`).click();
    await page.getByRole('button', { name: 'Run selected' }).click();
    await page.waitForFunction((u) => document.querySelector(`.react-flow__node[data-id="${u[0]}"] .step-node`)?.getAttribute('data-status') === 'SUCCESS' && document.querySelector(`.react-flow__node[data-id="${u[2]}"] .step-node`)?.getAttribute('data-status') === 'NONE', uuids);
    await page.context().close();
  });

  it('lists the run in the history with filters', async () => {
    const p = await ui.project('history', demoFiles());
    await runToEnd(p.name, 'demo.orchest');
    const page = await ui.page();
    await ui.goto(page, `projects/${p.name}/runs`);
    await page.getByRole('cell', { name: 'SUCCESS' }).first().waitFor();
    await page.getByLabel('Status').selectOption('FAILURE');
    await page.getByText('No runs match.').waitFor();
    await page.getByLabel('Status').selectOption('');
    await page.getByRole('cell', { name: 'SUCCESS' }).first().waitFor();
    await page.getByRole('link', { name: /^Run [0-9a-f]{8} of demo$/ }).click();
    await page.getByRole('button', { name: /^Clean: SUCCESS, \d/ }).click();
    await page.getByRole('region', { name: 'Log: Log of Clean' }).getByTestId('log-text').filter({ hasText: 'clean-done' }).waitFor();
    await ui.shot(page, '08-run-history');
    await page.context().close();
  });

  it("starts the pipeline's session, opens its exposed service on its own origin, reads its log and stops it", async () => {
    const sessionPort = await freePort();
    const p = await ui.project('session', demoFiles({ web: { name: 'web', image: 'process', command: process.execPath, args: `${ECHO} ${sessionPort}`, ports: [sessionPort], exposed: true, scope: ['interactive'] } }));
    const page = await ui.page();
    await ui.goto(page, `projects/${p.name}/pipelines/demo.orchest`);
    const panel = page.getByRole('region', { name: 'session' });
    await panel.getByTestId('session-status').filter({ hasText: /NONE|STOPPED/ }).waitFor();
    await panel.getByRole('button', { name: 'Start session' }).click();
    await panel.getByTestId('session-status').filter({ hasText: 'RUNNING' }).waitFor({ timeout: 30_000 });
    const link = panel.getByRole('link', { name: `web :${sessionPort}` });
    await link.waitFor();
    assert.equal(await link.getAttribute('rel'), 'noopener noreferrer');
    assert.match((await link.getAttribute('href')) ?? '', new RegExp(`^/api/projects/${p.name}/services/web-[0-9a-f-]{36}/open\\?port=${sessionPort}$`));
    const [tab] = await Promise.all([page.context().waitForEvent('page'), link.click()]);
    await tab.waitForLoadState();
    assert.match(new URL(tab.url()).host, new RegExp(`^web-[0-9a-f-]{36}--${p.name}--${sessionPort}\\.localhost:`), 'the service opens on its own origin');
    const echoed = JSON.parse(await tab.locator('body').innerText()) as { method: string; headers: Record<string, string> };
    assert.equal(echoed.method, 'GET');
    assert.doesNotMatch(echoed.headers.cookie ?? '', /berth_token/);
    assert.equal(await tab.evaluate(() => window.opener), null);
    await tab.close();
    await panel.getByRole('button', { name: 'Logs of web' }).click();
    await page.getByTestId('log-text').filter({ hasText: `echo service on ${sessionPort}` }).waitFor();
    await ui.shot(page, '12-session');
    await panel.getByRole('button', { name: 'Stop session' }).click();
    await panel.getByTestId('session-status').filter({ hasText: 'STOPPED' }).waitFor({ timeout: 30_000 });
    assert.equal(await panel.getByRole('link', { name: `web :${sessionPort}` }).count(), 0);
    await page.context().close();
  });

  it('adds a service from a template in the pipeline settings, shows the validator on its fields, undoes, and saves it to the file', async () => {
    const p = await ui.project('svc', bashProjectFiles('svc.orchest', 'svc', [['Only', 'echo only\n']]));
    const page = await ui.page();
    await ui.goto(page, `projects/${p.name}/pipelines/svc.orchest`);
    const services = page.getByRole('region', { name: 'services' });
    await services.getByText('No session services in this pipeline.').waitFor();
    await services.getByRole('button', { name: 'Add redis' }).click();
    const redis = page.getByRole('group', { name: 'Service redis' });
    assert.equal(await redis.getByLabel('Image').inputValue(), 'redis');
    await services.getByRole('heading', { name: 'Services' }).scrollIntoViewIfNeeded();
    await ui.shot(page, '17-editor-service-templates');
    await redis.getByLabel('Image').fill('');
    await page.locator('#service-redis-image-error').filter({ hasText: 'is empty' }).waitFor();
    assert.equal(await redis.getByLabel('Image').getAttribute('aria-invalid'), 'true');
    await page.getByRole('button', { name: 'Undo' }).click();
    await page.waitForFunction(() => (document.getElementById('service-redis-image') as HTMLInputElement | null)?.value === 'redis');
    await page.locator('#service-redis-image-error').waitFor({ state: 'detached' });
    await redis.getByLabel('Ports (comma-separated)').fill('6379, 6380');
    await redis.getByLabel('noninteractive', { exact: true }).uncheck();
    await redis.getByLabel('Environment variables (JSON)').fill('{"REDIS_ARGS": "--save 60 1"}');
    await redis.getByLabel('Arguments').fill('--port 6379');
    await ui.shot(page, '17-editor-services-edited');
    await page.keyboard.press('Control+s');
    await page.getByRole('status').filter({ hasText: 'Saved svc.orchest' }).waitFor();
    const onDisk = JSON.parse(readFileSync(join(p.dir, 'svc.orchest'), 'utf8')) as { services: Record<string, unknown> };
    assert.deepEqual(onDisk.services, {
      redis: { name: 'redis', image: 'redis', args: '--port 6379', ports: [6379, 6380], exposed: true, requires_authentication: true, scope: ['interactive'], order: 0, env_variables: { REDIS_ARGS: '--save 60 1' } },
    });
    // The server reads it back as a valid pipeline with the service.
    const check = (await (await ui.api('GET', `/api/projects/${p.name}/pipelines`)).json()) as { pipelines: Array<{ path: string; valid: boolean }> };
    assert.equal(check.pipelines.find((x) => x.path === 'svc.orchest')?.valid, true);
    // Renaming follows the key; removing empties the section again.
    await redis.getByLabel('Name').fill('cache');
    await page.getByRole('group', { name: 'Service cache' }).getByRole('button', { name: 'Remove service cache' }).click();
    await services.getByText('No session services in this pipeline.').waitFor();
    await page.keyboard.press('Control+s');
    await page.getByRole('button', { name: 'Saved' }).waitFor();
    assert.deepEqual((JSON.parse(readFileSync(join(p.dir, 'svc.orchest'), 'utf8')) as { services?: unknown }).services ?? {}, {});
    await page.context().close();
  });

  it('creates a cron job with a parameter grid (previewed by dry run), pauses, resumes and triggers it, and lists its runs', async () => {
    const p = await ui.project('cron', demoFiles());
    const page = await ui.page();
    await ui.goto(page, `projects/${p.name}/jobs`);
    await page.getByText('No jobs yet.').waitFor();
    await page.getByRole('button', { name: 'New job' }).click();
    await page.getByRole('dialog', { name: 'New job' }).waitFor();
    await page.getByLabel('Job name').fill('nightly');
    await page.getByLabel('Pipeline', { exact: true }).selectOption('demo.orchest');
    await page.getByRole('button', { name: 'Every hour' }).click();
    assert.equal(await page.getByLabel('Cron expression').inputValue(), '0 * * * *');
    await page.getByLabel('Timezone').fill('Europe/Amsterdam');
    await page.getByLabel('Values of pipeline rows').fill('[10, 20');
    await page.getByRole('button', { name: 'Preview runs' }).click();
    await page.getByRole('alert').filter({ hasText: 'must be a JSON array' }).waitFor();
    await page.getByLabel('Values of pipeline rows').fill('[10, 20, 30]');
    await page.getByRole('button', { name: 'Preview runs' }).click();
    await page.getByRole('heading', { name: '3 runs per schedule' }).waitFor();
    assert.match(await page.getByRole('region', { name: 'run preview' }).innerText(), /pipeline: \{"rows":20\}/);
    await ui.shot(page, '13-job-form');
    // A bad cron expression is refused by the server with its message.
    await page.getByLabel('Cron expression').fill('61 * * * *');
    await page.getByRole('button', { name: 'Create job' }).click();
    await page.getByRole('alert').filter({ hasText: 'Job not created' }).waitFor();
    await page.getByLabel('Cron expression').fill('0 * * * *');
    await page.getByRole('button', { name: 'Create job' }).click();
    await page.getByRole('dialog', { name: 'New job' }).waitFor({ state: 'hidden' });
    const row = page.getByRole('table', { name: 'jobs' }).getByRole('row').filter({ hasText: 'nightly' });
    await row.waitFor();
    assert.match(await row.innerText(), /0 \* \* \* \*\s+Europe\/Amsterdam/);
    assert.notEqual((await row.getByTestId('next-run').innerText()).trim(), '');
    await row.getByRole('button', { name: 'Pause nightly' }).click();
    await row.getByText('PAUSED').waitFor();
    assert.equal((await row.getByTestId('next-run').innerText()).trim(), '');
    await row.getByRole('button', { name: 'Resume nightly' }).click();
    await row.getByText('STARTED').waitFor();
    assert.notEqual((await row.getByTestId('next-run').innerText()).trim(), '');
    await row.getByRole('button', { name: 'Trigger nightly' }).click();
    await row.getByRole('link', { name: 'nightly', exact: true }).click();
    await page.getByRole('region', { name: 'Job nightly' }).waitFor();
    const runs = page.getByRole('region', { name: 'job runs' });
    await page.waitForFunction(() => document.querySelectorAll('[aria-label="job runs"] .status-success').length === 3, undefined, { timeout: 60_000 });
    assert.match(await runs.innerText(), /"rows":30/);
    await ui.shot(page, '14-jobs', true);
    await page.context().close();
  });

  it('creates a job with environment variables, a retention limit and a grid combination left out', async () => {
    const p = await ui.project('yearly', demoFiles());
    const page = await ui.page();
    await ui.goto(page, `projects/${p.name}/jobs`);
    await page.getByRole('button', { name: 'New job' }).click();
    await page.getByLabel('Job name').fill('yearly');
    await page.getByLabel('Pipeline', { exact: true }).selectOption('demo.orchest');
    await page.getByLabel('Cron expression').fill('0 0 1 1 *');
    await page.getByLabel('Values of pipeline rows').fill('[10, 20, 30]');
    await page.getByLabel('Environment variables', { exact: true }).fill('GREETING=hello world\nMODE=batch');
    await page.getByLabel('Pipeline runs to keep').fill('5');
    await page.getByRole('button', { name: 'Preview runs' }).click();
    await page.getByRole('heading', { name: '3 runs per schedule' }).waitFor();
    await page.getByLabel('Run combination 2').uncheck();
    await page.getByRole('heading', { name: '2 runs per schedule' }).waitFor();
    await ui.shot(page, '18-job-options', true);
    await page.getByRole('button', { name: 'Create job' }).click();
    await page.getByRole('table', { name: 'jobs' }).getByRole('row').filter({ hasText: 'yearly' }).waitFor();
    const shown = (await (await ui.api('GET', `/api/projects/${p.name}/jobs/yearly`)).json()) as { job: { env_variables: Record<string, string>; max_retained_pipeline_runs: number; parameters: Array<{ pipeline_parameters: { rows: number } }> } };
    assert.deepEqual(shown.job.env_variables, { GREETING: 'hello world', MODE: 'batch' });
    assert.equal(shown.job.max_retained_pipeline_runs, 5);
    assert.deepEqual(shown.job.parameters.map((x) => x.pipeline_parameters.rows), [10, 30]);
    await page.context().close();
  });

  it('adds webhooks (admin), pings them, and lists a failed delivery with its answer', async () => {
    const page = await ui.page();
    // A receiver on loopback: /ok answers 200, /broken 500; every request is recorded.
    const received: Array<{ url: string; body: string }> = [];
    const receiver = createHttpServer((req, res) => {
      let body = '';
      req.on('data', (c) => (body += c));
      req.on('end', () => (received.push({ url: req.url ?? '', body }), res.writeHead(req.url === '/ok' ? 200 : 500).end('')));
    }).listen(0, '127.0.0.1');
    await new Promise((r) => receiver.once('listening', r));
    const base = `http://127.0.0.1:${(receiver.address() as { port: number }).port}`;
    try {
      await page.goto(ui.url);
      await page.getByRole('banner').getByRole('link', { name: 'Settings' }).click();
      await page.getByRole('navigation', { name: 'settings sections' }).getByRole('link', { name: 'Webhooks' }).click();
      await page.getByRole('heading', { name: 'Webhooks' }).waitFor();
      await page.getByLabel('Webhook name').fill('good');
      await page.getByLabel('URL').fill(`${base}/ok`);
      await page.getByRole('button', { name: 'Add webhook' }).click();
      assert.match(await page.getByTestId('generated-secret').innerText(), /shown once/);
      await page.getByLabel('Webhook name').fill('bad');
      await page.getByLabel('URL').fill(`${base}/broken`);
      await page.getByRole('button', { name: 'Add webhook' }).click();
      const row = (name: string) => page.getByRole('table', { name: 'webhooks' }).getByRole('row').filter({ has: page.getByRole('cell', { name, exact: true }) });
      await row('bad').waitFor();
      await row('good').getByRole('button', { name: 'Ping good' }).click();
      await row('good').getByTestId('ping-result').filter({ hasText: 'answered 200' }).waitFor();
      assert.ok(received.some((r) => r.url === '/ok' && r.body.includes('ping')));
      await row('bad').getByRole('button', { name: 'Ping bad' }).click();
      await row('bad').getByTestId('ping-result').filter({ hasText: 'failed' }).waitFor();
      // An event (a new project) is delivered to both; the broken receiver's delivery fails (one attempt: DEAD).
      mkdirSync(join(ui.root, 'hooked'), { recursive: true });
      assert.equal((await ui.api('POST', '/api/projects', { name: 'hooked', path: join(ui.root, 'hooked') })).status, 201);
      await row('bad').getByRole('button', { name: 'Deliveries of bad' }).click();
      const deliveries = page.getByRole('region', { name: 'deliveries' });
      await deliveries.getByRole('cell', { name: 'DEAD' }).first().waitFor({ timeout: 30_000 });
      assert.match(await deliveries.innerText(), /project:created[\s\S]*500/);
      await deliveries.getByRole('button', { name: 'Redeliver' }).first().waitFor();
      await ui.shot(page, '15-webhooks', true);
    } finally {
      receiver.close();
    }
    await page.context().close();
  });

  it('starts an instance from the Instances page, sees it running, streams its log and stops it', async () => {
    const page = await ui.page();
    await page.goto(ui.url);
    await page.getByRole('banner').getByRole('link', { name: 'Settings' }).click();
    await page.getByRole('navigation', { name: 'settings sections' }).getByRole('link', { name: 'Instances' }).click();
    await page.getByRole('heading', { name: 'Instances' }).waitFor();
    await page.getByText('No running instances.').waitFor();
    await page.getByLabel('Instance name').fill('e2e-worker');
    await page.getByLabel('Command').fill(`/bin/sh -c 'echo instance-hello-7; trap "echo instance-bye; exit 0" INT TERM; while true; do sleep 0.2; done'`);
    await page.getByRole('button', { name: 'Start instance' }).click();
    const row = page.getByRole('table', { name: 'instances' }).getByRole('row').filter({ hasText: 'e2e-worker' });
    await row.getByTestId('instance-status').filter({ hasText: 'running' }).waitFor();
    assert.match(await row.innerText(), /process\s+host\s+\/bin\/sh -c echo instance-hello-7/);
    await row.getByRole('button', { name: 'Logs of e2e-worker' }).click();
    await page.getByTestId('log-text').filter({ hasText: 'instance-hello-7' }).waitFor();
    await ui.shot(page, '16-instances', true);
    await row.getByRole('button', { name: 'Stop e2e-worker' }).click();
    await page.getByText('No running instances.').waitFor();
    // The followed log ends when the instance is gone, with what it printed on the way out.
    await page.getByRole('region', { name: 'Log: Instance e2e-worker' }).getByText('ended').waitFor();
    assert.match(await page.getByTestId('log-text').innerText(), /instance-bye/);
    const listed = (await (await ui.api('GET', '/api/instances')).json()) as { instances: unknown[] };
    assert.deepEqual(listed.instances, []);
    await page.context().close();
  });

  it('a project token signs in to its own project only', async () => {
    const p = await ui.project('tokened', demoFiles());
    await ui.project('hidden', demoFiles());
    const created = (await (await ui.api('POST', '/api/tokens', { name: 'e2e', project: p.name })).json()) as { token: string };
    const other = await ui.page({ token: null });
    await other.goto(ui.url);
    await other.getByLabel('Token').fill(created.token);
    await other.getByRole('button', { name: 'Sign in' }).click();
    await other.getByRole('cell').getByRole('link', { name: p.name, exact: true }).waitFor();
    assert.equal(await other.getByRole('button', { name: 'Add project' }).count(), 0);
    await other.getByRole('button', { name: 'Sign out' }).click();
    await other.getByRole('button', { name: 'Sign in' }).waitFor();
    assert.equal((await other.context().cookies()).filter((c) => c.name === 'berth_token' && c.value !== '').length, 0);
    assert.equal(await other.getByRole('link', { name: 'hidden' }).count(), 0);
    await other.context().close();
  });

  it('opens a 500-step pipeline (auto-laid out) and stays editable', async () => {
    const p = await ui.project('big', bashProjectFiles('big.orchest', 'big', Array.from({ length: 500 }, (_, i): [string, string] => [`s${i}`, 'true\n'])));
    const page = await ui.page();
    await ui.goto(page, `projects/${p.name}/pipelines/big.orchest`);
    await page.locator('.react-flow__node').first().waitFor();
    const rendered = await page.locator('.react-flow__node').count();
    assert.ok(rendered > 0 && rendered <= 500, `${rendered} nodes rendered`);
    // Added right after opening (before the first fit may have landed): the new step is drawn in view.
    await page.getByRole('button', { name: 'Add step' }).click();
    await page.getByRole('status', { name: 'Save status' }).filter({ hasText: /Unsaved|Saving|Saved big\.orchest/ }).waitFor();
    const added = page.locator('.react-flow__node', { hasText: 'Step 501' });
    await added.waitFor({ state: 'visible' });
    const box = await added.boundingBox();
    const pane = await page.locator('.react-flow').boundingBox();
    assert.ok(box && pane && box.x >= pane.x && box.y >= pane.y && box.x + box.width <= pane.x + pane.width && box.y + box.height <= pane.y + pane.height, `new step at ${JSON.stringify(box)} is inside the canvas ${JSON.stringify(pane)}`);
    await ui.shot(page, '09-large-pipeline');
    await page.context().close();
  });

  it('opens a service through its link in a new tab, on its own origin (noopener; the Berth cookie is not forwarded)', async () => {
    const p = await ui.project('svclink', demoFiles());
    const page = await ui.page();
    const servicePort = await freePort();
    const res = await ui.api('POST', `/api/projects/${p.name}/services`, { name: 'echo', command: process.execPath, args: `${ECHO} ${servicePort}`, ports: [servicePort] });
    assert.equal(res.status, 201, await res.clone().text());
    await ui.goto(page, `projects/${p.name}/services`);
    const link = page.getByRole('link', { name: `echo :${servicePort}` });
    await link.waitFor();
    assert.equal(await link.getAttribute('rel'), 'noopener noreferrer');
    await ui.shot(page, '10-services');
    const [tab] = await Promise.all([page.context().waitForEvent('page'), link.click()]);
    await tab.waitForLoadState();
    let body = '';
    for (let i = 0; i < 50 && !body.includes('"method"'); i++) {
      body = await tab.locator('body').innerText();
      if (!body.includes('"method"')) await tab.reload();
    }
    const echoed = JSON.parse(body) as { method: string; headers: Record<string, string> };
    assert.equal(echoed.method, 'GET');
    assert.doesNotMatch(echoed.headers.cookie ?? '', /berth_/);
    assert.equal(new URL(tab.url()).host, `echo--${p.name}--${servicePort}.localhost:${new URL(ui.url).port}`);
    assert.equal(await tab.evaluate(() => window.opener), null);
    await ui.shot(tab, '11-service-tab');
    await tab.close();
    await page.getByRole('button', { name: 'Logs of echo' }).click();
    await page.getByTestId('log-text').filter({ hasText: `echo service on ${servicePort}` }).waitFor();
    await ui.api('DELETE', `/api/projects/${p.name}/services/echo`);
    await page.context().close();
  });
});
