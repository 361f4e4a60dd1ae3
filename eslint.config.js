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
