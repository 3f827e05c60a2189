import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { hostname } from 'node:os';
import { Writable } from 'node:stream';
import { after, describe, it } from 'node:test';
import { pino } from 'pino';
import { loadConfig } from '../../src/config/config.ts';
import { Engine } from '../../src/engine/engine.ts';
import { readProcStat } from '../../src/leases/proc-stat.ts';
import { openStore } from '../../src/store/open-store.ts';
import { pipeline, Sandbox, writePipeline } from '../helpers/berth-cli.ts';

describe('a run whose recorded owner pid now belongs to another process', () => {
  const box = new Sandbox();
  box.file('steps/ok.sh', 'echo ok\n');
  const file = writePipeline(box, 'p.orchest', pipeline('p', [{ title: 'Ok', file: 'steps/ok.sh' }]));
  const stranger = spawn('sleep', ['60']);
  after(() => {
    stranger.kill('SIGKILL');
    box.cleanup();
  });

  /** Marks the run STARTED and owned by `stranger` (with the given start time), then reopens the engine, which reconciles. */
  async function ownedByStranger(runUuid: string, start: number): Promise<{ status: string; reason: string | null; log: string }> {
    const config = loadConfig(box.env());
    const db = await openStore(config.dbPath);
    await db.updateTable('runs').set({ status: 'STARTED', finished_at: null, reason: null, owner_pid: stranger.pid!, owner_host: hostname(), owner_start: start }).where('uuid', '=', runUuid).execute();
    await db.destroy();
    let log = '';
    const sink = new Writable({ write: (chunk: Buffer, _enc, done) => ((log += chunk.toString()), done()) });
    const engine = await Engine.open(config, { logger: pino({ level: 'info' }, sink) });
    try {
      const { run } = await engine.report(runUuid);
      return { status: run.status, reason: run.reason, log };
    } finally {
      await engine.close();
    }
  }

  it('is ended as FAILURE when the pid was reused (start time differs), and left alone when it is the owner', async () => {
    await once(stranger, 'spawn');
    const engine = await Engine.open(loadConfig(box.env()));
    const report = await engine.runPipeline({ pipelinePath: file });
    await engine.close();
    assert.equal(report.run.status, 'SUCCESS');
    const realStart = readProcStat(stranger.pid!)!.startTime;

    const live = await ownedByStranger(report.run.uuid, realStart);
    assert.equal(live.status, 'STARTED', 'its real owner still runs: the run is left to it');

    const reused = await ownedByStranger(report.run.uuid, realStart - 1);
    assert.equal(reused.status, 'FAILURE');
    assert.match(reused.reason ?? '', new RegExp(`pid ${stranger.pid}\\) running this run exited`));
    const correction = reused.log.split('\n').filter(Boolean).map((l) => JSON.parse(l) as { msg: string; run?: string; level: number });
    assert.ok(correction.some((l) => l.run === report.run.uuid && l.level === 40 && l.msg.startsWith('reconcile: run marked FAILURE')), `the correction is logged: ${reused.log}`);
    assert.equal(live.log.includes('reconcile: run marked FAILURE'), false);
  });
});
