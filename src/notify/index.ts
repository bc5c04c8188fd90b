/** Public entry of notify/: renderers, notifiers and the dispatcher that the processor and the CLI use. */
export * from './destination';
export { type Notifier, NotificationError } from './notifier';
export { renderEmail, type EmailOptions, type RenderedEmail, EMAIL_CSP } from './render-email';
export { renderText } from './render-text';
export { renderSlack, escapeSlack, SLACK_LIMITS, type SlackMessage } from './render-slack';
export { renderTeams, escapeTeams, TEAMS_BUDGET_BYTES, type TeamsMessage } from './render-teams';
export { renderJson, renderJsonText, JSON_SCHEMA_VERSION, type JsonRenderOptions } from './render-json';
export { renderSns, snsPublishInput, type RenderedSns } from './render-sns';
export { buildMime, encodeHeaderWords, type MimeMessage } from './mime';
export { withRetry, isRetryableAwsError, type RetryOptions, type SendOptions } from './retry';
export type { SecretReader } from '../secrets';
export { SesNotifier } from './ses-notifier';
export { SnsNotifier } from './sns-notifier';
export { WebhookNotifier, type WebhookNotifierOptions } from './webhook-notifier';
export { DEFAULT_ALLOWED_HOSTS, checkWebhookUrl } from './webhook-url';
export { PagerDutyNotifier, routingKeyFromSecret, type PagerDutyNotifierOptions } from './pagerduty-notifier';
export {
  pagerDutyEvent,
  PAGERDUTY_EVENTS_URL,
  PAGERDUTY_EU_EVENTS_URL,
  pagerDutyEventsUrl,
  PAGERDUTY_SEVERITY,
  type PagerDutyEvent,
} from './render-pagerduty';
export {
  SecurityHubNotifier,
  importFindings,
  findingFor,
  observedFinding,
  IMPORT_BATCH_LIMIT,
  type FindingTimes,
  type FindingsImporter,
  type FailedFinding,
  type SecurityHubNotifierOptions,
} from './securityhub-notifier';
export { asffFinding, productArn, findingTypes, type FindingsAccount } from './render-asff';
export { asffProblems, ASFF_REQUIRED, ASFF_SCHEMA_VERSION, type AsffFinding } from './asff';
export { incidentKey } from './incident-key';
export { NotificationDispatcher, createAwsDispatcher, type NotifiersByType } from './dispatcher';
export { OutboxNotifier, outboxBaseName, type OutboxFile, type OutboxOptions } from './outbox-notifier';
export { defang } from './defang';
export { displayTime } from './time';
export { cleanLine, safeText } from './sanitize';
export { SecurityHubImporter } from './securityhub-client';
