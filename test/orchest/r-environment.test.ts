import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it, test } from 'node:test';
import { loadConfig } from '../../src/config/config.ts';
import { parseJson, pipeline, Sandbox, writePipeline } from '../helpers/berth-cli.ts';

/**
 * An R + Python notebook pipeline of our own, as Orchest projects have them: an environment of
 * language "r" (base image orchest/base-kernel-r) whose setup script installs a package, and a
 * Python one. On the process runtime the R environment is a project-private R library (R_LIBS_USER)
 * built by its setup script — no Python virtual environment — and its notebook runs on IRkernel
 * (Debian's r-cran-irkernel), reaching the SDK through reticulate as Orchest's R steps did. Offline:
 * the package is a source folder in the project (`R CMD INSTALL berthgreet`).
 */
const R_ENV = 'dddddddd-1111-4222-8333-444444444444';
const PY_ENV = 'eeeeeeee-1111-4222-8333-444444444444';
const T = { timeout: 600_000 };

function notebook(kernel: { name: string; display_name: string; language: string }, ...sources: string[]): string {
  return JSON.stringify({
    cells: sources.map((source) => ({ cell_type: 'code', execution_count: null, metadata: {}, outputs: [], source })),
    metadata: { kernelspec: kernel },
    nbformat: 4,
    nbformat_minor: 4,
  });
}

function prerequisites(): string | null {
  try {
    execFileSync('Rscript', ['-e', 'library(IRkernel); library(reticulate)'], { stdio: 'pipe' });
  } catch {
    return 'R with IRkernel and reticulate is not installed (apt-get install r-cran-irkernel r-cran-reticulate)';
  }
  return null;
}

