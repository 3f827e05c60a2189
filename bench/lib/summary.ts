import { writeFileSync } from 'node:fs';

/** One line of run-bench's summary table. */
export interface SummaryRow {
  bench: string;
  metric: string;
  value: string;
  target: string;
  /** ok / over (target missed) / info (no target) / failed (could not measure). */
  verdict: 'ok' | 'over' | 'info' | 'failed';
}

/** Env var run-bench sets so a benchmark it spawns hands back its summary rows. */
export const SUMMARY_FILE_ENV = 'BERTH_BENCH_SUMMARY_FILE';

export function emitSummary(rows: SummaryRow[]): void {
  const file = process.env[SUMMARY_FILE_ENV];
  if (file) writeFileSync(file, JSON.stringify(rows));
}

export function verdict(value: number, limit: number): SummaryRow['verdict'] {
  if (!Number.isFinite(value)) return 'failed';
  return value <= limit ? 'ok' : 'over';
}
