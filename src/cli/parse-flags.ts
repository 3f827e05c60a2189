import { parseArgs, type ParseArgsConfig } from 'node:util';
import { BerthError } from '../errors.ts';

type Options = NonNullable<ParseArgsConfig['options']>;

/** Strict flag parsing for a command; bad flags become a BerthError (exit 2) naming the flag and the fix. */
export function parseFlags<T extends Options>(command: string, args: string[], options: T) {
  try {
    return parseArgs({ args, options, allowPositionals: true, strict: true });
  } catch (e) {
    const message = e instanceof Error ? e.message.split('\n')[0]! : String(e);
    throw new BerthError('BERTH_E_INVALID_ARGUMENT', `${command}: ${message}`, {
      problems: [{ path: command, message, fix: `see \`berth ${command} --help\`` }],
    });
  }
}

export function usageError(command: string, message: string, fix: string): BerthError {
  return new BerthError('BERTH_E_INVALID_ARGUMENT', `${command}: ${message}`, { problems: [{ path: command, message, fix }] });
}
