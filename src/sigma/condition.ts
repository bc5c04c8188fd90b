/**
 * Sigma condition expressions: tokenizer and recursive-descent parser into a small AST.
 * Precedence, least to most binding: or, and, not, `1 of` / `all of`, parentheses.
 * The retired pipe syntax (`| count()`, `| near`) is rejected with a pointer to correlation rules.
 */
import { TrailAlertsError } from '../core';

export type ConditionNode =
  | { kind: 'id'; name: string }
  | { kind: 'and' | 'or'; children: ConditionNode[] }
  | { kind: 'not'; child: ConditionNode }
  | { kind: 'of'; quantifier: '1' | 'all'; pattern: string };

export class ConditionError extends TrailAlertsError {}

export const LEGACY_AGGREGATION_MESSAGE =
  'the retired aggregation syntax (`| count()`, `| near`, `timeframe`) is not part of Sigma 2; write a correlation rule instead (a separate document with `correlation:`, see the Sigma correlation rules specification)';

const IDENTIFIER = /^[A-Za-z0-9_*.-]+$/;
/**
 * Deepest nesting of parentheses and `not` a condition may have. Real rules nest a few levels;
 * a hostile one nesting thousands deep would exhaust the stack of this parser and of everything
 * that walks the tree, so it is refused with a message instead.
 */
export const MAX_CONDITION_DEPTH = 100;

export function tokenize(text: string): string[] {
  if (text.includes('|') || /\bnear\b/i.test(text) || /\bcount\s*\(/i.test(text))
    throw new ConditionError(LEGACY_AGGREGATION_MESSAGE);
  const tokens: string[] = [];
  const re = /\s*(\(|\)|[^\s()]+)/gy;
  let m: RegExpExecArray | null;
  let last = 0;
  while ((m = re.exec(text)) !== null) {
    tokens.push(m[1]);
    last = re.lastIndex;
  }
  if (text.slice(last).trim() !== '')
    throw new ConditionError(`cannot read condition near '${text.slice(last)}'`);
  return tokens;
}

export function parseCondition(text: string): ConditionNode {
  const tokens = tokenize(text);
  if (tokens.length === 0) throw new ConditionError('empty condition');
  let pos = 0;
  let depth = 0;
  const nest = (): void => {
    if (++depth > MAX_CONDITION_DEPTH)
      throw new ConditionError(
        `the condition nests parentheses and 'not' more than ${MAX_CONDITION_DEPTH} levels deep`,
      );
  };
  const peek = (): string | undefined => tokens[pos];
  const lower = (): string | undefined => tokens[pos]?.toLowerCase();
  const fail = (what: string): never => {
    const at = peek();
    throw new ConditionError(at === undefined ? `${what}, but the condition ends` : `${what}, found '${at}'`);
  };
  const parseOr = (): ConditionNode => {
    const children = [parseAnd()];
    while (lower() === 'or') {
      pos++;
      children.push(parseAnd());
    }
    return children.length === 1 ? children[0] : { kind: 'or', children };
  };
  const parseAnd = (): ConditionNode => {
    const children = [parseNot()];
    while (lower() === 'and') {
      pos++;
      children.push(parseNot());
    }
    return children.length === 1 ? children[0] : { kind: 'and', children };
  };
  const parseNot = (): ConditionNode => {
    if (lower() === 'not') {
      pos++;
      nest();
      const child = parseNot();
      depth--;
      return { kind: 'not', child };
    }
    return parseAtom();
  };
  const parseAtom = (): ConditionNode => {
    const token = peek();
    if (token === undefined) return fail('expected a search identifier');
    if (token === '(') {
      pos++;
      nest();
      const inner = parseOr();
      if (peek() !== ')') fail("expected ')'");
      pos++;
      depth--;
      return inner;
    }
    const word = token.toLowerCase();
    if (tokens[pos + 1]?.toLowerCase() === 'of') {
      if (word !== '1' && word !== 'all')
        throw new ConditionError(`'${token} of' is not supported; use '1 of' or 'all of'`);
      pos += 2;
      const pattern = peek();
      if (pattern === undefined || pattern === '(' || pattern === ')' || !IDENTIFIER.test(pattern))
        fail(`expected a search identifier pattern or 'them' after '${token} of'`);
      pos++;
      return { kind: 'of', quantifier: word === 'all' ? 'all' : '1', pattern: pattern as string };
    }
    if (['and', 'or', 'not', 'of', ')'].includes(word)) return fail('expected a search identifier');
    if (!IDENTIFIER.test(token)) throw new ConditionError(`'${token}' is not a valid search identifier`);
    if (token.includes('*'))
      throw new ConditionError(`wildcard '${token}' is only allowed after '1 of' or 'all of'`);
    pos++;
    return { kind: 'id', name: token };
  };
  const node = parseOr();
  if (pos < tokens.length) fail("expected 'and', 'or' or the end of the condition");
  return node;
}

/** Names of the identifiers a `1 of` / `all of` pattern selects (`them` skips `_` names). */
export function resolveOfPattern(pattern: string, identifiers: string[]): string[] {
  if (pattern.toLowerCase() === 'them') return identifiers.filter((n) => !n.startsWith('_'));
  const re = new RegExp(`^${pattern.split('*').map(escapeRegex).join('.*')}$`);
  return identifiers.filter((n) => re.test(n));
}

function escapeRegex(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\-]/g, '\\$&');
}
