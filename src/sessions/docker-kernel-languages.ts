import { kernelInstallHint, languageLabel } from '../core/notebook-languages.ts';

/** How a kernel host starts the kernels of one environment language (Docker sessions, decision 0018). */
export interface DockerKernelLanguage {
  /** The language Orchest's environments name ("python", "r", "javascript"). */
  language: string;
  /** The kernelspec's `language` (as the language's own kernel writes it). */
  specLanguage: string;
  /** The kernel's command in the environment's image, `{connection_file}` replaced by the kernel host; none: ipykernel on the host's python3. */
  argv?: string[];
  /** How Jupyter interrupts it: by message (ipykernel) or by SIGINT, which the relay passes on through the kernel host. */
  interruptMode: 'message' | 'signal';
}

/**
 * The languages whose kernels run in a Docker session's kernel hosts (pure): Python (ipykernel), R
 * (IRkernel, the argv of its kernel.json) and JavaScript (tslab, else IJavascript). The kernel host
 * itself is Python (kernel_host.py), so their images need python3 too, as Orchest's R image (from
 * jupyter's r-notebook) has. Julia: none yet (no Julia here to build or test an image with).
 */
const DOCKER_KERNELS: Record<string, DockerKernelLanguage> = {
  python: { language: 'python', specLanguage: 'python', interruptMode: 'message' },
  r: { language: 'r', specLanguage: 'R', argv: ['R', '--slave', '-e', 'IRkernel::main()', '--args', '{connection_file}'], interruptMode: 'signal' },
  javascript: {
    language: 'javascript',
    specLanguage: 'javascript',
    // tslab's JavaScript kernel (installable offline from npm) when the image has it, else IJavascript's (Orchest's image).
    argv: ['sh', '-c', 'if command -v tslab >/dev/null 2>&1; then exec tslab kernel --config-path "$0" --js; fi; exec ijskernel --hide-undefined "$0" --protocol=5.0', '{connection_file}'],
    interruptMode: 'signal',
  },
};

/** The kernel of an environment language in Docker sessions, or why there is none (one sentence naming the environment). */
export function dockerKernelLanguage(language: string, environmentName: string): DockerKernelLanguage | { problem: string } {
  const known = DOCKER_KERNELS[language.toLowerCase()];
  if (known) return known;
  const labels = Object.keys(DOCKER_KERNELS).map(languageLabel);
  const supported = `${labels.slice(0, -1).join(', ')} and ${labels.at(-1)}`;
  const label = languageLabel(language.toLowerCase());
  return {
    problem: `environment "${environmentName}" has no kernel: kernels of ${label} environments do not run in Docker sessions yet (${supported} only); `
      + `on the process runtime it uses this host's ${label} kernel — ${kernelInstallHint(language.toLowerCase())}`,
  };
}
