/**
 * SNS rendering: an ASCII-safe subject (SNS allows at most 100 printable ASCII characters, no
 * line breaks), a compact text message (defanged: SNS delivers it to email and SMS subscribers,
 * whose clients auto-link), and String message attributes (level, ruleId, accountId, ouPath, kind)
 * that subscription filter policies can select on; attributes are for machines and keep raw values.
 */
import type { Alert } from '../alerts';
import { alertFacts, headline, subjectLine, type AlertFacts } from './alert-facts';
import { fitToBudget, type Caps } from './budget';
import { guardDutyTextLines, guardDutyView, type GuardDutyView } from './render-guardduty';
import { correlationLines, digestLines, factLines, huntNote } from './render-text';
import { shortenedNote } from './phrases';
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
/**
 * "Messages must be UTF-8 encoded strings and at most 256 KB in size (262,144 bytes)", message
 * attributes included (docs.aws.amazon.com/sns/latest/api/API_Publish.html, and
 * …/api/API_MessageAttributeValue.html). Alerts keep to 16,000 characters (at most 64 KB of
 * UTF-8), readable in an email or on a phone, far below it.
 */
export const SNS_MAX_BYTES = 262_144;
export const SNS_MESSAGE_MAX = 16_000;

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

/** The message text: headline, facts, links, error, correlation and digest, within the caps. */
function messageText(
  f: AlertFacts,
  caps: Caps,
  shortened: boolean,
  guardDuty?: GuardDutyView,
  hunt?: string,
): string {
  const cap = (lines: string[]): string[] => lines.map((l) => truncate(l, caps.value + 200));
  const lines = [headline(f), '', ...(hunt ? [cleanLine(hunt, 300), ''] : []), ...cap(factLines(f))];
  if (guardDuty) lines.push('', ...cap(guardDutyTextLines(guardDuty)));
  if (f.attack.length) lines.push(`ATT&CK: ${f.attack.map((t) => t.id).join(', ')}`);
  if (f.consoleUrl) lines.push(`Console: ${f.consoleUrl}`);
  if (f.errorMessage) lines.push(`Error message: ${truncate(cleanLine(f.errorMessage, 2000), caps.value)}`);
  if (f.correlation && caps.rows > 0) lines.push('', ...cap(correlationLines(f.correlation, caps.rows * 2)));
  if (f.digest && caps.rows > 0) lines.push('', ...cap(digestLines(f.digest, caps.rows * 2)));
  if (shortened) lines.push('', shortenedNote('SNS'));
  return truncate(lines.join('\n'), SNS_MESSAGE_MAX);
}

export function renderSns(alert: Alert): RenderedSns {
  const f = alertFacts(alert);
  const guardDuty = guardDutyView(alert);
  return {
    subject: toAsciiSubject(subjectLine(alert, 300)),
    message: fitToBudget(
      (caps, shortened) => messageText(f, caps, shortened, guardDuty, huntNote(alert)),
      (m) => m.length,
      SNS_MESSAGE_MAX - 1,
    ),
    attributes: {
      level: attribute(f.level),
      ruleId: attribute(cleanLine(alert.rule?.id, 256)),
      accountId: attribute(cleanLine(alert.account?.id, 32)),
      ouPath: attribute(cleanLine(alert.account?.ouPath, 256) || '/'),
      kind: attribute(f.kind),
    },
  };
}

/** The Publish request for a topic: what SnsNotifier sends and what the outbox writes. */
export function snsPublishInput(
  alert: Alert,
  topicArn: string,
): {
  TopicArn: string;
  Subject?: string;
  Message: string;
  MessageAttributes: RenderedSns['attributes'];
  MessageGroupId?: string;
  MessageDeduplicationId?: string;
} {
  const sns = renderSns(alert);
  // FIFO topics take no subject but need a group and a deduplication id.
  const fifo = topicArn.endsWith('.fifo');
  return {
    TopicArn: topicArn,
    ...(fifo
      ? { MessageGroupId: sns.attributes.accountId.StringValue, MessageDeduplicationId: dedupeId(alert.id) }
      : { Subject: sns.subject }),
    Message: sns.message,
    MessageAttributes: sns.attributes,
  };
}

const dedupeId = (id: unknown): string =>
  (typeof id === 'string' ? id : '').replace(/[^A-Za-z0-9_-]/g, '').slice(0, 128) || 'alert';
