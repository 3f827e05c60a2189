import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, realpathSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { appendFile } from 'node:fs/promises';
import { delimiter, dirname, join } from 'node:path';
import type { EnvironmentDefinition } from '../core/environment-image.ts';
import { BerthError } from '../errors.ts';
import type { EnvironmentBuild } from '../store/state-change.ts';
import type { BuildSlots } from './environment-images.ts';
import { ownerClaim, ownerState, parseOwnerClaim } from '../leases/owner-lease.ts';
import { which } from '../runtimes/process/step-command.ts';

/** Bumped when the way virtual environments are built changes, so old ones are not reused. */
const RECIPE_VERSION = 1;
const LOG_TAIL_LINES = 20;
/** Written last into a finished virtual environment: a folder without it is an interrupted build. */
const READY_FILE = '.berth-ready.json';
/** The Jupyter kernel each virtual environment with ipykernel gets (in <venv>/share/jupyter/kernels/). */
export const VENV_KERNEL = 'berth-env';

/** An environment on this host: a Python virtual environment, or for language "r" an R library. */
export interface ProcessEnvironment {
  uuid: string;
  name: string;
  /** python: a virtual environment; r: a project-private R library (R_LIBS_USER). */
  kind: 'python' | 'r';
  /** The environment's folder (the virtual environment; for R the folder holding `library/`). */
  venv: string;
  /** python: its interpreter (steps of the environment run with it); r: the base interpreter, if any. */
  python: string;
  /** The kernel name notebooks of the environment run on, when the environment has ipykernel; else null. */
  kernel: string | null;
  /** False when a virtual environment with this content hash already existed. */
  built: boolean;
  /** The build log (written only when built). */
  log: string;
}

/**
 * Orchest environments on the process runtime: each is a Python virtual environment (created with
 * `python3 -m venv --system-site-packages` from the base interpreter, so the host's packages stay
 * visible) in which the environment's setup_script.sh runs as Orchest ran it: `bash < setup_script.sh`
 * in the project folder, the virtual environment activated (VIRTUAL_ENV, its bin first on PATH, so
 * `pip install` installs into it). Cached by content hash (base interpreter, setup script and the
 * files it names, project folder) under `root`; builds take a slot of the build queue and write their log under `buildsDir`,
 * like image builds. Concurrent requests share one build. The cache key covers the project files the
 * setup script names (requirements.txt, …) by content, so editing one builds the environment anew.
 */
export class ProcessEnvironments {
  readonly #root: string;
  readonly #buildsDir: string;
  readonly #baseEnv: Record<string, string>;
  readonly #slots: BuildSlots | undefined;
  readonly #inFlight = new Map<string, Promise<ProcessEnvironment>>();

  constructor(opts: { root: string; buildsDir: string; baseEnv: Record<string, string>; slots?: BuildSlots }) {
    this.#root = opts.root;
    this.#buildsDir = opts.buildsDir;
    this.#baseEnv = opts.baseEnv;
    this.#slots = opts.slots;
  }

