/** Orchest's rule for service environment variable names (kept in sync with its UI). */
export const ENV_VAR_NAME_PATTERN = /^[0-9a-zA-Z\-_]+$/;

export function isEnvVarNameValid(name: unknown): name is string {
  return typeof name === 'string' && ENV_VAR_NAME_PATTERN.test(name);
}

/** Replaces every character Orchest does not allow in a variable name with `_` (an empty name becomes `_`). */
export function makeEnvVarNameValid(name: string): string {
  const replaced = name.replace(/[^0-9a-zA-Z\-_]/g, '_');
  return replaced === '' ? '_' : replaced;
}

/** Returns `name`, or `name_2`, `name_3`… — the first that is not in `taken` — and adds it to `taken`. */
export function claimUniqueName(name: string, taken: Set<string>): string {
  let candidate = name;
  for (let i = 2; taken.has(candidate); i++) candidate = `${name}_${i}`;
  taken.add(candidate);
  return candidate;
}
