'use strict';
// preinstall hook of @consentflow/mongocrypt-addon.
//
// npm runs the preinstall scripts of all (non-linked) dependencies before any
// dependency's install script, and by then every package folder is already
// extracted. That is the one moment where we can drop a ready-made addon into
// node_modules/mongodb-client-encryption/prebuilds/ so that its own install
// script (prebuild-install) picks it up instead of going to github.com.
//
// That ordering holds only when npm installs this helper as a copy in
// node_modules (`install-links=true` in the project's .npmrc). A symlinked
// file: dependency has its scripts run after every other package, too late.
//
// The real work is in scripts/provision/mongocrypt-addon.sh; this file only
// finds it and skips platforms where the offline build does not apply.

const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const tag = '[mongocrypt-addon]';

if (process.platform !== 'linux') {
  console.error(
    `${tag} ${process.platform}: nothing to prepare, mongodb-client-encryption installs its own prebuilt addon`,
  );
  process.exit(0);
}

if (!__dirname.split(path.sep).includes('node_modules')) {
  console.error(
    `${tag} WARNING: running from ${__dirname}, i.e. symlinked and after mongodb-client-encryption's ` +
      'own install script; add install-links=true to the project .npmrc for offline installs',
  );
}

const roots = [
  process.env.npm_config_local_prefix, // project root of the running npm command
  path.resolve(__dirname, '..', '..'), // linked: <root>/scripts/mongocrypt-addon
  path.resolve(__dirname, '..', '..', '..'), // copied: <root>/node_modules/@consentflow/mongocrypt-addon
].filter(Boolean);

const script = roots
  .map((root) => path.join(root, 'scripts', 'provision', 'mongocrypt-addon.sh'))
  .find((candidate) => fs.existsSync(candidate));

if (!script) {
  console.error(
    `${tag} scripts/provision/mongocrypt-addon.sh not found under: ${roots.join(', ')}`,
  );
  process.exit(1);
}

const run = spawnSync('bash', [script], { stdio: 'inherit' });
if (run.error) {
  console.error(`${tag} could not run bash: ${run.error.message}`);
  process.exit(1);
}
process.exit(run.status === null ? 1 : run.status);
