/** SES v2 and SNS notifiers: the requests they send, retries on throttling, and errors that propagate. */
import { SESv2Client, SendEmailCommand } from '@aws-sdk/client-sesv2';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { mockClient } from 'aws-sdk-client-mock';
import { SesNotifier } from '../../src/notify/ses-notifier';
import { SnsNotifier } from '../../src/notify/sns-notifier';
import { isRetryableAwsError, withRetry } from '../../src/notify/retry';
import { DYNAMODB_TIMEOUTS, processorClients, SEND_TIMEOUTS } from '../../src/processor/clients';
import { sampleAlert } from './fixtures';

const noSleep = { sleep: async (): Promise<void> => undefined };
const awsError = (name: string, status: number): Error =>
  Object.assign(new Error(name), { name, $metadata: { httpStatusCode: status } });

const email = {
  name: 'soc-email',
  destination: {
    type: 'email' as const,
    from: 'alerts@acme.example',
    to: ['soc@acme.example'],
    cc: ['lead@acme.example'],
    configurationSet: 'alerts',
  },
};
const topic = {
  name: 'prod-pager',
  destination: { type: 'sns' as const, topicArn: 'arn:aws:sns:us-east-1:111122223333:alerts' },
};

describe('SesNotifier', () => {
  const ses = mockClient(SESv2Client);
  beforeEach(() => ses.reset());

  it('sends HTML and text with the configuration set', async () => {
    ses.on(SendEmailCommand).resolves({ MessageId: 'm-1' });
    await new SesNotifier(new SESv2Client({ region: 'us-east-1' })).send(sampleAlert(), email);
    const input = ses.commandCalls(SendEmailCommand)[0].args[0].input;
    expect(input.FromEmailAddress).toBe('alerts@acme.example');
    expect(input.Destination).toEqual({
      ToAddresses: ['soc@acme.example'],
      CcAddresses: ['lead@acme.example'],
    });
    expect(input.ConfigurationSetName).toBe('alerts');
    expect(input.Content?.Simple?.Subject?.Data).toBe(
      '[HIGH] AWS Console Login Without MFA — payments-prod (/Workloads/Production)',
    );
    expect(input.Content?.Simple?.Body?.Html?.Data).toContain('<!DOCTYPE html>');
    expect(input.Content?.Simple?.Body?.Text?.Data).toContain('Level: HIGH');
    expect(input.EmailTags).toEqual([
      { Name: 'level', Value: 'high' },
      { Name: 'kind', Value: 'event' },
    ]);
  });

  it('retries throttling with backoff, then succeeds', async () => {
    ses
      .on(SendEmailCommand)
      .rejectsOnce(awsError('TooManyRequestsException', 429))
      .rejectsOnce(awsError('ThrottlingException', 400))
      .resolves({});
    const delays: number[] = [];
    await new SesNotifier(new SESv2Client({ region: 'us-east-1' }), {
      retry: { sleep: async (ms) => void delays.push(ms), random: () => 0.5 },
    }).send(sampleAlert(), email);
    expect(ses.commandCalls(SendEmailCommand)).toHaveLength(3);
    expect(delays).toEqual([150, 300]);
  });

  it('gives up after the last attempt so the message returns to the queue', async () => {
    ses.on(SendEmailCommand).rejects(awsError('TooManyRequestsException', 429));
    await expect(
      new SesNotifier(new SESv2Client({ region: 'us-east-1' }), { retry: { attempts: 3, ...noSleep } }).send(
        sampleAlert(),
        email,
      ),
    ).rejects.toThrow('TooManyRequestsException');
    expect(ses.commandCalls(SendEmailCommand)).toHaveLength(3);
  });

  it('does not retry permanent errors', async () => {
    ses.on(SendEmailCommand).rejects(awsError('MessageRejected', 400));
    await expect(
      new SesNotifier(new SESv2Client({ region: 'us-east-1' }), { retry: noSleep }).send(
        sampleAlert(),
        email,
      ),
    ).rejects.toThrow('MessageRejected');
    expect(ses.commandCalls(SendEmailCommand)).toHaveLength(1);
  });

  it('rejects bad addresses and wrong destination types before sending', async () => {
    const notifier = new SesNotifier(new SESv2Client({ region: 'us-east-1' }));
    await expect(
      notifier.send(sampleAlert(), {
        name: 'x',
        destination: { ...email.destination, to: ['a@b.example\r\nBcc: c@d.example'] },
      }),
    ).rejects.toThrow('destination x to[0]: expected an email address');
    await expect(notifier.send(sampleAlert(), topic)).rejects.toThrow(
      'destination prod-pager: expected an email destination, got sns',
    );
    expect(ses.commandCalls(SendEmailCommand)).toHaveLength(0);
  });
});

