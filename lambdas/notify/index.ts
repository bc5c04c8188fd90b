/** Public entry of notify/: renderers, notifiers and the dispatcher that the processor and the CLI use. */
export * from './destination';
export { type Notifier, NotificationError } from './notifier';
export { renderEmail, type EmailOptions, type RenderedEmail, EMAIL_CSP } from './render-email';
export { renderText } from './render-text';
export { renderSlack, escapeSlack, type SlackMessage } from './render-slack';
export { renderTeams, escapeTeams, type TeamsMessage } from './render-teams';
export { renderJson, renderJsonText, JSON_SCHEMA_VERSION, type JsonRenderOptions } from './render-json';
export { renderSns, type RenderedSns } from './render-sns';
export { buildMime, encodeHeaderWords, type MimeMessage } from './mime';
export { withRetry, isRetryableAwsError, type RetryOptions } from './retry';
export { CachedSecretReader, type SecretReader } from './secret-reader';
export { SesNotifier } from './ses-notifier';
export { SnsNotifier } from './sns-notifier';
export { WebhookNotifier, type WebhookNotifierOptions } from './webhook-notifier';
export { DEFAULT_ALLOWED_HOSTS, checkWebhookUrl } from './webhook-url';
export { NotificationDispatcher, createAwsDispatcher, type NotifiersByType } from './dispatcher';
export { OutboxNotifier, outboxBaseName, type OutboxFiles } from './outbox-notifier';
