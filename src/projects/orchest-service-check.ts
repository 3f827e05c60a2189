import type { ServiceDefinition } from '../core/pipeline-types.ts';
import { resolveBaseImage } from '../core/environment-image.ts';
import { shellScriptPrograms, splitShellWords } from '../core/shell-words.ts';
import { which } from '../runtimes/process/step-command.ts';

export interface ServiceFinding {
  level: 'uses' | 'cannot' | 'warning' | 'error';
  message: string;
}

/**
 * What happens to each service of a pipeline on a runtime. On the process runtime a service is a
 * host command: one with only an image cannot run (interactive runs leave it out, a job's run
 * fails), one whose program is not installed cannot start (an error), and images and binds are not used. On a
 * container runtime its image must be on the engine or be pulled (`images` lists the references).
 */
export function checkServices(
  services: Record<string, ServiceDefinition>,
  runtime: string,
  path: string,
  imageTable?: Readonly<Record<string, string>>,
): { findings: ServiceFinding[]; images: string[] } {
  const findings: ServiceFinding[] = [];
  const images: string[] = [];
  for (const def of Object.values(services).sort((a, b) => a.name.localeCompare(b.name))) {
    const scope = (def.scope ?? ['interactive', 'noninteractive']).join(' + ');
    const name = `service "${def.name}"`;
    if (runtime === 'process') {
      if (!def.command) {
        const jobs = def.scope.includes('noninteractive') ? ', and a job run (whose services must all start) fails' : '';
        findings.push({
          level: 'warning',
          message: `${name} (image ${def.image}) has no command, so it cannot run on the process runtime (a service there is a command run on this machine): interactive runs leave it out and steps that use it cannot reach it${jobs}; use a container runtime (--runtime docker) or give it a command`,
        });
        continue;
      }
      const words = splitShellWords(def.command);
      const program = words.ok ? words.words[0] : undefined;
      if (program && !program.includes('/') && !which(program, path)) {
        findings.push({ level: 'error', message: `${name} runs "${program}", which is not installed here (not on PATH): install it or use a container runtime (--runtime docker)` });
        continue;
      }
      // `bash -c '… && streamlit run …'` (Orchest's old entrypoint + command): the script's programs must be here too.
      const args = def.args ? splitShellWords(def.args) : { ok: true as const, words: [] };
      const absent = program && args.ok ? shellScriptPrograms(program, [...(words.ok ? words.words.slice(1) : []), ...args.words]).filter((p) => !p.includes('/') && !which(p, path)) : [];
      if (absent.length > 0) {
        findings.push({ level: 'error', message: `${name} runs ${absent.map((p) => `"${p}"`).join(', ')} in its ${program} -c script, which ${absent.length > 1 ? 'are' : 'is'} not installed here (not on PATH): install ${absent.length > 1 ? 'them' : 'it'} or use a container runtime (--runtime docker)` });
      }
      findings.push({ level: 'uses', message: `${name} (${scope}): runs "${[def.command, def.args].filter(Boolean).join(' ')}" on this machine, in the project folder` });
      if (def.image && def.image !== 'host') findings.push({ level: 'cannot', message: `${name}: image ${def.image} is not used on the process runtime (the command runs on this machine; what it needs from the image must be installed here)` });
      const binds = Object.entries(def.binds ?? {});
      if (binds.length > 0) findings.push({ level: 'cannot', message: `${name}: binds ${binds.map(([from, to]) => `${from} → ${to}`).join(', ')} do not apply on the process runtime: the command sees the project folder as its working directory` });
    } else {
      const environment = /^environment@(.+)$/.exec(def.image)?.[1];
      if (environment) {
        findings.push({ level: 'uses', message: `${name} (${scope}): runs in the image of environment ${environment}, built like a step's` });
      } else {
        const image = resolveBaseImage(def.image, imageTable);
        images.push(image);
        const mapped = image === def.image ? def.image : `${def.image} (${image}, from the image table)`;
        findings.push({ level: 'uses', message: `${name} (${scope}): image ${mapped}${def.command ? `, command "${[def.command, def.args].filter(Boolean).join(' ')}"` : ', its own entrypoint'}` });
      }
    }
  }
  return { findings, images };
}
