#!/usr/bin/env node
// Builds the web console (ui/ → ui/dist) with Vite, unless the build is newer than every
// source it comes from (`--force` builds anyway). Used by `npm start`, the test set-up and
// `npm run build:ui`; Node built-ins only, so it runs before anything else is known to work.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const stamp = path.join(root, 'ui', 'dist', 'index.html');

/** Newest modification time under the given files and folders. */
function newest(paths) {
  let latest = 0;
  const visit = (p) => {
    if (!existsSync(p)) return;
    const stat = statSync(p);
    if (stat.isDirectory()) for (const entry of readdirSync(p)) visit(path.join(p, entry));
    else latest = Math.max(latest, stat.mtimeMs);
  };
  for (const p of paths) visit(path.join(root, p));
  return latest;
}

// The console imports the api's request schemas and the pieces they use.
const sources = [
  'ui/src',
  'ui/index.html',
  'ui/vite.config.mts',
  'ui/postcss.config.cjs',
  'src/api/schemas',
  'src/consent/double-opt-in-schema.ts',
  'src/auth/permissions.ts',
  'package-lock.json',
];

const fresh = existsSync(stamp) && statSync(stamp).mtimeMs >= newest(sources);
if (fresh && !process.argv.includes('--force')) process.exit(0);

console.log('[consentflow] building the web console (vite build)…');
const result = spawnSync(
  path.join(root, 'node_modules', '.bin', 'vite'),
  ['build', '--config', path.join(root, 'ui', 'vite.config.mts'), '--logLevel', 'warn'],
  { cwd: root, stdio: 'inherit' },
);
if (result.error) throw result.error;
process.exit(result.status ?? 1);
