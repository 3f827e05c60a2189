import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { join } from 'node:path';
import { collect, parseJson, REPO, Sandbox, type CliResult } from '../helpers/berth-cli.ts';
import { PYTHON_IMAGE, dockerTestContext } from '../helpers/docker-test-context.ts';
import { eventually, freePort } from '../helpers/instances.ts';

const T = { timeout: 120_000 };
const BIN = join(REPO, 'bin', 'berth.ts');

/** An image with its own working directory, entrypoint and default arguments. */
const DOCKERFILE = `FROM ${PYTHON_IMAGE}
WORKDIR /srv/app
ENTRYPOINT ["/bin/sh", "-c", "case \\"$*\\" in *once*) echo \\"once in $BERTH_INSTANCE\\"; exit 0;; esac; echo \\"entry in $(pwd): $*\\"; while :; do sleep 1; done", "entry"]
CMD ["default-arg"]
`;

function hasScript(): boolean {
  try {
    execFileSync('script', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

const ctx = await dockerTestContext('docker instances: images, IPs, ports and terminals');
if (ctx.available) {
  describe('docker instances: what the image says, IPs, ports and terminals', () => {
    const box = new Sandbox();
    const image = `berth-test/instance-entry:${randomUUID().slice(0, 8)}`;
    const berth = (args: string[], env: Record<string, string> = {}): Promise<CliResult> => box.run(args, { env: { BERTH_RUNTIME: 'docker', ...env } });
    const ok = (res: CliResult): CliResult => (assert.equal(res.code, 0, `exit ${res.code}: ${res.stderr}`), res);
    const outLog = async (name: string, text: string): Promise<string> => {
      const [info] = parseJson(ok(await berth(['instance', 'list', '--json', name])).stdout).instances as { logOutPath: string }[];
      return eventually(`"${text}" in ${name}'s output`, () => existsSync(info!.logOutPath) && readFileSync(info!.logOutPath, 'utf8').includes(text) && readFileSync(info!.logOutPath, 'utf8'));
    };

    before(() => {
      execFileSync('docker', ['build', '-q', '-t', image, '-'], { input: DOCKERFILE, stdio: ['pipe', 'ignore', 'pipe'], timeout: 120_000 });
    });

    after(async () => {
      await berth(['instance', 'stop', '--force', '--all']);
      await ctx.docker.getImage(image).remove({ force: true }).catch(() => undefined);
      box.cleanup();
    });

    it('instance run runs the image\'s entrypoint in its working directory, with its default arguments or ARGS', T, async () => {
      ok(await berth(['instance', 'run', image, 'dflt']));
      ok(await berth(['instance', 'run', image, 'args', 'a', 'b']));
      ok(await berth(['instance', 'start', image, 'noargs']));
      ok(await berth(['instance', 'start', image, 'own', 'sh', '-c', 'echo "own in $(pwd)"; while :; do sleep 1; done']));
      assert.match(await outLog('dflt', 'entry'), /^entry in \/srv\/app: default-arg$/m);
      assert.match(await outLog('args', 'entry'), /^entry in \/srv\/app: a b$/m);
      assert.match(await outLog('noargs', 'entry'), /^entry in \/srv\/app: default-arg$/m, 'start without ARGS runs the image\'s default command');
      assert.match(await outLog('own', 'own'), /^own in \/srv\/app$/m, 'start with ARGS replaces the entrypoint, keeps the working directory');
      assert.equal(ok(await berth(['exec', 'instance://dflt', 'pwd'])).stdout, '/srv/app\n');
      // berth run instance:// runs the resolved entrypoint and arguments again, with more appended.
      assert.equal(ok(await berth(['run', 'instance://dflt', 'once'])).stdout, 'once in dflt\n');
      ok(await berth(['instance', 'stop', '*']));
    });

    it('list shows the container\'s IP; the instance gets the image\'s environment and --env, not the caller\'s', T, async () => {
      ok(await berth(['instance', 'start', '--env', 'GIVEN=yes', PYTHON_IMAGE, 'net', 'sh', '-c', 'while :; do sleep 1; done'], { CALLERS_SECRET: 'leak' }));
      const [info] = parseJson(ok(await berth(['instance', 'list', '--json', 'net'])).stdout).instances as { ip: string }[];
      assert.match(info!.ip, /^\d+\.\d+\.\d+\.\d+$/);
      assert.match(ok(await berth(['instance', 'list', 'net'])).stdout, new RegExp(`^net\\s+\\d+\\s+${info!.ip.replaceAll('.', '\\.')}\\s+${PYTHON_IMAGE}`, 'm'));
      assert.match(ok(await berth(['exec', 'instance://net', 'ip', '-4', 'addr'])).stdout, new RegExp(`inet ${info!.ip.replaceAll('.', '\\.')}/`));
      const env = ok(await berth(['exec', 'instance://net', 'sh', '-c', 'echo "[$CALLERS_SECRET]|$GIVEN|$PATH"'])).stdout;
      assert.equal(env, '[]|yes|/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin\n');
      ok(await berth(['instance', 'stop', 'net']));
    });

    it('a --port that is taken on 127.0.0.1 is BERTH_E_PORT_IN_USE naming --port, and leaves no instance', T, async () => {
      const port = await freePort();
      const holder = createServer();
      await new Promise<void>((resolve) => holder.listen(port, '127.0.0.1', resolve));
      try {
        const res = await berth(['instance', 'start', '--port', String(port), PYTHON_IMAGE, 'taken', 'sleep', '60']);
        assert.equal(res.code, 1, res.stderr);
        assert.match(res.stderr, /BERTH_E_PORT_IN_USE/);
        assert.match(res.stderr, /--port/);
        assert.deepEqual(parseJson(ok(await berth(['instance', 'list', '--json', 'taken'])).stdout), { instances: [] });
      } finally {
        await new Promise((resolve) => holder.close(resolve));
      }
    });

    it('exec passes stdin through and ends the command\'s input when ours ends', T, async () => {
      ok(await berth(['instance', 'start', PYTHON_IMAGE, 'cat', 'sh', '-c', 'while :; do sleep 1; done']));
      const piped = spawn(process.execPath, [BIN, 'exec', 'instance://cat', 'sh', '-c', 'cat; echo done >&2'], { cwd: box.project, env: box.env({ BERTH_RUNTIME: 'docker' }), stdio: ['pipe', 'pipe', 'pipe'] });
      piped.stdin.end('line 1\nline 2\n');
      const res = await collect(piped);
      assert.equal(res.code, 0, res.stderr);
      assert.equal(res.stdout, 'line 1\nline 2\n');
      assert.equal(res.stderr, 'done\n');
      ok(await berth(['instance', 'stop', 'cat']));
    });

    it('Ctrl-C (SIGINT) to berth exec reaches the command in the container, whose exit status berth returns', T, async () => {
      ok(await berth(['instance', 'start', PYTHON_IMAGE, 'intr', 'sh', '-c', 'while :; do sleep 1; done']));
      const child = spawn(process.execPath, [BIN, 'exec', 'instance://intr', 'sh', '-c', 'trap "echo got-int; exit 3" INT; echo ready; while :; do sleep 1; done'], {
        cwd: box.project, env: box.env({ BERTH_RUNTIME: 'docker' }), stdio: ['ignore', 'pipe', 'pipe'],
      });
      const result = collect(child);
      let seen = '';
      child.stdout!.on('data', (d: Buffer) => (seen += d.toString()));
      await eventually('the trap to be set', () => seen.includes('ready'));
      child.kill('SIGINT');
      const res = await result;
      assert.equal(res.code, 3, res.stderr);
      assert.equal(res.stdout, 'ready\ngot-int\n');
      assert.equal(ok(await berth(['exec', 'instance://intr', 'sh', '-c', 'ps | grep -c "[t]rap"; true'])).stdout, '0\n', 'nothing left running');
      ok(await berth(['instance', 'stop', 'intr']));
    });

    it('shell and exec on a terminal get a TTY in the instance and its exit status', { ...T, skip: hasScript() ? false : 'needs util-linux script for a pseudo-terminal' }, async () => {
      ok(await berth(['instance', 'start', PYTHON_IMAGE, 'term', 'sh', '-c', 'while :; do sleep 1; done']));
      const cli = `${process.execPath} ${BIN}`;
      const inTerminal = (command: string, input: string): Promise<CliResult> => {
        const child = spawn('script', ['-qec', command, '/dev/null'], { cwd: box.project, env: box.env({ BERTH_RUNTIME: 'docker' }), stdio: ['pipe', 'pipe', 'pipe'] });
        child.stdin.end(input);
        return collect(child);
      };
      const tty = await inTerminal(`${cli} exec instance://term sh -c 'tty; exit 5'`, '');
      assert.equal(tty.code, 5, tty.stdout + tty.stderr);
      assert.match(tty.stdout, /\/dev\/pts\/\d+/);
      const shell = await inTerminal(`${cli} shell instance://term`, 'echo "in-$BERTH_INSTANCE"\nexit 3\n');
      assert.equal(shell.code, 3, shell.stdout + shell.stderr);
      assert.match(shell.stdout, /Berth term> /);
      assert.match(shell.stdout, /^in-term\r?$/m);
      ok(await berth(['instance', 'stop', 'term']));
    });

    it('IMAGE "host" is refused on the docker runtime, naming IMAGE', T, async () => {
      const res = await berth(['instance', 'start', 'host', 'h', 'true']);
      assert.equal(res.code, 2);
      assert.match(res.stderr, /IMAGE/);
      assert.match(res.stderr, /BERTH_E_INVALID_ARGUMENT/);
      assert.doesNotMatch(res.stderr, /\n\s+at /);
    });
  });
}
