// Lint the TypeScript sources; compiled output, user dirs and vendored assets are not ours to lint.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import globals from 'globals';

export default tseslint.config(
  { ignores: ['dist/**', 'dist-*/**', 'node_modules/**', '.ferretwatch/**', 'examples/**', 'dashboard/dist/**', 'test-artifacts/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/no-explicit-any': 'off',
      'no-constant-condition': ['error', { checkLoops: false }],
    },
  },
  {
    files: ['scripts/**/*.js', '**/*.cjs'],
    languageOptions: { sourceType: 'commonjs', globals: { ...globals.node } },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
  {
    // Node-RED's constructor pattern (`const node = this`) is how its own nodes are written.
    files: ['nodes/**/*.ts'],
    rules: { '@typescript-eslint/no-this-alias': 'off' },
  },
  {
    // Commands are loaded by name at run time, each only when asked for.
    files: ['cli/ferretwatch.ts'],
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
  {
    // Runtime must stay usable without Node-RED: it may never import it.
    files: ['runtime/**/*.ts'],
    rules: { 'no-restricted-imports': ['error', { patterns: ['node-red', 'node-red/*', '@node-red/*'] }] },
  },
);
