/**
 * Loads accounts.yaml: YAML parsing (with line numbers), YAML-level checks (duplicate keys,
 * unquoted account ids), then the JSON schema. Every problem becomes a Diagnostic that names the
 * file, the line of the offending node and its path; nothing here throws, whatever the input.
 */
import { readFileSync } from 'node:fs';
import { isAlias, isMap, isScalar, isSeq, LineCounter, parseDocument, type Document } from 'yaml';
import type { Diagnostic } from '../core';
import { accountsValidator, type SchemaError } from './schema-validator';
import type { AccountsConfig } from './types';
import { formatPath, keyText, YamlLocator, type PathSegment } from './yaml-locate';

export type * from './types';

export interface AccountsConfigResult {
  /** Present when the file parsed and passed the schema (no error diagnostics). */
  config?: AccountsConfig;
  diagnostics: Diagnostic[];
}

/** Files larger than this are refused (a configuration file, not a data file). */
const MAX_BYTES = 5 * 1024 * 1024;

const locators = new WeakMap<AccountsConfig, { file: string; locator: YamlLocator }>();

/** Line of a node of a loaded configuration (for the semantic validator); undefined if unknown. */
export function lineOf(config: AccountsConfig, path: readonly PathSegment[]): number | undefined {
  return locators.get(config)?.locator.line(path);
}

/** The file a loaded configuration came from (undefined for objects built in code). */
export function fileOf(config: AccountsConfig): string | undefined {
  return locators.get(config)?.file;
}

/** Parses accounts.yaml text. `file` is only used in diagnostics. Never throws. */
export function parseAccountsConfig(text: string, file: string): AccountsConfigResult {
  try {
    return parseUnsafe(text, file);
  } catch (err) {
    return { diagnostics: [{ severity: 'error', file, message: `cannot load: ${(err as Error).message}` }] };
  }
}

/** Reads and parses accounts.yaml; a missing or unreadable file is a diagnostic. Never throws. */
export function loadAccountsConfig(file: string): AccountsConfigResult {
  let text: string;
  try {
    const buffer = readFileSync(file);
    if (buffer.length > MAX_BYTES) {
      return {
        diagnostics: [
          {
            severity: 'error',
            file,
            message: `file is ${buffer.length} bytes; at most ${MAX_BYTES} expected`,
          },
        ],
      };
    }
    text = buffer.toString('utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const message =
      code === 'ENOENT'
        ? 'file not found; expected accounts.yaml (see the example in the repository root)'
        : `cannot read file: ${(err as Error).message}`;
    return { diagnostics: [{ severity: 'error', file, message }] };
  }
  return parseAccountsConfig(text, file);
}

function parseUnsafe(text: string, file: string): AccountsConfigResult {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, uniqueKeys: false, prettyErrors: false });
  const locator = new YamlLocator(doc, lineCounter);
  const diagnostics: Diagnostic[] = [];
  for (const e of doc.errors) {
    diagnostics.push({
      severity: 'error',
      file,
      line: locator.lineAt(e.pos[0]),
      message: `YAML syntax: ${firstLine(e.message)}`,
    });
  }
  for (const w of doc.warnings) {
    diagnostics.push({
      severity: 'warning',
      file,
      line: locator.lineAt(w.pos[0]),
      message: `YAML: ${firstLine(w.message)}`,
    });
  }
  if (diagnostics.some((d) => d.severity === 'error')) return { diagnostics };
  if (doc.contents === null || (isScalar(doc.contents) && doc.contents.value === null)) {
    diagnostics.push({
      severity: 'error',
      file,
      line: 1,
      message: 'file is empty; expected a mapping with organization, trail and destinations',
    });
    return { diagnostics };
  }
  if (!isMap(doc.contents)) {
    diagnostics.push({
      severity: 'error',
      file,
      line: locator.line([]),
      message: 'expected a mapping at the top level (organization:, trail:, destinations: …)',
    });
    return { diagnostics };
  }
  diagnostics.push(...structuralProblems(doc, locator, file));
  if (diagnostics.some((d) => d.severity === 'error' && d.message.startsWith('YAML alias')))
    return { diagnostics };

  let data: unknown;
  try {
    data = doc.toJS({ maxAliasCount: 1000 });
  } catch (err) {
    diagnostics.push({ severity: 'error', file, message: `YAML: ${firstLine((err as Error).message)}` });
    return { diagnostics };
  }
  const validate = accountsValidator();
  if (!validate(data)) {
    diagnostics.push(...schemaDiagnostics(validate.errors ?? [], data, locator, file));
  }
  if (diagnostics.some((d) => d.severity === 'error')) return { diagnostics };
  const config = data as AccountsConfig;
  locators.set(config, { file, locator });
  return { config, diagnostics };
}

