/**
 * The processor's grants for the Security Hub and PagerDuty destinations: BatchImportFindings on
 * the security account's default product in the home region only, and only when a securityhub
 * destination exists; the PagerDuty routing key secrets readable like the webhook URL secrets.
 * Synthesized without bundling (the handlers are not what is checked here).
 */
import { App } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { propsFromConfig } from '../../stacks/props-from-config';
import { SecurityAccountStack, type SecurityAccountStackProps } from '../../stacks/security-account-stack';
import { parseAccountsConfig } from '../../src/org/config';
import {
  ANALYZER_FIXTURE,
  PROCESSOR_FIXTURE,
  REPO_ACCOUNTS,
  RULES_FIXTURE,
  actionsOf,
  allStatements,
  unacknowledgedNagFindings,
} from './helpers';

const props: SecurityAccountStackProps = {
  env: { account: '222222222222', region: 'eu-west-1' },
  organizationId: 'o-exampleorg1',
  logArchiveAccountId: '333333333333',
  trail: { bucket: 'org-trail-bucket', bucketRegion: 'eu-west-1' },
  trailReaderRoleArn: 'arn:aws:iam::333333333333:role/trailalerts-trail-reader',
  configFile: REPO_ACCOUNTS,
  rulesDir: RULES_FIXTURE,
  analyzerEntry: ANALYZER_FIXTURE,
  processorEntry: PROCESSOR_FIXTURE,
  routingKeySecrets: { 'soc-pager': 'trailalerts/pagerduty' },
  securityHub: true,
};

const synth = (extra: Partial<SecurityAccountStackProps> = {}, id = 'Security') => {
  const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
  const stack = new SecurityAccountStack(app, id, { ...props, ...extra });
  return { stack, template: Template.fromStack(stack) };
};

const PRODUCT = {
  'Fn::Join': [
    '',
    ['arn:', { Ref: 'AWS::Partition' }, ':securityhub:eu-west-1:222222222222:product/222222222222/default'],
  ],
};

describe('Security Hub and PagerDuty grants', () => {
  const { stack, template } = synth();

  it('lets the processor import findings under its own default product in the home region, nothing wider', () => {
    template.hasResourceProperties('AWS::IAM::Policy', {
      Roles: [{ Ref: Match.stringLikeRegexp('^ProcessorRole') }],
      PolicyDocument: {
        Statement: Match.arrayWith([
          { Effect: 'Allow', Action: 'securityhub:BatchImportFindings', Resource: PRODUCT },
        ]),
      },
    });
    const securityHub = allStatements(template.toJSON()).filter(({ statement }) =>
      actionsOf(statement).some((a) => a.startsWith('securityhub:')),
    );
    // One statement, one action, one resource: no other Security Hub call, no other product or region.
    expect(securityHub.map(({ resource }) => resource)).toEqual([
      expect.stringMatching(/^ProcessorRoleDefaultPolicy/),
    ]);
    expect(securityHub[0].statement).toEqual({
      Effect: 'Allow',
      Action: 'securityhub:BatchImportFindings',
      Resource: PRODUCT,
    });
  });

  it('lets the processor read the routing key secret, as it reads webhook URL secrets', () => {
    template.hasResourceProperties('AWS::IAM::Policy', {
      Roles: [{ Ref: Match.stringLikeRegexp('^ProcessorRole') }],
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Action: ['secretsmanager:GetSecretValue', 'secretsmanager:DescribeSecret'],
            Resource: {
              'Fn::Join': [
                '',
                [
                  'arn:',
                  { Ref: 'AWS::Partition' },
                  ':secretsmanager:eu-west-1:222222222222:secret:trailalerts/pagerduty-??????',
                ],
              ],
            },
          }),
        ]),
      },
    });
    // Only its name reaches the template: never a key, never an environment variable.
    for (const fn of Object.values(template.findResources('AWS::Lambda::Function')))
      expect(JSON.stringify(fn.Properties.Environment ?? {})).not.toContain('pagerduty');
  });

  it('adds no cdk-nag finding', () => {
    expect(unacknowledgedNagFindings(stack)).toEqual([]);
  });

  it('grants no Security Hub action without a securityhub destination', () => {
    const { template: without } = synth({ securityHub: false }, 'NoHub');
    const actions = allStatements(without.toJSON()).flatMap(({ statement }) => actionsOf(statement));
    expect(actions.filter((a) => a.startsWith('securityhub:'))).toEqual([]);
  });

  it('derives both from accounts.yaml destinations', () => {
    const yaml = `organization: { id: o-exampleorg1, managementAccountId: '111111111111', securityAccountId: '222222222222', homeRegion: eu-west-1 }
trail: { bucket: org-trail-bucket, accountId: '333333333333', newObjects: poll }
destinations:
  hub: { type: securityhub }
  soc-pager: { type: pagerduty, routingKeySecret: trailalerts/pagerduty }
  chat: { type: webhook, format: slack, urlSecret: trailalerts/chat }
`;
    const config = parseAccountsConfig(yaml, 'accounts.yaml').config!;
    const options = { configFile: REPO_ACCOUNTS, rulesDir: RULES_FIXTURE };
    const plan = propsFromConfig(config, options);
    expect(plan.security).toMatchObject({
      securityHub: true,
      routingKeySecrets: { 'soc-pager': 'trailalerts/pagerduty' },
      webhookSecrets: { chat: 'trailalerts/chat' },
    });
    const none = parseAccountsConfig(yaml.replace('  hub: { type: securityhub }\n', ''), 'a.yaml').config!;
    expect(propsFromConfig(none, options).security.securityHub).toBe(false);
  });
});
