import { BerthError } from '../errors.ts';
import type { Engine } from './engine.ts';
import type { ProjectWork } from '../projects/project-catalog.ts';

/**
 * Ends everything active in a project before a forced delete: jobs cancelled (no new batches), runs
 * cancelled, sessions stopped, services removed by `removeService`. Services run in a server: without
 * `removeService` (the CLI's own store) a project with services is refused before anything stops.
 */
export async function stopProjectWork(engine: Engine, work: ProjectWork, removeService: ((name: string) => Promise<void>) | null): Promise<void> {
  if (work.services.length > 0 && removeService === null) {
    throw new BerthError('BERTH_E_CONFLICT', `the project has services (${work.services.join(', ')}), which run inside a Berth server`, {
      problems: [{ path: 'project', message: 'services cannot be stopped from here', fix: 'delete the project through the server (BERTH_ENDPOINT), or remove its services first with `berth service rm`' }],
    });
  }
  for (const job of work.jobs) await engine.jobs.cancel(job).catch(ignoreEnded);
  for (const run of work.runs) await engine.cancelRun(run);
  for (const session of work.sessions) await engine.sessions.stopByUuid(session.uuid);
  for (const name of work.services) await removeService!(name);
}

/** A job that ended meanwhile cannot be cancelled: that is fine here. */
function ignoreEnded(e: unknown): void {
  if (!(e instanceof BerthError && e.code === 'BERTH_E_JOB_STATE')) throw e;
}
