/**
 * Compiles the regular expressions that run on event text (`|re` values, accounts.yaml
 * actorPatterns, exceptions.json excludedActorsRegex) for an engine whose time is linear in the
 * input: RE2 (the re2js port), or a substring search for plain literal patterns. Nothing
 * backtracks, so no pattern needs proving safe: what RE2's syntax cannot express (backreferences,
 * lookarounds) is refused with the construct named. Flags: i, m, s.
 */
import { RE2JS } from 're2js';
import { unsupportedConstruct } from './constructs';
import { plainLiteral, type PlainLiteral } from './plain-literal';
import { trimDotStars } from './simplify';
import type { Problem } from '../core';

export type RegexEngine = 'literal' | 're2';

export interface LinearRegex {
  /** The pattern as run (after simplification). */
  readonly source: string;
  readonly flags: string;
  readonly engine: RegexEngine;
  /** Whether the pattern matches anywhere in `text`. */
  test(text: string): boolean;
}

/** The regular expression, with notices about how it was simplified; or why it was refused. */
export type CompiledRegex = { regex: LinearRegex; notices: string[] } | Problem;

const cache = new Map<string, CompiledRegex>();

/** Compiles `source` with `flags` (any of i, m, s), once per process for each pair. */
export function compileRegex(source: string, flags = ''): CompiledRegex {
  const key = `${flags}/${source}`;
  let compiled = cache.get(key);
  if (!compiled) {
    compiled = compile(source, flags);
    cache.set(key, compiled);
  }
  return compiled;
}

function compile(source: string, flags: string): CompiledRegex {
  const badFlag = [...flags].find((f) => !'ims'.includes(f));
  if (badFlag) return { problem: `unsupported regular expression flag '${badFlag}' (use i, m or s)` };
  const construct = unsupportedConstruct(source);
  if (construct)
    return {
      problem: `regular expression uses a ${construct.name} \`${construct.text}\`, which the linear-time engine cannot run (RE2 syntax: no backreferences or lookarounds); rewrite the pattern without it`,
    };
  const simplified = trimDotStars(source);
  const notices = simplified.changed
    ? [
        `regular expression simplified to ${JSON.stringify(simplified.source)}: a leading or trailing .* adds nothing to a match searched anywhere in the value`,
      ]
    : [];
  let re2: RE2JS;
  try {
    re2 = RE2JS.compile(simplified.source, re2Flags(flags));
  } catch (err) {
    return { problem: `invalid regular expression: ${re2Message(err)}` };
  }
  const literal = plainLiteral(simplified.source, flags);
  const regex: LinearRegex = literal
    ? { source: simplified.source, flags, engine: 'literal', test: literalTest(literal, flags) }
    : { source: simplified.source, flags, engine: 're2', test: (text) => re2.test(text) };
  return { regex, notices };
}

function re2Flags(flags: string): number {
  return (
    (flags.includes('i') ? RE2JS.CASE_INSENSITIVE : 0) |
    (flags.includes('m') ? RE2JS.MULTILINE : 0) |
    (flags.includes('s') ? RE2JS.DOTALL : 0)
  );
}

function re2Message(err: unknown): string {
  const message = (err as Error).message.replace(/^error parsing regexp: /, '');
  // JavaScript's \u escape is not RE2's; say what is.
  return /`\\u`/.test(message) ? `${message} (write a code point as \\x{00e9})` : message;
}

/** Plain literal text: a string search, or V8's RegExp for case folding (the same folding as RE2's). */
function literalTest({ text, start, end }: PlainLiteral, flags: string): (value: string) => boolean {
  if (flags.includes('i')) {
    const re = new RegExp(
      `${start ? '^' : ''}${text.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}${end ? '$' : ''}`,
      'iu',
    );
    return (value) => re.test(value);
  }
  if (start && end) return (value) => value === text;
  if (start) return (value) => value.startsWith(text);
  if (end) return (value) => value.endsWith(text);
  return (value) => value.includes(text);
}
