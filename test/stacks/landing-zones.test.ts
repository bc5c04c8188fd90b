/**
 * The deployment in each organization shape (Control Tower, Landing Zone Accelerator, plain
 * Organizations with a member or a management-account bucket), synthesized from one accounts.yaml
 * fixture per shape in direct and pipeline mode. For each: cdk-nag finds nothing unacknowledged
 * (the StackSet's embedded template included), no stage needs a cross-region support stack, the
 * landing zone's denied actions appear in no policy, CloudFormation resource or custom-resource
 * call, every service-principal Allow is conditioned, and SQS event sources stay within their
 * function's reservation.
 */
import * as path from 'node:path';
import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { applyGrantsRequest, GRANTS_API_ACTIONS } from '../../src/grants/custom-resource';
import { loadAccountsConfig } from '../../src/org/config';
import type { AccountsConfig } from '../../src/org/types';
import { buildDeployment, type DeploymentMode } from '../../stacks/deployment';
import { actionCovers, LANDING_ZONE_DENIALS, resourceOverlaps } from '../../stacks/landing-zone-controls';
import { landingZoneShape } from '../../stacks/landing-zone';
import { MemberGrantsStack } from '../../stacks/member-grants-stack';
import { SYNTH_COMMANDS } from '../../stacks/pipeline-stack';
import { propsFromConfig } from '../../stacks/props-from-config';
import { createDenyingClients } from '../grants/deny-fake';
import {
  actionsOf,
  allStatements,
  ANALYZER_FIXTURE,
  FIXTURES,
  PROCESSOR_FIXTURE,
  RULES_FIXTURE,
  unacknowledgedNagFindings,
} from './helpers';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const SHAPES = {
  controlTower: 'control-tower.yaml',
  accelerator: 'accelerator.yaml',
  organizationsMember: 'organizations-member.yaml',
  organizationsManagement: 'organizations-management.yaml',
} as const;

function fixture(file: string): { file: string; config: AccountsConfig } {
  const full = path.join(FIXTURES, 'shapes', file);
  const loaded = loadAccountsConfig(full);
  if (loaded.config === undefined) throw new Error(`${full}: ${JSON.stringify(loaded.diagnostics)}`);
  return { file: full, config: loaded.config };
}

function options(file: string) {
  return {
    configFile: file,
    rulesDir: RULES_FIXTURE,
    analyzerEntry: ANALYZER_FIXTURE,
    processorEntry: PROCESSOR_FIXTURE,
    huntWorkerEntry: ANALYZER_FIXTURE,
    pollerEntry: ANALYZER_FIXTURE,
  };
}

interface Synthesized {
  app: App;
  config: AccountsConfig;
  /** Every stack's template, StackSet bodies included, by a readable name. */
  templates: Map<string, Json>;
  stacks: Stack[];
}

function synth(shape: keyof typeof SHAPES, mode: DeploymentMode): Synthesized {
  const { file, config } = fixture(SHAPES[shape]);
  const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
  buildDeployment(app, config, { mode, ...options(file) });
  const stacks = app.node.findAll().filter((c): c is Stack => Stack.isStack(c));
  const templates = new Map<string, Json>();
  for (const stack of stacks) {
    const template = Template.fromStack(stack).toJSON() as Json;
    templates.set(stack.node.path, template);
    for (const [id, res] of Object.entries((template.Resources ?? {}) as Json)) {
      if (res.Type === 'AWS::CloudFormation::StackSet')
        templates.set(`${stack.node.path}/${id}(TemplateBody)`, JSON.parse(res.Properties.TemplateBody));
    }
  }
  return { app, config, templates, stacks };
}

/** The calls CloudFormation itself makes on resources outside the stack, for the types we use. */
function cloudFormationCalls(
  template: Json,
  account: string,
  region: string,
): { action: string; resource: string }[] {
  const calls: { action: string; resource: string }[] = [];
  for (const res of Object.values((template.Resources ?? {}) as Json)) {
    const p = res.Properties ?? {};
    switch (res.Type) {
      case 'AWS::SNS::Subscription':
        calls.push({ action: 'sns:Subscribe', resource: flatten(p.TopicArn) });
        break;
      case 'AWS::SNS::TopicPolicy':
        for (const t of p.Topics ?? [])
          calls.push({ action: 'sns:SetTopicAttributes', resource: JSON.stringify(t) });
        break;
      case 'AWS::S3::BucketPolicy':
        calls.push({ action: 's3:PutBucketPolicy', resource: `arn:aws:s3:::${flatten(p.Bucket)}` });
        break;
      case 'AWS::Events::Rule':
        if (typeof p.Name === 'string')
          calls.push({
            action: 'events:PutRule',
            resource: `arn:aws:events:${region}:${account}:rule/${p.Name}`,
          });
        break;
      case 'AWS::IAM::Role':
        if (typeof p.RoleName === 'string')
          calls.push({ action: 'iam:CreateRole', resource: `arn:aws:iam::${account}:role/${p.RoleName}` });
        break;
    }
  }
  return calls;
}

