import { isJsonObject } from './json-object.ts';

/**
 * Gives every service an integer `order` (in place). Services that have one keep it; with
 * `bumpDuplicates`, a repeated or lower order (taken in order, then name order) moves up to one more
 * than the previous, as Orchest's 1.2.0 migration did. Services without an order then get
 * max+1, max+2… in name order (0, 1… when none had one). Non-object services and non-integer
 * orders are left for validation to report.
 */
export function fillServiceOrder(services: Record<string, unknown>, opts: { bumpDuplicates: boolean }): void {
  const ordered: Array<[string, Record<string, unknown>, number]> = [];
  const missing: string[] = [];
  let max = -1;
  for (const [key, service] of Object.entries(services)) {
    if (!isJsonObject(service)) continue;
    const order = service.order;
    if (order === undefined || order === null) missing.push(key);
    else if (Number.isSafeInteger(order)) {
      ordered.push([key, service, order as number]);
      max = Math.max(max, order as number);
    }
  }
  if (opts.bumpDuplicates) {
    ordered.sort((a, b) => a[2] - b[2] || compareNames(a[0], b[0]));
    let previous = Number.NEGATIVE_INFINITY;
    for (const [, service, order] of ordered) {
      previous = order > previous ? order : previous + 1;
      service.order = previous;
    }
    max = Math.max(max, previous);
  }
  missing.sort(compareNames);
  for (const key of missing) (services[key] as Record<string, unknown>).order = ++max;
}

function compareNames(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
