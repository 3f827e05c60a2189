import { randomBytes } from 'node:crypto';
import { renameSync, unlinkSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { BerthError } from '../errors.ts';
import type { Project } from '../store/project-repository.ts';
import { checkPath, ProjectFiles, type ProjectFileEntry } from './project-files.ts';
import { planRenameRewrites, stepsUsing, type PipelineRewrite, type StepReference } from './step-file-references.ts';

export interface FileChangeDeps {
  /** The project's pipeline files (absolute paths). */
  pipelineFiles: () => Promise<string[]>;
  /** Records `project:pipeline:updated` for a rewritten pipeline and runs `write` inside that transaction. */
  savePipeline: (pipeline: { uuid: string; path: string; name: string }, write: () => void) => Promise<void>;
}

export interface RenameResult extends ProjectFileEntry {
  /** The steps whose file_path now names the new path. */
  updated_steps: Array<StepReference & { new_file_path: string }>;
}

/**
 * Renames and deletes project files with the pipelines in mind. A rename rewrites the `file_path`
 * of every step (in any pipeline of the project) that named the file or a file inside the renamed
 * folder: the new documents are checked and written to temporary files first, then the file is
 * moved, then each pipeline is replaced by renaming its temporary file over it (all or nothing:
 * a failure puts the file and the pipelines already replaced back). A delete of a file steps use is
 * refused (409, naming the steps in `steps`) unless `force`.
 */
export class ProjectFileChanges {
  readonly #project: Project;
  readonly #deps: FileChangeDeps;
  readonly #files: ProjectFiles;

  constructor(project: Project, deps: FileChangeDeps) {
    this.#project = project;
    this.#deps = deps;
    this.#files = new ProjectFiles(project.path);
  }

  /** The steps whose file is `path` (or inside the folder `path`). */
  async stepsUsing(path: string): Promise<StepReference[]> {
    return stepsUsing(this.#project.path, await this.#deps.pipelineFiles(), checkPath(path.replace(/\/+$/, ''), 'path'));
  }

  async rename(from: string, to: string): Promise<RenameResult> {
    const rewrites = planRenameRewrites(this.#project.path, await this.#deps.pipelineFiles(), checkPath(from.replace(/\/+$/, ''), 'path'), checkPath(to.replace(/\/+$/, ''), 'to'));
    const temps = new Map<PipelineRewrite, string>();
    try {
      for (const r of rewrites) {
        const temp = join(dirname(r.file), `.${basename(r.file)}.berth-${randomBytes(6).toString('hex')}.tmp`);
        writeFileSync(temp, r.after, { flag: 'wx', mode: 0o644 });
        temps.set(r, temp);
      }
    } catch (e) {
      removeTemps(temps);
      throw e;
    }
    let entry: ProjectFileEntry;
    try {
      entry = await this.#files.move(from, to);
    } catch (e) {
      removeTemps(temps);
      throw e;
    }
    const replaced: PipelineRewrite[] = [];
    try {
      for (const r of rewrites) {
        const put = () => renameSync(temps.get(r)!, r.file);
        if (r.uuid) await this.#deps.savePipeline({ uuid: r.uuid, path: r.pipeline, name: r.name }, put);
        else put();
        temps.delete(r);
        replaced.push(r);
      }
    } catch (e) {
      for (const r of replaced) writeFileSync(r.file, r.before);
      removeTemps(temps);
      await this.#files.move(to, from).catch(() => undefined);
      throw new BerthError('BERTH_E_CONFLICT', `renaming ${from} failed while its pipelines were updated; the file and the pipelines were put back: ${(e as Error).message}`, {
        problems: [{ path: 'to', message: 'pipelines could not be updated', fix: 'check that the pipeline files are writable, then rename again' }],
      });
    }
    return { ...entry, updated_steps: rewrites.flatMap((r) => r.steps) };
  }

  async remove(path: string, opts: { recursive: boolean; force: boolean }): Promise<ProjectFileEntry> {
    if (!opts.force) {
      const steps = await this.stepsUsing(path);
      if (steps.length > 0) {
        const names = steps.map((s) => `"${s.title}" (${s.pipeline})`);
        throw new BerthError('BERTH_E_CONFLICT', `${path} is used by ${steps.length} step(s): ${names.join(', ')}`, {
          problems: steps.map((s) => ({ path: 'path', message: `step "${s.title}" of ${s.pipeline} runs ${s.file_path}`, fix: 'point the step at another file first, or send force=1 to delete it anyway (the step then fails validation until fixed)' })),
          details: { steps },
        });
      }
    }
    return this.#files.remove(path, { recursive: opts.recursive });
  }
}

function removeTemps(temps: Map<PipelineRewrite, string>): void {
  for (const t of temps.values()) {
    try {
      unlinkSync(t);
    } catch {
      // Already gone.
    }
  }
  temps.clear();
}
