// Entry point of an instance's supervisor process (spawned detached by `berth instance start`).
import { closeSync, writeSync } from 'node:fs';
import { enableCompileCache } from 'node:module';
import { text } from 'node:stream/consumers';

enableCompileCache();
const { instanceRuntimeConfig } = await import('./instance-runtime-config.ts');
const { RuntimeRegistry } = await import('../runtimes/runtime-registry.ts');
const { InstanceSupervisor } = await import('./instance-supervisor.ts');
const { REPORT_FD } = await import('./supervisor-protocol.ts');
type SupervisorOrder = import('./supervisor-protocol.ts').SupervisorOrder;
type SupervisorReport = import('./supervisor-protocol.ts').SupervisorReport;

const log = (line: string): void => void process.stderr.write(`${new Date().toISOString()} ${line}\n`);
let reported = false;
const report = (r: SupervisorReport): void => {
  if (reported) return;
  reported = true;
  try {
    writeSync(REPORT_FD, `${JSON.stringify(r)}\n`);
    closeSync(REPORT_FD);
  } catch {
    // The starter is gone: nobody waits for the answer.
  }
};

let code = 1;
try {
  const given = await text(process.stdin);
  // Started ahead of its order, then not needed (the start was refused, or the starter died): nothing to do, nothing to log.
  if (given === '') process.exit(0);
  const order = JSON.parse(given) as SupervisorOrder;
  process.title = `berth instance: ${order.owner} [${order.name}]`;
  const config = instanceRuntimeConfig(order.config);
  const runtimes = new RuntimeRegistry(config);
  const driver = await runtimes.driver(order.runtime);
  let closeStore = async (): Promise<void> => {};
  const instances = async () => {
    const { openInstanceStore } = await import('../store/open-instance-store.ts');
    const store = await openInstanceStore(config.database);
    closeStore = () => store.close();
    return store.repo;
  };
  const supervisor = new InstanceSupervisor({ order, instances, driver, defaultGraceMs: config.stopGraceMs, log });
  for (const signal of ['SIGTERM', 'SIGINT'] as const) process.on(signal, () => supervisor.requestStop(signal));
  process.on('SIGHUP', () => undefined);
  try {
    code = await supervisor.run(report);
  } finally {
    await runtimes.close();
    await closeStore();
  }
} catch (e) {
  log(`[berth] instance supervisor failed: ${e instanceof Error ? e.message : String(e)}`);
  report({ ok: false, error: { code: 'BERTH_E_INSTANCE_START', message: `the instance supervisor failed: ${e instanceof Error ? e.message : String(e)}`, problems: [] } });
}
process.exit(code);
