import { randomBytes } from 'node:crypto';
import { closeSync, linkSync, mkdirSync, openSync, readFileSync, readdirSync, readlinkSync, renameSync, rmSync, symlinkSync, writeFileSync, writevSync } from 'node:fs';
import { join } from 'node:path';
import { InvalidMetaDataError } from './sdk-errors.ts';
import { SERIALIZATIONS } from './serialization.ts';

/**
 * The on-disk layout of step outputs, shared with the Python SDK (src/sdk/README.md):
 * `<outputs>/<step>/current` is a symlink to a complete version folder `v-<id>/` holding `HEAD`
 * (one `"<UTC time>; <SERIALIZATION>; <name>"` line per output), `RUN` and the data files.
 * A new version is written in a temporary folder, renamed, then `current` is swapped by rename,
 * so readers never see half an output and a crash leaves the previous output in place.
 */
export interface OutputEntry {
  timestamp: string;
  serialization: string;
  name: string;
}

const CURRENT = 'current';
const READ_ATTEMPTS = 20;
let lastVersionTime = 0n;

/** Epoch nanoseconds (as the Python SDK's time.time_ns()), strictly increasing within the process. */
function nextVersionTime(): bigint {
  const now = BigInt(Math.round((performance.timeOrigin + performance.now()) * 1e6));
  lastVersionTime = now > lastVersionTime ? now : lastVersionTime + 1n;
  return lastVersionTime;
}

export function dataFileName(stepUuid: string, index: number, serialization: string): string {
  return index === 0 ? `${stepUuid}.${serialization}` : `${stepUuid}.${index}.${serialization}`;
}

function currentTarget(stepPath: string): string | null {
  try {
    return join(stepPath, readlinkSync(join(stepPath, CURRENT)));
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw e;
  }
}

function runOf(version: string): string {
  try {
    return readFileSync(join(version, 'RUN'), 'utf8').trim();
  } catch {
    return ''; // versions always have RUN; an absent one only means "unknown run"
  }
}

function currentVersion(stepPath: string): { version: string; entries: OutputEntry[] } | null {
  const version = currentTarget(stepPath);
  if (version === null) return null;
  const entries = readFileSync(join(version, 'HEAD'), 'utf8')
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => {
      const first = line.indexOf('; ');
      const second = first < 0 ? -1 : line.indexOf('; ', first + 2);
      const bad = (why: string) => new InvalidMetaDataError(`${version}: its HEAD record ${JSON.stringify(line)} ${why}. Rerun the step that produced the data to write it again.`);
      if (second < 0) throw bad('is not "<time>; <serialization>; <name>"');
      const entry = { timestamp: line.slice(0, first), serialization: line.slice(first + 2, second), name: line.slice(second + 2) };
      if (!/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d/.test(entry.timestamp)) throw bad('has an invalid time');
      if (!(SERIALIZATIONS as readonly string[]).includes(entry.serialization)) throw bad('has an unknown serialization');
      return entry;
    });
  if (entries.length === 0) throw new InvalidMetaDataError(`${version}: its HEAD record is empty. Rerun the step that produced the data to write it again.`);
  return { version, entries };
}

/** The step's current outputs with their bytes, or null when it has none. */
export function readOutputs(root: string, stepUuid: string): { entry: OutputEntry; bytes: Buffer }[] | null {
  const stepPath = join(root, stepUuid);
  let lastError: unknown;
  for (let attempt = 0; attempt < READ_ATTEMPTS; attempt++) {
    const fds: number[] = [];
    try {
      const found = currentVersion(stepPath);
      if (found === null) return null;
      // Open every file first: once open, a writer replacing the version cannot change what we read.
      found.entries.forEach((e, i) => fds.push(openSync(join(found.version, dataFileName(stepUuid, i, e.serialization)), 'r')));
      return found.entries.map((entry, i) => ({ entry, bytes: readFileSync(fds[i]!) }));
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
      lastError = e;
    } finally {
      for (const fd of fds) closeSync(fd);
    }
  }
  throw lastError;
}

/** The run that wrote the step's current outputs, or null when it has none. */
export function lastRun(root: string, stepUuid: string): string | null {
  const version = currentTarget(join(root, stepUuid));
  return version === null ? null : runOf(version);
}

/**
 * Publishes a new version of the step's outputs with one new output. With keepOthers, the outputs
 * this same run already wrote stay (hard links), except one with the same name, which is replaced.
 */
export function writeOutput(root: string, stepUuid: string, runUuid: string, name: string, serialization: string, data: Uint8Array | string | Uint8Array[], keepOthers: boolean): void {
  const stepPath = join(root, stepUuid);
  mkdirSync(stepPath, { recursive: true });
  const vid = `v-${nextVersionTime().toString().padStart(20, '0')}-${process.pid}-${randomBytes(4).toString('hex')}`;
  const tmp = join(stepPath, `.tmp-${vid}`);
  mkdirSync(tmp);
  try {
    const kept: { entry: OutputEntry; source: string | null }[] = [];
    const found = keepOthers ? currentVersion(stepPath) : null;
    if (found && runOf(found.version) === runUuid) {
      found.entries.forEach((entry, i) => kept.push({ entry, source: join(found.version, dataFileName(stepUuid, i, entry.serialization)) }));
    }
    const entry = { timestamp: new Date().toISOString().slice(0, 19), serialization, name };
    const slot = name === 'unnamed' ? -1 : kept.findIndex((k) => k.entry.name === name);
    if (slot < 0) kept.push({ entry, source: null });
    else kept[slot] = { entry, source: null };
    kept.forEach((k, i) => {
      const target = join(tmp, dataFileName(stepUuid, i, k.entry.serialization));
      if (k.source === null) writeData(target, data);
      else linkSync(k.source, target);
    });
    writeFileSync(join(tmp, 'HEAD'), kept.map((k) => `${k.entry.timestamp}; ${k.entry.serialization}; ${k.entry.name}\n`).join(''));
    writeFileSync(join(tmp, 'RUN'), runUuid);
    renameSync(tmp, join(stepPath, vid));
  } catch (e) {
    rmSync(tmp, { recursive: true, force: true });
    throw e;
  }
  const link = join(stepPath, `.tmp-current-${vid}`);
  symlinkSync(vid, link);
  renameSync(link, join(stepPath, CURRENT));
  removeStale(stepPath, vid);
}

/** Writes data to a new file; parts go out with writev straight from their memory, no concatenation. */
function writeData(path: string, data: Uint8Array | string | Uint8Array[]): void {
  if (!Array.isArray(data)) return writeFileSync(path, data);
  const fd = openSync(path, 'w');
  try {
    let parts = data.filter((p) => p.byteLength > 0);
    while (parts.length > 0) {
      let written = writevSync(fd, parts);
      while (parts.length > 0 && written >= parts[0]!.byteLength) written -= parts.shift()!.byteLength;
      if (written > 0) parts[0] = parts[0]!.subarray(written);
    }
  } finally {
    closeSync(fd);
  }
}

function removeStale(stepPath: string, keep: string): void {
  for (const entry of readdirSync(stepPath)) {
    const path = join(stepPath, entry);
    if (entry.startsWith('v-') && entry < keep) {
      rmSync(path, { recursive: true, force: true });
    } else if (entry.startsWith('.tmp-')) {
      const pid = Number(entry.split('-').at(-2));
      if (Number.isInteger(pid) && pid > 0 && !alive(pid)) {
        rmSync(path, { recursive: true, force: true });
      }
    }
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}
