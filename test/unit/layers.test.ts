/**
 * The layer rules of eslint.config.mjs fail an import against the intended direction and
 * let the intended ones through. Snippets are linted as if they were files of a layer.
 * ESLint runs in a child process: it loads its flat config with a dynamic import(), which
 * jest's module sandbox does not support.
 */
import { execFileSync } from 'node:child_process';
import { projectRoot } from '../../src/util/project-root';

interface Snippet {
  filePath: string;
  code: string;
}
interface Problem {
  ruleId: string | null;
  message: string;
}

const lintScript = `
const { ESLint } = require('eslint');
const snippets = JSON.parse(require('node:fs').readFileSync(0, 'utf8'));
(async () => {
  const eslint = new ESLint({ cwd: process.cwd() });
  const results = [];
  for (const { filePath, code } of snippets) {
    const [result] = await eslint.lintText(code, { filePath });
    results.push(result.messages.map(({ ruleId, message }) => ({ ruleId, message })));
  }
  process.stdout.write(JSON.stringify(results));
})().catch((err) => {
  console.error(err);
  process.exit(1);
});
`;

/** The problems ESLint reports for each snippet, with the project's own configuration. */
function lint(snippets: Snippet[]): Problem[][] {
  const out = execFileSync(process.execPath, ['-e', lintScript], {
    cwd: projectRoot,
    input: JSON.stringify(snippets),
    encoding: 'utf8',
  });
  return JSON.parse(out) as Problem[][];
}

/** [what, file it is linted as, code, a part of the rule's message] */
const wrong: [string, string, string, string][] = [
  [
    'src/db importing the api',
    'src/db/layer-fixture.ts',
    "import { notFoundHandler } from '../api/middleware/error-handler';\nexport const h = notFoundHandler;\n",
    'Nothing below the api imports src/api',
  ],
  [
    'src/db importing src/auth',
    'src/db/models/layer-fixture.ts',
    "import { prepareBruteForceStore } from '../../auth/brute-force';\nexport const p = prepareBruteForceStore;\n",
    'src/db imports nothing above it',
  ],
  [
    'a workflow importing mongoose',
    'workflows/layer-fixture.ts',
    "import mongoose from 'mongoose';\nexport const m = mongoose;\n",
    'Workflows never touch I/O libraries',
  ],
  [
    'a workflow importing a value from activities',
    'workflows/layer-fixture.ts',
    "import { createActivities } from '../activities';\nexport const c = createActivities;\n",
    'Workflows import activity types only',
  ],
  [
    'a workflow importing from src',
    'workflows/layer-fixture.ts',
    "import { AppError } from '../src/errors';\nexport const e = AppError;\n",
    'Workflows import nothing from src/',
  ],
  [
    'the api importing activities',
    'src/api/routes/layer-fixture.ts',
    "import { createActivities } from '../../../activities';\nexport const c = createActivities;\n",
    'Only the worker imports activities/',
  ],
  [
    'the api importing the embedded dev services',
    'src/api/layer-fixture.ts',
    "import { freePort } from '../local/ports';\nexport const f = freePort;\n",
    'src/local (embedded dev services) is for entry points',
  ],
  [
    'src/auth importing the api',
    'src/auth/layer-fixture.ts',
    "import { toHttpProblem } from '../api/middleware/error-handler';\nexport const t = toHttpProblem;\n",
    'Nothing below the api imports src/api',
  ],
  [
    'src/domain importing the database layer',
    'src/domain/layer-fixture.ts',
    "import { tenantIdPattern } from '../db/names';\nexport const t = tenantIdPattern;\n",
    'src/domain imports nothing of the product',
  ],
  [
    'an activity reading configuration',
    'activities/layer-fixture.ts',
    "import { loadConfig } from '../src/config';\nexport const l = loadConfig;\n",
    'Activities use src/db',
  ],
  [
    'configuration importing the database layer',
    'src/config.ts',
    "import { tenantIdPattern } from './db/names';\nexport const t = tenantIdPattern;\n",
    'Configuration, logger, start-up and utilities sit below every layer',
  ],
  [
    'the api importing workflow code as a value',
    'src/api/routes/layer-fixture.ts',
    "import { contactImportWorkflow } from '../../../workflows';\nexport const w = contactImportWorkflow;\n",
    'only definitions.ts and failures.ts are imported',
  ],
  [
    'src/mail importing a command module',
    'src/mail/layer-fixture.ts',
    "import { subscriberRow } from '../consent/subscription/subscriber-row';\nexport const r = subscriberRow;\n",
    'src/mail and src/temporal sit below the commands',
  ],
  [
    'a route importing the wiring module',
    'src/api/routes/layer-fixture.ts',
    "import { openApiServices } from '../../wiring/api';\nexport const o = openApiServices;\n",
    'Entry points and the wiring module (src/wiring) import the layers they wire',
  ],
  [
    'an activity importing the wiring module',
    'activities/layer-fixture.ts',
    "import { openWorkerServices } from '../src/wiring/worker';\nexport const o = openWorkerServices;\n",
    'Activities use src/db',
  ],
  [
    'the wiring module importing the embedded dev services',
    'src/wiring/layer-fixture.ts',
    "import { freePort } from '../local/ports';\nexport const f = freePort;\n",
    'src/local (embedded dev services) is for entry points',
  ],
  [
    'src/db importing a value from workflows',
    'src/db/layer-fixture.ts',
    "import { workflowKinds } from '../../workflows/definitions';\nexport const k = workflowKinds;\n",
    'src/db knows the workflows',
  ],
];

