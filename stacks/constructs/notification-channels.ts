/**
 * What the processor sends alerts through: the SES v2 configuration set and the sender identities
 * (verified outside the stack), the SNS topics named by destinations, the Secrets Manager secrets
 * that hold webhook URLs, PagerDuty routing keys and the VPNAPI key, and, with a securityhub
 * destination, Security Hub's BatchImportFindings under the stack account's default product. Only
 * references: secret values never enter the template or the environment. `grantSend` gives a
 * function exactly these permissions.
 */
import { ArnFormat, Stack, Token, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import * as ses from 'aws-cdk-lib/aws-ses';
import * as sns from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import { PropsError, requireArn, requireName } from './validate-props';

export interface NotificationChannelsProps {
  /** Default: a name CloudFormation generates, so that two deployments never collide. */
  configurationSetName?: string;
  /** SES identities alerts are sent from: domains (`security.example.com`) or addresses. */
  emailIdentities: string[];
  topicArns: string[];
  /** Secret names (or ARNs) for webhook URLs, keyed by destination name. */
  webhookSecrets: Record<string, string>;
  /** Secret names (or ARNs) for PagerDuty routing keys, keyed by destination name. */
  routingKeySecrets?: Record<string, string>;
  /** A securityhub destination is configured: findings are imported into this stack's account and region. */
  securityHub?: boolean;
  /** Secret name (or ARN) of the VPNAPI.io key, when IP enrichment is on. */
  ipContextSecret?: string;
}

const COMPLETE_SECRET_ARN = /^arn:aws[a-z-]*:secretsmanager:[^:]+:\d{12}:secret:.+-[A-Za-z0-9]{6}$/;

export class NotificationChannels extends Construct {
  readonly configurationSet: ses.CfnConfigurationSet;
  readonly identities: ses.IEmailIdentity[];
  readonly topics: sns.ITopic[];
  readonly secrets: secretsmanager.ISecret[];
  /** The default product findings are imported under; undefined without a securityhub destination. */
  readonly findingsProductArn?: string;

  constructor(scope: Construct, id: string, props: NotificationChannelsProps) {
    super(scope, id);
    const owner = 'NotificationChannels';
    if (props.configurationSetName !== undefined)
      requireName(
        owner,
        'configurationSetName',
        props.configurationSetName,
        /^[A-Za-z0-9_-]{1,64}$/,
        'letters, digits, _ or -',
      );
    this.configurationSet = new ses.CfnConfigurationSet(this, 'ConfigurationSet', {
      name: props.configurationSetName,
      deliveryOptions: { tlsPolicy: 'REQUIRE' },
      reputationOptions: { reputationMetricsEnabled: true },
      sendingOptions: { sendingEnabled: true },
    });
    this.identities = [...new Set(props.emailIdentities)].map((identity, i) => {
      requireName(
        owner,
        `emailIdentities[${i}]`,
        identity,
        /^([^@\s]+@)?[A-Za-z0-9.-]+\.[A-Za-z]{2,}$/,
        'a domain or e-mail address',
      );
      return ses.EmailIdentity.fromEmailIdentityName(this, `Identity${i}`, identity);
    });
    this.topics = [...new Set(props.topicArns)].map((arn, i) =>
      sns.Topic.fromTopicArn(this, `Topic${i}`, requireArn(owner, `topicArns[${i}]`, arn, 'sns')),
    );
    const secretRefs: [string, string][] = Object.entries(props.webhookSecrets).map(([name, secret]) => [
      `webhookSecrets.${name}`,
      secret,
    ]);
    for (const [name, secret] of Object.entries(props.routingKeySecrets ?? {}))
      secretRefs.push([`routingKeySecrets.${name}`, secret]);
    if (props.ipContextSecret !== undefined) secretRefs.push(['ipContextSecret', props.ipContextSecret]);
    this.secrets = secretRefs.map(([label, secret], i) => secretReference(this, `Secret${i}`, label, secret));
    if (props.securityHub) {
      // BatchImportFindings takes only findings of the calling account under its default product
      // (a custom integration), so this one product ARN is all the processor may import under.
      const stack = Stack.of(this);
      this.findingsProductArn = stack.formatArn({
        service: 'securityhub',
        resource: 'product',
        resourceName: `${stack.account}/default`,
        arnFormat: ArnFormat.SLASH_RESOURCE_NAME,
      });
    }
  }

  /** Lets `grantee` send through SES (identities and configuration set), publish, and read the secrets. */
  grantSend(grantee: iam.IGrantable): void {
    for (const identity of this.identities) identity.grantSendEmail(grantee);
    if (this.identities.length > 0) {
      iam.Grant.addToPrincipal({
        grantee,
        actions: ['ses:SendEmail', 'ses:SendRawEmail'],
        resourceArns: [
          Stack.of(this).formatArn({
            service: 'ses',
            resource: 'configuration-set',
            resourceName: this.configurationSet.ref,
          }),
        ],
      });
    }
    for (const topic of this.topics) topic.grantPublish(grantee);
    for (const secret of this.secrets) secret.grantRead(grantee);
    if (this.findingsProductArn)
      iam.Grant.addToPrincipal({
        grantee,
        actions: ['securityhub:BatchImportFindings'],
        resourceArns: [this.findingsProductArn],
      });
    this.grantCustomerKeys(grantee);
  }

  /**
   * Topics and secrets may be encrypted with customer-managed keys, which SNS and Secrets Manager
   * use on the caller's behalf: the caller may use any key of those accounts and regions, but only
   * through that service (kms:ViaService), so no other use of a key is opened.
   */
  private grantCustomerKeys(grantee: iam.IGrantable): void {
    const stack = Stack.of(this);
    const uses: [service: string, arns: string[], actions: string[]][] = [
      ['sns', this.topics.map((t) => t.topicArn), ['kms:GenerateDataKey', 'kms:Decrypt']],
      ['secretsmanager', this.secrets.map((s) => s.secretArn), ['kms:Decrypt']],
    ];
    for (const [service, arns, actions] of uses) {
      const places = new Map<string, { region: string; account: string }>();
      for (const arn of arns) {
        const parts = stack.splitArn(arn, ArnFormat.COLON_RESOURCE_NAME);
        const region = parts.region ?? stack.region;
        const account = parts.account ?? stack.account;
        places.set(`${region}:${account}`, { region, account });
      }
      for (const { region, account } of places.values()) {
        iam.Grant.addToPrincipal({
          grantee,
          actions,
          resourceArns: [`arn:${stack.partition}:kms:${region}:${account}:key/*`],
          conditions: { StringEquals: { 'kms:ViaService': `${service}.${region}.amazonaws.com` } },
        });
        const principal = grantee.grantPrincipal;
        if (principal instanceof Construct) {
          const shown = (v: string, pseudo: string) => (Token.isUnresolved(v) ? `<AWS::${pseudo}>` : v);
          Validations.of(principal).acknowledge({
            id: `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:kms:${shown(region, 'Region')}:${shown(account, 'AccountId')}:key/*]`,
            reason: `Customer-managed keys of topics and secrets, usable only through ${service} (kms:ViaService); the key ids are not known at synth`,
          });
        }
      }
    }
  }
}

function secretReference(
  scope: Construct,
  id: string,
  label: string,
  secret: string,
): secretsmanager.ISecret {
  if (secret.startsWith('arn:')) {
    requireArn('NotificationChannels', label, secret, 'secretsmanager');
    return COMPLETE_SECRET_ARN.test(secret)
      ? secretsmanager.Secret.fromSecretCompleteArn(scope, id, secret)
      : secretsmanager.Secret.fromSecretPartialArn(scope, id, secret);
  }
  if (!/^[A-Za-z0-9/_+=.@-]{1,512}$/.test(secret))
    throw new PropsError('NotificationChannels', label, 'a Secrets Manager secret name or ARN', secret);
  return secretsmanager.Secret.fromSecretNameV2(scope, id, secret);
}
