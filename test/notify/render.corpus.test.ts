/**
 * Every Stratus Red Team CloudTrail event from the shared corpus (read in place, never copied)
 * rendered through every output: nothing throws, subjects stay single-line, JSON stays valid,
 * and the console link appears exactly when region and event ID validate.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Alert } from '../../src/alerts/alert';
import { isValidEventId, isValidRegion } from '../../src/notify/links';
import { renderEmail } from '../../src/notify/render-email';
import { renderJsonText } from '../../src/notify/render-json';
import { renderSlack } from '../../src/notify/render-slack';
import { renderSns } from '../../src/notify/render-sns';
import { renderTeams } from '../../src/notify/render-teams';
import type { CloudTrailRecord } from '../../src/core';
import { sampleRule } from './fixtures';

/** The shared corpus sits beside the checkout (`../shared`), locally and in CI (.ci/run). */
const CORPUS = join(__dirname, '..', '..', '..', 'shared', 'corpus', 'stratus-red-team');

function records(): { file: string; record: CloudTrailRecord }[] {
  if (!existsSync(CORPUS))
    throw new Error(`${CORPUS}: the shared test corpus is missing (expected ../shared beside the checkout)`);
  return readdirSync(CORPUS)
    .filter((f) => f.endsWith('.json'))
    .flatMap((file) => {
      const parsed = JSON.parse(readFileSync(join(CORPUS, file), 'utf8')) as unknown;
      const list = Array.isArray(parsed) ? parsed : ((parsed as { Records?: unknown[] }).Records ?? []);
      return list.map((record) => ({ file, record: record as CloudTrailRecord }));
    });
}

const text = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);

/** A local stand-in for the processor: just enough of an Alert from a raw record. */
function alertOf(file: string, record: CloudTrailRecord): Alert {
  const identity = (record.userIdentity ?? {}) as Record<string, unknown>;
  const arn = text(identity.arn) ?? 'unknown';
  return {
    id: file.replace(/\W/g, '').slice(0, 40),
    kind: 'event',
    rule: sampleRule({ title: file.replace(/\.json$/, '') }),
    level: 'high',
    time: text(record.eventTime) ?? '',
    account: {
      id: text(record.recipientAccountId) ?? '',
      name: text(record.recipientAccountId) ?? '',
      ouPath: '/',
      known: false,
    },
    actor: { type: text(identity.type) ?? 'Unknown', id: arn, identifiers: [arn], display: arn },
    region: text(record.awsRegion),
    sourceIPAddress: text(record.sourceIPAddress),
    userAgent: text(record.userAgent),
    eventName: text(record.eventName),
    eventSource: text(record.eventSource),
    eventID: text(record.eventID),
    errorCode: text(record.errorCode),
    errorMessage: text(record.errorMessage),
    requestParameters: record.requestParameters,
    event: record,
  };
}

describe('Stratus Red Team corpus through every renderer', () => {
  const all = records();

  it('reads the whole corpus', () => {
    expect(all.length).toBeGreaterThan(100);
  });

  it('renders every event safely', () => {
    const consoleLink = /href="https:\/\/[a-z0-9-]+\.console\.aws\.amazon\.com\//;
    let linked = 0;
    for (const { file, record } of all) {
      const alert = alertOf(file, record);
      const email = renderEmail(alert);
      expect(email.subject).not.toMatch(/[\r\n]/);
      expect(email.html).not.toMatch(/<script/i);
      expect(consoleLink.test(email.html)).toBe(
        isValidRegion(record.awsRegion) && isValidEventId(record.eventID),
      );
      // The corpus anonymises regions (`ca-northsouth-2r`), so those get no link; with a real region they do.
      const relocated = renderEmail({ ...alert, region: 'eu-west-1' }).html;
      expect(consoleLink.test(relocated)).toBe(isValidEventId(record.eventID));
      if (consoleLink.test(relocated)) linked++;
      const sns = renderSns(alert);
      expect(sns.subject).toMatch(/^[\x20-\x7e]{1,100}$/);
      expect(() => JSON.parse(renderJsonText(alert, { includeEvent: true }))).not.toThrow();
      expect(JSON.stringify(renderSlack(alert))).not.toMatch(/<!(channel|here|everyone)/);
      expect(renderTeams(alert).attachments).toHaveLength(1);
    }
    expect(linked).toBeGreaterThan(all.length / 2);
  });
});
