// Berth's layer rules (docs/architecture.md): a folder may import only folders of its own layer or
// below, never one above, and no module takes part in an import cycle. `npm test` runs this.
const LAYERS = [
  ['errors.ts', 'log.ts', 'config', 'core', 'bundle', 'http'],
  ['store'],
  ['auth', 'events', 'leases'],
  ['runtimes'],
  ['environments'],
  ['projects'],
  ['runs'],
  ['services'],
  ['sessions'],
  ['instances'],
  ['jobs'],
  ['engine'],
  ['proxy'],
  ['server'],
  ['cli'],
];
const re = (names) => `^src/(${names.map((n) => n.replace('.', '\\.')).join('|')})(/|$)`;
const forbidden = [
  { name: 'no-cycles', severity: 'error', comment: 'modules in an import cycle', from: {}, to: { circular: true } },
  { name: 'core-is-pure', severity: 'error', comment: 'core/ is the pure domain: no infrastructure', from: { path: '^src/core/' }, to: { dependencyTypes: ['npm', 'core'], pathNot: '^(node:)?(path|util|crypto)$' } },
  { name: 'sdk-stands-alone', severity: 'error', comment: 'the step SDK runs inside steps: it imports nothing of the server', from: { path: '^src/sdk/' }, to: { path: '^src/', pathNot: '^src/sdk/' } },
  { name: 'nothing-imports-sdk', severity: 'error', comment: 'the SDK is loaded by steps, never imported by Berth', from: { path: '^src/', pathNot: '^src/sdk/' }, to: { path: '^src/sdk/' } },
];
LAYERS.forEach((layer, i) => {
  const above = LAYERS.slice(i + 1).flat();
  if (above.length === 0) return;
  forbidden.push({ name: `layer-${layer.join('-')}`, severity: 'error', comment: `${layer.join(', ')} may not import a higher layer (${above.join(', ')})`, from: { path: re(layer) }, to: { path: re(above) } });
});
module.exports = {
  forbidden,
  options: {
    doNotFollow: { path: 'node_modules' },
    includeOnly: '^src/',
    exclude: { path: '\\.test\\.ts$' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { extensions: ['.ts', '.js'] },
  },
};
