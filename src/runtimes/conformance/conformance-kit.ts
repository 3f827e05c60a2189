import { randomUUID } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, realpathSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import type { OwnerLabels, RuntimeDriver, WorkloadHandle, WorkloadSpec } from '../driver.ts';

export type MakeDriver = (stateDir: string) => RuntimeDriver;

/** Workloads get a complete environment; this PATH finds sh and sleep on hosts and in busybox images. */
const PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

/** Drivers, specs and temp folders for the conformance cases; tearDown removes whatever a case left running. */
export class ConformanceKit {
  readonly #makeDriver: MakeDriver;
  readonly #image: string | undefined;
  #root = '';
  readonly #drivers: RuntimeDriver[] = [];
  readonly #started: Array<{ driver: RuntimeDriver; handle: WorkloadHandle }> = [];

  constructor(makeDriver: MakeDriver, image: string | undefined) {
    this.#makeDriver = makeDriver;
    this.#image = image;
  }

  setUp(): void {
    this.#root = realpathSync(mkdtempSync(join(tmpdir(), 'berth-conformance-')));
  }

  async tearDown(): Promise<void> {
    for (const { driver, handle } of this.#started) await driver.remove(handle).catch(() => undefined);
    for (const driver of this.#drivers) await driver.destroy().catch(() => undefined);
    rmSync(this.#root, { recursive: true, force: true });
  }

  /** A fresh state folder; pass it to several `driver()` calls to play a restarted Berth. */
  stateDir(): string {
    return mkdtempSync(join(this.#root, 'state-'));
  }

  async driver(stateDir = this.stateDir()): Promise<RuntimeDriver> {
    const driver = this.#makeDriver(stateDir);
    this.#drivers.push(driver);
    await driver.init();
    return driver;
  }

  /** A label value no other case (or earlier run against the same backend) uses. */
  uniqueLabel(): string {
    return `conf-${randomUUID().slice(0, 8)}`;
  }

  /** argv running `script` with POSIX sh; `args` become $1, $2, … */
  sh(script: string, ...args: string[]): string[] {
    return ['sh', '-c', script, 'sh', ...args];
  }

  /** cwd is a fresh host folder for host drivers and /tmp for isolating ones. */
  spec(driver: RuntimeDriver, command: string[], extra: { env?: Record<string, string>; labels?: OwnerLabels } = {}): WorkloadSpec {
    const id = this.uniqueLabel();
    const cwd = driver.capabilities.isolation ? '/tmp' : join(this.#root, 'work', id);
    if (!driver.capabilities.isolation) mkdirSync(cwd, { recursive: true });
    return {
      id,
      command,
      cwd,
      env: { PATH, ...extra.env },
      labels: extra.labels ?? { project: 'berth-conformance', step: id },
      image: this.#image,
      logPath: join(this.#root, 'logs', `${id}.log`),
    };
  }

  async start(driver: RuntimeDriver, spec: WorkloadSpec): Promise<WorkloadHandle> {
    const handle = await driver.start(spec);
    this.#started.push({ driver, handle });
    return handle;
  }

  async readLog(driver: RuntimeDriver, handle: WorkloadHandle, signal?: AbortSignal): Promise<string> {
    let text = '';
    for await (const chunk of driver.logs(handle, { follow: signal !== undefined, signal })) text += chunk.data;
    return text;
  }

  /** Resolves with the log once it contains `text`; fails (showing the log) after a generous deadline. */
  async waitForLog(driver: RuntimeDriver, handle: WorkloadHandle, text: string, timeoutMs = 30_000): Promise<string> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const log = await this.readLog(driver, handle);
      if (log.includes(text)) return log;
      if (Date.now() > deadline) throw new Error(`log of ${handle.id} never contained "${text}"; it holds:\n${log}`);
      await delay(50);
    }
  }

  /** For host drivers: whether a host pid still runs (a zombie, which no reaper may ever collect, does not). */
  isHostProcessAlive(pid: number): boolean {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'latin1');
      const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
      return state !== 'Z' && state !== 'X';
    } catch {
      return false;
    }
  }
}
