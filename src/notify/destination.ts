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

/** PagerDuty Events API v2: a `trigger` per alert, to PagerDuty's events host only. */
export interface PagerDutyDestination {
  type: 'pagerduty';
  /** Secrets Manager secret name or ARN that holds the integration's routing key (never the key itself). */
  routingKeySecret: string;
  /** The PagerDuty account's service region, which decides its events host (default `us`). */
  serviceRegion?: 'us' | 'eu';
}

/**
 * AWS Security Hub: one ASFF finding per alert, imported into the account and region the
 * processor runs in (the security account), under its default product.
 */
export interface SecurityHubDestination {
  type: 'securityhub';
}

export type Destination =
  EmailDestination | SnsDestination | WebhookDestination | PagerDutyDestination | SecurityHubDestination;

/** A named destination, as referenced by routes. */
export interface NamedDestination {
  name: string;
  destination: Destination;
}
