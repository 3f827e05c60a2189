import { readdirSync, readFileSync, readlinkSync } from 'node:fs';

/** Who listens on a loopback-reachable TCP port: `own` (the group given), `other`, or `none`. */
export type PortHolder = 'own' | 'other' | 'none';

const LISTEN = '0A';
const CACHE_MS = 1000;
/** An `own` answer, with where the listening socket was found (the process, its fd and the socket's inode). */
interface Found {
  holder: 'own';
  until: number;
  pid: number;
  fd: string;
  inode: string;
}
const cache = new Map<string, Found>();

/**
 * Whether the socket listening on `port` (on 127.0.0.1, 0.0.0.0 or ::) belongs to a process of
 * process group `pgid`: its inode from /proc/net/tcp{,6}, then /proc/<pid>/fd of the group's
 * processes. Linux only; remembered for a second (a proxy answers many requests per service).
 * After that second, the same socket still open in the same process of the group is the same
 * answer (two small reads): while the service holds its bound socket nobody else can listen on that
 * address and port, and a socket's inode is never reused while it is open. Otherwise, or when it is
 * closed, the full lookup (reading /proc/net/tcp stalls the event loop for milliseconds on a busy host).
 */
export function portHolder(port: number, pgid: number, now = Date.now()): PortHolder {
  const key = `${port}:${pgid}`;
  const hit = cache.get(key);
  if (hit && hit.until > now) return hit.holder;
  if (hit && stillHeld(hit, pgid)) {
    hit.until = now + CACHE_MS;
    return hit.holder;
  }
  const found = lookup(port, pgid);
  if (cache.size > 1000) cache.clear();
  // Only a positive answer is remembered: a service that just started listening is seen at once.
  if (typeof found === 'string') {
    cache.delete(key);
    return found;
  }
  cache.set(key, { holder: 'own', until: now + CACHE_MS, ...found });
  return 'own';
}

/** Whether fd `fd` of process `pid` is still that socket, and the process still in group `pgid`. */
function stillHeld(found: Found, pgid: number): boolean {
  try {
    return readlinkSync(`/proc/${found.pid}/fd/${found.fd}`) === `socket:[${found.inode}]` && groupOf(found.pid) === pgid;
  } catch {
    return false;
  }
}

function lookup(port: number, pgid: number): PortHolder | { pid: number; fd: string; inode: string } {
  const inodes = listeningInodes(port);
  if (inodes.size === 0) return 'none';
  for (const pid of groupMembers(pgid)) {
    let fds: string[];
    try {
      fds = readdirSync(`/proc/${pid}/fd`);
    } catch {
      continue;
    }
    for (const fd of fds) {
      try {
        const m = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${pid}/fd/${fd}`));
        if (m && inodes.has(m[1]!)) return { pid, fd, inode: m[1]! };
      } catch {
        // Closed meanwhile.
      }
    }
  }
  return 'other';
}

/** Inodes of the sockets listening on `port` on an address loopback reaches (loopback or any). */
function listeningInodes(port: number): Set<string> {
  const hex = port.toString(16).toUpperCase().padStart(4, '0');
  const out = new Set<string>();
  for (const file of ['/proc/net/tcp', '/proc/net/tcp6']) {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch {
      continue;
    }
    for (const line of text.split('\n').slice(1)) {
      const f = line.trim().split(/\s+/);
      if (f.length < 10 || f[3] !== LISTEN) continue;
      const [addr, p] = f[1]!.split(':');
      if (p !== hex || !reachableFromLoopback(addr!)) continue;
      out.add(f[9]!);
    }
  }
  return out;
}

/** 127.x.x.x, 0.0.0.0, ::, ::1 and ::ffff:127.x.x.x as /proc/net writes them (little-endian words). */
function reachableFromLoopback(addr: string): boolean {
  if (addr.length === 8) return addr === '00000000' || addr.endsWith('7F');
  return /^0{32}$/.test(addr) || addr === '00000000000000000000000001000000' || (addr.startsWith('0000000000000000FFFF0000') && addr.endsWith('7F'));
}

/** The pids of a process group, from /proc/<pid>/stat field 5. */
function groupMembers(pgid: number): number[] {
  const out: number[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      if (groupOf(Number(name)) === pgid) out.push(Number(name));
    } catch {
      // Ended meanwhile.
    }
  }
  return out;
}

/** The process group of a process (/proc/<pid>/stat field 5); throws when it is gone. */
function groupOf(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[2]);
}
