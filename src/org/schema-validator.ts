/**
 * The validator of accounts.yaml: its schema (schema.ts) as ajv compiles it, precompiled into
 * accounts-validator.js (`npm run build:schema`; CI checks that it is current).
 */
import type { ErrorObject, ValidateFunction } from 'ajv';
import validateAccounts from './accounts-validator';

export function accountsValidator(): ValidateFunction {
  return validateAccounts;
}

export type SchemaError = ErrorObject;
