/**
 * Drops a leading or trailing `.*` (or lazy `.*?`): every pattern is searched for anywhere in
 * the value, so `.*X.*` finds exactly what `X` finds. TrailAlerts writes its actor patterns so
 * (`.*AWSReservedSSO_AdministratorAccess.*`); without the wildcards the pattern is often a plain
 * literal, which runs as a substring search.
 */

export interface Simplified {
  source: string;
  changed: boolean;
}

export function trimDotStars(source: string): Simplified {
  // `\Q…` quotes the rest of the pattern: its `.*` is literal text.
  if (source.includes('\\Q')) return { source, changed: false };
  let text = source;
  for (;;) {
    const lead = /^\.\*\??(?![*+?{])/.exec(text);
    if (!lead) break;
    text = text.slice(lead[0].length);
  }
  for (;;) {
    const tail = /\.\*\??$/.exec(text);
    if (!tail || !isUnescapedDot(text, tail.index)) break;
    text = text.slice(0, tail.index);
  }
  return { source: text, changed: text !== source };
}

/** The `.` at `at` is a wildcard: not escaped and not inside a character class. */
function isUnescapedDot(text: string, at: number): boolean {
  let inClass = false;
  for (let i = 0; i < at; i++) {
    const c = text[i];
    if (c === '\\') i++;
    else if (inClass) inClass = c !== ']';
    else if (c === '[') {
      inClass = true;
      if (text[i + 1] === '^') i++;
      if (text[i + 1] === ']') i++;
    }
  }
  // `at` itself may have been skipped as the escaped character.
  return !inClass && !isEscaped(text, at);
}

function isEscaped(text: string, at: number): boolean {
  let slashes = 0;
  for (let i = at - 1; i >= 0 && text[i] === '\\'; i--) slashes++;
  return slashes % 2 === 1;
}
