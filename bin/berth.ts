#!/usr/bin/env node
import { enableCompileCache } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { freshBundleEntry } from '../src/bundle/bundle-manifest.ts';

// Caches compiled (and type-stripped) modules between invocations: halves start-up time.
enableCompileCache();
// The bundle `npm install` built (scripts/build-cli.ts) when it matches the sources, else the sources.
const bundle = freshBundleEntry(fileURLToPath(new URL('..', import.meta.url)));
const { main } = (await import(bundle ? pathToFileURL(bundle).href : '../src/cli/main.ts')) as typeof import('../src/cli/main.ts');
process.exitCode = await main(process.argv.slice(2));
