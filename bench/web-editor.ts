/**
 * How the pipeline editor copes with a large pipeline, in Chromium against a real `berth server`:
 * time to open the editor (navigation → first step drawn) and to add a step (click → the new node
 * drawn), for a 500-step pipeline against a 10-step one measured in the same run (ratio).
 *
 *   node bench/web-editor.ts [--reps 5] [--steps 500]
 */
/// <reference lib="dom" />
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { chromium } from 'playwright-core';
import { bashPipeline } from '../test/helpers/berth-server.ts';
import { startServerProcess } from '../test/helpers/berth-server-process.ts';
import { median } from './lib/stats.ts';

const { values } = parseArgs({ options: { reps: { type: 'string', default: '5' }, steps: { type: 'string', default: '500' } } });
const reps = Number(values.reps);
const big = Number(values.steps);
const ADMIN = 'bench-admin-token-0123456789abcdef';
const root = mkdtempSync(join(tmpdir(), 'berth-bench-web-'));
const project = join(root, 'p');
mkdirSync(join(project, '.orchest'), { recursive: true });
for (const n of [10, big]) {
  const { pipeline } = bashPipeline(`p${n}`, Array.from({ length: n }, (_, i): [string, string] => [`s${i}`, 'true\n']));
  writeFileSync(join(project, `p${n}.orchest`), JSON.stringify(pipeline));
}
const server = await startServerProcess({ BERTH_HOME: join(root, 'home'), BERTH_ADMIN_TOKEN: ADMIN });
const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'] });
try {
  await fetch(`${server.url}/api/projects`, { method: 'POST', headers: { authorization: `Bearer ${ADMIN}`, 'content-type': 'application/json' }, body: JSON.stringify({ name: 'p', path: project }) });
  const context = await browser.newContext({ viewport: { width: 1440, height: 900 } });
  const page = await context.newPage();
  await page.goto(server.url);
  await page.getByLabel('Token').fill(ADMIN);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('heading', { name: 'Projects' }).waitFor();
  const samples: Record<number, { open: number[]; add: number[] }> = { 10: { open: [], add: [] }, [big]: { open: [], add: [] } };
  for (let r = 0; r < reps; r++) {
    for (const n of [10, big]) {
      await page.goto(`${server.url}/#/projects`);
      let t = performance.now();
      await page.goto(`${server.url}/#/projects/p/pipelines/p${n}.orchest`);
      await page.locator('.react-flow__node').first().waitFor();
      samples[n]!.open.push(performance.now() - t);
      // Let React Flow finish its first fit (a step added before it lands may be placed off-screen and,
      // with onlyRenderVisibleElements, never drawn), so `add` times the edit itself.
      await page.waitForTimeout(500);
      const before = await page.locator('.react-flow__node').count();
      t = performance.now();
      await page.getByRole('button', { name: 'Add step' }).click();
      await page.waitForFunction((b) => document.querySelectorAll('.react-flow__node').length > b, before);
      samples[n]!.add.push(performance.now() - t);
    }
  }
  const row = (what: 'open' | 'add') => {
    const base = median(samples[10]![what]);
    const large = median(samples[big]![what]);
    console.log(`${what.padEnd(5)} 10 steps ${base.toFixed(0)} ms | ${big} steps ${large.toFixed(0)} ms | ratio ${(large / base).toFixed(2)}`);
  };
  console.log(`web editor, medians of ${reps} repetitions`);
  row('open');
  row('add');
} finally {
  await browser.close();
  await server.stop();
  rmSync(root, { recursive: true, force: true });
}