function resourcesOf(statement: Json): string[] {
  const raw = statement.Resource ?? '*';
  return (Array.isArray(raw) ? raw : [raw]).map(flatten);
}

/**
 * An ARN with its intrinsics rendered: the partition as `aws`, the stack's own resources by their
 * logical id (they are never the landing zone's), anything else as `*`.
 */
function flatten(value: unknown): string {
  if (typeof value === 'string') return value;
  const obj = (value ?? {}) as Json;
  if ('Fn::Join' in obj) {
    const [separator, parts] = obj['Fn::Join'] as [string, unknown[]];
    return parts.map(flatten).join(separator);
  }
  if (obj.Ref === 'AWS::Partition') return 'aws';
  if (typeof obj.Ref === 'string' && !obj.Ref.startsWith('AWS::')) return `stack-own-${obj.Ref}`;
  if (Array.isArray(obj['Fn::GetAtt'])) return `stack-own-${String(obj['Fn::GetAtt'][0])}`;
  return '*';
}

/** Replaces intrinsics in custom-resource properties with plausible literal ARNs. */
function literal(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(literal);
  if (typeof value === 'object' && value !== null) {
    const obj = value as Json;
    if ('Fn::GetAtt' in obj) return `arn:aws:iam::333333333333:role/${String(obj['Fn::GetAtt'][0])}`;
    if ('Ref' in obj || 'Fn::Join' in obj || 'Fn::Sub' in obj)
      return 'arn:aws:iam::333333333333:role/resolved';
    return Object.fromEntries(Object.entries(obj).map(([k, v]) => [k, literal(v)]));
  }
  return value;
}

const MODES: DeploymentMode[] = ['stacks', 'pipeline'];

