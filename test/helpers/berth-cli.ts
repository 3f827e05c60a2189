import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync, chmodSync } from 'node:fs';
import { removeHome } from './remove-home.ts';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const BIN = join(REPO, 'bin', 'berth.js');

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** A scratch BERTH_HOME plus a project folder, removed by cleanup(). */
export class Sandbox {
  readonly root = mkdtempSync(join(tmpdir(), 'berth-test-'));
  readonly home = join(this.root, 'home');
  readonly project = join(this.root, 'project');

  constructor() {
    mkdirSync(join(this.project, '.orchest'), { recursive: true });
  }

  env(extra: Record<string, string> = {}): Record<string, string> {
    const base: Record<string, string> = {};
    for (const [k, v] of Object.entries(process.env)) if (v !== undefined && !k.startsWith('BERTH_')) base[k] = v;
    return { ...base, BERTH_HOME: this.home, BERTH_STOP_GRACE_SECONDS: '2', NO_COLOR: '1', ...extra };
  }

  /** Writes a file in the project (executable when it is a script). */
  file(rel: string, content: string): string {
    const path = join(this.project, rel);
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, content);
    if (rel.endsWith('.sh')) chmodSync(path, 0o755);
    return path;
  }

  /** Runs `berth ARGS` to completion (`input`: its standard input). */
  run(args: string[], opts: { env?: Record<string, string>; cwd?: string; input?: string } = {}): Promise<CliResult> {
    const child = this.spawn(args, opts);
    if (opts.input !== undefined) child.stdin!.end(opts.input);
    return collect(child);
  }

  spawn(args: string[], opts: { env?: Record<string, string>; cwd?: string; input?: string } = {}): ChildProcess {
    return spawn(process.execPath, [BIN, ...args], { cwd: opts.cwd ?? this.project, env: this.env(opts.env), stdio: [opts.input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'] });
  }

  cleanup(): void {
    removeHome(this.home, this.root);
  }
}

export function collect(child: ChildProcess): Promise<CliResult> {
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

export interface StepDef {
  uuid?: string;
  title: string;
  file: string;
  parents?: string[];
  parameters?: Record<string, unknown>;
}

/** Builds an Orchest 1.2.3 pipeline object; parents are given by title. */
export function pipeline(name: string, steps: StepDef[], extra: Record<string, unknown> = {}): Record<string, unknown> {
  const uuidOf = new Map(steps.map((s, i) => [s.title, s.uuid ?? `00000000-0000-4000-8000-${String(i + 1).padStart(12, '0')}`]));
  const out: Record<string, unknown> = {};
  for (const s of steps) {
    const uuid = uuidOf.get(s.title)!;
    out[uuid] = {
      uuid,
      title: s.title,
      file_path: s.file,
      incoming_connections: (s.parents ?? []).map((p) => uuidOf.get(p) ?? p),
      environment: '',
      kernel: { name: 'python', display_name: 'Python 3' },
      parameters: s.parameters ?? {},
      meta_data: { hidden: false, position: [0, 0] },
    };
  }
  return { name, uuid: '11111111-2222-4333-8444-555555555555', version: '1.2.3', parameters: {}, settings: { max_steps_parallelism: 0 }, steps: out, ...extra };
}

export function writePipeline(box: Sandbox, rel: string, def: Record<string, unknown>): string {
  return box.file(rel, JSON.stringify(def, null, 4));
}

export function parseJson<T = any>(text: string): T {
  try {
    return JSON.parse(text) as T;
  } catch {
    throw new Error(`not JSON: ${text.slice(0, 500)}`);
  }
}

export const ISO_MS = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;
