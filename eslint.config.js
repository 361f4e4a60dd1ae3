import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import globals from 'globals';

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'data/**', 'coverage/**', 'admin/dist/**', 'packages/*/dist/**', 'packages/client/src/schema.ts'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node }, ecmaVersion: 2023, sourceType: 'module' },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'off',
      'no-console': 'off',
    },
  },
  {
    // On Node 20 any AsyncLocalStorage in use turns promise hooks on for every promise of the process (10–15 % of the CPU
    // of a request and of a Xelion call): the log context and the outbound watch are passed explicitly (src/common/run-scope.ts).
    files: ['src/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { paths: [{ name: 'node:async_hooks', message: 'Pass the context explicitly (src/common/run-scope.ts, common/logging/request-context.ts).' }, { name: 'async_hooks', message: 'Pass the context explicitly.' }] }],
    },
  },
  {
    // The Xelion dialect belongs in src/xelion/ (docs/xelion-client.md); test/unit/provisioning-dialect.spec.ts checks the rest.
    files: ['src/provisioning/**/*.ts'],
    rules: {
      'no-restricted-syntax': [
        'error',
        { selector: "Property[key.name='objectType']", message: 'Xelion object types belong in src/xelion/.' },
        { selector: "Property[key.name='op']", message: 'PATCH operations are built by the Xelion client (src/xelion/).' },
        { selector: "Literal[value=/^\\/(addressables|users|phonelines|phones|trunks)\\b/]", message: 'Xelion paths belong in src/xelion/.' },
      ],
    },
  },
);
