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
    // The workflow gateway (src/temporal/workflows.ts) is the one way to start, signal, update
    // or query a workflow, and the one builder of workflow ids, their policies and search
    // attributes. bench/doi.ts's no-op baseline measures the raw client on purpose.
    files: ['src/**/*.ts', 'activities/**/*.ts', 'bench/**/*.ts'],
    ignores: ['src/temporal/workflows.ts', 'bench/doi.ts'],
    rules: {
      'no-restricted-syntax': [
        'error',
        {
          selector:
            "MemberExpression[object.property.name='workflow'][property.name=/^(start|execute|getHandle|signalWithStart|list)$/]",
          message: 'Reach workflows through the workflow gateway (src/temporal/workflows.ts).',
        },
        {
          selector:
            'Property[key.name=/^(typedSearchAttributes|workflowIdReusePolicy|workflowIdConflictPolicy)$/]',
          message:
            'Search attributes and id policies come from the workflow gateway (src/temporal/workflows.ts).',
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
