import { BerthError } from '../errors.ts';

export const RESTART_POLICIES = ['no', 'on-failure', 'always'] as const;
export type RestartPolicy = (typeof RESTART_POLICIES)[number];

/** First delay before a restart; it doubles per quick failure up to MAX_BACKOFF_MS. */
const FIRST_BACKOFF_MS = 100;
const MAX_BACKOFF_MS = 30_000;
/** A workload that ran at least this long counts as healthy again: the next restart is quick. */
export const STABLE_RUN_MS = 10_000;

export function parseRestartPolicy(value: string | undefined): RestartPolicy {
  if (value === undefined) return 'no';
  if ((RESTART_POLICIES as readonly string[]).includes(value)) return value as RestartPolicy;
  throw new BerthError('BERTH_E_INVALID_ARGUMENT', `--restart ${value} is not a restart policy`, {
    problems: [{ path: '--restart', message: `unknown policy "${value}"`, fix: `use one of: ${RESTART_POLICIES.join(', ')}` }],
  });
}

/**
 * Whether a workload that ended on its own (not stopped by the user) is started again: `always`
 * restarts any end, `on-failure` a non-zero exit code or a death by signal, `no` nothing.
 */
export function shouldRestart(policy: RestartPolicy, exit: { code: number | null }): boolean {
  if (policy === 'always') return true;
  return policy === 'on-failure' && exit.code !== 0;
}

/** Delay before restart number `quickFailures` (0 = the first after a stable run): 100 ms, 200 ms, … 30 s. */
export function restartDelayMs(quickFailures: number): number {
  return Math.min(FIRST_BACKOFF_MS * 2 ** Math.min(quickFailures, 20), MAX_BACKOFF_MS);
}
