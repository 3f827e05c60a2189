import type { Kysely } from 'kysely';
import type { BerthConfig, RuntimeName } from '../config/config.ts';
import type { Logger } from '../log.ts';
import type { WorkloadHandle } from '../runtimes/driver.ts';
import type { StepRuntimes } from '../runs/step-runtimes.ts';
import type { SessionRepository, SessionRow } from '../store/session-repository.ts';
import { ServiceSessionRepository } from '../store/service-session-repository.ts';
import type { Database } from '../store/tables.ts';
import { killSessionKernels } from './session-jupyter.ts';
import { stopSessionGit } from './session-git.ts';

/**
 * Ends what a session leaves: its workloads (recorded ones and any found by label, last started
 * first), on the process runtime the kernels that outlived its Jupyter server, the tickets, browser
 * sessions and short host labels of its services (decision 0008), and then its kernels' `stopped`
 * events (decision 0019, through `onTeardown`).
 */
export class SessionTeardown {
  readonly #config: BerthConfig;
  readonly #runtimes: StepRuntimes;
  readonly #rows: SessionRepository;
  readonly #access: ServiceSessionRepository;
  readonly #log: Logger;
  readonly #onTeardown: ((sessionUuid: string) => Promise<void>) | undefined;

  constructor(deps: { db: Kysely<Database>; config: BerthConfig; runtimes: StepRuntimes; rows: SessionRepository; log: Logger; onTeardown?: (sessionUuid: string) => Promise<void> }) {
    this.#config = deps.config;
    this.#runtimes = deps.runtimes;
    this.#rows = deps.rows;
    this.#access = new ServiceSessionRepository(deps.db);
    this.#log = deps.log;
    this.#onTeardown = deps.onTeardown;
  }

  /** Stops and removes the session's workloads, last started first, and forgets its services' browser access. */
  async run(row: SessionRow): Promise<void> {
    const runtime = await this.#runtimes.get(row.runtime as RuntimeName);
    const recorded = (await this.#rows.services(row.uuid)).map((s) => parseHandle(s.handle_json)).filter((h): h is WorkloadHandle => h !== null);
    const found = await runtime.driver.list({ session: row.uuid });
    const handles = [...recorded.reverse(), ...found.filter((f) => !recorded.some((r) => r.id === f.id))];
    for (const handle of handles) {
      await runtime.driver.stop(handle, { graceMs: this.#config.stopGraceMs });
      await runtime.driver.remove(handle);
    }
    if (!runtime.driver.capabilities.isolation) this.sweepKernels(row.uuid);
    await stopSessionGit(this.#config.home, row.uuid);
    // Tickets, browser sessions and short host labels of its services open nothing any more.
    await this.#access.deleteForSession(row.project_uuid, row.uuid);
    await this.#onTeardown?.(row.uuid).catch((e: unknown) => this.#log.warn({ session: row.uuid, err: String(e) }, 'recording the kernels stopped failed'));
  }

  /** Kernels of the session's Jupyter server that outlived it (they run in process sessions of their own). */
  sweepKernels(sessionUuid: string): void {
    const killed = killSessionKernels(this.#config.home, sessionUuid);
    if (killed.length) this.#log.warn({ session: sessionUuid, pids: killed }, 'ended kernels that outlived the session\'s Jupyter server');
  }
}

function parseHandle(json: string | null): WorkloadHandle | null {
  return json ? (JSON.parse(json) as WorkloadHandle) : null;
}
