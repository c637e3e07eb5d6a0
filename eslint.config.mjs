// ESLint (flat config) with typescript-eslint's recommended rules; `npm run lint` runs it and `.ci/run` calls that.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import globals from 'globals';

export default tseslint.config(
  { ignores: ['node_modules/', 'dist/', 'docs/', 'demo-out/', 'scratch/', 'test/e2e/output/', 'bench/results/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node, ...globals.jest } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', ignoreRestSiblings: true }],
      'prefer-const': ['error', { destructuring: 'all' }],
    },
  },
  // Pages loaded in the browser: tfjs and the package are globals there (UMD bundles).
  {
    files: ['test/browser/**/*.js', 'bench/browser/**/*.js', 'demo/web/**/*.js', 'test/e2e/fixtures/**/*.js'],
    languageOptions: { globals: { ...globals.browser, tf: 'readonly', jr: 'readonly' } },
  },
  // Demos, benchmarks, scripts and tests load optional or data packages lazily with require().
  {
    files: ['demo/**/*.ts', 'bench/**/*.ts', 'test/**/*.ts', 'scripts/**/*.ts'],
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
);
