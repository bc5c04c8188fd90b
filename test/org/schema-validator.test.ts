/**
 * The precompiled validator of accounts.yaml (src/org/accounts-validator.js) is what ajv compiles
 * from the schema today: the committed module is current, and it gives the same verdicts and the
 * same errors as the schema compiled in this process, on real configs and on damaged ones.
 */
import fc from 'fast-check';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { generatedValidator } from '../../scripts/build-schema-validator';
import { compileAccountsSchema } from '../../src/org/schema-compiler';
import { accountsValidator } from '../../src/org/schema-validator';

const ROOT = join(__dirname, '..', '..');
const CONFIGS = [
  'accounts.yaml',
  'test/stacks/fixtures/accounts-delegated.yaml',
  'test/stacks/fixtures/accounts-org-mode.yaml',
].map((file) => parse(readFileSync(join(ROOT, file), 'utf8')) as Record<string, unknown>);

const compiled = compileAccountsSchema();
const precompiled = accountsValidator();

/** The verdict and the errors as config.ts reads them. */
function outcome(validate: typeof compiled, data: unknown): unknown {
  const valid = validate(data);
  return {
    valid,
    errors: (validate.errors ?? []).map((e) => ({
      instancePath: e.instancePath,
      schemaPath: e.schemaPath,
      keyword: e.keyword,
      params: e.params,
      message: e.message,
    })),
  };
}

/** Every path to a value in `value` (objects and arrays), at most `depth` deep. */
function paths(value: unknown, depth = 6, at: (string | number)[] = []): (string | number)[][] {
  if (depth === 0 || typeof value !== 'object' || value === null) return [at];
  const keys = Array.isArray(value) ? value.map((_, i) => i) : Object.keys(value);
  return [at, ...keys.flatMap((k) => paths((value as Record<string, unknown>)[k], depth - 1, [...at, k]))];
}

function replaced(value: unknown, path: (string | number)[], by: unknown): unknown {
  if (path.length === 0) return by;
  const copy = (Array.isArray(value) ? [...value] : { ...(value as object) }) as Record<
    string | number,
    unknown
  >;
  copy[path[0]] = replaced(copy[path[0]], path.slice(1), by);
  return copy;
}

describe('the precompiled accounts.yaml validator', () => {
  it('is what the schema compiles to (npm run build:schema)', async () => {
    expect(readFileSync(join(ROOT, 'src', 'org', 'accounts-validator.js'), 'utf8')).toBe(
      await generatedValidator(),
    );
  });

  it('accepts the shipped configs, as the schema compiled now does', () => {
    for (const config of CONFIGS) {
      expect(outcome(precompiled, config)).toEqual({ valid: true, errors: [] });
      expect(outcome(compiled, config)).toEqual({ valid: true, errors: [] });
    }
  });

  it('gives the same verdicts and errors as the schema compiled now, on damaged configs', () => {
    const replacements = fc.oneof(
      fc.constant(undefined),
      fc.constant(null),
      fc.constantFrom(
        '',
        'x',
        'tomorrow',
        '2026-13-40',
        '2026-12-07',
        '2026-12-07T10:00:00Z',
        'not an email',
        'a@b.example',
      ),
      fc.constantFrom('email', 'slack', 'webhook', 'sns', 'pagerduty', 'teams', 'nosuch', 'critical', 'high'),
      fc.integer({ min: -5, max: 100 }),
      fc.double({ noNaN: true }),
      fc.boolean(),
      fc.constant([]),
      fc.constant({}),
      fc.constant({ type: 'email' }),
      fc.constant({ unknown: 1 }),
    );
    fc.assert(
      fc.property(
        fc.nat({ max: CONFIGS.length - 1 }),
        fc.array(fc.tuple(fc.nat(), replacements), { minLength: 1, maxLength: 3 }),
        (which, edits) => {
          let data: unknown = CONFIGS[which];
          for (const [pick, by] of edits) {
            const all = paths(data);
            data = replaced(data, all[pick % all.length], by);
          }
          expect(outcome(precompiled, data)).toEqual(outcome(compiled, data));
        },
      ),
      { numRuns: 400 },
    );
  });
});
