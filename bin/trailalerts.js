#!/usr/bin/env node
// Entry point for `npx trailalerts`: the bundle `npm run build` writes to dist/cli/ (npm ci and
// npm pack build it). In a checkout that has not built it, the TypeScript runs through tsx.
const { existsSync } = require('node:fs');
const { join } = require('node:path');
const { pathToFileURL } = require('node:url');

const bundle = join(__dirname, '..', 'dist', 'cli', 'main.mjs');
if (existsSync(bundle)) {
  import(pathToFileURL(bundle).href).then(
    (cli) => cli.main(process.argv),
    (err) => {
      process.stderr.write(
        `trailalerts: cannot load ${bundle}: ${err.message} (npm run build rebuilds it)\n`,
      );
      process.exitCode = 1;
    },
  );
} else {
  require('tsx/cjs');
  require('./trailalerts.ts');
}
