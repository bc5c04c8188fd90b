/**
 * The events behind a correlation, and the entries of a digest, as every renderer lists them:
 * only the columns whose values differ from event to event are shown per event; a column with one
 * value for all is stated once, and an empty column is left out. A phone then shows the time, the
 * event ID and what changed, not the same source and account on every line.
 */
import type { DigestRow, EventRow } from './alert-facts';

export interface Column<R> {
  label: string;
  value: (row: R) => string;
}

export interface ColumnSplit<R> {
  /** Columns with the same non-empty value in every row: stated once. */
  common: { label: string; value: string }[];
  /** Columns whose values differ: shown for each row. */
  varying: Column<R>[];
}

/** Splits columns into the common and the varying ones; with a single row every non-empty column varies. */
export function splitColumns<R>(rows: readonly R[], columns: readonly Column<R>[]): ColumnSplit<R> {
  const common: ColumnSplit<R>['common'] = [];
  const varying: Column<R>[] = [];
  for (const column of columns) {
    const values = new Set(rows.map(column.value));
    if (values.size === 1 && values.has('')) continue;
    if (values.size === 1 && rows.length > 1) common.push({ label: column.label, value: [...values][0] });
    else varying.push(column);
  }
  return { common, varying };
}

/** The (label, value) cells of one row, empty values left out. */
export function cells<R>(row: R, columns: readonly Column<R>[]): { label: string; value: string }[] {
  return columns.map((c) => ({ label: c.label, value: c.value(row) })).filter((cell) => cell.value !== '');
}

/** One row as a line: `Label: value · Label: value` (machine destinations: PagerDuty, ASFF). */
export function rowText<R>(row: R, columns: readonly Column<R>[]): string {
  return cells(row, columns)
    .map((c) => `${c.label}: ${c.value}`)
    .join(' · ');
}

export const CORRELATION_COLUMNS: readonly Column<EventRow>[] = [
  { label: 'Time', value: (e) => e.time },
  { label: 'Event', value: (e) => e.eventName },
  { label: 'Source', value: (e) => e.eventSource },
  { label: 'Actor', value: (e) => e.actor },
  { label: 'Source IP', value: (e) => e.sourceIp },
  { label: 'Account', value: (e) => e.accountId },
  { label: 'Rule', value: (e) => e.ruleTitle },
  { label: 'Event ID', value: (e) => e.eventId },
];

export const DIGEST_COLUMNS: readonly Column<DigestRow>[] = [
  { label: 'Time', value: (e) => e.time },
  { label: 'Event', value: (e) => e.eventName },
  { label: 'Target', value: (e) => e.target },
  { label: 'Event ID', value: (e) => e.eventId },
];
