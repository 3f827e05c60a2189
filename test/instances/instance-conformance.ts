import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { parseJson, Sandbox, type CliResult } from '../helpers/berth-cli.ts';
import { alive, echo, ECHO_SERVER, eventually, freePort } from '../helpers/instances.ts';

/** How a runtime runs the suite's workloads: its IMAGE word and the argv of each test program. */
export interface RuntimeProfile {
  runtime: string;
  image: string;
  /** Line echo server on `port`, reachable from the host at 127.0.0.1:port when started with --port. */
  echoServer: (box: Sandbox, port: number) => string[];
  /** Runs a POSIX shell script (positional parameters follow). */
  shell: (script: string) => string[];
  /** Whether --bind works (container runtimes). */
  binds: boolean;
  /** Whether `$$` inside the instance is a host pid (no pid namespace). */
  hostPids: boolean;
  /** Start flags that make the sandbox folder visible inside the instance at the same path (container runtimes bind it). */
  sandboxFlags: (box: Sandbox) => string[];
}

const T = { timeout: 180_000 };

/**
 * Apptainer's own instance end-to-end checks (e2e/instance/instance.go), through `berth instance`
 * on one runtime, plus what Berth adds (restart policies, health checks, logs, stats).
 */
export function instanceConformance(profile: RuntimeProfile): void {
  describe(`instances on the ${profile.runtime} runtime`, () => {
    const box = new Sandbox();
    box.file('echo-server.mjs', ECHO_SERVER);
    const berth = (args: string[]): Promise<CliResult> => box.run(args, { env: { BERTH_RUNTIME: profile.runtime } });
    const start = (name: string, argv: string[], flags: string[] = []): Promise<CliResult> => berth(['instance', 'start', ...flags, profile.image, name, ...argv]);
    const listed = async (pattern = '*'): Promise<{ instance: string; pid: number; img: string; ip: string; logErrPath: string; logOutPath: string }[]> => {
      const res = await berth(['instance', 'list', '--json', pattern]);
      assert.equal(res.code, 0, res.stderr);
      return parseJson(res.stdout).instances;
    };
    const ok = (res: CliResult): CliResult => (assert.equal(res.code, 0, `exit ${res.code}: ${res.stderr}`), res);
    const sleeper = profile.shell('while :; do sleep 1; done');
    after(async () => {
      await berth(['instance', 'stop', '--force', '--all']);
      box.cleanup();
    });

    it('BasicEchoServer: an echo server instance answers on its port and stop removes it', T, async () => {
      const port = await freePort();
      ok(await start('echo1', profile.echoServer(box, port), ['--port', String(port)]));
      assert.equal(await eventually('the echo server', () => echo(port, 'hello').catch(() => undefined)), 'hello');
      const [entry] = await listed('echo1');
      assert.equal(entry?.img, profile.image);
      ok(await berth(['instance', 'stop', 'echo1']));
      assert.deepEqual(await listed('echo1'), []);
      await assert.rejects(echo(port, 'gone'));
    });

    it('CreateManyInstances: ten instances at once, each reachable and listed exactly once by name; StopAll empties the list', T, async () => {
      const ports = await Promise.all(Array.from({ length: 10 }, () => freePort()));
      const results = await Promise.all(ports.map((port, i) => start(`echo${i}`, profile.echoServer(box, port), ['--port', String(port)])));
      results.forEach(ok);
      for (const [i, port] of ports.entries()) {
        assert.equal(await eventually(`echo${i}`, () => echo(port, `to ${i}`).catch(() => undefined)), `to ${i}`);
        assert.equal((await listed(`echo${i}`)).length, 1, `list --json echo${i}`);
      }
      assert.equal((await listed('echo?')).length, 10);
      ok(await berth(['instance', 'stop', '--all']));
      assert.deepEqual(await listed(), []);
    });

    it('GhostInstance: the pid file holds a live pid; the same name is refused; once the process is killed the name is free again', T, async () => {
      const pidFile = join(box.root, 'ghost.pid');
      ok(await start('ghost', profile.shell('echo "workload $$"; while :; do sleep 1; done'), ['--pid-file', pidFile]));
      const text = readFileSync(pidFile, 'utf8');
      assert.match(text, /^\d+\n$/);
      const pid = Number(text);
      assert.equal(alive(pid), true);
      const [info] = await listed('ghost');
      assert.equal(info?.pid, pid);
      const again = await start('ghost', sleeper);
      assert.notEqual(again.code, 0);
      assert.match(again.stderr, /instance ghost already exists/);
      const workload = Number(/workload (\d+)/.exec(await eventually('the workload pid', () => existsSync(info!.logOutPath) && readFileSync(info!.logOutPath, 'utf8').includes('workload') && readFileSync(info!.logOutPath, 'utf8')))![1]);
      process.kill(pid, 'SIGKILL');
      await eventually('the killed instance to end', () => !alive(pid));
      ok(await start('ghost', sleeper));
      assert.equal((await listed('ghost')).length, 1);
      if (profile.hostPids) assert.equal(alive(workload), false, 'the stale entry\'s workload was stopped when the name was reused');
      ok(await berth(['instance', 'stop', 'ghost']));
    });

    it('a SIGTERM to the instance PID (what systemd sends without ExecStop) stops it and frees the name', T, async () => {
      const pidFile = join(box.root, 'term.pid');
      ok(await start('term', sleeper, ['--pid-file', pidFile]));
      const pid = Number(readFileSync(pidFile, 'utf8'));
      process.kill(pid, 'SIGTERM');
      await eventually('the instance to end', () => !alive(pid));
      assert.deepEqual(await listed('term'), []);
    });

    it('two concurrent starts of one name: exactly one wins', T, async () => {
      const results = await Promise.all([start('race', sleeper), start('race', sleeper), start('race', sleeper)]);
      assert.equal(results.filter((r) => r.code === 0).length, 1, results.map((r) => r.stderr).join('\n'));
      for (const lost of results.filter((r) => r.code !== 0)) assert.match(lost.stderr, /instance race already exists/);
      assert.equal((await listed('race')).length, 1);
      ok(await berth(['instance', 'stop', 'race']));
    });

    it('BasicOptions: --env and --env-file are visible through exec, with BERTH_INSTANCE', T, async () => {
      writeFileSync(join(box.root, 'vars.env'), 'FROM_FILE="file value"\nBOTH=file\n');
      ok(await start('opts', sleeper, ['--env-file', join(box.root, 'vars.env'), '--env', 'BOTH=flag', '-e', 'X=1']));
      const res = ok(await berth(['exec', 'instance://opts', ...profile.shell('echo "$FROM_FILE|$BOTH|$X|$BERTH_INSTANCE"')]));
      assert.equal(res.stdout, 'file value|flag|1|opts\n');
      const missing = await berth(['exec', 'instance://opts', 'berth-no-such-program']);
      assert.equal(missing.code, 127);
      const failing = await berth(['exec', 'instance://opts', ...profile.shell('exit 7')]);
      assert.equal(failing.code, 7);
      ok(await berth(['instance', 'stop', 'opts']));
      const gone = await berth(['exec', 'instance://opts', 'true']);
      assert.notEqual(gone.code, 0);
      assert.match(gone.stderr, /no instance found with name opts/);
    });

    it('binds are visible through exec (container runtimes), or refused naming --bind', T, async () => {
      writeFileSync(join(box.root, 'bound.txt'), 'bound content\n');
      const res = await start('binds', sleeper, ['--bind', `${box.root}:/mnt/berth-bind:ro`]);
      if (!profile.binds) {
        assert.equal(res.code, 2);
        assert.match(res.stderr, /--bind/);
        assert.match(res.stderr, /BERTH_E_RUNTIME_UNSUPPORTED/);
        assert.deepEqual(await listed('binds'), [], 'a refused start leaves no instance');
        return;
      }
      ok(res);
      assert.equal(ok(await berth(['exec', 'instance://binds', 'cat', '/mnt/berth-bind/bound.txt'])).stdout, 'bound content\n');
      ok(await berth(['instance', 'stop', 'binds']));
    });

    it('stop with a glob stops the matching subset only; no match is an error', T, async () => {
      await Promise.all(['web1', 'web2', 'db1'].map(async (name) => ok(await start(name, sleeper))));
      const res = ok(await berth(['instance', 'stop', 'web*']));
      assert.match(res.stderr, /Stopping web1 instance/);
      assert.match(res.stderr, /Stopping web2 instance/);
      assert.deepEqual((await listed()).map((i) => i.instance), ['db1']);
      const none = await berth(['instance', 'stop', 'web*']);
      assert.equal(none.code, 1);
      assert.match(none.stderr, /no instance found/);
      ok(await berth(['instance', 'stop', 'db1']));
    });

    it('stop by signal: -s USR1 reaches a trapping instance; a TERM-ignoring one is killed after -t', T, async () => {
      ok(await start('trapper', profile.shell('trap "echo got-usr1; exit 0" USR1; echo ready; while :; do sleep 1 & wait $!; done')));
      const [info] = await listed('trapper');
      await eventually('the trap to be set', () => existsSync(info!.logOutPath) && readFileSync(info!.logOutPath, 'utf8').includes('ready'));
      ok(await berth(['instance', 'stop', '-s', 'usr1', 'trapper']));
      assert.match(readFileSync(info!.logOutPath, 'utf8'), /got-usr1/);
      ok(await start('stubborn', profile.shell("trap '' TERM INT; echo ready; while :; do sleep 1; done")));
      const [stubborn] = await listed('stubborn');
      await eventually('the stubborn trap to be set', () => existsSync(stubborn!.logOutPath) && readFileSync(stubborn!.logOutPath, 'utf8').includes('ready'));
      ok(await berth(['instance', 'stop', '--timeout', '1', '--signal', 'TERM', 'stubborn']));
      assert.deepEqual(await listed('stubborn'), []);
      const bad = await berth(['instance', 'stop', '-s', 'NOPE', 'x']);
      assert.equal(bad.code, 2);
      assert.match(bad.stderr, /--signal/);
    });

    it('logs: stdout and stderr are kept after stop and appended to by the next start of the name', T, async () => {
      ok(await start('talker', profile.shell('echo out; echo err >&2; while :; do sleep 1; done')));
      const [info] = await listed('talker');
      await eventually('output', () => existsSync(info!.logOutPath) && readFileSync(info!.logOutPath, 'utf8').includes('out'));
      ok(await berth(['instance', 'stop', 'talker']));
      ok(await start('talker', sleeper));
      ok(await berth(['instance', 'stop', 'talker']));
      const logs = ok(await berth(['instance', 'logs', 'talker']));
      assert.match(logs.stdout, /^out\n/);
      assert.match(logs.stderr, /^err\n/m);
      const paths = ok(await berth(['instance', 'list', '--logs']));
      assert.doesNotMatch(paths.stdout, /talker/, 'a stopped instance is not listed');
    });

    it('logs -f follows an instance until it stops', T, async () => {
      ok(await start('follow', profile.shell('echo first; while :; do sleep 1; done')));
      const follower = box.spawn(['instance', 'logs', '-f', 'follow'], { env: { BERTH_RUNTIME: profile.runtime } });
      let seen = '';
      follower.stdout!.on('data', (d: Buffer) => (seen += d.toString()));
      const closed = new Promise<number | null>((resolve) => follower.on('close', resolve));
      await eventually('the followed output', () => seen.includes('first'));
      ok(await berth(['instance', 'stop', 'follow']));
      assert.equal(await closed, 0);
    });

    it('restart on-failure restarts a failing command until it runs; the restart count shows in list', T, async () => {
      const counter = join(box.root, 'attempts');
      ok(await start('flaky', profile.shell(`echo x >> "${counter}"; [ "$(wc -l < "${counter}")" -ge 3 ] || exit 1; while :; do sleep 1; done`), ['--restart', 'on-failure', ...profile.sandboxFlags(box)]));
      const line = await eventually('two restarts', async () => {
        const text = ok(await berth(['instance', 'list', 'flaky'])).stdout;
        return /running restarts=2/.test(text) && text;
      });
      assert.match(line, /flaky/);
      const [info] = await listed('flaky');
      assert.match(readFileSync(info!.logErrPath, 'utf8'), /exited with code 1; restarting/);
      ok(await berth(['instance', 'stop', 'flaky']));
    });

    it('restart always restarts a command that succeeds; restart no lets the instance end and frees the name', T, async () => {
      ok(await start('again', profile.shell('sleep 0.2; exit 0'), ['--restart', 'always']));
      await eventually('a restart', async () => /restarts=[1-9]/.test(ok(await berth(['instance', 'list', 'again'])).stdout));
      ok(await berth(['instance', 'stop', 'again']));
      const pidFile = join(box.root, 'once.pid');
      ok(await start('once', profile.shell('exit 3'), ['--pid-file', pidFile]));
      const pid = Number(readFileSync(pidFile, 'utf8'));
      await eventually('the instance to end', () => !alive(pid));
      assert.deepEqual(await listed('once'), []);
      assert.match(readFileSync(join(box.home, 'instances', 'logs', (await whoami()), 'once.err'), 'utf8'), /exited with code 3; restart policy "no"/);
      ok(await start('once', sleeper));
      ok(await berth(['instance', 'stop', 'once']));
    });

    it('a health check command moves the instance from unhealthy to healthy in list', T, async () => {
      const flag = join(box.root, 'ready.flag');
      ok(await start('checked', sleeper, ['--health-cmd', `test -f "${flag}"`, '--health-interval', '0.1', '--health-retries', '1', ...profile.sandboxFlags(box)]));
      await eventually('unhealthy', async () => /running \(unhealthy\)/.test(ok(await berth(['instance', 'list', 'checked'])).stdout));
      writeFileSync(flag, '');
      await eventually('healthy', async () => /running \(healthy\)/.test(ok(await berth(['instance', 'list', 'checked'])).stdout));
      ok(await berth(['instance', 'stop', 'checked']));
    });

    it('after a restart the health check starts over and reports the new workload healthy', T, async () => {
      const counter = join(box.root, 'health-attempts');
      const script = `echo x >> "${counter}"; if [ "$(wc -l < "${counter}")" -lt 2 ]; then sleep 1; exit 1; fi; while :; do sleep 1; done`;
      ok(await start('rehealth', profile.shell(script), ['--restart', 'on-failure', '--health-cmd', 'true', '--health-interval', '0.1', ...profile.sandboxFlags(box)]));
      await eventually('healthy after the restart', async () => /running \(healthy\) restarts=1/.test(ok(await berth(['instance', 'list', 'rehealth'])).stdout));
      ok(await berth(['instance', 'stop', 'rehealth']));
    });

    it('with the default interval (10 s), health turns healthy within moments of the workload being ready, not an interval later', T, async () => {
      const flag = join(box.root, 'ready-soon');
      ok(await start('soon', profile.shell(`sleep 1; touch "${flag}"; while :; do sleep 1; done`), ['--health-cmd', `test -f "${flag}"`, ...profile.sandboxFlags(box)]));
      const started = Date.now();
      await eventually('healthy', async () => /running \(healthy\)/.test(ok(await berth(['instance', 'list', 'soon'])).stdout));
      const took = Date.now() - started;
      assert.ok(took < 4000, `healthy ${took} ms after start (ready after ~1 s)`);
      ok(await berth(['instance', 'stop', 'soon']));
    });

    it('a TCP health check on the echo server port reports healthy', T, async () => {
      const port = await freePort();
      ok(await start('tcp', profile.echoServer(box, port), ['--port', String(port), '--health-port', String(port), '--health-interval', '0.1']));
      await eventually('healthy', async () => /running \(healthy\)/.test(ok(await berth(['instance', 'list', 'tcp'])).stdout));
      ok(await berth(['instance', 'stop', 'tcp']));
    });

    it('--cpus and --memory are applied as limits (container runtimes) and shown by stats; the process runtime says why it cannot; --writable-tmpfs is accepted with one note', T, async () => {
      const flags = ['--cpus', '0.5', '--memory', '64m', '--writable-tmpfs'];
      if (profile.binds) {
        const res = ok(await start('limited', sleeper, flags));
        assert.equal(res.stderr.split('--writable-tmpfs').length, 2, `one note about --writable-tmpfs:\n${res.stderr}`);
        assert.match(res.stderr, /instances are writable already/);
        const json = parseJson(ok(await berth(['instance', 'stats', '--json', 'limited'])).stdout);
        assert.deepEqual([json.cpuLimit, json.memoryLimitBytes, json.memoryLimited], [0.5, 64 * 2 ** 20, true]);
        const text = ok(await berth(['instance', 'stats', '--no-stream', 'limited'])).stdout;
        assert.match(text, /\nlimited\s+\d+\.\d\d% \/ 0\.5 CPUs\s+\S+ \/ 64\.0MiB\s/);
        // The kernel enforces them: the container's own cgroup files (v2 or v1) say so.
        const cgroup = ok(await berth(['exec', 'instance://limited', 'sh', '-c', 'cat /sys/fs/cgroup/memory.max 2>/dev/null || cat /sys/fs/cgroup/memory/memory.limit_in_bytes; cat /sys/fs/cgroup/cpu.max 2>/dev/null || echo "$(cat /sys/fs/cgroup/cpu/cpu.cfs_quota_us) $(cat /sys/fs/cgroup/cpu/cpu.cfs_period_us)"'])).stdout;
        assert.match(cgroup, /^67108864\n50000 100000\n$/);
        ok(await berth(['instance', 'stop', 'limited']));
      } else {
        const res = await start('limited', sleeper, flags);
        assert.equal(res.code, 2);
        assert.match(res.stderr, /the process runtime cannot apply --cpus and --memory: .*cgroup.*\[BERTH_E_RUNTIME_UNSUPPORTED\]/);
        assert.match(res.stderr, /fix: use --runtime docker/);
        assert.deepEqual(await listed('limited'), []);
      }
      const bad = await start('bad', sleeper, ['--cpus', 'many', '--memory', '1k']);
      assert.equal(bad.code, 2);
      assert.match(bad.stderr, /--cpus many is not a number of CPUs/);
      assert.match((await start('bad', sleeper, ['--memory', '1k'])).stderr, /--memory 1k is not a size of at least 6m/);
    });

    it('stats --no-stream and --json report the instance\'s processes', T, async () => {
      ok(await start('busy', sleeper));
      const text = ok(await berth(['instance', 'stats', '--no-stream', 'busy'])).stdout;
      assert.match(text, /^INSTANCE NAME\s+CPU USAGE \/ LIMIT\s+MEM USAGE \/ LIMIT\s+MEM %\s+BLOCK I\/O\s+PIDS\n/);
      assert.match(text, /\nbusy\s+\d+\.\d\d% \/ -\s+\S+ \/ \S+ \(host\)/);
      const json = parseJson(ok(await berth(['instance', 'stats', '--json', 'busy'])).stdout);
      assert.equal(json.instance, 'busy');
      assert.ok(json.pids >= 1 && json.memoryBytes > 0 && json.memoryLimitBytes >= json.memoryBytes, JSON.stringify(json));
      ok(await berth(['instance', 'stop', 'busy']));
    });

    it('run instance://NAME runs the instance\'s command again inside it, with extra arguments', T, async () => {
      ok(await start('runner', profile.shell('if [ "$1" = once ]; then echo "ran in $BERTH_INSTANCE"; exit 0; fi; while :; do sleep 1; done')));
      const res = ok(await berth(['run', 'instance://runner', 'once']));
      assert.equal(res.stdout, 'ran in runner\n');
      ok(await berth(['instance', 'stop', 'runner']));
    });

    it('bad input: names, missing arguments and list flags give coded errors, no stack trace', T, async () => {
      const badName = await start('bad name', sleeper);
      assert.equal(badName.code, 2);
      assert.match(badName.stderr, /not a valid instance name/);
      const both = await berth(['instance', 'list', '--json', '--logs']);
      assert.equal(both.code, 2);
      assert.match(both.stderr, /more than one flags/);
      const noPattern = await berth(['instance', 'stop']);
      assert.equal(noPattern.code, 2);
      const policy = await start('p', sleeper, ['--restart', 'sometimes']);
      assert.match(policy.stderr, /--restart/);
      for (const r of [badName, both, noPattern, policy]) assert.doesNotMatch(r.stderr, /\n\s+at /);
      assert.deepEqual(parseJson(ok(await berth(['instance', 'list', '--json', 'nothing*'])).stdout), { instances: [] });
    });
  });
}

async function whoami(): Promise<string> {
  const { userInfo } = await import('node:os');
  return userInfo().username;
}