describe.each(Object.keys(SHAPES) as (keyof typeof SHAPES)[])('%s', (shape) => {
  const { config } = fixture(SHAPES[shape]);
  const inferred = landingZoneShape(config);
  const denials = inferred.kind === 'none' ? [] : LANDING_ZONE_DENIALS[inferred.kind];

  it('is recognized from accounts.yaml alone', () => {
    const expected = {
      controlTower: {
        kind: 'controlTower',
        newObjects: 'sns',
        logArchiveAccess: 'stackSet',
        crossAccountKey: true,
      },
      accelerator: {
        kind: 'accelerator',
        newObjects: 'poll',
        logArchiveAccess: 'stackSet',
        crossAccountKey: false,
      },
      organizationsMember: {
        kind: 'none',
        newObjects: 'eventBridge',
        logArchiveAccess: 'stackSet',
        crossAccountKey: false,
      },
      organizationsManagement: {
        kind: 'none',
        newObjects: 'eventBridge',
        logArchiveAccess: 'managementStack',
        crossAccountKey: false,
      },
    }[shape];
    expect(inferred).toMatchObject(expected);
  });

  describe.each(MODES)('%s mode', (mode) => {
    let synthesized: Synthesized;
    beforeAll(() => {
      synthesized = synth(shape, mode);
    });

    it('leaves no cdk-nag finding unacknowledged, in the StackSet template too', () => {
      expect(unacknowledgedNagFindings(synthesized.app)).toEqual([]);
      const plan = propsFromConfig(config, options(fixture(SHAPES[shape]).file));
      if (plan.memberGrants !== undefined) {
        const app = new App();
        new MemberGrantsStack(app, 'StackSetBody', plan.memberGrants.grants);
        expect(unacknowledgedNagFindings(app)).toEqual([]);
      }
    });

    it('needs no cross-region support stack', () => {
      const home = config.organization.homeRegion;
      for (const stack of synthesized.stacks) {
        expect(stack.node.path).not.toMatch(/support|cross-region/i);
        if (!stack.node.path.startsWith('TrailAlerts-OrganizationsPolicy')) expect(stack.region).toBe(home);
      }
    });

    it('never grants, calls or creates what the landing zone denies', () => {
      const violations: string[] = [];
      for (const [name, template] of synthesized.templates) {
        for (const { resource, statement } of allStatements(template)) {
          if (statement.Effect !== 'Allow') continue;
          for (const action of actionsOf(statement))
            for (const target of resourcesOf(statement))
              for (const denial of denials)
                for (const deniedAction of denial.actions)
                  for (const deniedResource of denial.resources)
                    if (actionCovers(action, deniedAction) && resourceOverlaps(target, deniedResource))
                      violations.push(`${name} ${resource}: ${action} on ${target} (${denial.control})`);
        }
        for (const call of cloudFormationCalls(
          template,
          config.trail.accountId,
          config.organization.homeRegion,
        ))
          for (const denial of denials)
            if (
              denial.actions.some((a) => actionCovers(call.action, a)) &&
              denial.resources.some((r) => resourceOverlaps(call.resource, r))
            )
              violations.push(
                `${name}: CloudFormation ${call.action} on ${call.resource} (${denial.control})`,
              );
      }
      expect(violations).toEqual([]);
    });

    it('runs every custom resource against an SCP that denies exactly those actions', async () => {
      const denied = denials.flatMap((d) => d.actions);
      let customResources = 0;
      for (const template of synthesized.templates.values()) {
        for (const [id, res] of Object.entries((template.Resources ?? {}) as Json)) {
          if (!String(res.Type).startsWith('Custom::')) continue;
          customResources++;
          const { ServiceToken: _token, ...props } = literal(res.Properties) as Json;
          const { deps, calls } = createDenyingClients(denied);
          const base = {
            ResourceType: res.Type,
            LogicalResourceId: id,
            RequestId: 'r',
            StackId: 's',
            ResponseURL: 'https://example.invalid',
          };
          const created = await applyGrantsRequest(
            { ...base, RequestType: 'Create', ResourceProperties: props },
            deps,
          );
          await applyGrantsRequest(
            {
              ...base,
              RequestType: 'Update',
              ResourceProperties: props,
              PhysicalResourceId: created.physicalId,
            },
            deps,
          );
          await applyGrantsRequest(
            {
              ...base,
              RequestType: 'Delete',
              ResourceProperties: props,
              PhysicalResourceId: created.physicalId,
            },
            deps,
          );
          for (const call of calls) expect(GRANTS_API_ACTIONS[res.Type]).toContain(call);
        }
      }
      // Control Tower's key is in the management account: the reader's grant is the one custom resource.
      const expected = {
        controlTower: 1,
        accelerator: 0,
        organizationsMember: 1,
        organizationsManagement: 1,
      }[shape];
      expect(customResources).toBe(expected);
    });

    it('conditions every Allow to a service principal on its source', () => {
      const unconditioned: string[] = [];
      let checked = 0;
      for (const [name, template] of synthesized.templates) {
        for (const [id, res] of Object.entries((template.Resources ?? {}) as Json)) {
          const policies =
            res.Type === 'AWS::KMS::Key'
              ? [res.Properties.KeyPolicy]
              : ['AWS::SQS::QueuePolicy', 'AWS::SNS::TopicPolicy'].includes(res.Type)
                ? [res.Properties.PolicyDocument]
                : res.Type === 'AWS::Events::EventBusPolicy'
                  ? [{ Statement: [res.Properties.Statement].filter(Boolean) }]
                  : [];
          for (const doc of policies) {
            for (const st of (doc?.Statement ?? []) as Json[]) {
              if (st.Effect !== 'Allow' || st.Principal?.Service === undefined) continue;
              checked++;
              const keys = Object.values((st.Condition ?? {}) as Json).flatMap((c) => Object.keys(c as Json));
              // CloudWatch Logs names its source through the encryption context (its documented form).
              const bound = keys.some((k) =>
                ['aws:SourceArn', 'aws:SourceAccount', 'kms:EncryptionContext:aws:logs:arn'].includes(k),
              );
              if (!bound) unconditioned.push(`${name} ${id} ${JSON.stringify(st.Principal)} ${st.Sid ?? ''}`);
            }
          }
        }
      }
      expect(unconditioned).toEqual([]);
      // The stack key admits Logs, EventBridge or SNS and CloudWatch in every shape.
      expect(checked).toBeGreaterThanOrEqual(3);
    });

    it("keeps each SQS event source's concurrency within its function's reservation", () => {
      let sources = 0;
      for (const template of synthesized.templates.values()) {
        const resources = (template.Resources ?? {}) as Json;
        for (const res of Object.values(resources)) {
          if (res.Type !== 'AWS::Lambda::EventSourceMapping') continue;
          sources++;
          const fnId = res.Properties.FunctionName.Ref as string;
          const reserved = resources[fnId].Properties.ReservedConcurrentExecutions;
          expect(typeof reserved).toBe('number');
          expect(res.Properties.ScalingConfig.MaximumConcurrency).toBeLessThanOrEqual(reserved);
          expect(res.Properties.ScalingConfig.MaximumConcurrency).toBeGreaterThanOrEqual(2);
        }
      }
      expect(sources).toBe(2);
    });
  });
});

