import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { after, describe, it, test } from 'node:test';
import { loadConfig } from '../../src/config/config.ts';
import { dockerTestContext } from '../helpers/docker-test-context.ts';
import { parseJson, REPO, Sandbox } from '../helpers/berth-cli.ts';

/**
 * Orchest's quickstart (../shared/fixtures/orchest/quickstart, complete and unedited) runs on Berth.
 * The internet it needs is stood in for as an offline user would, never by editing the project:
 * pandas / scikit-learn / matplotlib already installed (Debian's python3-pandas, python3-sklearn,
 * python3-matplotlib: the setup script's `pip install` finds them "already satisfied"; no package
 * index is reachable, PIP_NO_INDEX=1), and the California housing dataset placed in the data folder
 * beforehand as scikit-learn's own cache file, so `fetch_california_housing(data_home="/data")`
 * finds it. On Docker the environment's base image `orchest/base-kernel-py` is a local stand-in
 * (scripts/build-test-images.sh) named through BERTH_ORCHEST_IMAGES.
 */
const QUICKSTART = join(REPO, '..', 'shared', 'fixtures', 'orchest', 'quickstart');
const DEBIAN_PYTHON = '/usr/bin/python3';
const ORCHEST_IMAGE = 'berth-test/orchest-base-kernel-py:2';
const T = { timeout: 900_000 };
const STEPS = ['Get data', 'Data exploration', 'Preprocessing', 'linear-regression', 'decision-tree', 'svm', 'Collect results'];

/** scikit-learn's cache of the dataset: a joblib dump of a float array (N, 9), target first, as fetch_california_housing stores it. */
function writeHousingCache(dataDir: string): void {
  mkdirSync(dataDir, { recursive: true });
  execFileSync(DEBIAN_PYTHON, ['-c', `
import sys, numpy as np, joblib
rng = np.random.default_rng(0)
n = 1500
income = rng.uniform(0.5, 15, n)
rooms = rng.uniform(500, 6000, n)
population = rng.uniform(300, 4000, n)
value = np.clip(income * 40000 + rng.normal(0, 30000, n), 15000, 500001)
data = np.column_stack([value, income, rng.integers(1, 52, n).astype(float), rooms, rooms * rng.uniform(0.15, 0.25, n),
                        population, population / rng.uniform(2, 4, n), rng.uniform(32.5, 42, n), rng.uniform(-124.3, -114.3, n)])
joblib.dump(data, sys.argv[1] + "/cal_housing_py3.pkz", compress=6)
`, dataDir]);
}

function prerequisites(): string | null {
  if (!existsSync(join(QUICKSTART, 'california_housing.orchest'))) return `Orchest's quickstart is not at ${QUICKSTART}`;
  try {
    execFileSync(DEBIAN_PYTHON, ['-c', 'import pandas, sklearn, matplotlib, ipykernel, joblib'], { stdio: 'pipe' });
  } catch {
    return `${DEBIAN_PYTHON} lacks pandas / scikit-learn / matplotlib / ipykernel (apt-get install python3-pandas python3-sklearn python3-matplotlib python3-ipykernel)`;
  }
  return null;
}

/** Runs the quickstart in a fresh home and checks what a user sees: 7 steps succeed, outputs flowed, nothing written into the project. */
async function runQuickstart(runtime: 'process' | 'docker', env: Record<string, string>): Promise<{ box: Sandbox; report: any; buildLog: string }> {
  const box = new Sandbox();
  const project = join(box.root, 'quickstart');
  cpSync(QUICKSTART, project, { recursive: true });
  const before = listing(project);
  writeHousingCache(join(box.home, 'data'));
  const res = await box.run(['run', '--runtime', runtime, '--json', 'california_housing.orchest'], { cwd: project, env: { PIP_NO_INDEX: '1', ...env } });
  assert.equal(res.code, 0, `${res.stdout}\n${res.stderr}\n${failedStepLogs(res.stdout)}`);
  const report = parseJson(res.stdout);
  assert.equal(report.run.status, 'SUCCESS');
  assert.deepEqual(report.steps.map((s: any) => s.title).sort(), [...STEPS].sort());
  assert.ok(report.steps.every((s: any) => s.status === 'SUCCESS'), JSON.stringify(report.steps));
  const getData = report.steps.find((s: any) => s.title === 'Get data');
  assert.match(readFileSync(getData.log_path, 'utf8'), /Outputting converted housing data\.\.\.\nSuccess!/);
  const builds = parseJson((await box.run(['env', 'builds', '--json'])).stdout).builds;
  assert.deepEqual(builds.map((b: any) => [b.environment_name, b.status]), [['Python 3', 'SUCCESS']]);
  const buildLog = readFileSync(builds[0].log_path, 'utf8');
  // The setup script ran, offline, with the packages present (on Docker its layer may come from the engine's cache).
  assert.match(buildLog, /Requirement already satisfied: pandas|bash < \/berth-env\/setup_script\.sh[^\n]*\n ---> Using cache/);
  // The executed notebooks went to the run folder: the project is as it was.
  assert.deepEqual(listing(project), before);
  // Beside each executed notebook the runner keeps its kernel's start-up log (`<step>.ipynb.kernel.log`).
  assert.equal(readdirSync(join(box.home, 'runs', report.run.uuid, 'notebooks')).filter((f) => f.endsWith('.ipynb')).length, 6);
  return { box, report, buildLog };
}

