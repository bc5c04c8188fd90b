/**
 * The retro-hunt resources of the security stack: a state machine with DISTRIBUTED maps (S3 JSON
 * ItemReader, ItemBatcher, ResultWriter) bounded by the worker's reserved concurrency, retries for
 * Lambda's service errors and throttled and lost invocations, an execution timeout of days, the
 * arm64 hunt worker with the rules shipped, the hunt bucket's protections, trail access only
 * through the log-archive reader role, and cdk-nag.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { App } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { parseHuntBatch } from '../../src/hunt/input';
import { planHunt } from '../../src/hunt/plan';
import { executionInput } from '../../src/hunt/start';
import { loadAccountsConfig } from '../../src/org/config';
import { propsFromConfig } from '../../stacks/props-from-config';
import { HUNT_STATE_MACHINE_NAME, HUNT_WORKER_ROLE_NAME } from '../../stacks/constructs/retro-hunt';
import { TRAIL_READER_ROLE_NAME } from '../../stacks/member-grants-stack';
import { SecurityAccountStack, type SecurityAccountStackProps } from '../../stacks/security-account-stack';
import {
  ANALYZER_FIXTURE,
  PROCESSOR_FIXTURE,
  REPO_ACCOUNTS,
  RULES_FIXTURE,
  actionsOf,
  allStatements,
  isStarAction,
  unacknowledgedNagFindings,
  noBundling,
} from './helpers';

const READER_ROLE = `arn:aws:iam::333333333333:role/${TRAIL_READER_ROLE_NAME}`;
const TRAIL_KEY = 'arn:aws:kms:us-east-1:333333333333:key/1111';

const props: SecurityAccountStackProps = {
  env: { account: '222222222222', region: 'us-east-1' },
  organizationId: 'o-exampleorg1',
  logArchiveAccountId: '333333333333',
  trail: {
    bucket: 'org-trail-bucket',
    bucketRegion: 'us-east-1',
    prefix: 'trail',
    kmsKeyArn: TRAIL_KEY,
  },
  trailReaderRoleArn: READER_ROLE,
  configFile: REPO_ACCOUNTS,
  rulesDir: RULES_FIXTURE,
  analyzerEntry: ANALYZER_FIXTURE,
  processorEntry: PROCESSOR_FIXTURE,
  retroHunt: { maxConcurrency: 7, prefixesPerBatch: 12, toleratedFailurePercentage: 3 },
};

let app: App;
let stack: SecurityAccountStack;
let template: Template;
let json: Record<string, unknown>;
let definition: {
  StartAt: string;
  States: Record<string, Record<string, unknown>>;
};

type Json = Record<string, unknown>;

/** The state machine definition with its Fn::Join rendered (Ref/GetAtt become `<Id>` / `<Id.Attr>`). */
function renderDefinition(t: Template): typeof definition {
  const machines = t.findResources('AWS::StepFunctions::StateMachine');
  const [machine] = Object.values(machines) as Json[];
  const body = (machine.Properties as Json).DefinitionString as unknown;
  const render = (node: unknown): string => {
    if (typeof node === 'string') return node;
    const join = (node as { 'Fn::Join'?: [string, unknown[]] })['Fn::Join'];
    if (join) return join[1].map(render).join(join[0]);
    const att = (node as { 'Fn::GetAtt'?: [string, string] })['Fn::GetAtt'];
    if (att) return `<${att[0]}.${att[1]}>`;
    const ref = (node as { Ref?: string }).Ref;
    return `<${ref ?? 'TOKEN'}>`;
  };
  return JSON.parse(render(body)) as typeof definition;
}

beforeAll(() => {
  app = new App();
  stack = new SecurityAccountStack(app, 'Security', props);
  template = Template.fromStack(stack);
  json = template.toJSON();
  definition = renderDefinition(template);
});

