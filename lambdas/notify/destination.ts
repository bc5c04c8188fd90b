/**
 * Destinations: where alerts go, as accounts.yaml declares them under `destinations:`.
 * Shared by the configuration loader (org/) and the notifiers (notify/).
 */

export interface EmailDestination {
  type: 'email';
  from: string;
  to: string[];
  cc?: string[];
  /** SES v2 configuration set name. */
  configurationSet?: string;
}

export interface SnsDestination {
  type: 'sns';
  topicArn: string;
}

export type WebhookFormat = 'slack' | 'teams' | 'json';

export interface WebhookDestination {
  type: 'webhook';
  format: WebhookFormat;
  /** Secrets Manager secret name or ARN that holds the URL (never the URL itself). */
  urlSecret: string;
  /** Hosts the URL may point at; defaults per format (hooks.slack.com, *.webhook.office.com …). */
  allowedHosts?: string[];
}

export type Destination = EmailDestination | SnsDestination | WebhookDestination;

/** A named destination, as referenced by routes. */
export interface NamedDestination {
  name: string;
  destination: Destination;
}
