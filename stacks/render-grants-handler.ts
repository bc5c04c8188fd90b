/**
 * Renders src/grants/handler.ts into one CommonJS string for an inline (ZipFile) Lambda: esbuild
 * bundles the pure modules, the AWS SDK stays external (the Node.js runtime provides it).
 */
import * as path from 'node:path';
import { buildSync } from 'esbuild';

export const GRANTS_HANDLER_ENTRY = path.resolve(__dirname, '../src/grants/handler.ts');

let cached: string | undefined;

export function renderGrantsHandler(entry: string = GRANTS_HANDLER_ENTRY): string {
  if (entry === GRANTS_HANDLER_ENTRY && cached !== undefined) return cached;
  const result = buildSync({
    entryPoints: [entry],
    bundle: true,
    minify: true,
    platform: 'node',
    target: 'node22',
    format: 'cjs',
    external: ['@aws-sdk/*'],
    write: false,
    legalComments: 'none',
  });
  const source = result.outputFiles[0].text;
  if (entry === GRANTS_HANDLER_ENTRY) cached = source;
  return source;
}