describe('state machine', () => {
  it('is named, traced and logs to an encrypted log group', () => {
    template.hasResourceProperties('AWS::StepFunctions::StateMachine', {
      StateMachineName: HUNT_STATE_MACHINE_NAME,
      TracingConfiguration: { Enabled: true },
      LoggingConfiguration: Match.objectLike({ Level: 'ALL' }),
    });
  });

  it('chooses the manifest map when manifestKey is present, else the inline map', () => {
    const choice = definition.States[definition.StartAt];
    expect(choice.Type).toBe('Choice');
    const [rule] = choice.Choices as Json[];
    expect(rule).toMatchObject({ Variable: '$.manifestKey', IsPresent: true, Next: 'HuntManifest' });
    expect(choice.Default).toBe('HuntInline');
  });

  it.each(['HuntManifest', 'HuntInline'])(
    '%s is a DISTRIBUTED map with batching, limits and a result writer',
    (name) => {
      const map = definition.States[name];
      expect(map.Type).toBe('Map');
      expect((map.ItemProcessor as Json).ProcessorConfig).toEqual({
        Mode: 'DISTRIBUTED',
        ExecutionType: 'STANDARD',
      });
      // What every prefix shares travels once per batch, not once per item.
      expect(map.ItemBatcher).toEqual({
        MaxItemsPerBatch: 12,
        BatchInput: {
          'huntId.$': '$.huntId',
          'since.$': '$.since',
          'until.$': '$.until',
          'mode.$': '$.mode',
          'rules.$': '$.rules',
        },
      });
      expect(map.MaxConcurrency).toBe(7);
      expect(map.ToleratedFailurePercentage).toBe(3);
      expect(map.ItemSelector).toEqual({ 'prefix.$': '$$.Map.Item.Value' });
      expect(map.ResultWriter).toMatchObject({
        Resource: expect.stringContaining(':states:::s3:putObject'),
        Parameters: { Prefix: 'results/' },
        WriterConfig: { OutputType: 'JSONL', Transformation: 'COMPACT' },
      });
      const processor = map.ItemProcessor as { StartAt: string; States: Record<string, Json> };
      const task = processor.States[processor.StartAt];
      expect(task.Resource).toMatch(/^<RetroHuntWorkerFunction[0-9A-F]+\.Arn>$/);
    },
  );

  it.each(['HuntManifest', 'HuntInline'])(
    '%s retries throttled invocations with backoff, and bounds each worker call at 16 minutes',
    (name) => {
      const processor = definition.States[name].ItemProcessor as {
        StartAt: string;
        States: Record<string, Json>;
      };
      const task = processor.States[processor.StartAt];
      // The worker's own timeout is 15 minutes: a lost invocation ends in States.Timeout.
      expect(task.TimeoutSeconds).toBe(960);
      const retries = task.Retry as Json[];
      expect(retries).toContainEqual({
        ErrorEquals: ['MatchSinkError', 'States.Timeout', 'Lambda.Unknown'],
        IntervalSeconds: 30,
        MaxAttempts: 2,
        BackoffRate: 2,
      });
      expect(retries).toContainEqual({
        ErrorEquals: ['Lambda.TooManyRequestsException'],
        IntervalSeconds: 10,
        MaxAttempts: 8,
        BackoffRate: 2,
        MaxDelaySeconds: 300,
        JitterStrategy: 'FULL',
      });
    },
  );

  it.each(['HuntManifest', 'HuntInline'])(
    '%s retries Lambda service and SDK client errors first, with backoff',
    (name) => {
      const processor = definition.States[name].ItemProcessor as {
        StartAt: string;
        States: Record<string, Json>;
      };
      const retries = processor.States[processor.StartAt].Retry as Json[];
      expect(retries[0]).toEqual({
        ErrorEquals: [
          'Lambda.ClientExecutionTimeoutException',
          'Lambda.ServiceException',
          'Lambda.AWSLambdaException',
          'Lambda.SdkClientException',
        ],
        IntervalSeconds: 2,
        MaxAttempts: 6,
        BackoffRate: 2,
      });
      // Every retrier names its errors: no catch-all that would hide a bug behind retries.
      for (const r of retries) expect(r.ErrorEquals).not.toContain('States.ALL');
    },
  );

  it('lets an execution run for a week by default (standard workflows allow a year)', () => {
    expect((definition as unknown as Json).TimeoutSeconds).toBe(7 * 24 * 3600);
    template.hasResourceProperties('AWS::StepFunctions::StateMachine', {
      DefinitionString: {
        'Fn::Join': ['', Match.arrayWith([Match.stringLikeRegexp('"TimeoutSeconds":604800')])],
      },
    });
  });

  it('reads the manifest with an S3 JSON ItemReader keyed by $.manifestKey', () => {
    expect(definition.States.HuntManifest.ItemReader).toMatchObject({
      ReaderConfig: { InputType: 'JSON' },
      Parameters: { 'Key.$': '$.manifestKey' },
    });
    expect(definition.States.HuntInline.ItemsPath).toBe('$.prefixes');
    expect(definition.States.HuntInline.ItemReader).toBeUndefined();
  });

  it('outputs its ARN for `trailalerts hunt --state-machine`', () => {
    template.hasOutput('RetroHuntStateMachineArn', Match.anyValue());
  });
});

