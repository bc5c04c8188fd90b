/**
 * The processor's AWS SDK clients, each with connection and request timeouts: without them a
 * call that never answers (SES, SNS, DynamoDB, Secrets Manager, Security Hub) would run into the
 * Lambda's own timeout and kill the sandbox mid-delivery. A timed-out request is retried by the SDK (its
 * default three attempts), so each budget is a fraction of the 60 s function timeout.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SecurityHubClient } from '@aws-sdk/client-securityhub';
import { SESv2Client } from '@aws-sdk/client-sesv2';
import { SNSClient } from '@aws-sdk/client-sns';
import { SecurityHubImporter } from '../notify';

/** @smithy/node-http-handler options; `throwOnRequestTimeout` makes the timeout an error, not a warning. */
export interface HttpTimeouts {
  connectionTimeout: number;
  requestTimeout: number;
  throwOnRequestTimeout: true;
}

const timeouts = (connectionTimeout: number, requestTimeout: number): HttpTimeouts => ({
  connectionTimeout,
  requestTimeout,
  throwOnRequestTimeout: true,
});

/** State reads and writes answer in milliseconds; a lease or receipt write must never hang. */
export const DYNAMODB_TIMEOUTS = timeouts(1_000, 3_000);
/** A send: SES, SNS and BatchImportFindings answer in well under a second when healthy. */
export const SEND_TIMEOUTS = timeouts(2_000, 5_000);
/** Webhook URLs, PagerDuty routing keys and the VPNAPI key, read once per container and cached. */
export const SECRETS_TIMEOUTS = timeouts(1_000, 3_000);

export interface ProcessorClients {
  dynamodb: DynamoDBClient;
  ses: SESv2Client;
  sns: SNSClient;
  secrets: SecretsManagerClient;
  /** BatchImportFindings in the processor's own account and region (the security account, home region). */
  findings: SecurityHubImporter;
}

export function processorClients(): ProcessorClients {
  return {
    dynamodb: new DynamoDBClient({ requestHandler: DYNAMODB_TIMEOUTS }),
    ses: new SESv2Client({ requestHandler: SEND_TIMEOUTS }),
    sns: new SNSClient({ requestHandler: SEND_TIMEOUTS }),
    secrets: new SecretsManagerClient({ requestHandler: SECRETS_TIMEOUTS }),
    // Created always, called only for securityhub destinations (the role may do it only then).
    findings: new SecurityHubImporter(new SecurityHubClient({ requestHandler: SEND_TIMEOUTS })),
  };
}
