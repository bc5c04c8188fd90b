/** The metric and log names the processor and analyzer emit, which the dashboard construct reads. */
export {
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
} from './counter-metrics';
