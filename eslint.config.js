import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import globals from 'globals';
import capacity from './scripts/lint/layers.js';

export default tseslint.config(
  { ignores: ['dist/', '**/dist/', 'node_modules/', '.tools/', '.capacity/', 'results/', 'coverage/', '.venv-locust/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node } },
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-console': 'off',
    },
  },
  {
    // The layering of docs/architecture.md: imports in src/ point down only.
    files: ['src/**/*.ts', 'src/**/*.tsx'],
    plugins: { capacity },
    rules: { 'capacity/layers': 'error' },
  },
  {
    // k6 scripts run inside k6's JavaScript runtime, not Node.
    files: ['src/engines/k6/scripts/**/*.js'],
    languageOptions: { globals: { __ENV: 'readonly', __VU: 'readonly', __ITER: 'readonly', open: 'readonly' } },
  },
);