describe('hunt bucket', () => {
  it('is KMS-encrypted, private, SSL-only and expires objects', () => {
    template.hasResourceProperties('AWS::S3::Bucket', {
      BucketName: 'trailalerts-hunt-222222222222-us-east-1',
      BucketEncryption: {
        ServerSideEncryptionConfiguration: [
          Match.objectLike({ ServerSideEncryptionByDefault: Match.objectLike({ SSEAlgorithm: 'aws:kms' }) }),
        ],
      },
      PublicAccessBlockConfiguration: {
        BlockPublicAcls: true,
        BlockPublicPolicy: true,
        IgnorePublicAcls: true,
        RestrictPublicBuckets: true,
      },
      LifecycleConfiguration: { Rules: [Match.objectLike({ ExpirationInDays: 30, Status: 'Enabled' })] },
    });
    template.hasResourceProperties('AWS::S3::BucketPolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
        ]),
      },
    });
  });
});

describe('hunt worker', () => {
  const workerFunction = (): Json => {
    const fns = template.findResources('AWS::Lambda::Function', {
      Properties: { Environment: { Variables: { POWERTOOLS_SERVICE_NAME: 'trailalerts-hunt' } } },
    });
    expect(Object.keys(fns)).toHaveLength(1);
    return Object.values(fns)[0] as Json;
  };

  it('is an arm64 Node.js 22 function with a 15-minute timeout and the trail logs root', () => {
    const props = workerFunction().Properties as Json;
    expect(props.Architectures).toEqual(['arm64']);
    expect(props.Runtime).toBe('nodejs22.x');
    expect(props.Timeout).toBe(900);
    // A full vCPU: the worker is CPU-bound once its GETs overlap.
    expect(props.MemorySize).toBe(1769);
    const env = (props.Environment as { Variables: Json }).Variables;
    expect(env.TRAIL_LOGS_ROOT).toBe('trail/AWSLogs/o-exampleorg1/');
    expect(env.TRAIL_BUCKET).toBe('org-trail-bucket');
    expect(env.TRAIL_READER_ROLE_ARN).toBe(READER_ROLE);
    expect(env.TRAILALERTS_RULES_DIR).toBe('/var/task/rules');
    expect(env.HUNT_GETS_IN_FLIGHT).toBe('16');
  });

  it('reserves 20 concurrent executions by default, leaving the rest to live detection', () => {
    expect((workerFunction().Properties as Json).ReservedConcurrentExecutions).toBe(20);
  });

  it('ships the rules and accounts.yaml in its bundle', () => {
    const bundles = readdirSync(app.outdir)
      .map((d) => path.join(app.outdir, d, 'index.js'))
      .filter((f) => existsSync(f) && readFileSync(f, 'utf8').includes('TRAIL_LOGS_ROOT'));
    expect(bundles).toHaveLength(1);
    const bundle = path.dirname(bundles[0]);
    expect(existsSync(path.join(bundle, 'accounts.yaml'))).toBe(true);
    expect(existsSync(path.join(bundle, 'rules/sigma/fixture_root_login.yml'))).toBe(true);
  });

  it('may only assume the reader role for the trail (no S3 or trail-key access of its own), and send only to the matches queue', () => {
    const role = Object.keys(
      template.findResources('AWS::IAM::Role', { Properties: { RoleName: HUNT_WORKER_ROLE_NAME } }),
    )[0];
    const policies = template.findResources('AWS::IAM::Policy');
    const statements = Object.values(policies)
      .filter((p) => JSON.stringify((p as Json).Properties).includes(`"Ref":"${role}"`))
      .flatMap(
        (p) =>
          (p as { Properties: { PolicyDocument: { Statement: Json[] } } }).Properties.PolicyDocument
            .Statement,
      );
    expect(statements.filter((s) => actionsOf(s).includes('sts:AssumeRole'))).toEqual([
      { Sid: 'AssumeTrailReader', Effect: 'Allow', Action: 'sts:AssumeRole', Resource: READER_ROLE },
    ]);
    expect(statements.filter((s) => actionsOf(s).some((a) => a.startsWith('s3:')))).toEqual([]);
    expect(JSON.stringify(statements)).not.toContain(TRAIL_KEY);
    expect(JSON.stringify(statements)).not.toContain('org-trail-bucket');
    expect(JSON.stringify(statements)).not.toContain('trailalerts-hunt-222222222222');
    const send = statements.filter((s) => actionsOf(s).includes('sqs:SendMessage'));
    expect(send).toHaveLength(1);
    expect(JSON.stringify(send[0].Resource)).toContain('MatchesQueue');
  });
});

