/** Outbox notifier, MIME writer and dispatcher: one file per notification holding exactly its payload, valid .eml, routing by destination type. */
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Alert } from '../../src/alerts/alert';
import type { NamedDestination } from '../../src/notify/destination';
import { NotificationDispatcher } from '../../src/notify/dispatcher';
import { buildMime, encodeHeaderWords } from '../../src/notify/mime';
import type { Notifier } from '../../src/notify/notifier';
import { OutboxNotifier, outboxBaseName } from '../../src/notify/outbox-notifier';
import { renderJson } from '../../src/notify/render-json';
import { renderSlack } from '../../src/notify/render-slack';
import { snsPublishInput } from '../../src/notify/render-sns';
import { renderTeams } from '../../src/notify/render-teams';
import { hostileAlert, sampleAlert } from './fixtures';
import { decodeWords, parseMime } from './mime-parse';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'outbox-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const email: NamedDestination = {
  name: 'soc-email',
  destination: { type: 'email', from: 'alerts@acme.example', to: ['soc@acme.example'] },
};
const chat: NamedDestination = {
  name: 'dev chat/../x',
  destination: { type: 'webhook', format: 'slack', urlSecret: 's' },
};

const destinations: NamedDestination[] = [
  email,
  { name: 'prod-pager', destination: { type: 'sns', topicArn: 'arn:aws:sns:us-east-1:111122223333:pager' } },
  { name: 'dev-chat', destination: { type: 'webhook', format: 'slack', urlSecret: 's' } },
  { name: 'ops-teams', destination: { type: 'webhook', format: 'teams', urlSecret: 't' } },
  {
    name: 'siem',
    destination: { type: 'webhook', format: 'json', urlSecret: 'j', allowedHosts: ['siem.example'] },
  },
];

const read = async (name: string): Promise<string> => readFile(join(dir, name), 'utf8');

