/**
 * Parses the text of one rule file (one or more YAML documents) into compiled rules,
 * correlation models and filters. Each document stands alone: one bad document is reported
 * and the others still load.
 */
import { parseCorrelation } from './correlation-document';
import { compileDetection, type CompiledDetection, type DetectionProblem } from './detection';
import { deriveDispatchKeys } from './dispatch';
import type { FieldReads, CloudTrailRecord, Diagnostic } from '../core';
import type {
  CompiledRule,
  FilterRuleModel,
  LoadOptions,
  RuleBundle,
  RuleExplanation,
  RuleMeta,
} from './model';
import { cloudTrailLogsource } from './logsource';
import { awsServiceNotice, skippedNotice } from './logsource-notices';
import { readMeta, type Report } from './rule-meta';
import { entryOf, readYamlDocuments, type SourceDocument } from './yaml-documents';

export function parseRules(text: string, file: string, options: LoadOptions = {}): RuleBundle {
  const bundle: RuleBundle = { rules: [], correlations: [], filters: [], diagnostics: [] };
  const { documents, diagnostics } = readYamlDocuments(text, file);
  bundle.diagnostics.push(...diagnostics);
  for (const doc of documents) parseDocument(doc, file, options, bundle);
  return bundle;
}

function parseDocument(doc: SourceDocument, file: string, options: LoadOptions, bundle: RuleBundle): void {
  const root = doc.root;
  const base: Omit<Diagnostic, 'severity' | 'message'> = { file };
  if (!root || root.kind !== 'map') {
    bundle.diagnostics.push({
      ...base,
      severity: 'error',
      line: doc.line,
      message: 'expected a Sigma document (a map with title, logsource, detection …)',
    });
    return;
  }
  const local: Diagnostic[] = [];
  const report: Report = (d) => local.push({ ...base, ...d, line: d.line ?? doc.line });
  const flush = () => {
    for (const d of local) bundle.diagnostics.push({ ...d, ruleTitle: meta?.title, ruleId: meta?.id });
  };
  const hasErrors = () => local.some((d) => d.severity === 'error');
  const kind = entryOf(root, 'correlation') ? 'correlation' : entryOf(root, 'filter') ? 'filter' : 'rule';
  const meta: RuleMeta | undefined = readMeta(root, file, doc.line, report);

  if (kind === 'correlation') {
    const correlation = meta && parseCorrelation(root, meta, report);
    if (correlation && !hasErrors()) bundle.correlations.push(correlation);
    return flush();
  }

  const logsource = entryOf(root, 'logsource');
  if (!logsource) {
    report({
      severity: 'error',
      path: 'logsource',
      message: 'missing logsource (AWS CloudTrail rules use product: aws, service: cloudtrail)',
    });
    return flush();
  }
  const source = cloudTrailLogsource(root);
  if (!source.ok) {
    // Not for us: dropped without compiling, so a whole community rule tree can be loaded.
    bundle.diagnostics.push({
      ...base,
      severity: 'notice',
      line: logsource.keyLine,
      path: 'logsource',
      ruleTitle: meta?.title,
      ruleId: meta?.id,
      message: skippedNotice(source.found),
    });
    return;
  }
  // TrailAlerts' `service: iam` …: loaded, and said once per folder by the loader.
  if (source.awsService)
    report({
      severity: 'notice',
      line: logsource.keyLine,
      path: 'logsource',
      message: awsServiceNotice(source.awsService),
    });

  const sectionName = kind === 'filter' ? 'filter' : 'detection';
  const sectionEntry = entryOf(root, sectionName);
  if (!sectionEntry) {
    report({ severity: 'error', path: sectionName, message: `missing ${sectionName} section` });
    return flush();
  }
  const problems: DetectionProblem[] = [];
  const detection = compileDetection(sectionEntry.value, sectionName, options.placeholders ?? {}, problems);
  for (const p of problems)
    report({ severity: p.severity, path: p.path, line: p.line ?? sectionEntry.keyLine, message: p.message });
  if (!meta || !detection || hasErrors()) return flush();

  if (kind === 'filter') {
    const rulesNode = entryOf(sectionEntry.value, 'rules')?.value;
    let rules: string[] = [];
    if (rulesNode?.kind === 'seq')
      rules = rulesNode.items
        .filter((i) => i.kind === 'scalar' && i.value !== null)
        .map((i) => String((i as { value: unknown }).value));
    else if (rulesNode?.kind === 'scalar' && rulesNode.value !== null) rules = [String(rulesNode.value)];
    bundle.filters.push({
      meta,
      rules,
      keep: detection.match,
      reads: readsOf(detection),
    } satisfies FilterRuleModel);
    return flush();
  }
  bundle.rules.push(makeCompiledRule(meta, detection));
  flush();
}

function makeCompiledRule(meta: RuleMeta, detection: CompiledDetection): CompiledRule {
  const rule: CompiledRule = {
    meta,
    // The first call generates the rule's code (CompiledDetection.match) and puts it in its place.
    match: (record, plain, memo) => (rule.match = detection.match)(record, plain, memo),
    dispatch: deriveDispatchKeys(detection),
    identityGate: detection.identityGate,
    reads: readsOf(detection),
    explain: (record: CloudTrailRecord): RuleExplanation => ({
      rule: meta,
      condition: detection.conditionText,
      matched: detection.interpreted(record),
      selections: detection.explainSelections(record),
    }),
  };
  return rule;
}

/** Every field path the detection reads: item fields and `fieldref` targets; keywords read the whole record. */
export function readsOf(detection: CompiledDetection): FieldReads {
  const paths = new Set<string>();
  let whole = false;
  for (const selection of detection.selections.values()) {
    for (const items of selection.alternatives) {
      for (const item of items) {
        if (item.field === undefined) whole = true;
        else paths.add(item.field);
        if (item.modifiers.includes('fieldref')) for (const v of item.values) paths.add(v);
      }
    }
  }
  return { paths: [...paths], whole };
}
