/** The alert email's shared styles and value markup: inline CSS only, no media queries. */
import { escapeHtml as esc } from './sanitize';

export const FONT = 'font-family:Arial,Helvetica,sans-serif;';
export const PRE =
  'margin:0;padding:8px;background:#f5f5f5;border:1px solid #dddddd;white-space:pre-wrap;overflow-wrap:anywhere;word-wrap:break-word;font-family:Consolas,Menlo,monospace;font-size:12px;';
export const LABEL = 'color:#666666;font-size:11px;';

export const section = (title: string, bodyHtml: string): string =>
  `<h3 style="${FONT}font-size:14px;margin:16px 0 6px 0;">${esc(title)}</h3>${bodyHtml}`;

/** Values up to this length are kept on one line (an inline block moves to the next line whole). */
const KEEP_WHOLE = 40;
// An inline block wraps inside only when it cannot fit a line on its own; max-width keeps it in the page.
const WHOLE = 'display:inline-block;max-width:100%;';

/**
 * An escaped value that never breaks inside a short word: browsers may wrap after a `-` or `/`
 * (`payments-` / `prod`), so a short value, and each short token of a long one that contains such
 * a character, is an inline block. Long tokens (ARNs, JSON) still wrap anywhere rather than widen
 * the page.
 */
export function valueHtml(text: string): string {
  if (text.length <= KEEP_WHOLE) return `<span style="${WHOLE}">${esc(text)}</span>`;
  return text
    .split(/(\s+)/)
    .map((part) =>
      part.length > 0 && part.length <= KEEP_WHOLE && /[^\p{L}\p{N}\s]/u.test(part)
        ? `<span style="${WHOLE}">${esc(part)}</span>`
        : esc(part),
    )
    .join('');
}

/** `Label value` for a list entry: the label small and grey, kept on one line with a short value. */
export function labelled(label: string, value: string): string {
  const inner = `<span style="${LABEL}">${esc(label)}</span>&nbsp;`;
  return value.length <= KEEP_WHOLE
    ? `<span style="${WHOLE}margin-right:14px;">${inner}${esc(value)}</span>`
    : `<span style="margin-right:14px;">${inner}${valueHtml(value)}</span>`;
}
