/**
 * An interactive program on a terminal (an environment shell): bytes in, bytes out, a window size.
 * The process runtime gives it a pseudo-terminal (process/pty-command.ts), Docker a container with
 * a TTY (docker/container-terminal.ts).
 */
export interface Terminal {
  /** The host process id (process runtime), for tests and logs. */
  readonly pid?: number;
  /** The container's id (Docker). */
  readonly containerId?: string;
  /** Output; what came before the first listener is replayed to it. */
  onData(listener: (chunk: Buffer) => void): void;
  write(data: string | Buffer): void;
  resize(cols: number, rows: number): void;
  /** Resolves with the program's exit code (null: killed or unknown) once it has ended. */
  readonly exited: Promise<number | null>;
  /** Ends the program and everything it started (idempotent); resolves when it is gone. */
  close(): Promise<void>;
}

/** A terminal's output fan-out: what is emitted before the first listener is kept and replayed to it. */
export function outputRelay(): { emit: (chunk: Buffer) => void; onData: (listener: (chunk: Buffer) => void) => void } {
  const listeners: Array<(chunk: Buffer) => void> = [];
  const buffered: Buffer[] = [];
  return {
    emit: (chunk) => (listeners.length ? listeners.forEach((l) => l(chunk)) : void buffered.push(chunk)),
    onData(listener) {
      listeners.push(listener);
      for (const chunk of buffered.splice(0)) listener(chunk);
    },
  };
}
