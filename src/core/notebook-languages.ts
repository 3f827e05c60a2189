/**
 * The languages of notebook steps (Orchest's environment languages) and their Jupyter kernels: the
 * usual kernel names (`namePattern`: how `jupyter kernelspec list` names them, for images), the
 * languages kernel.json files declare, and how to install one. Contract: pure.
 */
export const NOTEBOOK_LANGUAGES: Record<string, { label: string; preferred: string[]; languages: string[]; install: string; namePattern: string }> = {
  python: {
    label: 'Python',
    preferred: ['python3'],
    languages: ['python'],
    install: 'install ipykernel (apt-get install python3-ipykernel, or pip install ipykernel && python3 -m ipykernel install --user)',
    namePattern: '^python3$',
  },
  r: {
    label: 'R',
    preferred: ['ir'],
    languages: ['r'],
    install: "install IRkernel (apt-get install r-cran-irkernel, or in R: install.packages('IRkernel'); IRkernel::installspec())",
    namePattern: '^ir',
  },
  julia: {
    label: 'Julia',
    preferred: [],
    languages: ['julia'],
    install: 'install IJulia (in Julia: using Pkg; Pkg.add("IJulia"))',
    namePattern: '^julia',
  },
  javascript: {
    label: 'JavaScript',
    preferred: ['javascript', 'jslab', 'tslab', 'deno'],
    languages: ['javascript', 'typescript'],
    install: 'install IJavascript (npm install -g ijavascript && ijsinstall) or tslab (npm install -g tslab && tslab install)',
    namePattern: '^(javascript|jslab|tslab|deno)$',
  },
};

/** The language of a step's kernel name as pipelines store it ("python", "r", "ir", "julia", "javascript"); undefined when unknown. */
export function stepLanguage(kernelName: string | undefined): string | undefined {
  const name = (kernelName ?? 'python').toLowerCase();
  if (name === 'ir') return 'r';
  if (name.startsWith('python')) return 'python';
  if (name.startsWith('julia')) return 'julia';
  return name in NOTEBOOK_LANGUAGES ? name : undefined;
}

export function languageLabel(language: string): string {
  return NOTEBOOK_LANGUAGES[language]?.label ?? language;
}

/** How to install the kernel of a language (one sentence, for error messages). */
export function kernelInstallHint(language: string): string {
  return NOTEBOOK_LANGUAGES[language]?.install ?? `install a Jupyter kernel for ${language}`;
}


/**
 * nbconvert executing a notebook (as --execute does) with the SDK's StreamingExecutePreprocessor,
 * which also writes each cell's output to the step's log (the SDK is on the step's PYTHONPATH).
 */
export function nbconvertArgs(kernelName: string): string[] {
  return ['--to', 'notebook', '--NotebookExporter.preprocessors=berth.notebook_log.StreamingExecutePreprocessor', `--ExecutePreprocessor.kernel_name=${kernelName}`];
}
