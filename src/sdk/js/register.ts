/**
 * `node --import <this file's URL>`: makes the bare specifier `berth` resolve to the SDK in every
 * module of the process (import and require), so steps need nothing installed.
 */
import { registerHooks } from 'node:module';

const SDK_URL = new URL('./index.ts', import.meta.url).href;
const flag = Symbol.for('berth.sdk.registered');
const state = globalThis as { [flag]?: boolean };

if (!state[flag]) {
  state[flag] = true;
  registerHooks({
    resolve(specifier, context, nextResolve) {
      if (specifier === 'berth') return { url: SDK_URL, shortCircuit: true };
      return nextResolve(specifier, context);
    },
  });
}
