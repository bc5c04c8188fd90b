/**
 * Webhook notifier against a local node:http server on 127.0.0.1 (reachable only through the
 * test-only `allowInsecureLocalhost` option), with the URL read from a mocked Secrets Manager.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import { WebhookNotifier } from '../../src/notify/webhook-notifier';
import { checkWebhookUrl, hostMatches, webhookUrlFromSecret } from '../../src/notify/webhook-url';
import type { NamedDestination, WebhookFormat } from '../../src/notify/destination';
import { SecretsManagerReader } from '../../src/secrets/secrets-manager-reader';
import { sampleAlert } from './fixtures';

interface Received {
  method?: string;
  url?: string;
  contentType?: string;
  headers: IncomingMessage['headers'];
  body: unknown;
}

let server: Server;
let base: string;
const received: Received[] = [];
let answers: number[] = [];
let delayMs = 0;

beforeAll(async () => {
  server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      received.push({
        method: req.method,
        url: req.url,
        contentType: req.headers['content-type'],
        headers: req.headers,
        body: JSON.parse(Buffer.concat(chunks).toString('utf8')),
      });
      const status = answers.shift() ?? 200;
      setTimeout(() => {
        res.statusCode = status;
        res.end('ok');
      }, delayMs);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

const secrets = mockClient(SecretsManagerClient);
beforeEach(() => {
  secrets.reset();
  received.length = 0;
  answers = [];
  delayMs = 0;
});

const destination = (format: WebhookFormat, allowedHosts?: string[]): NamedDestination => ({
  name: `chat-${format}`,
  destination: { type: 'webhook', format, urlSecret: 'trailalerts/chat', allowedHosts },
});

const notifier = (
  overrides: Partial<ConstructorParameters<typeof WebhookNotifier>[0]> = {},
): WebhookNotifier =>
  new WebhookNotifier({
    secrets: new SecretsManagerReader(new SecretsManagerClient({ region: 'us-east-1' })),
    allowInsecureLocalhost: true,
    retry: { sleep: async () => undefined },
    ...overrides,
  });

describe('WebhookNotifier', () => {
  it.each(['slack', 'teams', 'json'] as const)(
    'POSTs the %s payload to the URL from the secret',
    async (format) => {
      secrets
        .on(GetSecretValueCommand, { SecretId: 'trailalerts/chat' })
        .resolves({ SecretString: `${base}/hook/T000/B000/secretpart` });
      await notifier().send(sampleAlert(), destination(format));
      expect(received).toHaveLength(1);
      expect(received[0].method).toBe('POST');
      expect(received[0].url).toBe('/hook/T000/B000/secretpart');
      expect(received[0].contentType).toBe('application/json; charset=utf-8');
      const body = received[0].body as Record<string, unknown>;
      if (format === 'slack') expect(body.blocks).toBeInstanceOf(Array);
      if (format === 'teams') expect(body.type).toBe('message');
      if (format === 'json') expect(body).toMatchObject({ schemaVersion: 1, level: 'high' });
    },
  );

  it('reads the URL from a JSON secret and caches it', async () => {
    secrets
      .on(GetSecretValueCommand)
      .resolves({ SecretString: JSON.stringify({ url: `${base}/json-secret` }) });
    const n = notifier();
    await n.send(sampleAlert(), destination('slack'));
    await n.send(sampleAlert(), destination('slack'));
    expect(received.map((r) => r.url)).toEqual(['/json-secret', '/json-secret']);
    expect(secrets.commandCalls(GetSecretValueCommand)).toHaveLength(1);
  });

  it('sends the custom headers kept in the secret beside the URL', async () => {
    secrets.on(GetSecretValueCommand).resolves({
      SecretString: JSON.stringify({
        url: `${base}/with-headers`,
        headers: { Authorization: 'Bearer s3cr3t-token', 'X-Tenant': 'soc' },
      }),
    });
    await notifier().send(sampleAlert(), destination('json', ['127.0.0.1']));
    expect(received[0].headers.authorization).toBe('Bearer s3cr3t-token');
    expect(received[0].headers['x-tenant']).toBe('soc');
    expect(received[0].contentType).toBe('application/json; charset=utf-8');
  });

  it.each([
    [{ 'Content-Type': 'text/plain' }, /"Content-Type" is set by the sender/],
    [{ Host: 'evil.example' }, /"Host" is set by the sender/],
    [{ 'X-Token': 'a\r\nX-Injected: 1' }, /"X-Token" must be a string .* without line breaks/],
    [{ 'Bad Name': 'v' }, /"Bad Name" is not a valid header name/],
    [['Authorization'], /"headers" must be an object/],
  ])(
    'refuses unsafe headers in the secret (%j), naming the header and never its value',
    async (headers, message) => {
      secrets
        .on(GetSecretValueCommand)
        .resolves({ SecretString: JSON.stringify({ url: `${base}/x`, headers }) });
      const sent = notifier().send(sampleAlert(), destination('json', ['127.0.0.1']));
      await expect(sent).rejects.toThrow(message);
      await expect(sent).rejects.not.toThrow(/text\/plain|evil\.example|X-Injected/);
      expect(received).toHaveLength(0);
    },
  );

  it('retries 429 and 5xx, then succeeds', async () => {
    secrets.on(GetSecretValueCommand).resolves({ SecretString: `${base}/retry` });
    answers = [429, 503];
    await notifier().send(sampleAlert(), destination('slack'));
    expect(received).toHaveLength(3);
  });

  it('fails with the status, never the URL, after the last retry', async () => {
    secrets.on(GetSecretValueCommand).resolves({ SecretString: `${base}/secretpart-xyz` });
    answers = [500, 500, 500];
    const error = await notifier({ retry: { attempts: 3, sleep: async () => undefined } })
      .send(sampleAlert(), destination('slack'))
      .catch((e: Error) => e);
    expect(String(error)).toContain('webhook chat-slack: answered HTTP 500');
    expect(String(error)).not.toContain('secretpart');
    expect(String(error)).not.toContain(base);
    expect(received).toHaveLength(3);
  });

  it('does not retry other client errors, and re-reads a refused URL next time', async () => {
    secrets
      .on(GetSecretValueCommand)
      .resolvesOnce({ SecretString: `${base}/gone` })
      .resolves({ SecretString: `${base}/rotated` });
    answers = [404];
    const n = notifier();
    await expect(n.send(sampleAlert(), destination('slack'))).rejects.toThrow(
      'webhook chat-slack: answered HTTP 404',
    );
    expect(received).toHaveLength(1);
    await n.send(sampleAlert(), destination('slack'));
    expect(received.map((r) => r.url)).toEqual(['/gone', '/rotated']);
    expect(secrets.commandCalls(GetSecretValueCommand)).toHaveLength(2);
  });

  it('times out slow endpoints without leaking the URL', async () => {
    secrets.on(GetSecretValueCommand).resolves({ SecretString: `${base}/slow-secret` });
    delayMs = 1000;
    const error = await notifier({ timeoutMs: 100, retry: { attempts: 1 } })
      .send(sampleAlert(), destination('slack'))
      .catch((e: Error) => e);
    expect(String(error)).toBe('NotificationError: webhook chat-slack: timed out after 100 ms');
  });

  it("stops when the send's time runs out: the request in flight and the retries after it", async () => {
    secrets.on(GetSecretValueCommand).resolves({ SecretString: `${base}/slow-secret` });
    delayMs = 2000;
    const controller = new AbortController();
    setTimeout(() => controller.abort(new Error('no time left in this run')), 100);
    const started = Date.now();
    const error = await notifier({ timeoutMs: 5000, retry: { attempts: 4 } })
      .send(sampleAlert(), destination('slack'), { signal: controller.signal })
      .catch((e: Error) => e);
    expect(Date.now() - started).toBeLessThan(1000);
    expect(String(error)).toMatch(/no time left/);
    expect(String(error)).not.toContain('slow-secret');
    expect(received).toHaveLength(1);
  });

  it('rejects http URLs unless the test-only localhost option is set, and then only 127.0.0.1', async () => {
    secrets.on(GetSecretValueCommand).resolves({ SecretString: `${base}/x` });
    await expect(
      notifier({ allowInsecureLocalhost: false }).send(sampleAlert(), destination('slack')),
    ).rejects.toThrow('webhook chat-slack: the webhook URL must use https (got http:)');
    secrets.on(GetSecretValueCommand).resolves({ SecretString: 'http://hooks.slack.com/services/x' });
    await expect(notifier().send(sampleAlert(), destination('slack'))).rejects.toThrow('must use https');
    expect(received).toHaveLength(0);
  });

  it('names the secret, not its value, when it cannot be read', async () => {
    secrets
      .on(GetSecretValueCommand)
      .rejects(Object.assign(new Error('denied'), { name: 'AccessDeniedException' }));
    await expect(notifier().send(sampleAlert(), destination('slack'))).rejects.toThrow(
      'secret trailalerts/chat: could not be read (AccessDeniedException)',
    );
  });
});

describe('webhook URL policy', () => {
  const check = (url: string, format: WebhookFormat, allowedHosts?: string[]): URL =>
    checkWebhookUrl('webhook d', url, { format, allowedHosts });

  it('allows the default hosts per format', () => {
    expect(check('https://hooks.slack.com/services/T/B/X', 'slack').hostname).toBe('hooks.slack.com');
    expect(check('https://acme.webhook.office.com/webhookb2/x', 'teams').hostname).toBe(
      'acme.webhook.office.com',
    );
    expect(check('https://prod-01.westus.logic.azure.com:443/workflows/x', 'teams').hostname).toBe(
      'prod-01.westus.logic.azure.com',
    );
    expect(check('https://default1.environment.api.powerplatform.com/p', 'teams').hostname).toBe(
      'default1.environment.api.powerplatform.com',
    );
  });

  it('rejects other hosts, look-alikes, credentials and unconfigured JSON', () => {
    expect(() => check('https://hooks.slack.com.evil.example/x', 'slack')).toThrow(
      'webhook d: the webhook host hooks.slack.com.evil.example is not in the allowed hosts (hooks.slack.com)',
    );
    expect(() => check('https://webhook.office.com/x', 'teams')).toThrow('not in the allowed hosts');
    expect(() => check('https://evilwebhook.office.com/x', 'teams')).toThrow('not in the allowed hosts');
    expect(() => check('https://user:pw@hooks.slack.com/x', 'slack')).toThrow('must not contain credentials');
    expect(() => check('https://siem.acme.example/in', 'json')).toThrow(
      'webhook format json needs allowedHosts',
    );
    expect(check('https://siem.acme.example/in', 'json', ['siem.acme.example']).pathname).toBe('/in');
    expect(() => check('not a url', 'slack')).toThrow(
      'webhook d: the webhook URL in the secret is not a valid URL',
    );
    expect(() => check('http://127.0.0.1:9/x', 'slack')).toThrow('must use https');
    expect(() =>
      checkWebhookUrl('w', 'http://localhost:9/x', { format: 'slack', allowInsecureLocalhost: true }),
    ).toThrow('must use https');
  });

  it('matches wildcard patterns on subdomains only', () => {
    expect(hostMatches('a.b.example', '*.b.example')).toBe(true);
    expect(hostMatches('b.example', '*.b.example')).toBe(false);
    expect(hostMatches('HOOKS.slack.com', 'hooks.slack.com')).toBe(true);
  });

  it('reads plain and JSON secrets and explains bad ones', () => {
    expect(webhookUrlFromSecret('s', ' https://x.example/a \n')).toBe('https://x.example/a');
    expect(webhookUrlFromSecret('s', '{"url":"https://x.example/b"}')).toBe('https://x.example/b');
    expect(() => webhookUrlFromSecret('s', '{"url":')).toThrow('secret s: expected a URL or JSON');
    expect(() => webhookUrlFromSecret('s', '{"uri":"x"}')).toThrow(
      'secret s: expected JSON with a string "url" member',
    );
  });
});