/** [what, file it is linted as, code] */
const right: [string, string, string][] = [
  [
    'a route using errors, the database layer, workflow definitions and a workflow type',
    'src/api/routes/layer-fixture.ts',
    [
      "import { notFound } from '../../errors';",
      "import { readableStatuses } from '../../db/models/tenant';",
      "import { workflowKinds } from '../../../workflows/definitions';",
      "import type { contactImportWorkflow } from '../../../workflows';",
      'export const used = [notFound, readableStatuses, workflowKinds];',
      'export type Started = typeof contactImportWorkflow;',
      '',
    ].join('\n'),
  ],
  [
    'the wiring module building activities and the app from the layers below it',
    'src/wiring/layer-fixture.ts',
    [
      "import { createActivities } from '../../activities';",
      "import type { AppDeps } from '../api/app';",
      "import { openDataLayer } from '../db/open';",
      'export const used = [createActivities, openDataLayer];',
      'export type Deps = AppDeps;',
      '',
    ].join('\n'),
  ],
  [
    'src/db naming a type the workflows carry',
    'src/db/layer-fixture.ts',
    "import type { LinkUse } from '../../workflows/definitions';\nexport type Use = LinkUse;\n",
  ],
  [
    'a workflow using activity types and the failure types',
    'workflows/layer-fixture.ts',
    [
      "import type { Activities } from '../activities';",
      "import { activityFailures } from './failures';",
      'export type Steps = Activities;',
      'export const types = activityFailures;',
      '',
    ].join('\n'),
  ],
  [
    'an activity using the database layer and the failure types',
    'activities/layer-fixture.ts',
    [
      "import { tenantIdPattern } from '../src/db/names';",
      "import { activityFailures } from '../workflows/failures';",
      'export const used = [tenantIdPattern, activityFailures];',
      '',
    ].join('\n'),
  ],
];

/** [what, file it is linted as, code]: reaching a workflow around the gateway. */
const bypass: [string, string, string][] = [
  [
    'a route starting a workflow with the raw client',
    'src/api/routes/layer-fixture.ts',
    "import type { Client } from '@temporalio/client';\nexport const go = (c: Client) => c.workflow.start('x', { taskQueue: 'q', workflowId: 'w' });\n",
  ],
  [
    'an activity taking the workflow API of a client apart',
    'activities/layer-fixture.ts',
    "import type { Client } from '@temporalio/client';\nexport const go = (c: Client) => {\n  const { workflow } = c;\n  return workflow;\n};\n",
  ],
  [
    'a command deleting a Schedule with the raw client',
    'src/consent/layer-fixture.ts',
    "import type { Client } from '@temporalio/client';\nexport const drop = (c: Client) => c.schedule.getHandle('s').delete();\n",
  ],
  [
    'an activity taking the workflow API apart in its parameters',
    'activities/layer-fixture.ts',
    "import type { Client } from '@temporalio/client';\nexport const go = ({ workflow }: Client) => workflow;\n",
  ],
  [
    'a command building search attributes by hand',
    'src/consent/layer-fixture.ts',
    'export const options = { typedSearchAttributes: [] };\n',
  ],
];

describe('layer rules', () => {
  let wrongResults: Problem[][];
  let rightResults: Problem[][];
  let bypassResults: Problem[][];
  beforeAll(() => {
    const all = [...wrong, ...right, ...bypass];
    const results = lint(all.map(([, filePath, code]) => ({ filePath, code })));
    wrongResults = results.slice(0, wrong.length);
    rightResults = results.slice(wrong.length, wrong.length + right.length);
    bypassResults = results.slice(wrong.length + right.length);
  }, 60_000);

  it.each(bypass.map(([what], i) => [what, i] as const))('fails %s', (_what, i) => {
    expect(bypassResults[i]).toEqual([
      {
        ruleId: 'no-restricted-syntax',
        message: expect.stringContaining('the workflow gateway (src/temporal/workflows.ts)'),
      },
    ]);
  });

  it.each(wrong.map(([what, , , message], i) => [what, i, message] as const))(
    'fails %s',
    (_what, i, message) => {
      expect(wrongResults[i]).toEqual([
        { ruleId: 'no-restricted-imports', message: expect.stringContaining(message) },
      ]);
    },
  );

  it.each(right.map(([what], i) => [what, i] as const))('lets through %s', (_what, i) => {
    expect(rightResults[i]).toEqual([]);
  });
});
