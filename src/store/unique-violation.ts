/** A unique-constraint violation on either backend (an insert that lost a race). */
export function isUniqueViolation(e: unknown): boolean {
  if (e && typeof e === 'object' && (e as { code?: unknown }).code === '23505') return true;
  return /UNIQUE constraint failed/i.test(String(e));
}
