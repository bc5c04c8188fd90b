/**
 * Text hygiene for notifications: every value taken from a CloudTrail event is attacker-controlled.
 * Helpers here make such values inert before any renderer escapes them for its own syntax:
 * control, bidi and invisible characters become visible `\uXXXX` escapes, lengths are capped,
 * and anything that is not a string is turned into text without ever throwing.
 */

/* eslint-disable no-control-regex -- these patterns exist to find control characters. */
/** C0/C1 controls, DEL, zero-width and bidi controls, line/paragraph separators, BOM, interlinear annotations. */
const UNSAFE_CHARS =
  /[\u0000-\u001f\u007f-\u009f\u061c\u180e\u200b-\u200f\u2028-\u202e\u2060-\u2064\u2066-\u206f\ufeff\ufff9-\ufffb]/g;
const UNSAFE_CHARS_KEEP_NEWLINE =
  /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u061c\u180e\u200b-\u200f\u2028-\u202e\u2060-\u2064\u2066-\u206f\ufeff\ufff9-\ufffb]/g;

/* eslint-enable no-control-regex */

const visibleEscape = (c: string): string =>
  `\\u${c.charCodeAt(0).toString(16).toUpperCase().padStart(4, '0')}`;

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

/** Cuts `text` to at most `max` UTF-16 units (without splitting a surrogate pair), marking the cut. */
export function truncate(text: string, max: number): string {
  if (text.length <= max) return text;
  const marker = `… [truncated, ${text.length} characters in total]`;
  let end = Math.max(0, max - marker.length);
  const code = text.charCodeAt(end - 1);
  if (code >= 0xd800 && code <= 0xdbff) end -= 1;
  return text.slice(0, end) + marker;
}

/** One line of inert text: control/bidi/invisible characters (newlines included) shown as `\uXXXX`, capped. */
export function cleanLine(value: unknown, max = 1000): string {
  return truncate(asText(value).replace(UNSAFE_CHARS, visibleEscape), max);
}

/** Multi-line inert text: like cleanLine but newlines are kept (CR is escaped). */
export function cleanBlock(value: unknown, max = 4000): string {
  return truncate(asText(value).replace(UNSAFE_CHARS_KEEP_NEWLINE, visibleEscape), max);
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
