/**
 * Data-passing benchmark: `output` + `get_inputs` (Python SDK) and `output` + `getInputs` (JS SDK)
 * of a 100 MiB bytes payload and a 1M-row table, against a plain write + read of the same bytes
 * (those of the files the SDK wrote) in the same folder, measured alternately in the same run.
 * Throughput ratio = plain time / SDK time (target ≥ 0.7), the plain time being the faster of
 * overwriting one file in place and writing a new file (unlinking the previous one). See bench/README.md.
 *
 *   node bench/data-passing.ts [--reps 5] [--rows 1000000] [--mib 100]
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { SDK_PYTHON_DIR } from '../src/runs/step-sdk-environment.ts';
import { readOutputs } from '../src/sdk/js/output-store.ts';
import { median, ms, table } from './lib/stats.ts';
import { emitSummary, type SummaryRow } from './lib/summary.ts';

const TARGET = 0.7;
// Before every timed sample (both sides), when run with --expose-gc: the previous sample's 20-100 MiB
// buffers are then freed outside the timings instead of inside whichever sample V8 collects in.
const collectGarbage = (globalThis as { gc?: () => void }).gc ?? (() => {});
type Case = { bytes: number; plain: number[]; plainFresh: number[]; sdk: number[]; targeted?: boolean };

function setUp(dir: string): Record<string, string> {
  const pipelinePath = join(dir, 'pipeline.json');
  writeFileSync(pipelinePath, JSON.stringify({ name: 'bench', parameters: {}, steps: { writer: { title: 'writer', incoming_connections: [], parameters: {} }, reader: { title: 'reader', incoming_connections: ['writer'], parameters: {} } } }));
  mkdirSync(join(dir, 'outputs'));
  return { ORCHEST_PIPELINE_PATH: pipelinePath, BERTH_OUTPUTS_DIR: join(dir, 'outputs'), BERTH_RUN_UUID: 'bench' };
}

function pythonCases(dir: string, env: Record<string, string>, reps: number, rows: number, mib: number): Record<string, Case> {
  const r = spawnSync('python3', [join(import.meta.dirname, 'lib', 'data-passing-bench.py'), String(reps), dir, String(rows), String(mib)], {
    env: { ...process.env, ...env, PYTHONPATH: SDK_PYTHON_DIR },
    encoding: 'utf8',
    maxBuffer: 1 << 20,
  });
  if (r.status !== 0) throw new Error(`python bench failed: ${r.stderr}`);
  return JSON.parse(r.stdout) as Record<string, Case>;
}

async function jsCases(dir: string, env: Record<string, string>, reps: number, rows: number, mib: number): Promise<Record<string, Case>> {
  Object.assign(process.env, env);
  const sdk = await import('../src/sdk/js/index.ts');
  console.warn = () => {}; // the bench overwrites the writer's output on purpose
  const blob = Buffer.alloc(mib * 1024 * 1024);
  for (let i = 0; i < blob.length; i += 4096) blob[i] = i & 255;
  const id = new Float64Array(rows).map((_, i) => i);
  const value = new Float64Array(rows).map((_, i) => i * 0.5);
  const category = new Int32Array(rows).map((_, i) => i % 7);
  const columns = { id, value, category };
  // In place: the same files overwritten (O_TRUNC). Fresh: new files each time, the previous ones
  // unlinked (what the SDK does with its versions), the cheaper of the two on some file systems.
  let fresh = 0;
  let previous: string[] = [];
  const plain = (parts: Uint8Array[], inPlace: boolean) => {
    fresh += inPlace ? 0 : 1;
    const files = parts.map((_, i) => join(dir, inPlace ? `plain-${i}.bin` : `plain-${fresh}-${i}.bin`));
    collectGarbage();
    const t0 = performance.now();
    parts.forEach((p, i) => writeFileSync(files[i]!, p));
    if (!inPlace) previous.forEach((file) => rmSync(file));
    const back = files.map((file) => readFileSync(file));
    const t = performance.now() - t0;
    if (!inPlace) previous = files;
    if (back.reduce((n, b) => n + b.length, 0) !== parts.reduce((n, p) => n + p.byteLength, 0)) throw new Error('plain read back short');
    return t / 1000;
  };
  const viaSdk = (write: () => void, check: (inputs: Record<string, unknown>) => boolean) => {
    collectGarbage();
    const t0 = performance.now();
    process.env.ORCHEST_STEP_UUID = 'writer';
    write();
    process.env.ORCHEST_STEP_UUID = 'reader';
    const inputs = sdk.getInputs();
    const t = performance.now() - t0;
    if (!check(inputs)) throw new Error('SDK read back the wrong data');
    return t / 1000;
  };
  const asBytes = (a: Float64Array | Int32Array) => new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
  const tableOk = (t: unknown) => (t as { id: Float64Array }).id[rows - 1] === rows - 1;
  const cases: Record<string, { targeted: boolean; write: () => void; check: (i: Record<string, unknown>) => boolean }> = {
    'js bytes': { targeted: true, write: () => sdk.output(blob, 'payload'), check: (i) => (i.payload as Buffer).length === blob.length },
    // One COLUMNS output: one file, written with one writev, read back as typed arrays over one buffer.
    'js table (columns, COLUMNS)': { targeted: true, write: () => sdk.outputTable(columns, 'table'), check: (i) => tableOk(i.table) },
    // What a table cost before COLUMNS: one BYTES output (one published version) per column.
    'js table (3 BYTES outputs)': {
      targeted: false,
      write: () => Object.entries(columns).forEach(([name, col]) => sdk.output(asBytes(col), name, { multiple: true })),
      check: (i) => new Float64Array((i.id as Buffer).buffer, (i.id as Buffer).byteOffset, rows)[rows - 1] === rows - 1,
    },
  };
  const out: Record<string, Case> = {};
  for (const [name, c] of Object.entries(cases)) {
    // Each payload is its own run, so the writer's outputs of an earlier payload are not kept.
    process.env.BERTH_RUN_UUID = `bench ${name}`;
    const p: number[] = [];
    const f: number[] = [];
    const s: number[] = [];
    viaSdk(c.write, c.check);
    // The plain side copies the very files the SDK wrote (warm-up above), one file per data file.
    const parts = readOutputs(env.BERTH_OUTPUTS_DIR!, 'writer')!.map((o) => o.bytes);
    plain(parts, true);
    plain(parts, false);
    for (let i = 0; i < reps; i++) {
      if (i % 2 === 0) p.push(plain(parts, true)), f.push(plain(parts, false)), s.push(viaSdk(c.write, c.check));
      else s.push(viaSdk(c.write, c.check)), f.push(plain(parts, false)), p.push(plain(parts, true));
    }
    out[name] = { bytes: parts.reduce((n, x) => n + x.byteLength, 0), plain: p, plainFresh: f, sdk: s, targeted: c.targeted };
  }
  return out;
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { reps: { type: 'string' }, rows: { type: 'string' }, mib: { type: 'string' } } });
  const reps = Number(values.reps ?? 5);
  const rows = Number(values.rows ?? 1_000_000);
  const mib = Number(values.mib ?? 100);
  const base = mkdtempSync(join(tmpdir(), 'berth-bench-data-'));
  try {
    const pyDir = join(base, 'py');
    const jsDir = join(base, 'js');
    mkdirSync(pyDir);
    mkdirSync(jsDir);
    const all = { ...pythonCases(pyDir, setUp(pyDir), reps, rows, mib), ...(await jsCases(jsDir, setUp(jsDir), reps, rows, mib)) };
    const summary: SummaryRow[] = [];
    const lines = Object.entries(all).map(([name, c]) => {
      // The baseline is the faster of the two plain copies (medians), so file-system quirks of one
      // way of writing cannot flatter the SDK.
      const inPlace = median(c.plain);
      const fresh = median(c.plainFresh);
      const plain = Math.min(inPlace, fresh);
      const sdk = median(c.sdk);
      const r = plain / sdk;
      const targeted = c.targeted ?? !name.includes('row tuples');
      summary.push({ bench: 'data-passing', metric: `${name} throughput vs plain copy`, value: `${r.toFixed(2)}x`, target: targeted ? `>= ${TARGET}x` : '-', verdict: targeted ? (r >= TARGET ? 'ok' : 'over') : 'info' });
      const mbps = (t: number) => `${(c.bytes / 1024 / 1024 / t).toFixed(0)} MiB/s`;
      return [name, `${(c.bytes / 1024 / 1024).toFixed(1)} MiB`, ms(inPlace * 1000), ms(fresh * 1000), `${ms(plain * 1000)} (${mbps(plain)})`, `${ms(sdk * 1000)} (${mbps(sdk)})`, `${r.toFixed(2)}x`, targeted ? `>= ${TARGET}x` : 'info'];
    });
    console.log(`data passing: medians of ${reps} alternating repetitions, ${rows} rows, ${mib} MiB bytes, folder ${tmpdir()}`);
    console.log(table(['payload', 'size', 'plain in place', 'plain new file', 'plain (faster)', 'SDK output+get_inputs', 'ratio', 'target'], lines));
    emitSummary(summary);
  } finally {
    rmSync(base, { recursive: true, force: true });
  }
}

await main();
