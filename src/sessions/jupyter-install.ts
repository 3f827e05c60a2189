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
  /** `message`: Jupyter interrupts with an interrupt_request rather than SIGINT (a relayed kernel, decision 0018). */
  interrupt_mode?: 'signal' | 'message';
}

// Reads kernel.json files as KernelSpecManager finds them (first folder of jupyter_path wins, names
// lower-cased) without importing ipykernel (seconds, with debugpy): ipykernel's own python3 kernel is
// written out when no kernel.json names python3, as jupyter_client does.
const PROBE = [
  'import importlib.util, json, os, sys',
  'from jupyter_core.paths import jupyter_path',
  'assert importlib.util.find_spec("jupyter_server") is not None',
  'specs = {}',
  'for d in jupyter_path("kernels"):',
  '    try:',
  '        names = sorted(os.listdir(d))',
  '    except OSError:',
  '        continue',
  '    for n in names:',
  '        f = os.path.join(d, n, "kernel.json")',
  '        if n.lower() in specs or not os.path.isfile(f):',
  '            continue',
  '        try:',
  '            with open(f, encoding="utf-8") as fh:',
  '                specs[n.lower()] = json.load(fh)',
  '        except (OSError, ValueError):',
  '            pass',
  'if "python3" not in specs and importlib.util.find_spec("ipykernel") is not None:',
  '    specs["python3"] = {"argv": [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"], "display_name": "Python 3 (ipykernel)", "language": "python"}',
  'lab = importlib.util.find_spec("jupyterlab") is not None',
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
