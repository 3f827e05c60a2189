/**
 * The new list, keeping the old object for every item whose content did not change, so React Flow
 * re-renders (and re-measures) only the nodes and edges an edit touched — what keeps 500 steps fluid.
 */
export function reuseUnchanged<T extends { id: string }>(old: T[], next: T[]): T[] {
  const byId = new Map(old.map((o) => [o.id, o]));
  return next.map((n) => {
    const o = byId.get(n.id);
    return o && sameContent(o, n) ? o : n;
  });
}

function sameContent(a: object, b: object): boolean {
  const x = a as Record<string, unknown>;
  const y = b as Record<string, unknown>;
  for (const key of new Set([...Object.keys(x), ...Object.keys(y)])) {
    // React Flow adds its own fields (measured, dragging) to the nodes it holds: keep those.
    if (key === 'measured' || key === 'dragging' || key === 'width' || key === 'height' || key === 'internals') continue;
    const v = x[key];
    const w = y[key];
    if (v === w) continue;
    if (typeof v === 'object' && v !== null && typeof w === 'object' && w !== null && JSON.stringify(v) === JSON.stringify(w)) continue;
    return false;
  }
  return true;
}
