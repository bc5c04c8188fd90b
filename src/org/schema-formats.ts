/**
 * The string formats of accounts.yaml's schema, shared by the precompiled validator
 * (accounts-validator.js, which requires this file) and the compiler that generates it.
 */
import type { Format } from 'ajv';
import { fullFormats } from 'ajv-formats/dist/formats';

type FormatTest = { validate: (s: string) => boolean } | ((s: string) => boolean) | RegExp;

const test = (format: Format, s: string): boolean => {
  const f = format as FormatTest;
  if (f instanceof RegExp) return f.test(s);
  return typeof f === 'function' ? f(s) : f.validate(s);
};

export const SCHEMA_FORMATS: Record<string, Format> = {
  email: fullFormats.email,
  date: fullFormats.date,
  'date-time': fullFormats['date-time'],
  /** `expires`: a day, or a moment of one. */
  'date-or-date-time': (s: string) => test(fullFormats.date, s) || test(fullFormats['date-time'], s),
};
