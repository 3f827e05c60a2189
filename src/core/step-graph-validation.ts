import type { Problem } from '../errors.ts';
import { findCycle } from './dag.ts';
import { jsonPath } from './json-path.ts';
import type { PipelineStep } from './pipeline-types.ts';

/** More cycles than this are summed up in one extra problem rather than listed. */
const MAX_REPORTED_CYCLES = 10;

/**
 * Checks how the steps connect: uuids shared by several steps, incoming connections to steps that do
 * not exist, steps that list themselves, and cycles (each printed with titles in run order:
 * `A → B → C → A`). Problems are appended to `problems`.
 */
export function validateStepGraph(steps: Record<string, PipelineStep>, problems: Problem[]): void {
  const label = (key: string): string => {
    const title = steps[key]?.title;
    return title ? title : key;
  };

  const keysByUuid = new Map<string, string[]>();
  for (const [key, step] of Object.entries(steps)) {
    const keys = keysByUuid.get(step.uuid);
    if (keys) keys.push(key);
    else keysByUuid.set(step.uuid, [key]);
  }
  for (const [uuid, keys] of keysByUuid) {
    if (keys.length < 2) continue;
    for (const key of keys.slice(1)) {
      problems.push({
        path: jsonPath('steps', key, 'uuid'),
        message: `uuid "${uuid}" is also used by step "${label(keys[0]!)}" (steps.${keys[0]})`,
        fix: 'give every step its own uuid, the same as its key under "steps"',
      });
    }
  }

  const parents = new Map<string, string[]>();
  for (const [key, step] of Object.entries(steps)) {
    const known: string[] = [];
    step.incoming_connections.forEach((parent, i) => {
      const path = jsonPath('steps', key, 'incoming_connections', i);
      if (parent === key) {
        problems.push({
          path,
          message: `step "${label(key)}" lists itself as an incoming connection`,
          fix: 'remove it: a step cannot run after itself',
        });
      } else if (!Object.hasOwn(steps, parent)) {
        problems.push({
          path,
          message: `step "${label(key)}" depends on unknown step "${parent}"`,
          fix: `remove "${parent}" from incoming_connections, or add a step with that uuid`,
        });
      } else {
        known.push(parent);
      }
    });
    parents.set(key, known);
  }

  for (let reported = 0; ; reported++) {
    const cycle = findCycle(parents);
    if (!cycle) break;
    if (reported === MAX_REPORTED_CYCLES) {
      problems.push({
        path: 'steps',
        message: `more than ${MAX_REPORTED_CYCLES} groups of steps form cycles`,
        fix: 'fix the cycles above, then validate again',
      });
      break;
    }
    problems.push({
      path: jsonPath('steps', cycle[1]!, 'incoming_connections'),
      message: `steps form a cycle: ${cycle.map(label).join(' → ')}`,
      fix: 'remove one of these incoming connections so the steps run in one direction',
    });
    for (const key of cycle) parents.delete(key);
  }
}
