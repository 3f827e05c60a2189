import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, relative, resolve } from 'node:path';
import { BUNDLE_DIR, BUNDLE_MANIFEST, manifestOf } from '../src/bundle/bundle-manifest.ts';

/**
 * `npm install`'s prepare: bundles the CLI (src/cli/main.ts, its lazily loaded commands as chunks,
 * and kysely) and the instance supervisor into dist/cli so `berth` loads a few files instead of ~400 (start-up ~3x faster).
 * bin/berth.js uses the bundle only while the recorded stamps/hash of its sources match the files on
 * disk; otherwise it runs the sources. Packages other than kysely stay external (resolved from
 * node_modules at run time). Without esbuild (no dev dependencies) nothing is built.
 */
const root = resolve(import.meta.dirname, '..');
// Another folder under the repository (argument) is for tests: externals resolve from its node_modules.
const bundleDir = process.argv[2] ?? BUNDLE_DIR;
const outdir = join(root, bundleDir);
let esbuild: typeof import('esbuild');
try {
  createRequire(import.meta.url).resolve('esbuild');
  esbuild = await import('esbuild');
} catch {
  console.warn('[prepare] esbuild is not installed (dev dependencies omitted): berth runs from its sources.');
  process.exit(0);
}
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { dependencies: Record<string, string>; devDependencies: Record<string, string> };
const external = Object.keys({ ...pkg.dependencies, ...pkg.devDependencies }).filter((name) => name !== 'kysely');

/** A bundled module's `import.meta.url` must still name its source file (it finds siblings: SDK, launcher, package.json). */
const sourceUrls: import('esbuild').Plugin = {
  name: 'source-import-meta-url',
  setup(build) {
    build.onLoad({ filter: /\/src\/.*\.ts$/ }, (args) => {
      const text = readFileSync(args.path, 'utf8');
      if (!text.includes('import.meta.url')) return undefined;
      const rel = relative(outdir, args.path).split('\\').join('/');
      return { contents: text.replaceAll('import.meta.url', `new URL(${JSON.stringify(rel)}, import.meta.url).href`), loader: 'ts' };
    });
  },
};

// Old chunks are kept: a long-running berth (server, supervisor) may still import one lazily. Chunk
// names hash their content, so a rebuild never overwrites one with different code.
mkdirSync(outdir, { recursive: true });
const result = await esbuild.build({
  absWorkingDir: root,
  entryPoints: { berth: 'src/cli/main.ts', supervisor: 'src/instances/supervisor-main.ts' },
  outdir,
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node24',
  external,
  metafile: true,
  logLevel: 'warning',
  plugins: [sourceUrls],
});
const inputs = Object.keys(result.metafile.inputs).map((p) => relative(root, resolve(root, p)).split('\\').join('/'));
const manifest = manifestOf(root, inputs);
writeFileSync(join(outdir, BUNDLE_MANIFEST), `${JSON.stringify(manifest, null, 1)}\n`);
console.log(`[prepare] bundled the CLI from ${inputs.length} files into ${bundleDir}/ (used while those files are unchanged)`);
