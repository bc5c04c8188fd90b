/**
 * The correlation's events and the digest's entries in the email, laid out for any width without
 * media queries: what all events share is said once, then one block per event with only the
 * values that differ, each as `label value` that wraps as a whole on a narrow screen.
 */
import type { AlertFacts } from './alert-facts';
import { FONT, LABEL, labelled, section, valueHtml } from './email-style';
import { CORRELATION_COLUMNS, DIGEST_COLUMNS, cells, splitColumns, type Column } from './event-columns';
import { andMore, correlationSummary, countedValuesTitle, digestSummary, groupSummary } from './phrases';
import { escapeHtml as esc } from './sanitize';

const P = `${FONT}font-size:13px;margin:4px 0;`;

function rowsHtml<R>(rows: readonly R[], columns: readonly Column<R>[], more: number, what: string): string {
  const { common, varying } = splitColumns(rows, columns);
  const shared = common.length
    ? `<p style="${P}"><span style="${LABEL}">Same for all ${esc(what)}:</span> ${common.map((c) => labelled(c.label, c.value)).join(' ')}</p>`
    : '';
  const items = rows
    .map(
      (row) =>
        `<div style="${FONT}font-size:12px;padding:5px 0;border-bottom:1px solid #eeeeee;">${cells(
          row,
          varying,
        )
          .map((c) => labelled(c.label, c.value))
          .join(' ')}</div>`,
    )
    .join('');
  const tail = more > 0 ? `<p style="${FONT}font-size:12px;color:#555555;">${esc(andMore(more))}</p>` : '';
  return `${shared}<div style="border-top:1px solid #eeeeee;">${items}</div>${tail}`;
}

/** The counted values of a value_count / value_sum correlation, as wrapping chips. */
function valuesHtml(c: NonNullable<AlertFacts['correlation']>): string {
  if (!c.values.length) return '';
  const chips = c.values
    .map(
      (v) =>
        `<span style="display:inline-block;max-width:100%;margin:0 6px 4px 0;padding:1px 6px;background:#f0f0f0;border-radius:3px;">${esc(v)}</span>`,
    )
    .join(' ');
  const more = c.valuesMore > 0 ? ` ${esc(andMore(c.valuesMore))}` : '';
  return `<p style="${P}"><strong>${esc(countedValuesTitle(c))}</strong></p><div style="${FONT}font-size:12px;">${chips}${more}</div>`;
}

export function correlationHtml(c: NonNullable<AlertFacts['correlation']>): string {
  const group = groupSummary(c, valueHtml);
  const summary = `<p style="${P}">Type: ${correlationSummary(c, valueHtml)}</p>`;
  const groupLine = group ? `<p style="${P}">Group: ${group}</p>` : '';
  return section(
    'Correlated events',
    `${summary}${groupLine}${valuesHtml(c)}<p style="${P}"><strong>Events (${c.events.length + c.more})</strong></p>${rowsHtml(c.events, CORRELATION_COLUMNS, c.more, 'events')}`,
  );
}

export function digestHtml(d: NonNullable<AlertFacts['digest']>): string {
  return section(
    'Digest',
    `<p style="${P}">${digestSummary(d, valueHtml)}</p>${rowsHtml(d.entries, DIGEST_COLUMNS, d.more, 'entries')}`,
  );
}
