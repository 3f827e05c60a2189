import { usageError } from './parse-flags.ts';

export const INSTANCE_URI = 'instance://';

/** NAME from `instance://NAME`; a usage error naming `command` otherwise. */
export function instanceNameOf(command: string, uri: string | undefined): string {
  if (uri?.startsWith(INSTANCE_URI) && uri.length > INSTANCE_URI.length) return uri.slice(INSTANCE_URI.length);
  throw usageError(command, `expected instance://NAME, got ${uri === undefined ? 'nothing' : `"${uri}"`}`, `e.g. berth ${command} instance://web`);
}