const firstLine = (s: string) => s.split('\n')[0];

/** Duplicate keys anywhere, and account-id keys written as numbers that lost leading zeros. */
function structuralProblems(doc: Document, locator: YamlLocator, file: string): Diagnostic[] {
  const out: Diagnostic[] = [];
  const walk = (node: unknown, path: PathSegment[], depth: number) => {
    if (depth > 64) return;
    if (isMap(node)) {
      const seen = new Map<string, number | undefined>();
      for (const pair of node.items) {
        const key = keyText(pair.key);
        const keyLine = isScalar(pair.key) && pair.key.range ? locator.lineAt(pair.key.range[0]) : undefined;
        const where = [...path, key];
        if (seen.has(key)) {
          const what =
            path.length === 1 && path[0] === 'accounts'
              ? `duplicate account id "${key}"`
              : `duplicate key "${key}"`;
          out.push({
            severity: 'error',
            file,
            line: keyLine,
            path: formatPath(where),
            message: `${what} (first defined on line ${seen.get(key)})`,
          });
        } else {
          seen.set(key, keyLine);
        }
        if (
          path.length === 1 &&
          path[0] === 'accounts' &&
          isScalar(pair.key) &&
          typeof pair.key.value === 'number'
        ) {
          const source = (pair.key as { source?: string }).source ?? key;
          if (source !== key) {
            out.push({
              severity: 'error',
              file,
              line: keyLine,
              path: formatPath(where),
              message: `account id ${source} must be quoted ("${source}"): as a number it reads as ${key}`,
            });
          }
        }
        walk(pair.value, where, depth + 1);
      }
    } else if (isSeq(node)) {
      node.items.forEach((item, i) => walk(item, [...path, i], depth + 1));
    } else if (isAlias(node) && node.resolve(doc) === undefined) {
      const line = node.range ? locator.lineAt(node.range[0]) : undefined;
      out.push({
        severity: 'error',
        file,
        line,
        path: formatPath(path) || undefined,
        message: `YAML alias *${node.source} names no anchor defined before it`,
      });
    }
  };
  walk(doc.contents, [], 0);
  return out;
}

/** Splits ajv's JSON pointer into path segments (numbers for array indices). */
function pointerToPath(pointer: string, data: unknown): PathSegment[] {
  if (pointer === '') return [];
  const out: PathSegment[] = [];
  let node: unknown = data;
  for (const raw of pointer.slice(1).split('/')) {
    const seg = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    if (Array.isArray(node)) {
      const index = Number(seg);
      out.push(index);
      node = node[index];
    } else {
      out.push(seg);
      node = node !== null && typeof node === 'object' ? (node as Record<string, unknown>)[seg] : undefined;
    }
  }
  return out;
}

function typeName(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  if (typeof value === 'string') return `string "${truncate(value)}"`;
  return `${typeof value} ${String(value)}`;
}

const truncate = (s: string) => (s.length > 60 ? `${s.slice(0, 57)}...` : s);

function valueAt(data: unknown, path: PathSegment[]): unknown {
  let node = data;
  for (const seg of path) {
    if (node === null || typeof node !== 'object') return undefined;
    node = (node as Record<string | number, unknown>)[seg];
  }
  return node;
}