  /**
   * Where the environment is (built or not) for this interpreter and project: a Python environment
   * by its base interpreter; an R environment (language "r") by the Rscript it is built with.
   */
  location(env: EnvironmentDefinition, python: string, projectDir: string): { venv: string; log: string; hash: string } {
    const r = isR(env);
    const base = realpathSync(python);
    // The files the setup script reads (requirements.txt, …) count by content: editing one rebuilds.
    const key: unknown[] = r ? [RECIPE_VERSION, 'r', base, env.setupScript, projectDir] : [RECIPE_VERSION, base, env.setupScript, projectDir];
    if (env.setupInputs && Object.keys(env.setupInputs).length > 0) key.push(env.setupInputs);
    const hash = createHash('sha256').update(JSON.stringify(key)).digest('hex').slice(0, 16);
    const dir = env.uuid.toLowerCase();
    return { venv: join(this.#root, dir, hash), log: join(this.#buildsDir, dir, `${r ? 'rlib' : 'venv'}-${hash}.log`), hash };
  }

  /**
   * The environment, built first when it is not there. `python` is the base interpreter of a Python
   * environment; an R environment is keyed by the Rscript on the host's PATH instead (and needs none).
   */
  async ensure(env: EnvironmentDefinition, python: string | undefined, projectDir: string, onProgress?: (line: string) => void): Promise<ProcessEnvironment> {
    const keyProgram = isR(env) ? which('Rscript', this.#baseEnv.PATH ?? '') : python;
    if (keyProgram === null || keyProgram === undefined) {
      const [what, fix] = isR(env) ? ['an R library, and R (Rscript) is not on PATH', 'install R (e.g. apt-get install r-base-core)'] : ['a Python virtual environment, and no python3 is on PATH', 'install Python 3 or set BERTH_PYTHON'];
      throw new BerthError('BERTH_E_ENV_BUILD', `environment "${env.name}" (${env.uuid}) is built as ${what}: ${fix}`, {
        problems: [{ path: `.orchest/environments/${env.uuid}`, message: `needs ${isR(env) ? 'Rscript' : 'python3'}`, fix }],
      });
    }
    const { venv, log } = this.location(env, keyProgram, projectDir);
    let pending = this.#inFlight.get(venv);
    if (!pending) {
      pending = this.#ensure(env, keyProgram, projectDir, venv, log, onProgress);
      this.#inFlight.set(venv, pending);
      pending.then(
        () => this.#inFlight.delete(venv),
        () => this.#inFlight.delete(venv),
      );
    }
    return pending;
  }

  async #ensure(env: EnvironmentDefinition, python: string, projectDir: string, venv: string, log: string, onProgress?: (line: string) => void): Promise<ProcessEnvironment> {
    const found = readReady(venv);
    const result = (built: boolean, kernel: string | null): ProcessEnvironment =>
      isR(env)
        ? { uuid: env.uuid, name: env.name, kind: 'r', venv, python: '', kernel, built, log }
        : { uuid: env.uuid, name: env.name, kind: 'python', venv, python: join(venv, 'bin', 'python'), kernel, built, log };
    if (found) return result(false, found.kernel);
    const build: EnvironmentBuild = { projectDir, environmentUuid: env.uuid, environmentName: env.name, image: `${isR(env) ? 'rlib' : 'venv'}:${venv}` };
    const slot = this.#slots
      ? await this.#slots.acquire(build, log, {
          onWaiting: (ahead) => onProgress?.(`waiting for a build slot: ${ahead} ahead`),
          // Another Berth process may build the same environment meanwhile.
          stillNeeded: async () => readReady(venv) === null,
        })
      : undefined;
    if (slot === null) return result(false, readReady(venv)?.kernel ?? null);
    try {
      // Without a build limit (BERTH_MAX_BUILDS=0) two Berth processes may get here for one folder: one builds.
      const unlock = await lockFolder(venv);
      const ready = readReady(venv);
      if (ready) {
        unlock();
        if (slot !== undefined) await this.#slots!.release(slot);
        return result(false, ready.kernel);
      }
      let kernel: string | null;
      try {
        kernel = isR(env) ? await this.#buildR(env, python, projectDir, venv, log, onProgress) : await this.#build(env, python, projectDir, venv, log, onProgress);
      } finally {
        unlock();
      }
      if (slot !== undefined) await this.#slots!.release(slot);
      return result(true, kernel);
    } catch (e) {
      if (slot !== undefined) await this.#slots!.release(slot, (e instanceof Error ? e.message : String(e)).split('\n')[0]);
      throw e;
    }
  }

