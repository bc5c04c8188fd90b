/**
 * Sigma transformation modifiers applied to rule values at compile time: `expand`
 * (placeholders), `windash`, `base64`, `base64offset`, `utf16le` / `utf16be` / `utf16` / `wide`.
 * Each takes a list of values and returns the (possibly larger) list the matcher will OR over.
 */
import { TrailAlertsError } from '../core';

/** A value on its way through the transformations: text, or bytes once an encoding applied. */
export type TransformValue = { text: string } | { bytes: Buffer };

const MAX_VARIANTS = 4096;

export class TransformError extends TrailAlertsError {}

/** Replaces `%name%` placeholders (`\%` is a literal percent) with every listed value. */
export function expandPlaceholders(text: string, placeholders: Record<string, string[]>): string[] {
  let variants: string[] = [''];
  let i = 0;
  while (i < text.length) {
    const c = text[i];
    if (c === '\\' && text[i + 1] === '%') {
      variants = variants.map((v) => `${v}%`);
      i += 2;
      continue;
    }
    if (c === '%') {
      const close = text.indexOf('%', i + 1);
      if (close > i + 1) {
        const name = text.slice(i + 1, close);
        const values = Object.prototype.hasOwnProperty.call(placeholders, name)
          ? placeholders[name]
          : undefined;
        if (!values)
          throw new TransformError(`unresolved placeholder %${name}% (give it a value in the placeholders)`);
        if (values.length === 0) throw new TransformError(`placeholder %${name}% has no values`);
        variants = variants.flatMap((v) => values.map((value) => v + value));
        if (variants.length > MAX_VARIANTS)
          throw new TransformError(`expand produces over ${MAX_VARIANTS} values`);
        i = close + 1;
        continue;
      }
    }
    variants = variants.map((v) => v + c);
    i++;
  }
  return variants;
}

const DASHES = ['-', '/', '\u2013', '\u2014', '\u2015'];

/** Every permutation of `-`, `/`, en dash, em dash and horizontal bar at each dash position. */
export function windashVariants(text: string): string[] {
  let variants = [''];
  for (const c of text) {
    if (DASHES.includes(c)) {
      variants = variants.flatMap((v) => DASHES.map((d) => v + d));
      if (variants.length > MAX_VARIANTS)
        throw new TransformError(`windash produces over ${MAX_VARIANTS} values (too many dashes)`);
    } else {
      variants = variants.map((v) => v + c);
    }
  }
  return variants;
}

function toBytes(value: TransformValue): Buffer {
  return 'bytes' in value ? value.bytes : Buffer.from(value.text, 'utf8');
}

function toText(value: TransformValue): string {
  return 'text' in value ? value.text : value.bytes.toString('latin1');
}

export function utf16(value: TransformValue, variant: 'utf16le' | 'utf16be' | 'utf16'): TransformValue {
  const le = Buffer.from(toText(value), 'utf16le');
  if (variant === 'utf16le') return { bytes: le };
  if (variant === 'utf16') return { bytes: Buffer.concat([Buffer.from([0xff, 0xfe]), le]) };
  const be = Buffer.from(le);
  be.swap16();
  return { bytes: be };
}

export function base64(value: TransformValue): string {
  return toBytes(value).toString('base64');
}

/** The three base64 encodings of a value at byte offsets 0, 1 and 2 (pySigma's algorithm). */
export function base64Offsets(value: TransformValue): string[] {
  const bytes = toBytes(value);
  const start = [0, 2, 3];
  const endTrim = [0, 3, 2];
  const out: string[] = [];
  for (let i = 0; i < 3; i++) {
    const encoded = Buffer.concat([Buffer.alloc(i, 0x20), bytes]).toString('base64');
    const trim = endTrim[(bytes.length + i) % 3];
    out.push(encoded.slice(start[i], encoded.length - trim));
  }
  return out;
}

/** Final text of a transformed value (bytes read one character per byte). */
export function transformText(value: TransformValue): string {
  return toText(value);
}
