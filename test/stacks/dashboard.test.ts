/**
 * The detection dashboard in the synthesized security-account stack: every widget references a
 * metric the functions emit (the names imported from the code that emits them), the per-OU widgets
 * search the `ouPath` dimension, the lag widget shows p50 and p99, the DLQs are all there, and the
 * Logs Insights widgets read the processor's log group and the line it writes per outcome.
 */
import { readFileSync } from 'node:fs';
import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import {
  ANALYZER_METRICS,
  COUNTER_METRICS,
  METRICS_NAMESPACE,
  OU_DIMENSION,
  OU_METRICS,
  OUTCOME_LOG_MESSAGE,
  PROCESSOR_METRICS,
  PROCESSOR_SERVICE,
} from '../../src/processor/counter-metrics';
import { SecurityAccountStack } from '../../stacks/security-account-stack';
import { ANALYZER_FIXTURE, PROCESSOR_FIXTURE, REPO_ACCOUNTS, RULES_FIXTURE } from './helpers';

type Json = Record<string, unknown>;
interface Widget {
  type: string;
  properties: { title?: string; metrics?: unknown[][]; query?: string; markdown?: string };
}

function synth(): Template {
  const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
  const stack = new SecurityAccountStack(app, 'Security', {
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
  });
  return Template.fromStack(stack);
}

/** The dashboard body as JSON, every CloudFormation token inside it written as <TOKEN>. */
function dashboardBody(template: Template): { widgets: Widget[] } {
  const dashboards = Object.values(template.findResources('AWS::CloudWatch::Dashboard'));
  expect(dashboards).toHaveLength(1);
  const body = (dashboards[0].Properties as Json).DashboardBody as
    { 'Fn::Join': [string, unknown[]] } | string;
  const text =
    typeof body === 'string'
      ? body
      : body['Fn::Join'][1].map((p) => (typeof p === 'string' ? p : '<TOKEN>')).join('');
  return JSON.parse(text) as { widgets: Widget[] };
}

/** TrailAlerts metric names a widget references: metric entries and SEARCH expressions. */
function metricNames(widget: Widget): { name: string; stat?: string; dims: string[] }[] {
  const out: { name: string; stat?: string; dims: string[] }[] = [];
  for (const entry of widget.properties.metrics ?? []) {
    const options = entry.find((e) => typeof e === 'object' && e !== null) as Json | undefined;
    if (entry[0] === METRICS_NAMESPACE) {
      const names = entry.filter((e): e is string => typeof e === 'string');
      out.push({
        name: names[1],
        stat: options?.stat as string | undefined,
        dims: names.slice(2).filter((_, i) => i % 2 === 0),
      });
    }
    const expression = typeof options?.expression === 'string' ? options.expression : '';
    const search = /^SEARCH\('\{([^}]*)\} MetricName="([^"]+)"/.exec(expression);
    if (search) {
      const [namespace, ...dims] = search[1].split(',');
      expect(namespace).toBe(METRICS_NAMESPACE);
      out.push({ name: search[2], dims });
    }
  }
  return out;
}

describe('detection dashboard', () => {
  const template = synth();
  const { widgets } = dashboardBody(template);
  const referenced = widgets.flatMap(metricNames);
  const emitted = new Set<string>([
    ...Object.values(ANALYZER_METRICS),
    ...Object.values(PROCESSOR_METRICS),
    ...Object.values(OU_METRICS),
    ...Object.values(COUNTER_METRICS),
  ]);

  it('is deployed with the stack', () => {
    template.hasResourceProperties('AWS::CloudWatch::Dashboard', { DashboardName: 'trailalerts-detection' });
    expect(widgets.length).toBeGreaterThanOrEqual(10);
  });

  it('references only metrics the code emits, and each metric the dashboard is for', () => {
    expect(referenced.length).toBeGreaterThan(0);
    for (const r of referenced) expect(emitted).toContain(r.name);
    const names = new Set(referenced.map((r) => r.name));
    for (const name of [
      ANALYZER_METRICS.objectsProcessed,
      ANALYZER_METRICS.recordsEvaluated,
      PROCESSOR_METRICS.detectionLag,
      PROCESSOR_METRICS.exceptionsExpiringSoon,
      ...Object.values(OU_METRICS),
    ])
      expect(names).toContain(name);
  });

  it('shows the detection lag as p50 and p99', () => {
    const stats = referenced.filter((r) => r.name === PROCESSOR_METRICS.detectionLag).map((r) => r.stat);
    expect(stats.sort()).toEqual(['p50', 'p99']);
  });

  it('breaks matches, sent, excepted, suppressed and unrouted down per OU path', () => {
    for (const name of Object.values(OU_METRICS)) {
      const perOu = referenced.filter((r) => r.name === name && r.dims.includes(OU_DIMENSION));
      expect(perOu).toHaveLength(1);
    }
    // Bounded cardinality: the only per-OU dimensions are the OU path and the service.
    const dims = new Set(referenced.flatMap((r) => r.dims));
    expect([...dims].sort()).toEqual([OU_DIMENSION, 'service'].sort());
    const searches = JSON.stringify(widgets).match(/SEARCH\([^)]*\)/g) ?? [];
    for (const s of searches) expect(s).toContain(`service=\\"${PROCESSOR_SERVICE}\\"`);
  });

  it('shows the depth of every dead-letter queue', () => {
    const dlq = widgets.find((w) => /Dead-letter/.test(w.properties.title ?? ''));
    const entries = (dlq?.properties.metrics ?? []).filter((e) => e[0] === 'AWS/SQS');
    expect(entries.map((e) => e[1])).toEqual(Array(3).fill('ApproximateNumberOfMessagesVisible'));
  });

  it("queries the processor's log group for the noisiest rules and the exception hits", () => {
    const queries = widgets.filter((w) => w.type === 'log').map((w) => w.properties.query ?? '');
    expect(queries).toHaveLength(2);
    for (const q of queries) {
      expect(q).toContain("SOURCE '<TOKEN>'");
      expect(q).toContain(`filter message = "${OUTCOME_LOG_MESSAGE}"`);
    }
    expect(queries[0]).toMatch(/stats count\(\*\) as outcomes by ruleId/);
    expect(queries[1]).toMatch(/outcome = "excepted"/);
    const logGroups = JSON.stringify(
      (Object.values(template.findResources('AWS::CloudWatch::Dashboard'))[0].Properties as Json)
        .DashboardBody,
    );
    expect(logGroups).toMatch(/ProcessorLogGroup/);
  });

  it('names analyzer metrics the analyzer really emits', () => {
    // The analyzer adds them by name (src/analyzer/handler.ts); the processor's are checked by
    // running it (test/guardduty/processor-handler.test.ts).
    const analyzer = readFileSync('src/analyzer/handler.ts', 'utf8');
    for (const name of Object.values(ANALYZER_METRICS)) expect(analyzer).toContain(`addMetric('${name}'`);
  });
});