  async #build(env: EnvironmentDefinition, python: string, projectDir: string, venv: string, log: string, onProgress?: (line: string) => void): Promise<string | null> {
    const { record, fail, flush } = buildLog(env, venv, log, onProgress);
    record(`Building environment "${env.name}" (${env.uuid}) as a Python virtual environment in ${venv}\n`);
    record(`$ ${python} -m venv --system-site-packages ${venv}\n`);
    const made = await runLogged(python, ['-m', 'venv', '--system-site-packages', venv], { cwd: projectDir, env: this.#env(), record });
    if (made !== 0) await fail(`${python} -m venv exited with ${made} (Debian/Ubuntu: apt-get install python3-venv)`);
    const env_ = this.#env(venv);
    if (env.setupScript !== null) {
      const script = join(venv, 'berth-setup-script.sh');
      writeFileSync(script, env.setupScript);
      record(`$ cd ${projectDir} && bash < setup_script.sh\n`);
      const code = await runLogged('bash', [], { cwd: projectDir, env: env_, record, stdinFile: script });
      if (code !== 0) await fail(`the setup script exited with ${code}`);
    }
    const kernel = (await runLogged(join(venv, 'bin', 'python'), ['-c', 'import ipykernel'], { cwd: projectDir, env: env_, record: () => undefined })) === 0 ? VENV_KERNEL : null;
    if (kernel) {
      const dir = join(venv, 'share', 'jupyter', 'kernels', kernel);
      mkdirSync(dir, { recursive: true });
      writeFileSync(join(dir, 'kernel.json'), JSON.stringify({ argv: [join(venv, 'bin', 'python'), '-Xfrozen_modules=off', '-m', 'ipykernel_launcher', '-f', '{connection_file}'], display_name: env.name, language: 'python' }, null, 1));
    }
    record(`Environment "${env.name}" ready: ${join(venv, 'bin', 'python')}${kernel ? ` (Jupyter kernel ${kernel})` : ' (no ipykernel: notebooks use the host\'s python3 kernel)'}\n`);
    await flush();
    writeFileSync(join(venv, READY_FILE), JSON.stringify({ kernel, builtAt: new Date().toISOString() }));
    return kernel;
  }

  /**
   * An R environment: a project-private library `<folder>/library`, created empty, then the setup
   * script run as Orchest ran it (`bash < setup_script.sh` in the project) with R_LIBS_USER pointing
   * at it, so `install.packages(…)`, `R CMD INSTALL` and `remotes::install_*` install there. Steps and
   * notebooks (IRkernel) of the environment get the same R_LIBS_USER. No Python virtual environment.
   */
  async #buildR(env: EnvironmentDefinition, rscript: string, projectDir: string, folder: string, log: string, onProgress?: (line: string) => void): Promise<null> {
    const { record, fail, flush } = buildLog(env, folder, log, onProgress);
    const library = rLibrary(folder);
    record(`Building environment "${env.name}" (${env.uuid}) as an R library (R_LIBS_USER=${library}) for ${rscript}\n`);
    mkdirSync(library, { recursive: true });
    if (env.setupScript !== null) {
      const script = join(folder, 'berth-setup-script.sh');
      writeFileSync(script, env.setupScript);
      record(`$ cd ${projectDir} && R_LIBS_USER=${library} bash < setup_script.sh\n`);
      const code = await runLogged('bash', [], { cwd: projectDir, env: { ...this.#env(), R_LIBS_USER: library }, record, stdinFile: script });
      if (code !== 0) await fail(`the setup script exited with ${code}`);
    }
    record(`Environment "${env.name}" ready: R library ${library} (notebooks on the host's R Jupyter kernel, IRkernel)\n`);
    await flush();
    writeFileSync(join(folder, READY_FILE), JSON.stringify({ kernel: null, builtAt: new Date().toISOString() }));
    return null;
  }

  /** The build's environment: the host's, with the virtual environment activated when given. */
  #env(venv?: string): Record<string, string> {
    const env: Record<string, string> = { ...this.#baseEnv, PIP_DISABLE_PIP_VERSION_CHECK: '1' };
    delete env.PYTHONHOME;
    if (venv) {
      env.VIRTUAL_ENV = venv;
      env.PATH = [join(venv, 'bin'), env.PATH ?? '/usr/local/bin:/usr/bin:/bin'].join(delimiter);
    }
    return env;
  }
}

/** The library folder of an R environment's folder. */
export function rLibrary(folder: string): string {
  return join(folder, 'library');
}

/** The environment variables a step of a built environment runs with. */
export function environmentVariables(built: Pick<ProcessEnvironment, 'kind' | 'venv'>, stepEnv: Record<string, string>): Record<string, string> {
  return built.kind === 'r' ? { R_LIBS_USER: rLibrary(built.venv) } : activatedEnvironment(built.venv, stepEnv);
}

function isR(env: EnvironmentDefinition): boolean {
  return env.language === 'r';
}

/** A build's log: `record` appends (and reports each line), `fail` throws BERTH_E_ENV_BUILD with its tail; the folder is emptied first. */
function buildLog(env: EnvironmentDefinition, folder: string, log: string, onProgress?: (line: string) => void) {
  mkdirSync(dirname(log), { recursive: true });
  writeFileSync(log, '');
  let pending = Promise.resolve();
  const record = (text: string): void => {
    pending = pending.then(() => appendFile(log, text));
    for (const line of text.split('\n')) if (line.trim()) onProgress?.(line);
  };
  const flush = (): Promise<void> => pending;
  const fail = async (failure: string): Promise<never> => {
    record(`ERROR: ${failure}\n`);
    await pending;
    const tail = readFileSync(log, 'utf8').trimEnd().split('\n').slice(-LOG_TAIL_LINES).join('\n');
    throw new BerthError('BERTH_E_ENV_BUILD', `environment "${env.name}" (${env.uuid}) failed to build: ${failure}\n--- last lines of ${log} ---\n${tail}`, {
      problems: [{ path: `.orchest/environments/${env.uuid}/setup_script.sh`, message: failure, fix: `read the build log ${log}, fix the environment and run again` }],
      details: { environment: env.uuid, log, failure },
    });
  };
  // An interrupted earlier build leaves a folder without the ready file: start over.
  rmSync(folder, { recursive: true, force: true });
  mkdirSync(dirname(folder), { recursive: true });
  return { record, fail, flush };
}

/** The environment variables a step of a virtual environment runs with (activated, its kernel findable). */
export function activatedEnvironment(venv: string, stepEnv: Record<string, string>): Record<string, string> {
  const jupyter = join(venv, 'share', 'jupyter');
  return {
    VIRTUAL_ENV: venv,
    PATH: [join(venv, 'bin'), stepEnv.PATH ?? '/usr/local/bin:/usr/bin:/bin'].join(delimiter),
    JUPYTER_PATH: stepEnv.JUPYTER_PATH ? `${jupyter}${delimiter}${stepEnv.JUPYTER_PATH}` : jupyter,
  };
}

/** Holds `<dir>.lock` (a folder naming its owner: host, pid, start time) until the returned function is called; a lock whose owner is gone is taken over. */
async function lockFolder(dir: string): Promise<() => void> {
  const lock = `${dir}.lock`;
  mkdirSync(dirname(dir), { recursive: true });
  for (;;) {
    try {
      mkdirSync(lock);
      // Written whole (rename), so a waiter never reads half a claim and takes the lock over.
      writeFileSync(join(lock, 'owner.tmp'), ownerClaim());
      renameSync(join(lock, 'owner.tmp'), join(lock, 'owner'));
      return () => rmSync(lock, { recursive: true, force: true });
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    }
    let claim: string | null = null; // no owner file yet: its owner is writing it
    try {
      claim = readFileSync(join(lock, 'owner'), 'utf8');
    } catch {
      // the lock was just released, or is being taken
    }
    const owner = claim ? parseOwnerClaim(claim) : null;
    if (owner !== null && Number.isInteger(owner.pid) && owner.pid > 0 && ownerState(owner) === 'gone') rmSync(lock, { recursive: true, force: true });
    else await new Promise((r) => setTimeout(r, 250));
  }
}

function readReady(venv: string): { kernel: string | null } | null {
  const file = join(venv, READY_FILE);
  if (!existsSync(file)) return null;
  try {
    const ready = JSON.parse(readFileSync(file, 'utf8')) as { kernel?: unknown };
    return { kernel: typeof ready.kernel === 'string' ? ready.kernel : null };
  } catch {
    return null;
  }
}

/** Runs a program with its output appended to the log as it comes; resolves with its exit code (127: not found). */
function runLogged(program: string, args: string[], opts: { cwd: string; env: Record<string, string>; record: (text: string) => void; stdinFile?: string }): Promise<number> {
  return new Promise((resolve) => {
    const stdin = opts.stdinFile ? openSync(opts.stdinFile, 'r') : 'ignore';
    const child = spawn(program, args, { cwd: opts.cwd, env: opts.env, stdio: [stdin, 'pipe', 'pipe'] });
    if (typeof stdin === 'number') closeSync(stdin);
    child.stdout!.setEncoding('utf8').on('data', opts.record);
    child.stderr!.setEncoding('utf8').on('data', opts.record);
    child.on('error', (e) => {
      opts.record(`${program}: ${e.message}\n`);
      resolve(127);
    });
    child.on('close', (code, signal) => resolve(code ?? (signal ? 128 : 1)));
  });
}
