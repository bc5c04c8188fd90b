/**
 * Compiles accounts.yaml's schema with ajv. Only the build (scripts/build-schema-validator.ts,
 * which writes accounts-validator.js) and the tests use it: at run time the precompiled validator
 * saves ajv's code generation at every start of `validate`, `scan` and the Lambdas
 * (docs/performance.md) and keeps ajv's compiler out of the bundles.
 */
import Ajv, { _, type ValidateFunction } from 'ajv';
import standaloneCode from 'ajv/dist/standalone';
import { accountsSchema } from './schema';
import { SCHEMA_FORMATS } from './schema-formats';

function accountsAjv(source: boolean): Ajv {
  const ajv = new Ajv({
    allErrors: true,
    discriminator: true,
    strict: true,
    strictRequired: false,
    verbose: true,
    allowUnionTypes: true,
    ...(source ? { code: { source: true, formats: _`require("./schema-formats").SCHEMA_FORMATS` } } : {}),
  });
  for (const [name, format] of Object.entries(SCHEMA_FORMATS)) ajv.addFormat(name, format);
  return ajv;
}

/** The schema compiled now, in this process. */
export function compileAccountsSchema(): ValidateFunction {
  return accountsAjv(false).compile(accountsSchema);
}

/** The source of a CommonJS module whose export is the compiled validator. */
export function accountsValidatorSource(): string {
  const ajv = accountsAjv(true);
  return standaloneCode(ajv, ajv.compile(accountsSchema));
}
