// Lint rules that keep the architecture honest: each layer may import only the layers
// below it (docs/ARCHITECTURE.md, "Layers", draws the same picture), and workflow code
// runs in Temporal's deterministic sandbox, so it may import only workflow-safe modules.
import { builtinModules } from 'node:module';
import js from '@eslint/js';
import reactHooks from 'eslint-plugin-react-hooks';
import tseslint from 'typescript-eslint';

const nodeBuiltins = builtinModules.flatMap((name) => [name, `node:${name}`]);

// ---- Layers ---------------------------------------------------------------------------
// Product imports are relative, so a restriction names its target after `./` or any
// number of `../` and, seen from activities/ or workflows/, after `../src/`: from
// src/config.ts `./db/x`, from src/auth/x.ts `../db/x` and from src/api/routes/x.ts
// `../../db/x` all reach src/db. A match that names no real module (src/auth/db) is
// harmless. test/unit/layers.test.ts proves that wrong-direction imports fail.
const src = (names) => `^\\.{1,2}/(\\.\\./)*(src/)?(${names.join('|')})(/.*)?$`;

const noApi = {
  regex: src(['api']),
  message: 'Nothing below the api imports src/api; move what is shared down a layer.',
};
const noActivities = {
  regex: '^(\\.\\./)+activities(/.*)?$',
  message: 'Only the worker imports activities/; move what is shared to the layer it belongs to.',
};
const noLocal = {
  regex: src(['local']),
  message: 'src/local (embedded dev services) is for entry points, test helpers and bench only.',
};
const noEntryPoints = {
  regex: src(['server', 'worker', 'cli', 'commands', 'wiring']),
  message:
    'Entry points and the wiring module (src/wiring) import the layers they wire, never the other way round.',
};
// definitions.ts (ids, signals, input types) and failures.ts (failure types) are shared
// with the callers of workflows; the workflow code itself runs in the worker only.
const workflowCodeAsTypes = {
  regex: '^(\\.\\./)+workflows(/(?!(definitions|failures)$).*)?$',
  allowTypeImports: true,
  message:
    'Outside workflows/, only definitions.ts and failures.ts are imported; workflow code as `import type`.',
};
const noWorkflows = {
  regex: '^(\\.\\./)+workflows(/.*)?$',
  message: 'This layer knows nothing of workflows.',
};
// The database layer stores what workflows carry (a link use, a request's proof): it may
// name those types, never run workflow code.
const workflowTypesOnly = {
  regex: '^(\\.\\./)+workflows(/.*)?$',
  allowTypeImports: true,
  message: "src/db knows the workflows' contract as types only (`import type`).",
};
const dbImportsNoAuth = {
  regex: src(['auth']),
  message: 'src/db imports nothing above it: it opens and uses the database, nothing more.',
};
const dbImportsNoCommands = {
  regex: src([
    'consent',
    'tenants',
    'imports',
    'rights',
    'webhooks',
    'automations',
    'campaigns',
    'mail',
    'temporal',
  ]),
  message: 'src/db imports nothing above it: it opens and uses the database, nothing more.',
};

const restrict = (files, patterns, extra = {}) => ({
  files,
  ...extra,
  rules: { 'no-restricted-imports': ['error', { patterns }] },
});

/** What src/db may not import. */
const dbRestrictions = [
  noApi,
  noActivities,
  noLocal,
  noEntryPoints,
  workflowTypesOnly,
  dbImportsNoAuth,
  dbImportsNoCommands,
];

