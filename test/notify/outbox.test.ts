/** Outbox notifier, MIME writer and dispatcher: files written, valid .eml, and routing by destination type. */
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Alert } from '../../lambdas/alerts/alert';
import type { NamedDestination } from '../../lambdas/notify/destination';
import { NotificationDispatcher } from '../../lambdas/notify/dispatcher';
import { buildMime, encodeHeaderWords } from '../../lambdas/notify/mime';
import type { Notifier } from '../../lambdas/notify/notifier';
import { OutboxNotifier, outboxBaseName } from '../../lambdas/notify/outbox-notifier';
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

describe('OutboxNotifier', () => {
  it('writes html, txt, json and eml files named <time>-<level>-<alertid>-<destination>', async () => {
    const outbox = new OutboxNotifier(dir);
    await outbox.send(sampleAlert(), email);
    const files = (await readdir(dir)).sort();
    expect(files).toEqual(
      ['html', 'json', 'txt', 'eml']
        .map((ext) => `20261120T101500Z-high-a1b2c3d4e5f60718-soc-email.${ext}`)
        .sort(),
    );
    const html = await readFile(
      join(
        dir,
        files.find((f) => f.endsWith('.html'))!,
      ),
      'utf8',
    );
    expect(html).toContain('AWS Console Login Without MFA');
    const json = JSON.parse(
      await readFile(
        join(
          dir,
          files.find((f) => f.endsWith('.json'))!,
        ),
        'utf8',
      ),
    ) as Record<string, unknown>;
    expect(json).toMatchObject({ schemaVersion: 1, event: { eventName: 'ConsoleLogin' } });
    expect(outbox.written).toHaveLength(1);
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

  it('builds safe file names from hostile values and non-email destinations', async () => {
    const alert = hostileAlert();
    await new OutboxNotifier(dir).send(alert, chat);
    const files = await readdir(dir);
    expect(files).toHaveLength(4);
    for (const f of files)
      expect(f).toMatch(/^unknown-time-high-[A-Za-z0-9_-]+-dev_chat_x\.(html|txt|json|eml)$/);
    expect(outboxBaseName(alert, chat.name)).not.toContain('..');
    const eml = parseMime(
      await readFile(
        join(
          dir,
          files.find((f) => f.endsWith('.eml'))!,
        ),
        'utf8',
      ),
    );
    expect(eml.header('To')).toBe('dev_chat_x@outbox.invalid');
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
