import { after, before, describe } from 'node:test';
import type { RuntimeDriver } from '../driver.ts';
import { ConformanceKit } from './conformance-kit.ts';
import { lifecycleCases } from './lifecycle-cases.ts';
import { outputCases } from './output-cases.ts';
import { registryCases } from './registry-cases.ts';
import { stopCases } from './stop-cases.ts';

/**
 * Registers the behaviour every RuntimeDriver must show on a real backend. `makeDriver` may be
 * called several times with the same state folder: that is a restarted Berth adopting workloads.
 * Workload commands use only POSIX sh features that busybox has; `image` goes into every spec.
 */
export function runDriverConformance(name: string, makeDriver: (stateDir: string) => RuntimeDriver, opts: { image?: string } = {}): void {
  describe(`${name} driver conformance`, () => {
    const kit = new ConformanceKit(makeDriver, opts.image);
    before(() => kit.setUp());
    after(() => kit.tearDown());
    lifecycleCases(kit);
    outputCases(kit);
    stopCases(kit);
    registryCases(kit);
  });
}