/** Turns ajv errors into diagnostics with friendly messages and the line of the node. */
function schemaDiagnostics(
  errors: SchemaError[],
  data: unknown,
  locator: YamlLocator,
  file: string,
): Diagnostic[] {
  const out: Diagnostic[] = [];
  const seen = new Set<string>();
  // With a discriminator, a failing branch would also report oneOf; the branch errors say more.
  const specific = errors.filter(
    (e) => e.keyword !== 'oneOf' || !errors.some((o) => o !== e && o.instancePath.startsWith(e.instancePath)),
  );
  for (const e of specific) {
    let path = pointerToPath(e.instancePath, data);
    const value = valueAt(data, path);
    let message: string;
    switch (e.keyword) {
      case 'required':
        message = `missing required property "${(e.params as { missingProperty: string }).missingProperty}"`;
        break;
      case 'additionalProperties': {
        const extra = (e.params as { additionalProperty: string }).additionalProperty;
        path = [...path, extra];
        const allowed = Object.keys(
          (e.parentSchema as { properties?: object } | undefined)?.properties ?? {},
        );
        message =
          `unknown property "${extra}"` + (allowed.length ? `; expected one of: ${allowed.join(', ')}` : '');
        break;
      }
      case 'type': {
        const expected = (e.params as { type: string | string[] }).type;
        const name = expected === 'object' ? 'a mapping' : expected === 'array' ? 'a list' : String(expected);
        const hint =
          expected === 'string' && typeof value === 'number' && String(value).length >= 9
            ? ' (quote it, e.g. account ids: "111111111111")'
            : '';
        message = `expected ${name}, got ${typeName(value)}${hint}`;
        break;
      }
      case 'enum':
        message = `expected one of: ${(e.params as { allowedValues: unknown[] }).allowedValues.join(', ')}; got ${typeName(value)}`;
        break;
      case 'discriminator': {
        const p = e.params as { error: string; tag: string };
        message =
          p.error === 'tag'
            ? `missing or non-string "${p.tag}"; expected email, sns, webhook, pagerduty or securityhub`
            : `"${p.tag}" must be one of: email, sns, webhook, pagerduty, securityhub; got ${typeName(valueAt(value, [p.tag]))}`;
        if (p.error !== 'tag') path = [...path, p.tag];
        break;
      }
      case 'const':
        message = `expected ${JSON.stringify((e.params as { allowedValue: unknown }).allowedValue)}`;
        break;
      case 'format': {
        const format = (e.params as { format: string }).format;
        const expected =
          format === 'date-or-date-time'
            ? 'a date YYYY-MM-DD or an ISO date-time'
            : format === 'email'
              ? 'an email address'
              : format;
        message = `expected ${expected}, got ${typeName(value)}`;
        break;
      }
      case 'pattern':
        message =
          path[path.length - 1] === 'topicArn'
            ? `expected an SNS topic ARN (arn:aws:sns:<region>:<account>:<name>), got ${typeName(value)}`
            : `does not match ${(e.params as { pattern: string }).pattern}`;
        break;
      case 'minItems':
        message = `expected at least ${(e.params as { limit: number }).limit} item(s)`;
        break;
      case 'minLength':
        message = `must not be ${(e.params as { limit: number }).limit === 1 ? 'empty' : `shorter than ${(e.params as { limit: number }).limit} characters`}`;
        break;
      case 'minimum':
      case 'exclusiveMinimum':
        message = `expected a number ${(e.params as { comparison: string }).comparison} ${(e.params as { limit: number }).limit}, got ${typeName(value)}`;
        break;
      default:
        message = e.message ?? `invalid (${e.keyword})`;
    }
    const rendered = formatPath(path);
    const key = `${rendered}|${message}`;
    if (seen.has(key)) continue;
    seen.add(key);
    out.push({ severity: 'error', file, line: locator.line(path), path: rendered || undefined, message });
  }
  return out;
}