describe('SnsNotifier', () => {
  const sns = mockClient(SNSClient);
  beforeEach(() => sns.reset());

  it('publishes subject, message and filterable attributes', async () => {
    sns.on(PublishCommand).resolves({ MessageId: 'x' });
    await new SnsNotifier(new SNSClient({ region: 'us-east-1' })).send(sampleAlert(), topic);
    const input = sns.commandCalls(PublishCommand)[0].args[0].input;
    expect(input.TopicArn).toBe(topic.destination.topicArn);
    expect(input.Subject).toBe(
      '[HIGH] AWS Console Login Without MFA - payments-prod (/Workloads/Production)',
    );
    expect(input.Message).toContain('Actor: user/alice');
    expect(input.MessageAttributes?.level).toEqual({ DataType: 'String', StringValue: 'high' });
    expect(input.MessageAttributes?.ouPath).toEqual({
      DataType: 'String',
      StringValue: '/Workloads/Production',
    });
  });

  it('uses a group and deduplication id, and no subject, on FIFO topics', async () => {
    sns.on(PublishCommand).resolves({});
    await new SnsNotifier(new SNSClient({ region: 'us-east-1' })).send(sampleAlert(), {
      name: 'f',
      destination: { type: 'sns', topicArn: 'arn:aws:sns:us-east-1:111122223333:alerts.fifo' },
    });
    const input = sns.commandCalls(PublishCommand)[0].args[0].input;
    expect(input.Subject).toBeUndefined();
    expect(input.MessageGroupId).toBe('444455556666');
    expect(input.MessageDeduplicationId).toBe('a1b2c3d4e5f60718');
  });

  it('retries 5xx and throttling, then propagates', async () => {
    sns
      .on(PublishCommand)
      .rejectsOnce(awsError('InternalErrorException', 500))
      .rejects(awsError('ThrottledException', 400));
    await expect(
      new SnsNotifier(new SNSClient({ region: 'us-east-1' }), { retry: { attempts: 4, ...noSleep } }).send(
        sampleAlert(),
        topic,
      ),
    ).rejects.toThrow('ThrottledException');
    expect(sns.commandCalls(PublishCommand)).toHaveLength(4);
  });

  it('rejects a malformed topic ARN', async () => {
    await expect(
      new SnsNotifier(new SNSClient({ region: 'us-east-1' })).send(sampleAlert(), {
        name: 't',
        destination: { type: 'sns', topicArn: 'arn:aws:sqs:x' },
      }),
    ).rejects.toThrow('destination t: topicArn is not an SNS topic ARN');
  });
});

describe('retry policy', () => {
  it('classifies AWS errors', () => {
    expect(isRetryableAwsError(awsError('TooManyRequestsException', 429))).toBe(true);
    expect(isRetryableAwsError(awsError('Whatever', 503))).toBe(true);
    expect(isRetryableAwsError(awsError('AccessDeniedException', 403))).toBe(false);
    expect(isRetryableAwsError('string')).toBe(false);
  });

  it('grows delays exponentially up to the cap', async () => {
    const delays: number[] = [];
    await expect(
      withRetry(
        async () => Promise.reject(new Error('x')),
        () => true,
        {
          attempts: 6,
          baseDelayMs: 100,
          maxDelayMs: 1000,
          random: () => 0.999,
          sleep: async (ms) => void delays.push(ms),
        },
      ),
    ).rejects.toThrow('x');
    expect(delays).toEqual([100, 200, 400, 800, 1000]);
  });

  it("stops at once when the send's time runs out, during a backoff or an attempt", async () => {
    const controller = new AbortController();
    const reason = new Error('no time left');
    let attempts = 0;
    const retried = withRetry(
      async () => {
        attempts++;
        return Promise.reject(awsError('ThrottlingException', 400));
      },
      isRetryableAwsError,
      { attempts: 10, sleep: () => new Promise(() => undefined) },
      controller.signal,
    );
    await new Promise((resolve) => setImmediate(resolve));
    controller.abort(reason);
    await expect(retried).rejects.toBe(reason);
    expect(attempts).toBe(1);
    await expect(
      withRetry(
        async () => 'never',
        () => true,
        {},
        controller.signal,
      ),
    ).rejects.toBe(reason);
  });
});

describe('send time limits', () => {
  it('SES and SNS pass the send signal to the SDK call and stop retrying once it fired', async () => {
    const ses = mockClient(SESv2Client);
    const sns = mockClient(SNSClient);
    try {
      const controller = new AbortController();
      ses.on(SendEmailCommand).callsFake(async () => {
        controller.abort(new Error('out of time'));
        throw awsError('TooManyRequestsException', 429);
      });
      const sender = new SesNotifier(new SESv2Client({ region: 'us-east-1' }), { retry: noSleep });
      await expect(sender.send(sampleAlert(), email, { signal: controller.signal })).rejects.toThrow(
        'out of time',
      );
      expect(ses.commandCalls(SendEmailCommand)).toHaveLength(1);
      expect((ses.call(0).args as unknown[])[1]).toEqual({ abortSignal: controller.signal });
      sns.on(PublishCommand).resolves({});
      const live = new AbortController();
      await new SnsNotifier(new SNSClient({ region: 'us-east-1' })).send(sampleAlert(), topic, {
        signal: live.signal,
      });
      expect((sns.call(0).args as unknown[])[1]).toEqual({ abortSignal: live.signal });
    } finally {
      ses.restore();
      sns.restore();
    }
  });

  it("the processor's SDK clients have connection and request timeouts that throw", async () => {
    const clients = processorClients();
    try {
      for (const [client, expected] of [
        [clients.dynamodb, DYNAMODB_TIMEOUTS],
        [clients.ses, SEND_TIMEOUTS],
        [clients.sns, SEND_TIMEOUTS],
        [clients.findings.client, SEND_TIMEOUTS],
      ] as const) {
        const handler = client.config.requestHandler as unknown as { configProvider: Promise<unknown> };
        expect(await handler.configProvider).toMatchObject(expected);
      }
      expect(SEND_TIMEOUTS.requestTimeout).toBeLessThan(60_000 / 3);
    } finally {
      for (const c of Object.values(clients)) c.destroy();
    }
  });
});
