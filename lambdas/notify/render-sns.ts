/**
 * SNS rendering: an ASCII-safe subject (SNS allows at most 100 printable ASCII characters, no
 * line breaks), a compact text message, and String message attributes (level, ruleId, accountId,
 * ouPath, kind) that subscription filter policies can select on.
 */
import type { Alert } from '../alerts/alert';
import { alertFacts, headline, subjectLine } from './alert-facts';
import { factLines } from './render-text';
import { cleanLine, truncate } from './sanitize';

export interface SnsMessageAttribute {
  DataType: 'String';
  StringValue: string;
}

export interface RenderedSns {
  subject: string;
  message: string;
  attributes: Record<'level' | 'ruleId' | 'accountId' | 'ouPath' | 'kind', SnsMessageAttribute>;
}

export const SNS_SUBJECT_MAX = 100;

/** Folds text to printable ASCII: accents dropped, dashes and quotes mapped, anything else `?`. */
export function toAsciiSubject(text: string, max = SNS_SUBJECT_MAX): string {
  const folded = text
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .replace(/[\u2010-\u2015\u2212]/g, '-')
    .replace(/[\u2018\u2019\u201a\u201b]/g, "'")
    .replace(/[\u201c\u201d\u201e\u201f]/g, '"')
    .replace(/\u2026/g, '...')
    .replace(/[^\x20-\x7e]/g, '?')
    .replace(/\s+/g, ' ')
    .trim();
  const capped = folded.length > max ? `${folded.slice(0, max - 3)}...` : folded;
  return capped || 'TrailAlerts alert';
}

const attribute = (value: string): SnsMessageAttribute => ({
  DataType: 'String',
  StringValue: value || 'unknown',
});

export function renderSns(alert: Alert): RenderedSns {
  const f = alertFacts(alert);
  const lines = [headline(f), '', ...factLines(f)];
  if (f.attack.length) lines.push(`ATT&CK: ${f.attack.map((t) => t.id).join(', ')}`);
  if (f.consoleUrl) lines.push(`Console: ${f.consoleUrl}`);
  if (f.errorMessage) lines.push(`Error message: ${cleanLine(f.errorMessage, 500)}`);
  if (f.correlation) {
    const c = f.correlation;
    lines.push(
      `Correlation: ${c.type}${c.value !== undefined ? ` (${c.value})` : ''}, ${c.events.length + c.more} event(s)`,
    );
  }
  return {
    subject: toAsciiSubject(subjectLine(alert, 300)),
    message: truncate(lines.join('\n'), 16000),
    attributes: {
      level: attribute(f.level),
      ruleId: attribute(cleanLine(alert.rule?.id, 256)),
      accountId: attribute(cleanLine(alert.account?.id, 32)),
      ouPath: attribute(cleanLine(alert.account?.ouPath, 256) || '/'),
      kind: attribute(f.kind),
    },
  };
}
