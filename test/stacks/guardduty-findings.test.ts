/**
 * The GuardDuty findings rule in the synthesized security-account stack: on the default bus, the
 * pattern GuardDuty's findings carry (the same source and detail type the processor accepts), the
 * matches queue as target with its DLQ, and the queues admitting EventBridge for this rule only.
 */
import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { GUARDDUTY_DETAIL_TYPE, GUARDDUTY_SOURCE } from '../../src/guardduty/finding';
import { SecurityAccountStack, type SecurityAccountStackProps } from '../../stacks/security-account-stack';
import { ANALYZER_FIXTURE, PROCESSOR_FIXTURE, REPO_ACCOUNTS, RULES_FIXTURE } from './helpers';

type Json = Record<string, unknown>;

const props: SecurityAccountStackProps = {
  env: { account: '222222222222', region: 'us-east-1' },
  organizationId: 'o-exampleorg1',
  logArchiveAccountId: '333333333333',
  trail: {
    bucket: 'org-trail-bucket',
    bucketRegion: 'us-east-1',
    prefix: '',
    kmsKeyArn: 'arn:aws:kms:us-east-1:333333333333:key/1',
  },
  trailReaderRoleArn: 'arn:aws:iam::333333333333:role/trailalerts-trail-reader',
  configFile: REPO_ACCOUNTS,
  rulesDir: RULES_FIXTURE,
  analyzerEntry: ANALYZER_FIXTURE,
  processorEntry: PROCESSOR_FIXTURE,
};

function synth(extra: Partial<SecurityAccountStackProps> = {}): Template {
  const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
  return Template.fromStack(new SecurityAccountStack(app, 'Security', { ...props, ...extra }));
}

describe('GuardDuty findings rule', () => {
  const template = synth();
  const rules = template.findResources('AWS::Events::Rule', {
    Properties: { EventPattern: { source: [GUARDDUTY_SOURCE] } },
  });
  const [ruleId] = Object.keys(rules);

  it("matches GuardDuty's findings on the default bus, nothing else GuardDuty sends", () => {
    expect(Object.keys(rules)).toHaveLength(1);
    const rule = rules[ruleId].Properties as Json;
    expect(rule.EventPattern).toEqual({ source: [GUARDDUTY_SOURCE], 'detail-type': [GUARDDUTY_DETAIL_TYPE] });
    expect(rule.EventBusName).toBeUndefined();
    expect(rule.State).toBe('ENABLED');
  });

  it('puts them on the matches queue, and what it cannot deliver on the matches DLQ', () => {
    const [target] = (rules[ruleId].Properties as { Targets: Json[] }).Targets;
    expect(target.Arn).toEqual({
      'Fn::GetAtt': [expect.stringMatching(/^MatchesQueue(?!DeadLetter)/), 'Arn'],
    });
    expect(target.DeadLetterConfig).toEqual({
      Arn: { 'Fn::GetAtt': [expect.stringMatching(/^MatchesQueueDeadLetterQueue/), 'Arn'] },
    });
  });

  it('has the matches queue and its DLQ admit EventBridge for this rule only', () => {
    const statements = Object.values(template.findResources('AWS::SQS::QueuePolicy'))
      .filter((p) => /MatchesQueue/.test(JSON.stringify(p.Properties.Queues)))
      .flatMap((p) => p.Properties.PolicyDocument.Statement as Json[])
      .filter((s) => s.Effect === 'Allow');
    expect(statements.map((s) => s.Sid).sort()).toEqual(['RuleDeadLetters', 'RuleDelivers']);
    for (const s of statements) {
      expect(s.Principal).toEqual({ Service: 'events.amazonaws.com' });
      expect(s.Action).toBe('sqs:SendMessage');
      expect(s.Condition).toEqual({ ArnEquals: { 'aws:SourceArn': { 'Fn::GetAtt': [ruleId, 'Arn'] } } });
    }
  });

  it('is left out when the stack is told so', () => {
    const without = synth({ guardDutyFindings: false });
    expect(
      Object.keys(
        without.findResources('AWS::Events::Rule', {
          Properties: { EventPattern: { source: [GUARDDUTY_SOURCE] } },
        }),
      ),
    ).toEqual([]);
  });
});
