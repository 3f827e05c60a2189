import { describeJsonType, isJsonObject } from './json-object.ts';
import { splitShellWords } from './shell-words.ts';
import { checkWorkloadResources } from './workload-resources.ts';

type At = (...segments: Array<string | number>) => string;
type Add = (path: string, message: string, fix: string) => void;

export const SERVICE_RESTART_POLICIES = ['no', 'on-failure', 'always'] as const;
/** A named volume's name: Docker's rule, kept short enough to prefix with the project. */
const VOLUME_NAME = /^[a-zA-Z0-9][a-zA-Z0-9_.-]{0,63}$/;
const ENVIRONMENT_REF = /^environment@[0-9a-fA-F-]{1,64}$/;

/**
 * Checks what Orchest's validator left open and Berth's own service fields:
 * - `args` must split like a shell (no unbalanced quotes, no operators, since no shell runs them);
 * - `image: "environment@<uuid>"` must name an environment uuid;
 * - `berth_volumes` ({volume name: absolute path}) — named volumes that outlive the session;
 * - `berth_restart` (no | on-failure | always);
 * - `berth_resources` (requests, limits, gpus: checkWorkloadResources).
 */
export function checkServiceExtras(service: Record<string, unknown>, at: At, add: Add): void {
  if (typeof service.args === 'string') {
    const split = splitShellWords(service.args);
    if (!split.ok) add(at('args'), `cannot be split into arguments: ${split.reason}`, 'quote it, or run a shell: "command": "sh", "args": "-c \'a && b\'"');
  }
  const image = service.image;
  if (typeof image === 'string' && image.startsWith('environment@') && !ENVIRONMENT_REF.test(image)) {
    add(at('image'), `"${image}" does not name an environment`, 'write "environment@<uuid>" with the uuid of a folder in .orchest/environments/');
  }
  const volumes = service.berth_volumes;
  if (volumes !== undefined) {
    if (!isJsonObject(volumes)) {
      add(at('berth_volumes'), `must be an object of volume name: container path, not ${describeJsonType(volumes)}`, 'write {"pgdata": "/var/lib/postgresql/data"}');
    } else {
      for (const [name, target] of Object.entries(volumes)) {
        if (!VOLUME_NAME.test(name)) add(at('berth_volumes', name), `"${name}" is not a volume name`, 'use letters, digits, "_", "." and "-", starting with a letter or digit');
        if (typeof target !== 'string' || !target.startsWith('/')) {
          add(at('berth_volumes', name), `${JSON.stringify(target)} is not an absolute path in the container`, 'e.g. "/var/lib/postgresql/data"');
        }
      }
    }
  }
  const restart = service.berth_restart;
  if (restart !== undefined && !(SERVICE_RESTART_POLICIES as readonly unknown[]).includes(restart)) {
    add(at('berth_restart'), `${JSON.stringify(restart)} is not a restart policy`, `use one of: ${SERVICE_RESTART_POLICIES.join(', ')}`);
  }
  checkWorkloadResources(service.berth_resources, at, add);
}
