/**
 * CLI start-up benchmark: the same commands through the bundled CLI (`node bin/berth.js`, which uses
 * dist/cli while it matches the sources) and through the sources (src/cli/main.ts imported directly,
 * with the same compile cache), against a bare `node -e 0` measured in the same run. With
 * `--before DIR`, also DIR's bin/berth.ts (e.g. an older commit extracted with `git archive`, its
 * node_modules linked). K alternating repetitions after one warm-up each; medians.
 *
 *   node bench/startup.ts [--reps 9] [--before /tmp/berth-before]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { freshBundleEntry } from '../src/bundle/bundle-manifest.ts';
import { median, ms, ratio } from './lib/stats.ts';
import { spawnTimed } from './lib/spawn-timed.ts';
import { BERTH_BIN } from './lib/tools.ts';

const REPO = join(import.meta.dirname, '..');
const HELLO = join(REPO, 'examples', 'hello', 'hello.orchest');
const COMMANDS: Record<string, string[]> = {
  help: ['--help'],
  validate: ['validate', HELLO],
  'runs --json': ['runs', '--json'],
  'run hello (4 steps)': ['run', HELLO, '--json'],
};
const FROM_SOURCES = `import { enableCompileCache } from 'node:module'; enableCompileCache();
const { main } = await import(${JSON.stringify(new URL('../src/cli/main.ts', import.meta.url).href)});
process.exitCode = await main(process.argv.slice(1));`;

async function main(): Promise<number> {
  const { values } = parseArgs({ options: { reps: { type: 'string', default: '9' }, before: { type: 'string' } } });
  const reps = Number(values.reps);
  if (!freshBundleEntry(REPO)) {
    console.error('dist/cli is missing or older than the sources: run `npm install` (or `node scripts/build-cli.ts`) first');
    return 1;
  }
  const home = mkdtempSync(join(tmpdir(), 'berth-bench-startup-'));
  const env = { ...process.env, BERTH_HOME: home, NO_COLOR: '1' };
  const variants: Record<string, (args: string[]) => string[]> = {
    bundle: (args) => [BERTH_BIN, ...args],
    sources: (args) => ['--input-type=module', '-e', FROM_SOURCES, '--', ...args],
    ...(values.before ? { before: (args: string[]) => [join(values.before!, 'bin', 'berth.ts'), ...args] } : {}),
  };
  const time = async (args: string[]) => {
    const r = await spawnTimed(process.execPath, args, { env, cwd: home, timeoutMs: 120_000 });
    if (r.code !== 0) throw new Error(`${args.join(' ')} exited ${r.code}: ${r.stderr}`);
    return r.wallMs;
  };
  const node: number[] = [];
  const walls: Record<string, Record<string, number[]>> = {};
  for (let rep = -1; rep < reps; rep++) {
    const order = rep % 2 === 0 ? Object.keys(variants) : Object.keys(variants).reverse();
    const n = await time(['-e', '0']);
    if (rep >= 0) node.push(n);
    for (const [label, args] of Object.entries(COMMANDS)) {
      for (const v of order) {
        const wall = await time(variants[v]!(args));
        if (rep >= 0) ((walls[label] ??= {})[v] ??= []).push(wall);
      }
    }
  }
  rmSync(home, { recursive: true, force: true });
  const nodeMs = median(node);
  console.log(`node -e 0: ${ms(nodeMs)} (median of ${reps})`);
  for (const [label, byVariant] of Object.entries(walls)) {
    const m = Object.fromEntries(Object.entries(byVariant).map(([v, xs]) => [v, median(xs)]));
    const parts = Object.entries(m).map(([v, x]) => `${v} ${ms(x)} (${ratio(x, nodeMs)} node)`);
    const vs = m.before !== undefined ? `  bundle/before ${ratio(m.bundle!, m.before)}` : '';
    console.log(`${label.padEnd(22)} ${parts.join('  ')}  bundle/sources ${ratio(m.bundle!, m.sources!)}${vs}`);
  }
  return 0;
}

process.exitCode = await main();
