/**
 * Sends alert emails through SES v2 (SendEmail, Simple content with an HTML and a text part, which
 * SES sends as multipart/alternative), with the destination's configuration set. Throttling and
 * 5xx are retried with backoff, within the send's time (`signal`); then the error propagates.
 */
import { SendEmailCommand, type SESv2Client } from '@aws-sdk/client-sesv2';
import type { Alert } from '../alerts';
import { LEVELS } from '../core';
import type { NamedDestination } from './destination';
import { checkAddress } from './mime';
import type { Notifier } from './notifier';
import { renderEmail, type EmailOptions } from './render-email';
import { isRetryableAwsError, withRetry, type RetryOptions, type SendOptions } from './retry';

export interface SesNotifierOptions extends EmailOptions {
  retry?: RetryOptions;
}

export class SesNotifier implements Notifier {
  constructor(
    private readonly client: SESv2Client,
    private readonly options: SesNotifierOptions = {},
  ) {}

  async send(alert: Alert, named: NamedDestination, options: SendOptions = {}): Promise<void> {
    const d = named.destination;
    if (d.type !== 'email')
      throw new Error(`destination ${named.name}: expected an email destination, got ${d.type}`);
    const from = checkAddress(`destination ${named.name} from`, d.from);
    const to = d.to.map((a, i) => checkAddress(`destination ${named.name} to[${i}]`, a));
    const cc = (d.cc ?? []).map((a, i) => checkAddress(`destination ${named.name} cc[${i}]`, a));
    if (to.length === 0) throw new Error(`destination ${named.name}: expected at least one address in to`);
    const email = renderEmail(alert, this.options);
    const command = new SendEmailCommand({
      FromEmailAddress: from,
      Destination: { ToAddresses: to, ...(cc.length ? { CcAddresses: cc } : {}) },
      Content: {
        Simple: {
          Subject: { Data: email.subject, Charset: 'UTF-8' },
          Body: {
            Html: { Data: email.html, Charset: 'UTF-8' },
            Text: { Data: email.text, Charset: 'UTF-8' },
          },
        },
      },
      ...(d.configurationSet ? { ConfigurationSetName: d.configurationSet } : {}),
      EmailTags: [
        // SES tag values allow only [A-Za-z0-9_-].
        {
          Name: 'level',
          Value: (LEVELS as readonly string[]).includes(alert.level) ? alert.level : 'unknown',
        },
        { Name: 'kind', Value: alert.kind === 'correlation' ? 'correlation' : 'event' },
      ],
    });
    const { signal } = options;
    // The signal also cancels the request in flight: a hanging SES call ends with the time left.
    await withRetry(
      () => this.client.send(command, signal ? { abortSignal: signal } : undefined),
      isRetryableAwsError,
      this.options.retry,
      signal,
    );
  }
}
