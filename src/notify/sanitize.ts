/**
 * Text hygiene for notifications and the terminal: every value taken from a CloudTrail event is
 * attacker-controlled. Helpers here make such values inert before any renderer escapes them for
 * its own syntax: invisible and format characters become visible `\uXXXX` / `\u{XXXXX}` escapes
 * (or `?` on a terminal), lengths are capped, and anything that is not a string is turned into
 * text without ever throwing.
 */

/**
 * Invisible or format characters, shown escaped wherever a person reads a value: controls (Cc),
 * format characters (Cf: bidi, zero-width, soft hyphen, tag characters U+E0000–E007F …), private
 * use (Co), lone surrogates (Cs), unassigned code points and noncharacters (Cn: U+FDD0–FDEF and
 * U+xFFFE/U+xFFFF in every plane), line and paragraph separators, every default-ignorable code
 * point (variation selectors, Hangul fillers, combining grapheme joiner …) and the braille blank.
 */
const UNSAFE_CHARS = /[\p{Cc}\p{Cf}\p{Co}\p{Cs}\p{Cn}\p{Zl}\p{Zp}\p{Default_Ignorable_Code_Point}\u2800]/gu;

/** `\u202E` in the BMP, `\u{E0041}` beyond it: the form JavaScript and JSON readers know. */
const visibleEscape = (c: string): string => {
  const code = c.codePointAt(0) ?? 0;
  const hex = code.toString(16).toUpperCase();
  return code > 0xffff ? `\\u{${hex}}` : `\\u${hex.padStart(4, '0')}`;
};

/** Every invisible or format character of `text` as a visible escape. */
export function escapeInvisible(text: string, keepNewlines = false): string {
  return text.replace(UNSAFE_CHARS, (c) => (keepNewlines && c === '\n' ? c : visibleEscape(c)));
}

/** Any value as text: strings as they are, numbers/booleans printed, objects as JSON; never throws. */
export function asText(value: unknown): string {
  if (value === undefined || value === null) return '';
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint')
    return String(value);
  try {
    return JSON.stringify(value) ?? '';
  } catch {
    return '[unprintable value]';
  }
}

/**
 * Cuts `text` to at most `max` UTF-16 units (without splitting a surrogate pair), marking the cut:
 * with the total length when there is room for it, else a plain `…` (a marker longer than a third
 * of the space would hide more than it tells).
 */
export function truncate(text: string, max: number): string {
  if (text.length <= max) return text;
  if (max <= 0) return '';
  const long = `… [truncated, ${text.length} characters in total]`;
  const marker = long.length * 3 <= max ? long : '…';
  let end = Math.max(0, max - marker.length);
  const code = text.charCodeAt(end - 1);
  if (code >= 0xd800 && code <= 0xdbff) end -= 1;
  return text.slice(0, end) + marker;
}

/** One line of inert text: invisible and format characters (newlines included) shown escaped, capped. */
export function cleanLine(value: unknown, max = 1000): string {
  return truncate(escapeInvisible(asText(value)), max);
}

/** Multi-line inert text: like cleanLine but newlines are kept (CR is escaped). */
export function cleanBlock(value: unknown, max = 4000): string {
  return truncate(escapeInvisible(asText(value), true), max);
}

/**
 * For headers and subjects: control/bidi/invisible characters become spaces (so no CR/LF ever
 * survives), whitespace is collapsed, and the result is capped at `max` characters.
 */
export function headerSafe(value: unknown, max: number): string {
  const flat = asText(value).replace(UNSAFE_CHARS, ' ').replace(/\s+/g, ' ').trim();
  if (flat.length <= max) return flat;
  let end = max - 1;
  const code = flat.charCodeAt(end - 1);
  if (code >= 0xd800 && code <= 0xdbff) end -= 1;
  return `${flat.slice(0, end)}…`;
}

/** What a terminal acts on: C0 and C1 controls (escape sequences), line separators, bidi overrides. */
// eslint-disable-next-line no-control-regex
const TERMINAL_CONTROLS = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

/**
 * One line for a terminal: every character a terminal would act on becomes `?`, and the text is
 * cut at `max` characters with `…`. Any value is accepted (undefined and null print as nothing).
 */
export function safeText(value: unknown, max = 200): string {
  const s = typeof value === 'string' ? value : value === undefined || value === null ? '' : String(value);
  const clean = s.replace(TERMINAL_CONTROLS, '?');
  return clean.length > max ? `${clean.slice(0, max - 1)}…` : clean;
}

/** Pretty JSON of any value, capped; never throws (cycles and BigInts are printed as markers). */
export function prettyJson(value: unknown, max: number): string {
  let json: string;
  try {
    const seen = new WeakSet<object>();
    json =
      JSON.stringify(
        value,
        (_key, v: unknown) => {
          if (typeof v === 'bigint') return v.toString();
          if (typeof v === 'object' && v !== null) {
            if (seen.has(v)) return '[circular]';
            seen.add(v);
          }
          return v;
        },
        2,
      ) ?? '';
  } catch {
    json = '[unprintable value]';
  }
  // JSON.stringify escapes C0 controls but not bidi/invisible characters: make those visible too.
  return cleanBlock(json, max);
}

/** Escapes text for an HTML text node or a double-quoted attribute value. */
export function escapeHtml(text: string): string {
  return text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;')
    .replace(/`/g, '&#96;');
}
