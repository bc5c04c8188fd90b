/**
 * The CloudWatch dashboard deployed with the security-account stack: what was analyzed, how late
 * alerts go out, what happened to the matches per OU, the dead-letter queues, the noisiest rules,
 * and the exceptions (hits, and those about to expire). docs/operations.md ("The dashboard") says
 * what each widget means and what to do when it turns bad.
 *
 * Metric names come from src/processor/counter-metrics.ts, the file the functions emit them
 * from; per-OU widgets use a SEARCH expression over the `ouPath` dimension, so every OU the
 * directory knows shows up without being listed here. The noisiest rules and the exception hits
 * are CloudWatch Logs Insights queries over the processor's 'alert outcome' log lines.
 */
import { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import type * as logs from 'aws-cdk-lib/aws-logs';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import {
  ANALYZER_METRICS,
  ANALYZER_SERVICE,
  EXPIRING_WITHIN_DAYS,
  METRICS_NAMESPACE,
  OU_DIMENSION,
  OU_METRICS,
  OUTCOME_LOG_MESSAGE,
  PROCESSOR_METRICS,
  PROCESSOR_SERVICE,
  type OuMetric,
} from '../../src/processor';
import { requireName } from './validate-props';

export interface DetectionDashboardProps {
  dashboardName: string;
  /** The processor's log group ('alert outcome' lines). */
  processorLogGroup: logs.ILogGroup;
  /** Every dead-letter queue of the stack, by a readable name. */
  deadLetterQueues: Record<string, sqs.IQueue>;
}

const PERIOD = Duration.minutes(5);

const OU_TITLES: Record<OuMetric, string> = {
  matches: 'Matches per OU',
  sent: 'Alerts sent per OU',
  excepted: 'Excepted per OU (exception hits)',
  suppressed: 'Suppressed per OU (cooldown repeats)',
  unrouted: 'Unrouted per OU (no route took them)',
};

export class DetectionDashboard extends Construct {
  readonly dashboard: cloudwatch.Dashboard;

  constructor(scope: Construct, id: string, props: DetectionDashboardProps) {
    super(scope, id);
    requireName(
      'DetectionDashboard',
      'dashboardName',
      props.dashboardName,
      /^[A-Za-z0-9_-]{1,255}$/,
      'a dashboard name',
    );
    const metric = (service: string, metricName: string, statistic: string, label?: string) =>
      new cloudwatch.Metric({
        namespace: METRICS_NAMESPACE,
        metricName,
        dimensionsMap: { service },
        statistic,
        period: PERIOD,
        ...(label ? { label } : {}),
      });
    const perOu = (name: OuMetric) =>
      new cloudwatch.MathExpression({
        // One line per OU path the processor published this metric for.
        expression: `SEARCH('{${METRICS_NAMESPACE},${OU_DIMENSION},service} MetricName="${OU_METRICS[name]}" service="${PROCESSOR_SERVICE}"', 'Sum', ${PERIOD.toSeconds()})`,
        usingMetrics: {},
        label: '',
        period: PERIOD,
      });
    const logsQuery = (title: string, lines: string[]) =>
      new cloudwatch.LogQueryWidget({
        title,
        logGroupNames: [props.processorLogGroup.logGroupName],
        queryLines: lines,
        view: cloudwatch.LogQueryVisualizationType.TABLE,
        width: 12,
        height: 6,
      });

    this.dashboard = new cloudwatch.Dashboard(this, 'Dashboard', {
      dashboardName: props.dashboardName,
      defaultInterval: Duration.days(1),
    });
    this.dashboard.addWidgets(
      new cloudwatch.TextWidget({
        markdown:
          '# TrailAlerts detection\nWhat each widget means and what to do when it turns bad: docs/operations.md, "The dashboard".',
        width: 24,
        height: 2,
      }),
    );
    this.dashboard.addWidgets(
      new cloudwatch.GraphWidget({
        title: 'Objects and records analyzed',
        left: [metric(ANALYZER_SERVICE, ANALYZER_METRICS.objectsProcessed, 'Sum', 'Objects')],
        right: [metric(ANALYZER_SERVICE, ANALYZER_METRICS.recordsEvaluated, 'Sum', 'Records')],
        width: 12,
        height: 6,
      }),
      new cloudwatch.GraphWidget({
        title: 'Detection lag: event time to alert sent (ms)',
        left: [
          metric(PROCESSOR_SERVICE, PROCESSOR_METRICS.detectionLag, 'p50', 'p50'),
          metric(PROCESSOR_SERVICE, PROCESSOR_METRICS.detectionLag, 'p99', 'p99'),
        ],
        width: 12,
        height: 6,
      }),
    );
    const ouWidgets = (Object.keys(OU_METRICS) as OuMetric[]).map(
      (name) =>
        new cloudwatch.GraphWidget({
          title: OU_TITLES[name],
          left: [perOu(name)],
          stacked: true,
          width: 8,
          height: 6,
        }),
    );
    this.dashboard.addWidgets(...ouWidgets.slice(0, 3));
    this.dashboard.addWidgets(
      ...ouWidgets.slice(3),
      new cloudwatch.GraphWidget({
        title: 'Dead-letter queues: messages waiting',
        left: Object.entries(props.deadLetterQueues).map(([name, queue]) =>
          queue.metricApproximateNumberOfMessagesVisible({
            label: name,
            period: PERIOD,
            statistic: 'Maximum',
          }),
        ),
        width: 8,
        height: 6,
      }),
    );
    this.dashboard.addWidgets(
      logsQuery('Noisiest rules (alert outcomes per rule)', [
        'fields ruleId, ruleTitle',
        `filter message = "${OUTCOME_LOG_MESSAGE}"`,
        'stats count(*) as outcomes by ruleId, ruleTitle',
        'sort outcomes desc',
        'limit 10',
      ]),
      logsQuery('Exception hits (per exception)', [
        'fields exception',
        `filter message = "${OUTCOME_LOG_MESSAGE}" and outcome = "excepted"`,
        'stats count(*) as hits by exception',
        'sort hits desc',
        'limit 10',
      ]),
    );
    this.dashboard.addWidgets(
      new cloudwatch.SingleValueWidget({
        title: `Exceptions expiring within ${EXPIRING_WITHIN_DAYS} days`,
        metrics: [
          metric(PROCESSOR_SERVICE, PROCESSOR_METRICS.exceptionsExpiringSoon, 'Maximum', 'Expiring soon'),
        ],
        width: 8,
        height: 4,
      }),
      new cloudwatch.GraphWidget({
        title: 'Processor failures and refused GuardDuty events',
        left: [
          metric(PROCESSOR_SERVICE, PROCESSOR_METRICS.matchFailures, 'Sum', 'Match failures'),
          metric(PROCESSOR_SERVICE, PROCESSOR_METRICS.guardDutyRejected, 'Sum', 'GuardDuty refused'),
        ],
        width: 16,
        height: 4,
      }),
    );
  }
}
