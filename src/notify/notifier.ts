/**
 * The notifier port: sends one alert to one named destination. Implementations: SES v2 (email),
 * SNS, webhook (Slack / Teams / JSON), the outbox directory (local), and the dispatcher that
 * picks one by destination type. A rejected promise means "not delivered": the processor lets
 * the message return to SQS (and eventually the DLQ).
 */
import type { Alert } from '../alerts';
import type { NamedDestination } from './destination';
import { TrailAlertsError } from '../core';

export interface Notifier {
  send(alert: Alert, destination: NamedDestination): Promise<void>;
}

/** An error whose message is safe to log (no secrets, no URLs). */
export class NotificationError extends TrailAlertsError {
  constructor(
    message: string,
    readonly retryable: boolean,
    readonly status?: number,
  ) {
    super(message);
  }
}
