// Lint: typescript-eslint's type-aware rules that catch real bugs (floating promises above all) plus
// the house rules the compiler cannot see. `npm test` runs it; layer rules are .dependency-cruiser.cjs.
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['node_modules/', 'dist/', 'web/dist/', 'web/src/api/schema.d.ts', 'test/e2e/screenshots/', 'bench/results/'] },
  {
    files: ['**/*.ts', '**/*.tsx'],
    languageOptions: {
      parser: tseslint.parser,
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    plugins: { '@typescript-eslint': tseslint.plugin },
    rules: {
      '@typescript-eslint/no-floating-promises': [
        'error',
        { allowForKnownSafeCalls: [{ from: 'package', package: 'node:test', name: ['describe', 'it', 'test', 'suite', 'before', 'after', 'beforeEach', 'afterEach'] }] },
      ],
      '@typescript-eslint/no-misused-promises': ['error', { checksVoidReturn: false }],
      '@typescript-eslint/await-thenable': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' }],
      'no-restricted-syntax': [
        'error',
        { selector: 'TSEnumDeclaration', message: 'no enums: use an `as const` union (erasable TypeScript)' },
        { selector: 'TSParameterProperty', message: 'no parameter properties (erasable TypeScript): assign fields in the constructor' },
      ],
    },
  },
  {
    // Only src/config/ reads the environment (the step SDK runs inside steps and reads theirs).
    files: ['src/**/*.ts'],
    ignores: ['src/config/**', 'src/sdk/**'],
    rules: {
      'no-restricted-properties': ['error', { object: 'process', property: 'env', message: 'read configuration in src/config/ and pass it in' }],
    },
  },
);
