#!/usr/bin/env node
// Entry point for `npx trailalerts`: runs the TypeScript CLI through tsx's require hook.
require('tsx/cjs');
require('./trailalerts.ts');
