import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';

/**
 * `npm install`'s prepare: builds the web UI into web/dist so `berth server` serves it on a fresh
 * clone. An install without dev dependencies (no Vite) skips the build and says so; the server then
 * answers / with how to build it. A failing build fails the install.
 */
try {
  createRequire(import.meta.url).resolve('vite');
} catch {
  console.warn('[prepare] Vite is not installed (dev dependencies omitted): the web UI is not built; run `npm install` with dev dependencies, then `npm run build:web`.');
  process.exit(0);
}
const result = spawnSync('npm', ['run', 'build:web'], { stdio: 'inherit' });
process.exit(result.status ?? 1);
