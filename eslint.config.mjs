// Lint rules that keep the architecture honest: workflow code runs in Temporal's
// deterministic sandbox, so it may import only workflow-safe modules.
import { builtinModules } from 'node:module';
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

const nodeBuiltins = builtinModules.flatMap((name) => [name, `node:${name}`]);

export default tseslint.config(
  { ignores: ['node_modules/', 'dist/', 'coverage/', '.data/', '.tools/', 'ui/dist/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
    },
  },
  {
    files: ['workflows/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [
            ...nodeBuiltins.map((name) => ({
              name,
              message: 'Workflows run in a deterministic sandbox: no Node built-ins.',
            })),
            ...['mongoose', 'mongodb', 'express', 'nodemailer', 'pino'].map((name) => ({
              name,
              message: 'Workflows never touch I/O libraries; call an activity instead.',
            })),
          ],
          patterns: [
            {
              group: ['**/src/config', '**/src/config.*', '**/src/db/**', '**/src/api/**'],
              message: 'Workflows may not read configuration or reach the database or API.',
            },
            {
              group: ['**/activities', '**/activities/**'],
              allowTypeImports: true,
              message: 'Workflows import activity types only (`import type`).',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['ui/**/*.js'],
    languageOptions: {
      globals: { document: 'readonly', fetch: 'readonly', setInterval: 'readonly' },
    },
  },
  {
    files: ['**/*.js', '**/*.mjs', '**/*.cjs'],
    languageOptions: {
      globals: {
        process: 'readonly',
        console: 'readonly',
        require: 'readonly',
        module: 'writable',
        __dirname: 'readonly',
      },
    },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
);
