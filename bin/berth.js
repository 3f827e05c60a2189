#!/usr/bin/env node
// The `berth` command. Plain JavaScript on purpose: a .ts entry would be type-stripped before the
// compile cache is on (~35 ms of WebAssembly start-up on every invocation); everything it imports
// after enableCompileCache() comes from the cache.
import './require-node-24.cjs'; // first: an older Node.js gets one clear message, not an import error below
import nodeModule from 'node:module'; // the default export: named imports are checked before any code runs
import { fileURLToPath, pathToFileURL } from 'node:url';

// Caches compiled (and type-stripped) modules between invocations: halves start-up time.
nodeModule.enableCompileCache();
const { freshBundleEntry } = await import('../src/bundle/bundle-manifest.ts');
// The bundle `npm install` built (scripts/build-cli.ts) when it matches the sources, else the sources.
const bundle = freshBundleEntry(fileURLToPath(new URL('..', import.meta.url)));
const { main } = await import(bundle ? pathToFileURL(bundle).href : '../src/cli/main.ts');
process.exitCode = await main(process.argv.slice(2));
