/**
 * The local notifier for `trailalerts scan` and the demo: for each (alert, destination) it writes
 * `<time>-<level>-<alertid>-<destination>.{html,txt,json,eml}` into a directory, exactly what the
 * email would show (.html/.txt), the JSON document (.json, raw event included) and a complete
 * multipart/alternative message (.eml) that any mail client opens. File names are built only from
 * sanitised parts, so event values cannot choose where files go.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Alert } from '../alerts/alert';
import type { NamedDestination } from './destination';
import { buildMime } from './mime';
import type { Notifier } from './notifier';
import { renderEmail, type EmailOptions } from './render-email';
import { renderJsonText } from './render-json';

export interface OutboxFiles {
  html: string;
  txt: string;
  json: string;
  eml: string;
}

const OUTBOX_FROM = 'trailalerts@outbox.invalid';

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

export class OutboxNotifier implements Notifier {
  /** Every set of files written, in order (for the scan summary). */
  readonly written: OutboxFiles[] = [];

  constructor(
    private readonly dir: string,
    private readonly options: EmailOptions = {},
  ) {}

  async send(alert: Alert, named: NamedDestination): Promise<void> {
    await mkdir(this.dir, { recursive: true });
    const base = join(this.dir, outboxBaseName(alert, named.name));
    const email = renderEmail(alert, this.options);
    const d = named.destination;
    const recipient = `${namePart(named.name, 64, 'destination')}@outbox.invalid`;
    const eml = buildMime({
      from: d.type === 'email' ? d.from : OUTBOX_FROM,
      to: d.type === 'email' ? d.to : [recipient],
      cc: d.type === 'email' ? d.cc : undefined,
      subject: email.subject,
      text: email.text,
      html: email.html,
      headers: { 'X-TrailAlerts-Destination': named.name, 'X-TrailAlerts-Alert-Id': alert.id },
    });
    const files: OutboxFiles = {
      html: `${base}.html`,
      txt: `${base}.txt`,
      json: `${base}.json`,
      eml: `${base}.eml`,
    };
    await Promise.all([
      writeFile(files.html, email.html, 'utf8'),
      writeFile(files.txt, email.text, 'utf8'),
      writeFile(files.json, `${renderJsonText(alert, { includeEvent: true })}\n`, 'utf8'),
      writeFile(files.eml, eml, 'utf8'),
    ]);
    this.written.push(files);
  }
}
