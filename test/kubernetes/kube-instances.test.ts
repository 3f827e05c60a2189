import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, realpathSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { collect, parseJson, REPO } from '../helpers/berth-cli.ts';
import { eventually } from '../helpers/eventually.ts';
import { type AttachedExec, FakeKubeApi, podOf, podWith } from './fake-kube-api.ts';

/**
 * Instances on the kubernetes runtime, end to end through the `berth` command line: `instance start`
 * (its supervisor creates the Job and Service), `instance list`, `exec` and `shell` and
 * `run instance://` (the exec API over a WebSocket, stdin and all), `instance logs` (the pod's log
 * API, copied by the supervisor), `instance stop` (the pod deleted with its grace period, the Job
 * removed). The cluster is a local fake API server — the far network edge — whose kubelet the test
 * plays: everything on Berth's side is the real code, in real processes.
 */
const T = { timeout: 60_000 };

describe('berth instance … --runtime kubernetes, through the Kubernetes API', () => {
  const root = realpathSync(mkdtempSync(join(tmpdir(), 'berth-kube-inst-')));
  const api = new FakeKubeApi();
  let env: Record<string, string> = {};
  const execs: string[][] = [];

  /** `berth ARGS` (async: the fake API answers in this process), with `input` on its stdin. */
  const berth = async (args: string[], input = ''): Promise<{ code: number | null; stdout: string; stderr: string }> => {
    const child = spawn(process.execPath, [join(REPO, 'bin', 'berth.ts'), ...args], { cwd: root, env, stdio: ['pipe', 'pipe', 'pipe'] });
    child.stdin.end(input);
    return collect(child);
  };

  before(async () => {
    const url = await api.start();
    env = { PATH: process.env.PATH!, HOME: root, BERTH_HOME: join(root, 'home'), NO_COLOR: '1', BERTH_STOP_GRACE_SECONDS: '2', KUBECONFIG: api.writeKubeConfig(join(root, 'kubeconfig'), url), BERTH_KUBE_NAMESPACE: 'berth' };
    // The Job controller and kubelet: the instance's pod runs and prints.
    api.onCreate = (resource, object) => {
      if (resource !== 'jobs') return;
      const pod = api.emit('MODIFIED', podWith(api.emit('ADDED', podOf(object)), { phase: 'Running', running: true }));
      api.appendLog(pod.metadata!.name!, 'serving on 8000\n');
    };
    // The container: commands print what they would, a shell answers each line it reads.
    api.onAttach = (_pod: string, argv: string[], io: AttachedExec) => {
      execs.push(argv);
      const command = argv.slice(argv.findIndex((a) => !a.includes('=') && a !== 'env'));
      if (command[0] === '/bin/sh') {
        let code = 0;
        io.onInput((chunk) => {
          if (chunk === null) return io.exit(code);
          for (const line of chunk.split('\n').filter(Boolean)) {
            const exit = /^exit (\d+)$/.exec(line);
            if (exit) code = Number(exit[1]);
            else io.write(`${line.replace(/^echo /, '')}\n`);
          }
        });
        return;
      }
      if (command[0] === 'cat') io.write('web-pod\n');
      io.exit(command[0] === 'false' ? 3 : 0);
    };
  });
  after(async () => {
    await berth(['instance', 'stop', '--all']).catch(() => undefined);
    await api.stop();
    rmSync(root, { recursive: true, force: true });
  });

  it('start: its supervisor creates the Job and the Service; list shows it running on kubernetes', T, async () => {
    const r = await berth(['instance', 'start', '--runtime', 'kubernetes', '-p', '8000', '-e', 'GREETING=hi', 'busybox:1.36', 'web', 'httpd', '-f', '-p', '8000']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /instance web started successfully/);
    const [job] = api.all('jobs');
    assert.equal(job!.metadata!.annotations!['owner.berth.dev/instance'], 'web');
    assert.deepEqual(job!.spec.template.spec.containers[0].command, ['httpd', '-f', '-p', '8000']);
    assert.deepEqual(api.all('services').map((s) => s.spec.ports[0].port), [8000]);
    const list = await berth(['instance', 'list', '--json']);
    assert.equal(list.code, 0, list.stderr);
    const instances = parseJson(list.stdout).instances as Array<{ instance: string; runtime?: string; status?: string }>;
    assert.deepEqual(instances.map((i) => i.instance), ['web']);
  });

  it('exec instance://: the exec API runs the command with the instance\'s env; output and exit status come back', T, async () => {
    const ok = await berth(['exec', 'instance://web', 'cat', '/etc/hostname']);
    assert.equal(ok.code, 0, ok.stderr);
    assert.equal(ok.stdout, 'web-pod\n');
    assert.deepEqual(execs.at(-1), ['env', 'BERTH_INSTANCE=web', 'cat', '/etc/hostname']);
    const failed = await berth(['exec', 'instance://web', 'false']);
    assert.equal(failed.code, 3);
  });

  it('shell instance://: stdin reaches the pod\'s shell, its output comes back, its exit status is berth\'s', T, async () => {
    const r = await berth(['shell', 'instance://web'], 'echo hello from the shell\nexit 4\n');
    assert.equal(r.code, 4, r.stderr);
    assert.equal(r.stdout, 'hello from the shell\n');
    assert.deepEqual(execs.at(-1), ['env', 'BERTH_INSTANCE=web', 'PS1=Berth web> ', '/bin/sh']);
  });

  it('run instance://: the instance\'s own command again, with the extra arguments', T, async () => {
    const r = await berth(['run', 'instance://web', '-v']);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(execs.at(-1), ['env', 'BERTH_INSTANCE=web', 'httpd', '-f', '-p', '8000', '-v']);
  });

  it('logs: the pod\'s output, copied from the log API by the supervisor', T, async () => {
    await eventually('the pod\'s output in the instance log', async () => (await berth(['instance', 'logs', 'web'])).stdout.includes('serving on 8000'));
  });

  it('stop: the pod is deleted with the grace period, the supervisor removes the Job, the instance is gone', T, async () => {
    let grace = -1;
    api.onPodDelete = (pod, seconds) => {
      grace = seconds;
      api.emit('MODIFIED', podWith(pod, { phase: 'Failed', terminated: { exitCode: 143, reason: 'Error' } }));
      api.emit('DELETED', api.get('pods', pod.metadata!.name!)!);
    };
    const r = await berth(['instance', 'stop', '-t', '3', 'web']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(grace, 3);
    await eventually('the Job removed', () => api.all('jobs').length === 0);
    assert.equal(parseJson((await berth(['instance', 'list', '--json'])).stdout).instances.length, 0);
  });
});
