import { StringDecoder } from 'node:string_decoder';
import type { RunEvent } from '../runs/run-events.ts';
import type { BerthBackend } from './backend/berth-backend.ts';
import type { paint } from './format.ts';

const PREFIX_COLORS = ['cyan', 'yellow', 'green', 'bold'] as const;

/**
 * `berth run --follow`: from each step-started event on, streams that step's log to `out`, every
 * line prefixed by the step's title (as `docker compose up` prefixes by service). `done()` resolves
 * once every followed step has ended and its last line is out.
 */
export function stepOutputFollower(backend: BerthBackend, out: (line: string) => void, err: (line: string) => void, color: ReturnType<typeof paint>) {
  const following: Promise<void>[] = [];
  let n = 0;
  const follow = async (runUuid: string, stepUuid: string, title: string, tint: (typeof PREFIX_COLORS)[number]) => {
    const prefix = color(tint, `${title} |`);
    const { chunks } = await backend.stepLog(runUuid, stepUuid, { follow: true });
    if (!chunks) return;
    const decoder = new StringDecoder('utf8');
    let rest = '';
    for await (const chunk of chunks) {
      const lines = (rest + decoder.write(chunk)).split('\n');
      rest = lines.pop()!;
      for (const line of lines) out(`${prefix} ${line}`);
    }
    rest += decoder.end();
    if (rest !== '') out(`${prefix} ${rest}`);
  };
  return {
    observe(e: RunEvent): void {
      if (e.type !== 'step-started') return;
      const tint = PREFIX_COLORS[n++ % PREFIX_COLORS.length]!;
      following.push(follow(e.runUuid, e.stepUuid, e.title, tint).catch((x: unknown) => err(`(cannot follow the output of "${e.title}": ${x instanceof Error ? x.message : String(x)})`)));
    },
    async done(): Promise<void> {
      await Promise.all(following);
    },
  };
}
