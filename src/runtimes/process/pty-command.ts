import { spawn, spawnSync } from 'node:child_process';
import { readFileSync, readdirSync, readlinkSync } from 'node:fs';
import { quote } from 'shell-quote';
import { BerthError } from '../../errors.ts';
import { readProcStat } from '../../leases/proc-stat.ts';
import { outputRelay, type Terminal } from '../terminal.ts';

const SCRIPT = '/usr/bin/script';
const HANGUP_GRACE_MS = 2000;

/**
 * `argv` in a pseudo-terminal of its own: util-linux's `script -qefc` (node-pty needs a native
 * build this project does not do, see docs/decisions/0011-environment-shells.md). The command is
 * the leader of a new session on the terminal's slave side; `resize` sets the slave's window size
 * with `stty -F` (the kernel signals SIGWINCH to the foreground group). `close` hangs up the whole
 * session (every process whose session is the command's), then kills what is left.
 */
export function startPtyCommand(argv: string[], opts: { cwd: string; env: Record<string, string>; cols: number; rows: number }): Terminal {
  const command = `stty rows ${opts.rows} cols ${opts.cols} 2>/dev/null; exec ${quote(argv)}`;
  const child = spawn(SCRIPT, ['-qefc', command, '/dev/null'], { cwd: opts.cwd, env: { ...opts.env, SHELL: '/bin/sh' }, stdio: ['pipe', 'pipe', 'pipe'], detached: true });
  const output = outputRelay();
  const deliver = output.emit;
  child.stdout.on('data', deliver);
  child.stderr.on('data', deliver);
  child.stdin.on('error', () => undefined);
  const exited = new Promise<number | null>((resolve) => {
    child.on('error', (e) => {
      deliver(Buffer.from(`berth: could not start a terminal (${e.message}): install util-linux's script\r\n`));
      resolve(null);
    });
    child.on('close', (code) => resolve(code));
  });
  let closing: Promise<void> | undefined;
  const sessionLeader = (): number | undefined => {
    if (child.pid === undefined) return undefined;
    try {
      const kids = readFileSync(`/proc/${child.pid}/task/${child.pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
      return kids[0];
    } catch {
      return undefined;
    }
  };
  let leader: number | undefined;
  return {
    pid: child.pid,
    onData: output.onData,
    write(data) {
      if (!child.stdin.destroyed) child.stdin.write(data);
    },
    resize(cols, rows) {
      leader ??= sessionLeader();
      if (leader === undefined) return;
      let tty: string;
      try {
        tty = readlinkSync(`/proc/${leader}/fd/0`);
      } catch {
        return;
      }
      if (!tty.startsWith('/dev/pts/')) return;
      spawnSync('stty', ['-F', tty, 'rows', String(rows), 'cols', String(cols)], { stdio: 'ignore', timeout: 5000 });
    },
    exited,
    close() {
      closing ??= (async () => {
        leader ??= sessionLeader();
        const members = leader === undefined ? [] : sessionMembers(leader);
        signal([...(child.pid === undefined ? [] : [child.pid]), ...members], 'SIGHUP');
        const ended = await Promise.race([exited.then(() => true), new Promise<boolean>((r) => setTimeout(() => r(false), HANGUP_GRACE_MS).unref())]);
        if (!ended && child.pid !== undefined) signal([child.pid], 'SIGKILL');
        // Whatever of the session outlived the hang-up (a trapped SIGHUP, nohup) is killed.
        if (leader !== undefined) signal(sessionMembers(leader), 'SIGKILL');
        await exited;
      })();
      return closing;
    },
  };
}

/** Whether `script` is there to give commands a terminal. */
export function ptyAvailable(): boolean {
  return spawnSync(SCRIPT, ['--version'], { stdio: 'ignore' }).status === 0;
}

/** 503 naming the missing program. */
export function noPtyError(): BerthError {
  return new BerthError('BERTH_E_SHELL_UNAVAILABLE', 'environment shells need util-linux\'s `script` (/usr/bin/script) on the server', {
    problems: [{ path: 'script', message: 'not installed', fix: 'install util-linux (apt-get install util-linux)' }],
  });
}

/** Every live process whose session id is `sid`. */
function sessionMembers(sid: number): number[] {
  const out: number[] = [];
  let names: string[];
  try {
    names = readdirSync('/proc');
  } catch {
    return out;
  }
  for (const name of names) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const text = readFileSync(`/proc/${name}/stat`, 'latin1');
      const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
      if (Number(fields[3]) === sid && fields[0] !== 'Z') out.push(Number(name));
    } catch {
      // Gone meanwhile.
    }
  }
  return out;
}

function signal(pids: number[], sig: NodeJS.Signals): void {
  for (const pid of pids) {
    const stat = readProcStat(pid);
    if (!stat || stat.state === 'Z') continue;
    try {
      process.kill(pid, sig);
    } catch {
      // Gone meanwhile.
    }
  }
}