const layers = [
  // The api: routes, middleware, pages, presenters. It calls commands and domain modules,
  // src/db, the Temporal client side and src/mail; it never runs activities or dev services.
  restrict(['src/api/**/*.ts'], [noActivities, noLocal, noEntryPoints, workflowCodeAsTypes]),

  // Commands and domain modules: used by the api and by activities, never the reverse.
  restrict(
    ['src/{auth,consent,tenants,imports,rights,webhooks,automations,campaigns}/**/*.ts'],
    [noApi, noActivities, noLocal, noEntryPoints, workflowCodeAsTypes],
  ),

  // The Temporal client side and mail sit below the commands that use them.
  restrict(
    ['src/{mail,temporal}/**/*.ts'],
    [
      noApi,
      noActivities,
      noLocal,
      noEntryPoints,
      workflowCodeAsTypes,
      {
        regex: src([
          'auth',
          'consent',
          'tenants',
          'imports',
          'rights',
          'webhooks',
          'automations',
          'campaigns',
        ]),
        message: 'src/mail and src/temporal sit below the commands: they import none of them.',
      },
    ],
  ),

  // The database layer, below every command module.
  restrict(['src/db/**/*.ts'], dbRestrictions),

  // Plain domain values (email addresses, phone numbers).
  restrict(
    ['src/domain/**/*.ts'],
    [
      {
        regex: '^\\.\\./(?!errors$)',
        message:
          'src/domain imports nothing of the product but other domain modules and src/errors.',
      },
    ],
  ),

  // The error module every layer uses.
  restrict(
    ['src/errors.ts'],
    [{ regex: '^\\.', message: 'src/errors.ts is used by every layer and imports none.' }],
  ),

  // The wiring module builds every service of a process from the config: it may import
  // every layer (activities included, for the worker) but the dev services and entry points.
  restrict(['src/wiring/**/*.ts'], [noLocal, noEntryPoints, workflowCodeAsTypes]),

  // Shared infrastructure: configuration, logger, start-up errors, health, sweeps, utilities.
  restrict(
    [
      'src/config.ts',
      'src/sweeps.ts',
      'src/supervisor-status.ts',
      'src/config/**/*.ts',
      'src/logger.ts',
      'src/startup.ts',
      'src/health.ts',
      'src/util/**/*.ts',
    ],
    [
      {
        regex: src([
          'api',
          'auth',
          'consent',
          'tenants',
          'imports',
          'rights',
          'webhooks',
          'automations',
          'campaigns',
          'mail',
          'temporal',
          'db',
          'domain',
          'local',
          'server',
          'worker',
          'cli',
          'commands',
          'wiring',
        ]),
        message:
          'Configuration, logger, start-up and utilities sit below every layer and import none.',
      },
      noActivities,
      noWorkflows,
    ],
  ),

  // Embedded dev services; src/local/start.ts is the `npm start` entry point.
  restrict(['src/local/**/*.ts'], [noApi, noActivities, noEntryPoints, noWorkflows], {
    ignores: ['src/local/start.ts'],
  }),

  // Activities get their dependencies injected (never config or a logger of their own)
  // and use the modules below them.
  restrict(
    ['activities/**/*.ts'],
    [
      {
        regex:
          '^(\\.\\./)+src/(?!(db|mail|domain|consent|imports|rights|webhooks|automations|campaigns|tenants|backups|temporal|errors)(/|$))',
        message:
          'Activities use src/db, src/mail, src/domain, src/consent, src/imports, src/rights, src/webhooks, src/automations, src/campaigns, src/tenants, src/backups, src/temporal and src/errors only.',
      },
      workflowCodeAsTypes,
    ],
  ),

  // The console talks to the HTTP API only; of the server's code it shares the request
  // schemas (`@api/...`, src/api/schemas) its forms validate with, nothing else.
  restrict(
    ['ui/**/*.{ts,tsx}'],
    [
      {
        regex: '^(\\.\\./)+(src|workflows|activities|test|bench)(/.*)?$',
        message:
          'ui/ talks to the HTTP API only: of the server it imports the request schemas (`@api/...`), nothing else.',
      },
    ],
  ),
];

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
  ...layers,
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
              // No workflow imports anything from src/ today, so no module there is allowed;
              // a workflow-safe pure module would be named here as an exception.
              regex: '^(\\.\\./)+src(/.*)?$',
              message:
                'Workflows import nothing from src/ (no configuration, database or API); call an activity instead.',
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
    // or query a workflow or to keep a Schedule, and the one builder of workflow ids, their
    // policies and search attributes. bench/noop-baseline.ts measures the raw client on purpose.
    files: ['src/**/*.ts', 'activities/**/*.ts', 'bench/**/*.ts'],
    ignores: ['src/temporal/workflows.ts', 'bench/noop-baseline.ts'],
    rules: {
      'no-restricted-syntax': [
        'error',
        {
          // Any use of a client's workflow or Schedule API, called at once or taken apart first.
          selector:
            'MemberExpression[property.name=/^(workflow|schedule)$/], MemberExpression[computed=true][property.value=/^(workflow|schedule)$/], ObjectPattern > Property[key.name=/^(workflow|schedule)$/]',
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
    files: ['ui/**/*.{ts,tsx}'],
    plugins: { 'react-hooks': reactHooks },
    rules: reactHooks.configs.recommended.rules,
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
