import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import { REPO } from './berth-cli.ts';

/** `berth server` as its own process on a free loopback port (its URL read from its "listening on" line). */
export async function startServerProcess(env: Record<string, string | undefined>, args: string[] = []): Promise<{ url: string; child: ChildProcess; stderr: () => string; stop: () => Promise<void> }> {
  const child = spawn(process.execPath, [join(REPO, 'bin', 'berth.ts'), 'server', '--port', '0', '--log-level', 'warn', ...args], { env: { PATH: process.env.PATH, HOME: process.env.HOME, BERTH_SINGLE_USER: '1', ...env }, stdio: ['ignore', 'ignore', 'pipe'] });
  let err = '';
  const url = await new Promise<string>((resolve, reject) => {
    child.stderr!.on('data', (d: Buffer) => {
      err += d.toString();
      const m = /listening on (http:\/\/\S+)/.exec(err);
      if (m) resolve(m[1]!);
    });
    child.on('exit', (code) => reject(new Error(`berth server exited with ${code}: ${err}`)));
  });
  return {
    url,
    child,
    stderr: () => err,
    stop: async () => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      await once(child, 'exit');
    },
  };
}