/** What the failed steps printed (their logs, and a notebook kernel's start-up log), for the assertion's message. */
function failedStepLogs(stdout: string): string {
  let steps: any[];
  try {
    steps = JSON.parse(stdout).steps ?? [];
  } catch {
    return '';
  }
  return steps
    .filter((s) => s.status === 'FAILURE' && typeof s.log_path === 'string')
    .map((s) => {
      const read = (path: string): string => (existsSync(path) ? readFileSync(path, 'utf8') : '(none)');
      const notebooks = join(dirname(s.log_path), '..', 'notebooks');
      const kernelLogs = (existsSync(notebooks) ? readdirSync(notebooks) : [])
        .filter((f) => f.startsWith(s.uuid) && f.endsWith('.kernel.log'))
        .map((f) => `--- ${f}\n${read(join(notebooks, f))}`);
      return `=== log of "${s.title}"\n${read(s.log_path)}\n${kernelLogs.join('\n')}`;
    })
    .join('\n');
}

function listing(dir: string): string[] {
  return readdirSync(dir, { recursive: true }).map(String).sort();
}

const missing = prerequisites();
if (missing !== null && loadConfig().ci) {
  test("Orchest's quickstart needs its offline stand-ins", () => assert.fail(`${missing} — .ci/run provisions them`));
} else if (missing !== null) {
  test("Orchest's quickstart (needs its offline stand-ins)", { skip: missing }, () => {});
} else {
  describe("Orchest's quickstart on the process runtime", () => {
    const boxes: Sandbox[] = [];
    after(() => boxes.forEach((b) => b.cleanup()));
    it('runs unchanged: its environment becomes a virtual environment, get-data.py reads /data, notebooks run on its kernel', T, async () => {
      const { box, buildLog } = await runQuickstart('process', { BERTH_PYTHON: DEBIAN_PYTHON });
      boxes.push(box);
      assert.match(buildLog, /Building environment "Python 3" \(c56ab762-539c-4cce-9b1e-c4b00300ec6f\) as a Python virtual environment/);
      assert.match(buildLog, /Jupyter kernel berth-env/);
      assert.equal(existsSync('/data'), false, 'the host has no /data: it existed in the steps\' namespaces only');
    });
  });

  const docker = await dockerTestContext("Orchest's quickstart on Docker");
  if (docker.available) {
    const hasImage = await docker.docker.getImage(ORCHEST_IMAGE).inspect().then(() => true, () => false);
    describe("Orchest's quickstart on Docker", () => {
      const boxes: Sandbox[] = [];
      after(() => boxes.forEach((b) => b.cleanup()));
      it('runs unchanged: the environment image is built from the project with `bash < setup_script.sh` on the mapped base image', { ...T, skip: hasImage ? false : `${ORCHEST_IMAGE} is missing (scripts/build-test-images.sh)` }, async () => {
        const { box, buildLog } = await runQuickstart('docker', { BERTH_ORCHEST_IMAGES: `orchest/base-kernel-py=${ORCHEST_IMAGE}` });
        boxes.push(box);
        assert.ok(buildLog.includes(`FROM ${ORCHEST_IMAGE}`), buildLog.slice(0, 500));
        assert.match(buildLog, /COPY project\/ \/project-dir\//);
      });
    });
  }
}
