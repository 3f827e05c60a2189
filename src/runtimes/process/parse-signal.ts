import { constants } from 'node:os';
import { BerthError } from '../../errors.ts';

const SIGNALS: Readonly<Record<string, number>> = constants.signals;

/** Accepts "SIGTERM", "TERM", "term", 15 or "15"; undefined or "" mean SIGTERM. */
export function parseSignal(input: string | number | undefined): NodeJS.Signals {
  if (input === undefined || input === '') return 'SIGTERM';
  const text = String(input).trim().toUpperCase();
  const name = /^\d+$/.test(text)
    ? Object.keys(SIGNALS).find((key) => SIGNALS[key] === Number(text))
    : text.startsWith('SIG') ? text : `SIG${text}`;
  if (name !== undefined && name in SIGNALS) return name as NodeJS.Signals;
  throw new BerthError('BERTH_E_DRIVER', `stop signal "${String(input)}" is neither a signal name nor a signal number`, {
    problems: [{ path: 'signal', message: `unknown signal "${String(input)}"`, fix: 'use a name such as "SIGTERM" or "TERM", or a number such as 15' }],
  });
}