describe('OutboxNotifier', () => {
  it('writes, per destination, exactly the payload that destination would receive', async () => {
    const outbox = new OutboxNotifier(dir);
    const alert = sampleAlert();
    for (const d of destinations) await outbox.send(alert, d);
    const base = '20261120T101500Z-high-a1b2c3d4e5f60718';
    expect((await readdir(dir)).sort()).toEqual(
      [
        `${base}-soc-email.eml`,
        `${base}-prod-pager.sns.json`,
        `${base}-dev-chat.slack.json`,
        `${base}-ops-teams.teams.json`,
        `${base}-siem.json`,
      ].sort(),
    );
    expect(outbox.written.map((w) => [w.kind, w.destination])).toEqual([
      ['email', 'soc-email'],
      ['sns', 'prod-pager'],
      ['slack', 'dev-chat'],
      ['teams', 'ops-teams'],
      ['json', 'siem'],
    ]);
    // The same renderers as the real notifiers: SNS Publish input, Slack blocks, Teams card, JSON body.
    expect(JSON.parse(await read(`${base}-prod-pager.sns.json`))).toEqual(
      snsPublishInput(alert, 'arn:aws:sns:us-east-1:111122223333:pager'),
    );
    const sns = JSON.parse(await read(`${base}-prod-pager.sns.json`)) as Record<string, unknown>;
    expect(Object.keys(sns)).toEqual(['TopicArn', 'Subject', 'Message', 'MessageAttributes']);
    expect(JSON.parse(await read(`${base}-dev-chat.slack.json`))).toEqual(renderSlack(alert));
    expect(JSON.parse(await read(`${base}-ops-teams.teams.json`))).toEqual(renderTeams(alert));
    expect(JSON.parse(await read(`${base}-siem.json`))).toEqual(renderJson(alert));
    // No email-shaped file for a chat or SNS destination.
    expect((await readdir(dir)).filter((f) => f.endsWith('.eml'))).toEqual([`${base}-soc-email.eml`]);
  });

  it('writes a valid multipart/alternative .eml with an RFC 2047 subject', async () => {
    await new OutboxNotifier(dir).send(sampleAlert(), email);
    const eml = await readFile(
      join(
        dir,
        (await readdir(dir)).find((f) => f.endsWith('.eml'))!,
      ),
      'utf8',
    );
    const mime = parseMime(eml);
    expect(mime.header('From')).toBe('alerts@acme.example');
    expect(mime.header('To')).toBe('soc@acme.example');
    expect(mime.header('MIME-Version')).toBe('1.0');
    expect(mime.header('Content-Type')).toMatch(/^multipart\/alternative; boundary="/);
    expect(mime.header('Subject')).toMatch(/^=\?UTF-8\?B\?/);
    expect(decodeWords(mime.header('Subject')!)).toBe(
      '[HIGH] AWS Console Login Without MFA — payments-prod (/Workloads/Production)',
    );
    expect(mime.parts.map((p) => p.contentType)).toEqual(['text/plain', 'text/html']);
    expect(mime.parts[0].body).toContain('Level: HIGH');
    expect(mime.parts[1].body).toContain('<!DOCTYPE html>');
    expect(eml.split('\r\n').every((line) => line.length <= 998)).toBe(true);
    expect(eml.replace(/\r\n/g, '')).not.toMatch(/[\r\n]/);
  });

  it('builds safe file names from hostile values', async () => {
    const alert = hostileAlert();
    const outbox = new OutboxNotifier(dir);
    await outbox.send(alert, chat);
    await outbox.send(alert, { ...email, name: '../../etc/passwd\r\nx' });
    const files = (await readdir(dir)).sort();
    expect(files).toHaveLength(2);
    for (const f of files)
      expect(f).toMatch(/^unknown-time-high-[A-Za-z0-9_-]+-(dev_chat_x\.slack\.json|etc_passwd_x\.eml)$/);
    expect(outboxBaseName(alert, chat.name)).not.toContain('..');
    expect(outbox.written.every((w) => w.file.startsWith(dir))).toBe(true);
  });

  it('creates its folder once, and tries again on the next send when it could not', async () => {
    const blocked = join(dir, 'blocked');
    await writeFile(blocked, 'a file where the folder should be');
    const outbox = new OutboxNotifier(join(blocked, 'out'));
    await expect(outbox.send(sampleAlert(), chat)).rejects.toThrow(/ENOTDIR|EEXIST/);
    await rm(blocked);
    await outbox.send(sampleAlert(), chat);
    await outbox.send(sampleAlert({ id: 'second' }), chat);
    expect(await readdir(join(blocked, 'out'))).toHaveLength(2);
  });

  it('refuses what the real notifier would refuse', async () => {
    const outbox = new OutboxNotifier(dir);
    await expect(
      outbox.send(sampleAlert(), { name: 't', destination: { type: 'sns', topicArn: 'arn:aws:sqs:x' } }),
    ).rejects.toThrow('destination t: topicArn is not an SNS topic ARN');
    await expect(
      outbox.send(sampleAlert(), {
        ...email,
        destination: { type: 'email', from: 'alerts@acme.example', to: ['a@b\r\nBcc: c@d'] },
      }),
    ).rejects.toThrow('destination soc-email to[0]: expected an email address');
    expect(await readdir(dir)).toEqual([]);
  });
});

describe('buildMime', () => {
  it('keeps ASCII subjects readable and encodes the rest in words of at most 75 characters', () => {
    expect(encodeHeaderWords('plain subject')).toBe('plain subject');
    const encoded = encodeHeaderWords('Zürich — '.repeat(20));
    for (const word of encoded.split('\r\n ')) expect(word.length).toBeLessThanOrEqual(75);
    expect(decodeWords(encoded)).toBe('Zürich — '.repeat(20).trim());
  });

  it('refuses header injection through addresses and header names', () => {
    const base = { from: 'a@b.example', to: ['c@d.example'], subject: 's', text: 't', html: 'h' };
    expect(() => buildMime({ ...base, from: 'a@b.example\r\nBcc: e@f.example' })).toThrow(
      'from: expected an email address',
    );
    expect(() => buildMime({ ...base, to: ['"x" <c@d.example>'] })).toThrow(
      'to[0]: expected an email address',
    );
    expect(() => buildMime({ ...base, headers: { Bcc: 'x' } })).toThrow('expected an X- header name');
    const eml = buildMime({
      ...base,
      subject: 'a\r\nBcc: e@f.example',
      headers: { 'X-Test': 'v\r\nBcc: g@h.example' },
    });
    expect(parseMime(eml).headers.map(([n]) => n)).not.toContain('Bcc');
  });
});

describe('NotificationDispatcher', () => {
  class Recorder implements Notifier {
    readonly calls: string[] = [];
    constructor(private readonly label: string) {}
    async send(_alert: Alert, d: NamedDestination): Promise<void> {
      this.calls.push(`${this.label}:${d.name}`);
    }
  }

  it('maps destination types to notifiers and fails clearly when none is configured', async () => {
    const mail = new Recorder('mail');
    const hook = new Recorder('hook');
    const dispatcher = new NotificationDispatcher({ email: mail, webhook: hook });
    await dispatcher.send(sampleAlert(), email);
    await dispatcher.send(sampleAlert(), chat);
    expect([...mail.calls, ...hook.calls]).toEqual(['mail:soc-email', 'hook:dev chat/../x']);
    await expect(
      dispatcher.send(sampleAlert(), {
        name: 'pager',
        destination: { type: 'sns', topicArn: 'arn:aws:sns:us-east-1:111122223333:t' },
      }),
    ).rejects.toThrow('destination pager: no notifier for type sns (configured: email, webhook)');
  });

  it('propagates a notifier failure', async () => {
    const failing: Notifier = { send: async () => Promise.reject(new Error('boom')) };
    await expect(new NotificationDispatcher({ email: failing }).send(sampleAlert(), email)).rejects.toThrow(
      'boom',
    );
  });
});
