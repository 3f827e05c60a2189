import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { REPO } from './berth-cli.ts';

const STEP_A = '00000000-0000-4000-8000-000000000001';
const STEP_B = '00000000-0000-4000-8000-000000000002';

/** Environments of other languages: their name, notebook and kernelspec language. */
const LANGUAGE_ENVS = { r: { name: 'My R Env', file: 'r.ipynb', language: 'R', kernel: 'ir' }, javascript: { name: 'My JS Env', file: 'js.ipynb', language: 'javascript', kernel: 'javascript' } } as const;

/**
 * A project for the Jupyter tests: pipeline p.orchest with step A (a.py outputs {"answer": 42} as "x")
 * and step B, the notebook b.ipynb on environment `env` (kernel orchest-kernel-<env>, display name "My Env");
 * per `languageEnvs` entry also an environment of that language ("My R Env", "My JS Env") and a step
 * after A, its notebook (r.ipynb, js.ipynb) on it.
 */
export function notebookProjectFiles(opts: { pipelineUuid: string; env: string; baseImage: string; languageEnvs?: Array<{ uuid: string; language: keyof typeof LANGUAGE_ENVS; baseImage: string }> }): Record<string, string> {
  const step = (uuid: string, title: string, file: string, environment: string, parents: string[], x: number) => ({
    uuid, title, file_path: file, environment, incoming_connections: parents, parameters: {}, kernel: { name: 'python', display_name: 'Python 3' }, meta_data: { position: [x, 0], hidden: false },
  });
  const pipeline = {
    name: 'p', uuid: opts.pipelineUuid, version: '1.2.3', parameters: {}, settings: {}, services: {},
    steps: { [STEP_A]: step(STEP_A, 'A', 'a.py', '', [], 0), [STEP_B]: step(STEP_B, 'B', 'b.ipynb', opts.env, [STEP_A], 1) } as Record<string, ReturnType<typeof step>>,
  };
  const notebook = { cells: [], metadata: { kernelspec: { name: `orchest-kernel-${opts.env}`, display_name: 'My Env', language: 'python' } }, nbformat: 4, nbformat_minor: 5 };
  const files: Record<string, string> = {
    'a.py': 'import orchest\norchest.output({"answer": 42}, name="x")\n',
    'b.ipynb': JSON.stringify(notebook),
    [`.orchest/environments/${opts.env}/properties.json`]: JSON.stringify({ name: 'My Env', base_image: opts.baseImage, language: 'python' }),
  };
  for (const [i, env] of (opts.languageEnvs ?? []).entries()) {
    const { name, file, language, kernel } = LANGUAGE_ENVS[env.language];
    const uuid = `00000000-0000-4000-8000-00000000001${i}`;
    pipeline.steps[uuid] = { ...step(uuid, `${language} ${i}`, file, env.uuid, [STEP_A], 2 + i), kernel: { name: kernel, display_name: language } };
    files[file] = JSON.stringify({ ...notebook, metadata: { kernelspec: { name: `orchest-kernel-${env.uuid}`, display_name: name, language } } });
    files[`.orchest/environments/${env.uuid}/properties.json`] = JSON.stringify({ name, base_image: env.baseImage, language: env.language });
  }
  return { 'p.orchest': JSON.stringify(pipeline), ...files };
}

/** Runs step A of p.orchest on the process runtime (`berth run`), so that B's notebook has the last run's inputs. */
export function runFirstStep(home: string, project: string, python: string): void {
  const run = spawnSync(process.execPath, [join(REPO, 'bin', 'berth.ts'), 'run', 'p.orchest', '--steps', 'A'], {
    cwd: project, env: { PATH: process.env.PATH!, HOME: process.env.HOME!, BERTH_HOME: home, BERTH_PYTHON: python }, encoding: 'utf8',
  });
  assert.equal(run.status, 0, run.stderr);
}
