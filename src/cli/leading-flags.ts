import type { ParseArgsConfig } from 'node:util';
import { parseFlags } from './parse-flags.ts';

type Options = NonNullable<ParseArgsConfig['options']>;

/**
 * Apptainer's rule: flags come before the positional arguments, and everything from the first
 * positional argument on (a command and its own flags) is passed through untouched.
 */
export function parseLeadingFlags<T extends Options>(command: string, args: string[], options: T) {
  const first = firstPositional(args, options);
  const parsed = parseFlags(command, args.slice(0, first), options);
  const rest = args[first] === '--' ? args.slice(first + 1) : args.slice(first);
  return { values: parsed.values, positionals: [...parsed.positionals, ...rest] };
}

function firstPositional(args: string[], options: Options): number {
  const byShort = new Map(Object.entries(options).filter(([, o]) => o.short).map(([name, o]) => [o.short!, name]));
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (arg === '--' || !arg.startsWith('-') || arg === '-') return i;
    if (arg.includes('=')) continue;
    const name = arg.startsWith('--') ? arg.slice(2) : arg.length === 2 ? byShort.get(arg.slice(1)) : undefined;
    if (name !== undefined && options[name]?.type === 'string') i++;
  }
  return args.length;
}
