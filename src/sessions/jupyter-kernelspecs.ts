import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { NOTEBOOK_LANGUAGES } from '../core/notebook-languages.ts';
import type { HostKernelSpec } from './jupyter-install.ts';

/** One kernelspec Berth writes for a session's Jupyter server (`<data dir>/kernels/<name>/kernel.json`). */
export interface KernelSpecFile {
  name: string;
  spec: HostKernelSpec;
}

/** An environment of the project, as a kernel needs it. */
export interface KernelEnvironment {
  uuid: string;
  name: string;
  language: string;
  /** Python environments: the environment's virtual environment (its interpreter runs the kernel). */
  venv?: { python: string; venv: string };
}

/** Orchest's kernel name for an environment, so notebooks written in Orchest open on the right kernel. */
export function environmentKernelName(uuid: string): string {
  return `orchest-kernel-${uuid}`;
}

/**
 * The kernelspec of one environment (pure), or why it has none: a Python environment runs
 * ipykernel with its virtual environment's interpreter (activated: VIRTUAL_ENV, its bin first on
 * PATH); another language runs the host's kernel of that language. Display name = the environment's
 * name; `env` = the variables a step of the session's pipeline gets (`vars`).
 */
export function environmentKernelSpec(env: KernelEnvironment, hostKernels: Record<string, HostKernelSpec>, vars: Record<string, string>): KernelSpecFile | { problem: string } {
  const name = environmentKernelName(env.uuid);
  const language = env.language.toLowerCase();
  if (language === 'python') {
    if (!env.venv) return { problem: `environment "${env.name}" has no virtual environment with ipykernel` };
    const path = [join(env.venv.venv, 'bin'), vars.PATH ?? '/usr/local/bin:/usr/bin:/bin'].join(delimiter);
    return {
      name,
      spec: {
        argv: [env.venv.python, '-Xfrozen_modules=off', '-m', 'ipykernel_launcher', '-f', '{connection_file}'],
        display_name: env.name,
        language: 'python',
        env: { ...vars, VIRTUAL_ENV: env.venv.venv, PATH: path },
        metadata: { berth: { environment: env.uuid } },
      },
    };
  }
  const known = NOTEBOOK_LANGUAGES[language];
  const pattern = known ? new RegExp(known.namePattern) : null;
  const host = Object.entries(hostKernels).find(([n, s]) => pattern?.test(n) || (known?.languages ?? [language]).includes(s.language.toLowerCase()));
  if (!host) return { problem: `environment "${env.name}" is a ${env.language} environment and this host has no ${env.language} kernel${known ? `: ${known.install}` : ''}` };
  return { name, spec: { ...host[1], display_name: env.name, env: { ...(host[1].env ?? {}), ...vars }, metadata: { ...(host[1].metadata ?? {}), berth: { environment: env.uuid } } } };
}

/**
 * The host's language kernels (python, r, julia, javascript as installed), with the session's
 * variables added so `import orchest` resolves in them too (pure). Named as on the host.
 */
export function languageKernelSpecs(hostKernels: Record<string, HostKernelSpec>, vars: Record<string, string>): KernelSpecFile[] {
  return Object.entries(hostKernels).map(([name, spec]) => ({ name, spec: { ...spec, env: { ...(spec.env ?? {}), ...vars } } }));
}

/** Writes the kernelspecs into `<dataDir>/kernels/` (replacing what an earlier start left). */
export function writeKernelSpecs(dataDir: string, specs: KernelSpecFile[]): void {
  const kernels = join(dataDir, 'kernels');
  rmSync(kernels, { recursive: true, force: true });
  for (const { name, spec } of specs) {
    mkdirSync(join(kernels, name), { recursive: true });
    writeFileSync(join(kernels, name, 'kernel.json'), `${JSON.stringify(spec, null, 1)}\n`);
  }
}