describe('the pipeline build', () => {
  it('runs validate, rule tests and synth, and nothing that needs a browser', () => {
    expect(SYNTH_COMMANDS).toEqual([
      'npm ci',
      'npx trailalerts validate --strict',
      'npx trailalerts test rules/',
      'npx cdk synth',
    ]);
    // aws/codebuild/standard:7.0 has Node.js and npm, nothing else this project needs.
    for (const command of SYNTH_COMMANDS) expect(command).toMatch(/^(npm ci|npx (trailalerts|cdk) )/);
  });
});

describe('configurations that cannot work fail synth with the accounts.yaml path', () => {
  const base = () => fixture(SHAPES.organizationsManagement).config;

  it('a StackSet aimed at a bucket in the management account', () => {
    const config: AccountsConfig = {
      ...base(),
      grants: { targets: { organizationalUnits: ['ou-ab12-cdefgh12'] } },
    };
    expect(() => landingZoneShape(config)).toThrow(/grants.*service-managed StackSets never deploy there/s);
  });

  it('a Control Tower bucket said to be in the management account', () => {
    const config = base();
    config.trail = { ...config.trail, bucket: 'aws-controltower-logs-111111111111-us-east-1' };
    expect(() => landingZoneShape(config)).toThrow(/trail\.accountId/);
  });

  it('a bucket name naming another log-archive account', () => {
    const config = fixture(SHAPES.controlTower).config;
    config.trail = { ...config.trail, accountId: '444444444444' };
    expect(() => landingZoneShape(config)).toThrow(/named in the bucket name.*333333333333/);
  });

  it('EventBridge notifications asked of a managed bucket', () => {
    const config = fixture(SHAPES.accelerator).config;
    config.trail = { ...config.trail, newObjects: 'eventBridge' };
    expect(() => landingZoneShape(config)).toThrow(/trail\.newObjects.*must not be changed/s);
  });

  it('Control Tower with the trail topic outside the security account falls back to polling', () => {
    const config = fixture(SHAPES.controlTower).config;
    config.trail = {
      ...config.trail,
      notificationTopicArn: 'arn:aws:sns:eu-west-1:999999999999:aws-controltower-AllConfigNotifications',
    };
    expect(landingZoneShape(config).newObjects).toBe('poll');
  });
});

describe('a second deployment in the same accounts', () => {
  it('names every named resource after deployment.name, so nothing collides', () => {
    const { file, config } = fixture(SHAPES.organizationsMember);
    const named = (name?: string) => {
      const cfg: AccountsConfig = { ...config, deployment: { ...config.deployment, name } };
      const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
      buildDeployment(app, cfg, { mode: 'stacks', ...options(file) });
      const names: string[] = [];
      for (const stack of app.node.findAll().filter((c): c is Stack => Stack.isStack(c))) {
        const template = Template.fromStack(stack).toJSON() as Json;
        const bodies = Object.values((template.Resources ?? {}) as Json)
          .filter((r) => r.Type === 'AWS::CloudFormation::StackSet')
          .map((r) => JSON.parse(r.Properties.TemplateBody) as Json);
        for (const t of [template, ...bodies])
          for (const res of Object.values((t.Resources ?? {}) as Json)) {
            const p = res.Properties ?? {};
            for (const key of [
              'RoleName',
              'Name',
              'BucketName',
              'StateMachineName',
              'StackSetName',
              'AliasName',
            ])
              if (p[key] !== undefined) names.push(`${res.Type} ${flatten(p[key])}`);
          }
      }
      return names.sort();
    };
    const first = named(undefined);
    const second = named('staging');
    expect(first.length).toBeGreaterThanOrEqual(10);
    // Same kinds of named resources, and not one name in common.
    expect(second.map((n) => n.split(' ')[0])).toEqual(first.map((n) => n.split(' ')[0]));
    expect(second.filter((n) => first.includes(n))).toEqual([]);
    for (const n of second) expect(n).toMatch(/ (alias\/)?staging-?/);
  });
});
