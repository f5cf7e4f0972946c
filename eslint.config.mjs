// Lint rules: type-aware, with floating promises as errors (a forgotten await loses errors).
import eslint from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/**', 'out/**', 'node_modules/**', '.cache/**', '.venv/**', 'dbt-sample/**', 'media/vendor/**', 'test-results/**', '**/*.d.ts'] },
  eslint.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/restrict-template-expressions': ['error', { allowNumber: true, allowBoolean: true }],
      eqeqeq: ['error', 'always', { null: 'ignore' }],
      'no-console': 'off',
    },
  },
  {
    // Pure core, thin shell: these folders run without VS Code (unit tests, the CLI, the webview
    // sandbox) and never reach up into the editor's shell; shared types live in the lowest folder.
    files: ['src/{core,simulator,outbox,pipeline,warehouse,dbt,authoring,cli,webview}/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [{ name: 'vscode', message: 'Pure folders do not import vscode: put editor code in src/views, src/commands, src/language or src/tasks.' }],
          patterns: [
            {
              group: ['**/views/*', '**/commands/*', '**/language/*', '**/tasks/*', '**/ctx', '**/extension', '**/config', '**/lazy'],
              message: 'Dependencies point down: a pure folder never imports the editor shell (move the shared code below both).',
            },
          ],
        },
      ],
    },
  },
  {
    // Tests hand async callbacks to code under test; some have nothing to await.
    files: ['test/**/*.ts'],
    rules: { '@typescript-eslint/require-await': 'off' },
  },
  {
    files: ['**/*.mjs', '**/*.js'],
    extends: [tseslint.configs.disableTypeChecked],
    rules: { '@typescript-eslint/no-require-imports': 'off' },
    languageOptions: { globals: { console: 'readonly', process: 'readonly', require: 'readonly', __dirname: 'readonly', __filename: 'readonly', module: 'writable', Buffer: 'readonly', setTimeout: 'readonly', URL: 'readonly' } },
  },
);
