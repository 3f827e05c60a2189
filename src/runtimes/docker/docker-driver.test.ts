import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { chownSync, mkdirSync, mkdtempSync, readFileSync, realpathSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { setTimeout as delay } from 'node:timers/promises';
import { BUSYBOX_IMAGE, dockerTestContext } from '../../../test/helpers/docker-test-context.ts';
import { isBerthError } from '../../errors.ts';
import { runDriverConformance } from '../conformance/driver-conformance.ts';
import type { WorkloadHandle, WorkloadSpec } from '../driver.ts';
import { DockerDriver } from './docker-driver.ts';

const ctx = await dockerTestContext('docker driver');
if (ctx.available) {
  runDriverConformance('docker', () => new DockerDriver({ connection: ctx.connection }), { image: BUSYBOX_IMAGE });

  const T = { timeout: 60_000 };
  const PATH = '/usr/sbin:/usr/bin:/sbin:/bin';

  describe('DockerDriver', () => {
    let root = '';
    let driver: DockerDriver;
    const run = `docker-tests-${randomUUID().slice(0, 8)}`;
    const spec = (command: string[], extra: Partial<WorkloadSpec> = {}): WorkloadSpec => {
      const id = `${run}-${randomUUID().slice(0, 8)}`;
      return { id, command, cwd: '/tmp', env: { PATH }, labels: { run }, image: BUSYBOX_IMAGE, logPath: join(root, 'logs', `${id}.log`), ...extra };
    };
    const started: WorkloadHandle[] = [];
    const start = async (s: WorkloadSpec): Promise<WorkloadHandle> => {
      const handle = await driver.start(s);
      started.push(handle);
      return handle;
    };

    before(async () => {
      root = realpathSync(mkdtempSync(join(tmpdir(), 'berth-docker-')));
      driver = new DockerDriver({ connection: ctx.connection });
      await driver.init();
    });

    after(async () => {
      for (const handle of started) await driver.remove(handle).catch(() => undefined);
      await driver.destroy();
      rmSync(root, { recursive: true, force: true });
    });

    it('a missing image is BERTH_E_IMAGE_NOT_FOUND naming the image', T, async () => {
      const image = `berth-test/no-such-image:${randomUUID().slice(0, 8)}`;
      await assert.rejects(driver.start(spec(['true'], { image })), (e: unknown) => isBerthError(e) && e.code === 'BERTH_E_IMAGE_NOT_FOUND' && e.message.includes(image) && /docker load/.test(JSON.stringify(e.problems)));
      assert.deepEqual(await driver.list({ run }), []);
    });

    it('an engine that does not answer is BERTH_E_DOCKER_UNREACHABLE naming the socket', T, async () => {
      const socket = join(root, 'no-docker.sock');
      const nowhere = new DockerDriver({ connection: { address: `unix://${socket}`, socketPath: socket } });
      await assert.rejects(nowhere.init(), (e: unknown) => isBerthError(e) && e.code === 'BERTH_E_DOCKER_UNREACHABLE' && e.message.includes(socket));
    });

    it('the log file holds the whole output once wait returns, and survives remove', T, async () => {
      const handle = await start(spec(['sh', '-c', 'for i in 1 2 3; do echo line-$i; done; echo oops >&2; exit 2']));
      assert.equal((await driver.wait(handle)).code, 2);
      // The engine records stdout and stderr apart: their order relative to each other is not kept.
      const expected = ['line-1', 'line-2', 'line-3', 'oops', ''];
      const copied = readFileSync(handle.logPath, 'utf8');
      assert.deepEqual(copied.split('\n').filter((l) => l !== 'oops'), expected.filter((l) => l !== 'oops'));
      assert.deepEqual(copied.split('\n').sort(), [...expected].sort());
      await driver.remove(handle);
      let fromDriver = '';
      for await (const chunk of driver.logs(handle)) fromDriver += chunk.data;
      assert.equal(fromDriver, copied);
    });

    it('binds a host folder and runs as the given uid:gid, so written files belong to that user', T, async () => {
      // The project owner: as root, play a user who is not root; otherwise be ourselves.
      const uid = process.getuid?.() === 0 ? 4321 : (process.getuid?.() ?? 0);
      const dir = mkdtempSync(join(root, 'bind-'));
      writeFileSync(join(dir, 'in.txt'), 'from-host\n');
      if (process.getuid?.() === 0) for (const p of [dir, join(dir, 'in.txt')]) chownSync(p, uid, uid);
      const handle = await start(spec(['sh', '-c', 'cat /work/in.txt; echo from-container > /work/out.txt; id -u'], { mounts: [{ source: dir, target: '/work' }], user: `${uid}:${uid}` }));
      assert.equal((await driver.wait(handle)).code, 0);
      assert.equal(readFileSync(handle.logPath, 'utf8'), `from-host\n${uid}\n`);
      assert.equal(statSync(join(dir, 'out.txt')).uid, uid);
    });

    it('publishes ports on 127.0.0.1 only; the host reaches the workload there', T, async () => {
      const handle = await start(spec(['sh', '-c', 'mkdir -p /www && echo hello-from-httpd > /www/index.html && exec httpd -f -p 8080 -h /www'], { ports: [8080] }));
      const hostPort = handle.state['port:8080'];
      assert.equal(typeof hostPort, 'number');
      const info = await ctx.docker.getContainer(String(handle.state.container)).inspect();
      assert.deepEqual(info.HostConfig.PortBindings?.['8080/tcp'], [{ HostIp: '127.0.0.1', HostPort: '' }]);
      assert.equal(await fetchText(`http://127.0.0.1:${hostPort}/`), 'hello-from-httpd\n');
      const [listed] = (await driver.list({ run })).filter((h) => h.id === handle.id);
      assert.equal(listed?.state['port:8080'], hostPort);
    });

    it('workloads on one network reach each other by alias; the network goes with its last workload', T, async () => {
      const network = `berth-test-net-${randomUUID().slice(0, 8)}`;
      const server = await start(spec(['sh', '-c', 'mkdir -p /www && echo over-the-network > /www/index.html && exec httpd -f -p 80 -h /www'], { network: { name: network, aliases: ['web'] } }));
      const client = await start(spec(['sh', '-c', 'for i in $(seq 1 100); do wget -q -O - http://web/ && exit 0; sleep 0.1; done; exit 1'], { network: { name: network } }));
      assert.equal((await driver.wait(client)).code, 0, readFileSync(client.logPath, 'utf8'));
      assert.equal(readFileSync(client.logPath, 'utf8'), 'over-the-network\n');
      await driver.remove(client);
      assert.equal((await ctx.docker.listNetworks({ filters: { name: [network] } })).length, 1, 'the network stays while the server uses it');
      await driver.remove(server);
      assert.equal((await ctx.docker.listNetworks({ filters: { name: [network] } })).length, 0);
    });

    it('a named volume keeps its data from one workload to the next', T, async () => {
      const volume = `berth-test-vol-${randomUUID().slice(0, 8)}`;
      try {
        const writer = await start(spec(['sh', '-c', 'echo kept > /vol/data'], { mounts: [{ source: volume, target: '/vol', type: 'volume' }] }));
        assert.equal((await driver.wait(writer)).code, 0);
        await driver.remove(writer);
        const reader = await start(spec(['cat', '/vol/data'], { mounts: [{ source: volume, target: '/vol', type: 'volume' }] }));
        assert.equal((await driver.wait(reader)).code, 0);
        assert.equal(readFileSync(reader.logPath, 'utf8'), 'kept\n');
        await driver.remove(reader);
      } finally {
        await ctx.docker.getVolume(volume).remove().catch(() => undefined);
      }
    });

    it('errLogPath takes stderr apart; output is appended after what the files held', T, async () => {
      const s = spec(['sh', '-c', 'echo out-1; echo err-1 >&2; echo out-2'], { errLogPath: join(root, 'logs', `${randomUUID()}.err`) });
      mkdirSync(join(root, 'logs'), { recursive: true });
      writeFileSync(s.logPath, 'earlier out\n');
      writeFileSync(s.errLogPath!, 'earlier err\n');
      const handle = await start(s);
      assert.equal((await driver.wait(handle)).code, 0);
      assert.equal(readFileSync(s.logPath, 'utf8'), 'earlier out\nout-1\nout-2\n');
      assert.equal(readFileSync(s.errLogPath!, 'utf8'), 'earlier err\nerr-1\n');
    });

    it('a driver that adopts a running container copies its output again after what the files held before it, once', T, async () => {
      const s = spec(['sh', '-c', 'echo one; echo e1 >&2; sleep 1; echo two'], { errLogPath: join(root, 'logs', `${randomUUID()}.err`) });
      mkdirSync(join(root, 'logs'), { recursive: true });
      writeFileSync(s.logPath, 'earlier\n');
      const first = new DockerDriver({ connection: ctx.connection });
      await first.init();
      started.push(await first.start(s));
      await first.destroy();
      const adopted = await driver.start(s);
      assert.equal((await driver.wait(adopted)).code, 0);
      assert.equal(readFileSync(s.logPath, 'utf8'), 'earlier\none\ntwo\n');
      assert.equal(readFileSync(s.errLogPath!, 'utf8'), 'e1\n');
    });

    it('stats reports a running container\'s processes and memory from the Engine\'s stats API', T, async () => {
      assert.equal(driver.capabilities.stats, true);
      const handle = await start(spec(['sh', '-c', 'sleep 300 & sleep 300']));
      const stats = await driver.stats(handle);
      assert.ok(stats.pids >= 1 && stats.memoryBytes > 0 && stats.memoryLimitBytes >= stats.memoryBytes && stats.cpuSeconds >= 0, JSON.stringify(stats));
      await driver.remove(handle);
      await assert.rejects(driver.stats(handle), (e: unknown) => isBerthError(e) && e.code === 'BERTH_E_WORKLOAD_NOT_FOUND');
    });

    it('exec reports a missing program as 127 with the reason on stderr, and refuses a removed workload', T, async () => {
      const handle = await start(spec(['sleep', '300']));
      const missing = await driver.exec(handle, ['berth-no-such-program']);
      assert.equal(missing.code, 127);
      assert.match(missing.stderr, /berth-no-such-program/);
      await driver.remove(handle);
      await assert.rejects(driver.exec(handle, ['true']), (e: unknown) => isBerthError(e) && e.code === 'BERTH_E_WORKLOAD_NOT_FOUND');
    });
  });

  async function fetchText(url: string): Promise<string> {
    const deadline = Date.now() + 30_000;
    for (;;) {
      try {
        const res = await fetch(url);
        if (res.ok) return await res.text();
      } catch {
        // not listening yet
      }
      if (Date.now() > deadline) throw new Error(`${url} never answered`);
      await delay(50);
    }
  }
}
