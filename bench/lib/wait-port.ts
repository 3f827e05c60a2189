/**
 * `node bench/lib/wait-port.ts HOST:PORT…`: polls until every address accepts a connection, with
 * the same probe and interval Berth's session readiness uses (so the baseline waits the same way).
 */
import { setTimeout as delay } from 'node:timers/promises';
import { accepts } from '../../src/services/service-readiness.ts';

const targets = process.argv.slice(2).map((a) => ({ host: a.slice(0, a.lastIndexOf(':')), port: Number(a.slice(a.lastIndexOf(':') + 1)) }));
const deadline = Date.now() + 120_000;
while (!(await Promise.all(targets.map(accepts))).every(Boolean)) {
  if (Date.now() > deadline) process.exit(1);
  await delay(100);
}
