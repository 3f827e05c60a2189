import { extname } from 'node:path';
import { kernelInstallHint, languageLabel, stepLanguage } from '../core/notebook-languages.ts';
import { findKernelSpecs, jupyterDataDirs, kernelForLanguage } from '../runtimes/process/jupyter-kernels.ts';
import { which } from '../runtimes/process/step-command.ts';

/** One language a project's steps use, and whether this machine has what runs it. */
export interface LanguageReport {
  language: string;
  /** Script steps (.py, .R, .jl, .js …) and notebook steps of the language. */
  scripts: number;
  notebooks: number;
  /** The Jupyter kernel notebooks run on here (process runtime), null when none is installed. */
  kernel: string | null;
  /** Where that kernel is installed. */
  kernel_dir: string | null;
}

/** The languages of a project's steps (their kernel language) with the steps of each. */
export function countLanguages(steps: { language: string | undefined; file: string }[]): Map<string, { scripts: number; notebooks: number }> {
  const out = new Map<string, { scripts: number; notebooks: number }>();
  for (const s of steps) {
    const ext = extname(s.file).toLowerCase();
    const language = ext === '.ipynb' ? (stepLanguage(s.language) ?? s.language ?? 'python') : scriptLanguage(ext);
    if (!language) continue;
    const entry = out.get(language) ?? { scripts: 0, notebooks: 0 };
    if (ext === '.ipynb') entry.notebooks += 1;
    else entry.scripts += 1;
    out.set(language, entry);
  }
  return out;
}

function scriptLanguage(ext: string): string | undefined {
  return { '.py': 'python', '.r': 'r', '.jl': 'julia', '.js': 'javascript', '.mjs': 'javascript', '.ts': 'javascript' }[ext];
}

/**
 * Each language with its installed kernel (found as the process runtime finds it) and a sentence
 * for the report; `missing` when notebooks of the language have no kernel here.
 */
export function checkLanguages(languages: Map<string, { scripts: number; notebooks: number }>, env: Record<string, string | undefined>): { report: LanguageReport[]; lines: { missing: boolean; message: string }[] } {
  const jupyter = which('jupyter-nbconvert', env.PATH ?? '') ?? which('papermill', env.PATH ?? '');
  const specs = findKernelSpecs(jupyterDataDirs(env, jupyter));
  const report: LanguageReport[] = [];
  const lines: { missing: boolean; message: string }[] = [];
  for (const [language, counts] of [...languages].sort(([a], [b]) => a.localeCompare(b))) {
    const spec = kernelForLanguage(language, specs);
    report.push({ language, ...counts, kernel: spec?.name ?? null, kernel_dir: spec?.dir ?? null });
    const label = languageLabel(language);
    const what = [counts.scripts ? `${counts.scripts} script step${counts.scripts === 1 ? '' : 's'}` : '', counts.notebooks ? `${counts.notebooks} notebook${counts.notebooks === 1 ? '' : 's'}` : ''].filter(Boolean).join(', ');
    if (counts.notebooks === 0) {
      lines.push({ missing: false, message: `language ${label}: ${what}` });
    } else if (spec) {
      lines.push({ missing: false, message: `language ${label}: ${what}; notebooks run on Jupyter kernel "${spec.name}" (${spec.dir}) instead of Orchest's orchest-kernel-<uuid>` });
    } else if (language === 'python' && jupyter) {
      lines.push({ missing: false, message: `language ${label}: ${what}; notebooks run on the python3 kernel of ${jupyter}'s Python` });
    } else {
      lines.push({ missing: true, message: `language ${label}: ${what}, and no Jupyter kernel for ${label} is installed: ${kernelInstallHint(language)}` });
    }
  }
  return { report, lines };
}
