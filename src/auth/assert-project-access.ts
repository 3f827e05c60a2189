import { BerthError } from '../errors.ts';
import type { Project } from '../store/project-repository.ts';
import type { Principal } from './token-registry.ts';

/** Throws 403 unless the principal may act on the project. */
export function assertProjectAccess(principal: Principal, project: Project): void {
  if (principal.scope === 'admin' || principal.projectUuid === project.uuid) return;
  throw new BerthError('BERTH_E_FORBIDDEN', `this token is not allowed to use project "${project.name}"`, {
    problems: [{ path: 'Authorization', message: 'the token belongs to another project', fix: `use an admin token or a token of project "${project.name}"` }],
  });
}
