import type { BerthConfig } from '../config/config.ts';
import type { Engine } from '../engine/engine.ts';

/** What every command gets: config, output streams, and a lazily opened engine. */
export interface CliContext {
  config: BerthConfig;
  out: (text: string) => void;
  err: (text: string) => void;
  /** Opens the in-process engine on first use. */
  engine: () => Promise<Engine>;
}

export function makeCliContext(config: BerthConfig): CliContext & { close: () => Promise<void> } {
  let engine: Promise<Engine> | null = null;
  return {
    config,
    out: (text) => process.stdout.write(text.endsWith('\n') ? text : `${text}\n`),
    err: (text) => process.stderr.write(text.endsWith('\n') ? text : `${text}\n`),
    engine: () => (engine ??= import('../engine/engine.ts').then(({ Engine }) => Engine.open(config))),
    close: async () => {
      if (engine) await (await engine).close();
    },
  };
}