const missing = prerequisites();
if (missing !== null && loadConfig().ci) {
  test('R environments need R', () => assert.fail(`${missing} — .ci/run provisions it`));
} else if (missing !== null) {
  test('R environments on the process runtime (needs R)', { skip: missing }, () => {});
} else {
  describe('an R + Python notebook pipeline on the process runtime', () => {
    const box = new Sandbox();
    after(() => box.cleanup());
    box.file(`.orchest/environments/${R_ENV}/properties.json`, JSON.stringify({ name: 'R env', uuid: R_ENV, language: 'r', base_image: 'orchest/base-kernel-r', gpu_support: false }));
    box.file(`.orchest/environments/${R_ENV}/setup_script.sh`, '#!/bin/bash\necho "R setup in $(pwd)"\nR CMD INSTALL berthgreet\n');
    box.file(`.orchest/environments/${PY_ENV}/properties.json`, JSON.stringify({ name: 'Python env', uuid: PY_ENV, language: 'python', base_image: 'orchest/base-kernel-py', gpu_support: false }));
    box.file('berthgreet/DESCRIPTION', 'Package: berthgreet\nVersion: 1.0\nTitle: Greetings\nDescription: Says hello.\nAuthor: Berth\nMaintainer: Berth <berth@example.org>\nLicense: MIT\n');
    box.file('berthgreet/NAMESPACE', 'export(greet)\n');
    box.file('berthgreet/R/greet.R', 'greet <- function(who) paste0("Hello, ", who, "!")\n');
    const R_KERNEL = { name: 'ir', display_name: 'R', language: 'R' };
    box.file('make.ipynb', notebook(R_KERNEL,
      'library(berthgreet)\ncat(greet("Orchest"), "\\n")',
      'cat("library:", .libPaths()[1], "\\n")',
      'orchest <- reticulate::import("orchest")\norchest$output(list(greeting = greet("Python"), n = 42L), name = "from-r")',
    ));
    box.file('use.ipynb', notebook({ name: 'python3', display_name: 'Python 3', language: 'python' },
      'import orchest\ninputs = orchest.get_inputs()\nprint("python got", inputs["from-r"]["greeting"], inputs["from-r"]["n"])',
    ));
    const def = pipeline('r-and-python', [{ title: 'Make', file: 'make.ipynb' }, { title: 'Use', file: 'use.ipynb', parents: ['Make'] }]);
    const steps = def.steps as Record<string, Record<string, unknown>>;
    for (const step of Object.values(steps)) {
      if (step.title === 'Make') Object.assign(step, { environment: R_ENV, kernel: { name: 'ir', display_name: 'R' } });
      else step.environment = PY_ENV;
    }
    writePipeline(box, 'mixed.orchest', def);
    const env = { BERTH_PYTHON: '/usr/bin/python3' };

    it('berth import orchest says how the R environment is built', T, async () => {
      const res = await box.run(['import', 'orchest', '.', '--json'], { cwd: box.project, env });
      assert.equal(res.code, 0, res.stdout + res.stderr);
      const report = parseJson(res.stdout);
      assert.equal(report.ok, true);
      const r = report.environments.find((e: any) => e.uuid === R_ENV);
      assert.match(r.build, /^an R library \(R_LIBS_USER\) built by running setup_script\.sh in the project, once per content, instead of image orchest\/base-kernel-r; its steps run with the local Rscript and notebooks on IRkernel$/);
      assert.match(report.environments.find((e: any) => e.uuid === PY_ENV).build, /^a Python virtual environment/);
    });

    it('builds an R library (no Python venv), the R notebook runs on IRkernel with it and hands data to Python', T, async () => {
      const res = await box.run(['run', 'mixed.orchest', '--json'], { env });
      assert.equal(res.code, 0, res.stdout + res.stderr);
      const report = parseJson(res.stdout);
      const log = (title: string) => readFileSync(report.steps.find((s: any) => s.title === title).log_path, 'utf8');
      assert.match(log('Make'), /^\[1\] Hello, Orchest! $/m);
      const library = /^\[2\] library: (\S+) $/m.exec(log('Make'))?.[1];
      assert.match(library ?? '', new RegExp(`^${box.home}/venvs/${R_ENV}/[0-9a-f]{16}/library$`), log('Make'));
      assert.ok(existsSync(join(library!, 'berthgreet', 'DESCRIPTION')), 'the package went into the private library');
      assert.equal(existsSync(join(library!, '..', 'bin', 'python')), false, 'no Python virtual environment for an R environment');
      assert.match(log('Use'), /python got Hello, Python! 42/);
      // Not installed for the host's R.
      assert.throws(() => execFileSync('Rscript', ['-e', 'library(berthgreet)'], { stdio: 'pipe', env: { ...process.env, R_LIBS_USER: '' } }));
      const builds = parseJson((await box.run(['env', 'builds', '--json'])).stdout).builds;
      const rBuild = builds.find((b: any) => b.environment_name === 'R env');
      assert.equal(rBuild.status, 'SUCCESS');
      assert.match(rBuild.image, /^rlib:\//, 'listed as an R library, not a venv');
      const buildLog = readFileSync(rBuild.log_path, 'utf8');
      assert.match(buildLog, /Building environment "R env" \(dddddddd-[^)]+\) as an R library \(R_LIBS_USER=/);
      assert.match(buildLog, new RegExp(`R setup in ${box.project}`));
      assert.match(buildLog, /DONE \(berthgreet\)/);
      assert.doesNotMatch(buildLog, /-m venv|virtual environment/);
    });

    it('is reused while nothing changes; a change to the package the setup script installs rebuilds it', T, async () => {
      const again = await box.run(['run', 'mixed.orchest'], { env });
      assert.equal(again.code, 0, again.stderr);
      assert.doesNotMatch(again.stdout + again.stderr, /Building environment/);
      box.file('berthgreet/R/greet.R', 'greet <- function(who) paste0("Hi again, ", who, "!")\n');
      const changed = await box.run(['run', 'mixed.orchest', '--json'], { env });
      assert.equal(changed.code, 0, changed.stderr);
      const report = parseJson(changed.stdout);
      assert.match(readFileSync(report.steps.find((s: any) => s.title === 'Make').log_path, 'utf8'), /^\[1\] Hi again, Orchest! $/m);
      assert.equal(readdirSync(join(box.home, 'venvs', R_ENV)).filter((d) => /^[0-9a-f]{16}$/.test(d)).length, 2);
    });
  });
}