describe('worker concurrency', () => {
  const huntOf = (retroHunt: SecurityAccountStackProps['retroHunt']) =>
    Template.fromStack(new SecurityAccountStack(noBundling(), 'Hunt', { ...props, retroHunt }));

  it('runs as many map iterations as the worker may run by default, and reserves what is configured', () => {
    const t = huntOf({ reservedConcurrency: 12 });
    t.hasResourceProperties('AWS::Lambda::Function', {
      Environment: { Variables: Match.objectLike({ POWERTOOLS_SERVICE_NAME: 'trailalerts-hunt' }) },
      ReservedConcurrentExecutions: 12,
    });
    const def = renderDefinition(t);
    expect(def.States.HuntManifest.MaxConcurrency).toBe(12);
    expect(def.States.HuntInline.MaxConcurrency).toBe(12);
  });

  it('times executions out after timeoutHours, from accounts.yaml deployment.huntTimeoutHours', () => {
    const t = huntOf({ timeoutHours: 48 });
    expect((renderDefinition(t) as unknown as Json).TimeoutSeconds).toBe(48 * 3600);
    expect(() => huntOf({ timeoutHours: 0 })).toThrow(/timeoutHours — expected an integer from 1 to 8760/);
    expect(() => huntOf({ timeoutHours: 8761 })).toThrow(/timeoutHours/);
    const { config } = loadAccountsConfig(REPO_ACCOUNTS);
    const plan = propsFromConfig(
      { ...config!, deployment: { ...config!.deployment, huntTimeoutHours: 72 } },
      { configFile: REPO_ACCOUNTS, rulesDir: RULES_FIXTURE },
    );
    expect(plan.security.retroHunt).toMatchObject({ timeoutHours: 72 });
  });

  it('takes map concurrency and GETs in flight from accounts.yaml deployment', () => {
    const { config } = loadAccountsConfig(REPO_ACCOUNTS);
    const plan = propsFromConfig(
      {
        ...config!,
        deployment: {
          ...config!.deployment,
          huntWorkerReservedConcurrency: 200,
          huntMaxConcurrency: 150,
          huntGetsInFlight: 32,
        },
      },
      { configFile: REPO_ACCOUNTS, rulesDir: RULES_FIXTURE },
    );
    expect(plan.security.retroHunt).toMatchObject({
      reservedConcurrency: 200,
      maxConcurrency: 150,
      getsInFlight: 32,
    });
    const t = huntOf({ reservedConcurrency: 200, maxConcurrency: 150, getsInFlight: 32 });
    expect(renderDefinition(t).States.HuntManifest.MaxConcurrency).toBe(150);
    t.hasResourceProperties('AWS::Lambda::Function', {
      Environment: { Variables: Match.objectLike({ HUNT_GETS_IN_FLIGHT: '32' }) },
      ReservedConcurrentExecutions: 200,
    });
    expect(() => huntOf({ getsInFlight: 65 })).toThrow(/getsInFlight — expected an integer from 1 to 64/);
  });

  it('refuses more map iterations than reserved executions', () => {
    expect(() => huntOf({ reservedConcurrency: 5, maxConcurrency: 6 })).toThrow(
      /RetroHunt RetroHunt: maxConcurrency — expected an integer from 1 to 5, got 6/,
    );
    expect(() => huntOf({ maxConcurrency: 21 })).toThrow(/maxConcurrency — expected an integer from 1 to 20/);
    expect(() => huntOf({ reservedConcurrency: 0 })).toThrow(/reservedConcurrency/);
  });
});

