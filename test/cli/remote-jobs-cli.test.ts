import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { parseJson, pipeline, Sandbox, writePipeline } from '../helpers/berth-cli.ts';
import { ADMIN, TestServer } from '../helpers/berth-server.ts';
import { cliModes } from '../helpers/cli-modes.ts';
import { Receiver } from '../helpers/receiver.ts';

/**
 * `berth job`, `berth webhook` and `berth events` print the same in-process and against a server
 * (BERTH_ENDPOINT), where the batches run inside the server.
 */
describe('job, webhook and events commands give the same output in-process and through a server', () => {
  const box = new Sandbox();
  const server = new TestServer();
  const receiver = new Receiver();
  let remote: Record<string, string>;
  let hookUrl = '';
  before(async () => {
    hookUrl = await receiver.listen();
    await server.start();
    remote = { BERTH_ENDPOINT: server.url, BERTH_TOKEN: ADMIN };
    box.file('steps/train.sh', 'echo "training"\n');
    writePipeline(box, 'train.orchest', pipeline('train', [{ title: 'Train', file: 'steps/train.sh' }], { parameters: { lr: 0.1, bs: 8 } }));
  });
  after(async () => {
    await server.close();
    await receiver.close();
    server.cleanup();
    box.cleanup();
  });
  const { both, same } = cliModes(box, server, () => remote);
  const grid = ['--param', 'lr=[0.1,0.01]', '--param', 'bs=[16,32,64]'];

  it('job create (runs now), --dry-run, list, show, trigger, pause, resume, cancel, rm', async () => {
    same(await both(() => ['job', 'create', 'train.orchest', '--name', 'grid', ...grid, '--dry-run']), 'job create --dry-run');
    const now = await both(() => ['job', 'create', 'train.orchest', '--name', 'grid', ...grid]);
    same(now, 'job create (now)');
    assert.equal(now[1].code, 0, now[1].stderr);
    assert.equal((now[1].stdout.match(/SUCCESS/g) ?? []).length, 6, now[1].stdout);
    const cron = await both(() => ['job', 'create', 'train.orchest', '--name', 'nightly', '--cron', '0 3 * * *', '--tz', 'Europe/Paris', ...grid, '--json']);
    same(cron, 'job create --cron --json');
    assert.equal(parseJson(cron[1].stdout).job.status, 'PENDING');
    same(await both(() => ['job', 'list']), 'job list');
    same(await both(() => ['job', 'list', '--json']), 'job list --json');
    same(await both(() => ['job', 'show', 'grid']), 'job show');
    const trigger = await both(() => ['job', 'trigger', 'nightly']);
    same(trigger, 'job trigger');
    assert.equal((trigger[1].stdout.match(/SUCCESS/g) ?? []).length, 6, trigger[1].stdout);
    same(await both(() => ['job', 'show', 'nightly', '--json']), 'job show --json');
    same(await both(() => ['job', 'pause', 'nightly']), 'job pause');
    same(await both(() => ['job', 'pause', 'nightly']), 'job pause again (409)');
    same(await both(() => ['job', 'resume', 'nightly', '--json']), 'job resume');
    same(await both(() => ['job', 'show', 'nope']), 'unknown job');
    same(await both(() => ['job', 'create', 'train.orchest', '--name', 'bad', '--cron', 'every day']), 'bad cron');
    same(await both(() => ['job', 'cancel', 'nightly']), 'job cancel');
    same(await both(() => ['job', 'rm', 'grid']), 'job rm');
    same(await both(() => ['job', 'list', '--status', 'aborted']), 'job list --status');
  });

  it('webhook add, list, ping, update, rm; events lists', async () => {
    same(await both(() => ['webhook', 'add', 'hook', hookUrl, '--secret', 'a-secret-of-16-chars', '--event', 'project:cron-job:paused']), 'webhook add');
    same(await both(() => ['webhook', 'add', 'hook', hookUrl]), 'webhook add (taken)');
    same(await both(() => ['webhook', 'list']), 'webhook list');
    same(await both(() => ['webhook', 'list', '--json']), 'webhook list --json');
    const pings = await both(() => ['webhook', 'ping', 'hook']);
    same(pings, 'webhook ping');
    assert.equal(receiver.received.filter((r) => r.headers['x-berth-event'] === 'ping').length, 2);
    same(await both(() => ['webhook', 'update', 'hook', '--event', '*']), 'webhook update');
    same(await both(() => ['webhook', 'deliveries', '--status', 'nope']), 'deliveries: bad status');
    same(await both(() => ['webhook', 'rm', 'hook']), 'webhook rm');
    same(await both(() => ['webhook', 'rm', 'hook']), 'webhook rm (unknown)');
    same(await both(() => ['events', '--type', 'project:cron-job:created']), 'events --type');
    same(await both(() => ['events', '--type', 'project:cron-job:run:', '--json', '--limit', '1']), 'events --json --limit');
  });

  it('events -f follows the server\'s live stream until Ctrl-C', async () => {
    const child = box.spawn(['events', '-f', '--json', '--type', 'project:cron-job:created'], { env: remote });
    let out = '';
    child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    // The stream starts at the newest event: keep creating jobs until one shows up.
    for (let i = 0; i < 40 && !out.includes('\n'); i++) {
      const res = await server.api('POST', '/api/projects/project/jobs', { body: { name: `follow-${i}`, pipeline_path: 'train.orchest', cron: '0 3 * * *', draft: true } });
      assert.equal(res.status, 201, await res.text());
      await new Promise((r) => setTimeout(r, 100));
    }
    const first = JSON.parse(out.split('\n')[0]!) as { type: string; project: { job: { name: string } } };
    assert.equal(first.type, 'project:cron-job:created');
    assert.match(first.project.job.name, /^follow-/);
    child.kill('SIGINT');
    assert.equal(await exited, 0);
  });
});
