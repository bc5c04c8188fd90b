/**
 * The local notifier for `trailalerts scan` and the demo: for each (alert, destination) it writes
 * one file, `<time>-<level>-<alertid>-<destination>.<ext>`, holding exactly what that destination
 * would receive, rendered by the same code as the real notifiers:
 *   email          → `.eml`        the MIME message (subject, text and HTML parts), any mail client opens it
 *   sns            → `.sns.json`   the Publish request: {TopicArn, Subject, Message, MessageAttributes}
 *   webhook slack  → `.slack.json` the Slack payload (blocks)
 *   webhook teams  → `.teams.json` the Teams message with its Adaptive Card
 *   webhook json   → `.json`       the JSON body
 *   pagerduty      → `.pagerduty.json` the Events API v2 trigger, its routing key redacted
 *   securityhub    → `.asff.json`  the BatchImportFindings request: {Findings: [the ASFF finding]}
 * JSON files are indented for reading; their content is the body as sent. File names are built
 * only from sanitised parts, so event values cannot choose where files go.
 */
import { writeFileSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { Alert } from '../alerts';
import type { NamedDestination } from './destination';
import { buildMime, checkAddress } from './mime';
import type { Notifier } from './notifier';
import { renderEmail, type EmailOptions } from './render-email';
import type { FindingsAccount } from './render-asff';
import { pagerDutyEvent } from './render-pagerduty';
import { snsPublishInput } from './render-sns';
import { findingFor, observedFinding, type FindingTimes } from './securityhub-notifier';
import { checkTopicArn } from './sns-notifier';
import { webhookPayload } from './webhook-notifier';

/** One file written: where, and what kind of payload it holds. */
export interface OutboxFile {
  file: string;
  kind: 'email' | 'sns' | 'slack' | 'teams' | 'json' | 'pagerduty' | 'securityhub';
  destination: string;
}

export interface OutboxOptions extends EmailOptions {
  /** Where Security Hub findings would be imported (accounts.yaml: securityAccountId, homeRegion). */
  findingsAccount?: FindingsAccount;
  /** Stamps a finding's UpdatedAt. */
  now?: () => Date;
  /** The first and last observed times of findings over all their imports, as the processor keeps them. */
  findingTimes?: FindingTimes;
}

/** What the outbox writes in place of a PagerDuty routing key. */
export const ROUTING_KEY_REDACTED = '[redacted: read from Secrets Manager when sent]';

const EXTENSIONS: Record<OutboxFile['kind'], string> = {
  email: '.eml',
  sns: '.sns.json',
  slack: '.slack.json',
  teams: '.teams.json',
  json: '.json',
  pagerduty: '.pagerduty.json',
  securityhub: '.asff.json',
};

const namePart = (value: unknown, max: number, fallback: string): string => {
  const text = (typeof value === 'string' ? value : '')
    .replace(/[^A-Za-z0-9_-]+/g, '_')
    .replace(/^[_-]+|_+$/g, '');
  return text.slice(0, max) || fallback;
};

/** `20261123T120000Z` from the alert's event time, or `unknown-time`. */
function timePart(time: unknown): string {
  const date = typeof time === 'string' ? new Date(time) : undefined;
  if (!date || Number.isNaN(date.getTime())) return 'unknown-time';
  return date
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d{3}/, '');
}

/** The base file name (without extension) for an alert sent to a destination. */
export function outboxBaseName(alert: Alert, destinationName: string): string {
  return [
    timePart(alert.time),
    namePart(alert.level, 16, 'unknown'),
    namePart(alert.id, 64, 'alert'),
    namePart(destinationName, 64, 'destination'),
  ].join('-');
}

const json = (payload: unknown): string => `${JSON.stringify(payload, null, 2)}\n`;

export class OutboxNotifier implements Notifier {
  /** Every file written, in order (for the scan summary). */
  readonly written: OutboxFile[] = [];

  constructor(
    private readonly dir: string,
    private readonly options: OutboxOptions = {},
  ) {}

  /** The folder, created on the first send (a mkdir per file cost a thread-pool round trip each). */
  private created: Promise<unknown> | undefined;

  async send(alert: Alert, named: NamedDestination): Promise<void> {
    const { kind, content } = await this.render(alert, named);
    this.created ??= mkdir(this.dir, { recursive: true }).catch((err: unknown) => {
      this.created = undefined; // tried again by the next send
      throw err;
    });
    await this.created;
    const file = join(this.dir, `${outboxBaseName(alert, named.name)}${EXTENSIONS[kind]}`);
    // Synchronous: an outbox file is small, and awaiting a thread-pool write per file left the
    // CLI's main thread idle between alerts.
    writeFileSync(file, content, 'utf8');
    this.written.push({ file, kind, destination: named.name });
  }

  /** The payload the destination's real notifier would send, checked the same way. */
  private async render(
    alert: Alert,
    named: NamedDestination,
  ): Promise<{ kind: OutboxFile['kind']; content: string }> {
    const d = named.destination;
    switch (d.type) {
      case 'email': {
        const email = renderEmail(alert, this.options);
        const where = `destination ${named.name}`;
        return {
          kind: 'email',
          content: buildMime({
            from: checkAddress(`${where} from`, d.from),
            to: d.to.map((a, i) => checkAddress(`${where} to[${i}]`, a)),
            cc: (d.cc ?? []).map((a, i) => checkAddress(`${where} cc[${i}]`, a)),
            subject: email.subject,
            text: email.text,
            html: email.html,
          }),
        };
      }
      case 'sns':
        return { kind: 'sns', content: json(snsPublishInput(alert, checkTopicArn(named))) };
      case 'webhook':
        return { kind: d.format, content: json(webhookPayload(alert, d)) };
      case 'pagerduty':
        // The body as sent, but for the key: it is never read here, never written to disk.
        return {
          kind: 'pagerduty',
          content: json({ routing_key: ROUTING_KEY_REDACTED, ...pagerDutyEvent(alert) }),
        };
      case 'securityhub': {
        const account = this.options.findingsAccount;
        if (!account)
          throw new Error(
            `destination ${named.name}: the outbox needs the account findings are imported into`,
          );
        const now = (this.options.now ?? (() => new Date()))();
        const finding = await observedFinding(
          findingFor(alert, named, account, now),
          this.options.findingTimes,
        );
        return { kind: 'securityhub', content: json({ Findings: [finding] }) };
      }
      default:
        throw new Error(
          `destination ${named.name}: no outbox format for type ${String((d as { type: unknown }).type)}`,
        );
    }
  }
}
