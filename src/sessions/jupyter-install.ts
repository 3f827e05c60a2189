import { spawnSync } from 'node:child_process';
import type { BerthConfig } from '../config/config.ts';
import { findPython } from '../runtimes/process/find-python.ts';

/** A Jupyter server this host can start: the interpreter that has it and the application module. */
export interface JupyterInstall {
  python: string;
  /** `jupyterlab` (JupyterLab, when installed) or `jupyter_server` (Jupyter Server alone). */
  app: 'jupyterlab' | 'jupyter_server';
  /** The kernelspecs the host's Jupyter knows (name → kernel.json), before Berth's own. */
  hostKernels: Record<string, HostKernelSpec>;
}

export interface HostKernelSpec {
  argv: string[];
  display_name: string;
  language: string;
  env?: Record<string, string>;
  metadata?: Record<string, unknown>;
}

const PROBE = [
  'import importlib.util, json',
  'from jupyter_client.kernelspec import KernelSpecManager',
  'import jupyter_server',
  'lab = importlib.util.find_spec("jupyterlab") is not None',
  'specs = {n: s["spec"] for n, s in KernelSpecManager().get_all_specs().items()}',
  'print(json.dumps({"lab": lab, "kernels": specs}))',
].join('\n');

const found = new Map<string, JupyterInstall | null>();

/**
 * The host's Jupyter (process runtime): BERTH_JUPYTER_PYTHON, else the first of python3 on PATH,
 * /usr/bin/python3 and /usr/local/bin/python3 that imports jupyter_server (Debian's
 * python3-jupyter-server); JupyterLab when that interpreter also has it. Or why there is none.
 */
export function findJupyter(config: BerthConfig): JupyterInstall | { problem: string } {
  const forOtherUsers = config.hostWorkloads === 'workload-user';
  const candidates = config.jupyter.python
    ? [config.jupyter.python]
    : [...new Set([findPython(config.baseEnv.PATH, { forOtherUsers }), '/usr/bin/python3', '/usr/local/bin/python3'].filter((p): p is string => p !== undefined))];
  for (const python of candidates) {
    let install = found.get(python);
    if (install === undefined) {
      install = probe(python, config.baseEnv);
      found.set(python, install);
    }
    if (install) return install;
  }
  return {
    problem: `no Jupyter Server for interactive sessions (tried ${candidates.join(', ')}): install it (Debian: apt-get install python3-jupyter-server; or pip install jupyterlab) or point BERTH_JUPYTER_PYTHON at an interpreter that has it`,
  };
}

function probe(python: string, env: Record<string, string>): JupyterInstall | null {
  const out = spawnSync(python, ['-c', PROBE], { env, encoding: 'utf8', timeout: 60_000 });
  if (out.status !== 0) return null;
  try {
    const parsed = JSON.parse(out.stdout.trim().split('\n').pop() ?? '') as { lab: boolean; kernels: Record<string, HostKernelSpec> };
    return { python, app: parsed.lab ? 'jupyterlab' : 'jupyter_server', hostKernels: parsed.kernels };
  } catch {
    return null;
  }
}
