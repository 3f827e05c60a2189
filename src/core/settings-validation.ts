import type { Problem } from '../errors.ts';
import { describeJsonType } from './json-object.ts';
import { jsonPath } from './json-path.ts';
import type { PipelineSettings } from './pipeline-types.ts';

export const DATA_PASSING_MEMORY_SIZE_PATTERN = /^\d+(\.\d+)?\s*(KB|MB|GB)$/;

/**
 * Checks the known settings; unknown ones are kept. Nothing is defaulted: an absent
 * max_steps_parallelism means Berth's default (the number of CPUs), so it stays absent.
 */
export function validateSettings(settings: Record<string, unknown>, problems: Problem[]): PipelineSettings {
  const at = (field: string) => jsonPath('settings', field);
  const { auto_eviction: autoEviction, data_passing_memory_size: memory, max_steps_parallelism: parallelism } = settings;
  if (autoEviction !== undefined && typeof autoEviction !== 'boolean') {
    problems.push({
      path: at('auto_eviction'),
      message: `must be true or false, not ${describeJsonType(autoEviction)}`,
      fix: 'set it to false (it is a legacy setting)',
    });
  }
  if (memory !== undefined && !(typeof memory === 'string' && DATA_PASSING_MEMORY_SIZE_PATTERN.test(memory))) {
    problems.push({
      path: at('data_passing_memory_size'),
      message: `${JSON.stringify(memory)} is not a size such as "1GB" or "512 MB"`,
      fix: 'write a number followed by KB, MB or GB, e.g. "1GB"',
    });
  }
  if (parallelism !== undefined && !(Number.isSafeInteger(parallelism) && (parallelism as number) >= 0)) {
    problems.push({
      path: at('max_steps_parallelism'),
      message: `${JSON.stringify(parallelism)} is not a whole number of 0 or more`,
      fix: 'set it to how many steps may run at once (0 = no limit), or remove it to use the number of CPUs',
    });
  }
  return settings as PipelineSettings;
}
