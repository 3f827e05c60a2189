import type { RunEvent } from '../runs/run-events.ts';

type Listener = (event: RunEvent) => void;

/**
 * Fans out the progress events of runs executing in this server to the clients watching them
 * (the run-events SSE route). Only runs started by this process publish; a listener that throws
 * is dropped without disturbing the run.
 */
export class RunEventHub {
  readonly #listeners = new Map<string, Set<Listener>>();

  /** Passed to Engine.runPipeline as `observe`. */
  readonly publish = (event: RunEvent): void => {
    for (const listener of this.#listeners.get(event.runUuid) ?? []) {
      try {
        listener(event);
      } catch {
        this.#listeners.get(event.runUuid)?.delete(listener);
      }
    }
  };

  /** Calls `listener` with every later event of the run; returns the unsubscribe function. */
  subscribe(runUuid: string, listener: Listener): () => void {
    let set = this.#listeners.get(runUuid);
    if (!set) this.#listeners.set(runUuid, (set = new Set()));
    set.add(listener);
    return () => {
      set.delete(listener);
      if (set.size === 0 && this.#listeners.get(runUuid) === set) this.#listeners.delete(runUuid);
    };
  }
}
