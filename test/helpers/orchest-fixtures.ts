import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { REPO } from './berth-cli.ts';

/**
 * Orchest's real project files, kept outside the repository (never copied into it):
 * `../shared/fixtures/orchest` beside the repository's folder, as on CI. Missing, the tests that
 * need them fail with this message rather than pass without checking anything.
 */
export const ORCHEST_FIXTURES = resolve(REPO, '..', 'shared', 'fixtures', 'orchest');

/** The folder of one fixture project (quickstart, data-passing, dump-env-params, services-connectivity). */
export function orchestFixture(name: string): string {
  const dir = join(ORCHEST_FIXTURES, name);
  if (!existsSync(dir)) {
    throw new Error(
      `Orchest's test projects are missing: no ${dir}. They live outside the repository at ../shared/fixtures/orchest ` +
        '(relative to the repository folder; CI provides them): put that folder there to run these tests.',
    );
  }
  return dir;
}
