import { pino, type Logger as PinoLogger } from 'pino';

export type Logger = PinoLogger;

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/** Anything that could carry a credential is never written, whatever the level. */
const REDACT = ['token', 'secret', 'authorization', '*.token', '*.secret', '*.authorization', 'headers.authorization', 'headers.cookie'];

/**
 * Berth's logger (pino, JSON lines): one per process, made by the composition root and handed to the
 * engine, drivers and background loops (children name their component). The CLI writes to stderr so
 * its output stays clean; the server logs beside Fastify's request log on stdout.
 */
export function createLogger(level: LogLevel, opts: { fd?: 1 | 2 } = {}): Logger {
  return pino({ level, base: { pid: process.pid }, redact: { paths: REDACT, censor: '[redacted]' } }, pino.destination({ fd: opts.fd ?? 2, sync: true }));
}

/** The message of an unknown thrown value, for log context. */
export function errorText(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
