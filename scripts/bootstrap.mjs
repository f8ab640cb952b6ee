#!/usr/bin/env node
// Entry of `npm start` and `npm test`. Runs before any dependency may exist, so it uses only
// Node built-ins: it installs dependencies when they are missing or older than the lockfile
// (a fresh clone needs nothing but `npm start`), then hands over to the real command.
import { spawnSync } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const mode = process.argv[2];

function run(command, args, env = process.env) {
  const result = spawnSync(command, args, { cwd: root, stdio: 'inherit', env });
  if (result.error) throw result.error;
  if (result.status !== 0) process.exit(result.status ?? 1);
}

function dependenciesUpToDate() {
  const installed = path.join(root, 'node_modules', '.package-lock.json');
  const lock = path.join(root, 'package-lock.json');
  return existsSync(installed) && statSync(installed).mtimeMs >= statSync(lock).mtimeMs;
}

if (!dependenciesUpToDate()) {
  console.log('[consentflow] installing dependencies (npm ci)…');
  run('npm', ['ci', '--no-audit', '--no-fund']);
}

const bin = (name) => path.join(root, 'node_modules', '.bin', name);

if (mode === 'start') {
  run(process.execPath, [path.join(root, 'scripts', 'build-ui.mjs')]);
  const require = createRequire(import.meta.url);
  require('tsx/cjs/api').register();
  require(path.join(root, 'src', 'local', 'start.ts'));
} else if (mode === 'test') {
  run(bin('tsc'), ['--noEmit', '-p', '.']);
  run(bin('tsc'), ['--noEmit', '-p', 'ui']);
  run(bin('eslint'), ['.']);
  const jestArgs = process.argv.slice(3);
  run(bin('jest'), jestArgs);
  // The whole run ends with the fault suite's bounded form, alone: it kills and restarts
  // servers of its own, which would disturb suites running beside it.
  if (jestArgs.length === 0)
    run(bin('jest'), ['test/faults', '--runInBand'], { ...process.env, CF_FAULTS: 'bounded' });
} else if (mode === 'test:soak') {
  run(bin('jest'), ['test/faults/soak', '--runInBand', ...process.argv.slice(3)], {
    ...process.env,
    CF_FAULTS: 'soak',
  });
} else if (mode === 'test:faults') {
  run(bin('jest'), ['test/faults', '--runInBand', ...process.argv.slice(3)], {
    ...process.env,
    CF_FAULTS: process.env.CF_FAULTS ?? 'full',
  });
} else {
  console.error('usage: node scripts/bootstrap.mjs start|test|test:faults|test:soak [jest args]');
  process.exit(2);
}