describe('state machine role', () => {
  it('may invoke only the hunt worker and touch only the hunt bucket', () => {
    const machine = Object.values(template.findResources('AWS::StepFunctions::StateMachine'))[0] as Json;
    const roleRef = JSON.stringify(((machine.Properties as Json).RoleArn as Json)['Fn::GetAtt']);
    const roleId = JSON.parse(roleRef)[0] as string;
    const statements = Object.values(template.findResources('AWS::IAM::Policy'))
      .filter((p) => JSON.stringify((p as Json).Properties).includes(`"Ref":"${roleId}"`))
      .flatMap(
        (p) =>
          (p as { Properties: { PolicyDocument: { Statement: Json[] } } }).Properties.PolicyDocument
            .Statement,
      );
    const invoke = statements.filter((s) => actionsOf(s).includes('lambda:InvokeFunction'));
    expect(invoke.length).toBeGreaterThan(0);
    for (const s of invoke) expect(JSON.stringify(s.Resource)).toContain('RetroHuntWorkerFunction');
    for (const s of statements.filter((x) => actionsOf(x).some((a) => a.startsWith('s3:')))) {
      expect(JSON.stringify(s.Resource)).toContain('RetroHuntBucket');
    }
  });
});

describe('least privilege and cdk-nag', () => {
  it('grants no * or service:* actions anywhere', () => {
    const star = allStatements(json).filter(
      ({ statement }) => statement.Effect === 'Allow' && actionsOf(statement).some(isStarAction),
    );
    expect(star).toEqual([]);
  });

  it('leaves no unacknowledged AwsSolutions finding', () => {
    expect(unacknowledgedNagFindings(stack)).toEqual([]);
  });
});

describe('contract between CLI, state machine and worker', () => {
  it('the ItemSelector and BatchInput turn a CLI execution input into a batch the worker accepts', () => {
    const { config } = loadAccountsConfig(REPO_ACCOUNTS);
    const plan = planHunt(
      {
        ...config!,
        organization: { ...config!.organization, id: 'o-exampleorg1' },
        trail: { ...config!.trail, prefix: 'trail' },
      },
      {
        since: '2026-08-01',
        until: '2026-08-01',
        accounts: ['444444444444'],
        regions: ['us-east-1'],
        rules: ['x'],
        mode: 'report',
      },
    );
    const input = executionInput(plan, 'hunt-1') as unknown as Json;
    const map = definition.States.HuntInline;
    const render = (template: Record<string, string>, value?: string) =>
      Object.fromEntries(
        Object.entries(template).map(([k, path]) => [
          k.replace(/\.\$$/, ''),
          path === '$$.Map.Item.Value' ? value : input[path.replace(/^\$\./, '')],
        ]),
      );
    const items = plan.prefixes.map((prefix) => render(map.ItemSelector as Record<string, string>, prefix));
    const batchInput = render((map.ItemBatcher as { BatchInput: Record<string, string> }).BatchInput);
    const fn = Object.values(
      template.findResources('AWS::Lambda::Function', {
        Properties: { Environment: { Variables: { POWERTOOLS_SERVICE_NAME: 'trailalerts-hunt' } } },
      }),
    )[0] as { Properties: { Environment: { Variables: Record<string, string> } } };
    const parsed = parseHuntBatch(
      { Items: items, BatchInput: batchInput },
      fn.Properties.Environment.Variables.TRAIL_LOGS_ROOT,
    );
    expect(parsed).toHaveLength(2);
    expect(parsed[0]).toEqual({
      huntId: 'hunt-1',
      prefix: 'trail/AWSLogs/o-exampleorg1/444444444444/CloudTrail/us-east-1/2026/08/01/',
      since: '2026-08-01T00:00:00.000Z',
      until: '2026-08-01T23:59:59.999Z',
      mode: 'report',
      rules: ['x'],
    });
  });

  it('stacks built from accounts.yaml include the retro-hunt, whose worker the reader role trusts', () => {
    const { config } = loadAccountsConfig(REPO_ACCOUNTS);
    const plan = propsFromConfig(config!, { configFile: REPO_ACCOUNTS, rulesDir: RULES_FIXTURE });
    expect(plan.security.retroHunt).toBeDefined();
    const worker = `arn:aws:iam::${config!.organization.securityAccountId}:role/${HUNT_WORKER_ROLE_NAME}`;
    expect(plan.memberGrants?.grants.readerPrincipalArns).toContain(worker);
    expect(plan.security.trailReaderRoleArn).toBe(
      `arn:aws:iam::${config!.trail.accountId}:role/${TRAIL_READER_ROLE_NAME}`,
    );
  });
});
