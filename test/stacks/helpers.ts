/** Shared helpers for the CDK tests: fixture paths, template walkers and hash masking. */
import * as path from 'node:path';
import { App } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';
import { AwsSolutionsChecks } from 'cdk-nag';

export const FIXTURES = path.join(__dirname, 'fixtures');
export const ANALYZER_FIXTURE = path.join(FIXTURES, 'analyzer-handler.ts');
export const PROCESSOR_FIXTURE = path.join(FIXTURES, 'processor-handler.ts');
export const RULES_FIXTURE = path.join(FIXTURES, 'rules');
export const REPO_ACCOUNTS = path.join(__dirname, '../../accounts.yaml');
export const ORG_MODE_ACCOUNTS = path.join(FIXTURES, 'accounts-org-mode.yaml');
export const DELEGATED_ACCOUNTS = path.join(FIXTURES, 'accounts-delegated.yaml');

/** buildDeployment's options for the Control Tower fixture with the fixture handlers and rules. */
export const DEPLOYMENT_OPTIONS = {
  configFile: DELEGATED_ACCOUNTS,
  rulesDir: RULES_FIXTURE,
  analyzerEntry: ANALYZER_FIXTURE,
  processorEntry: PROCESSOR_FIXTURE,
};

/** An app that skips asset bundling (the security stack test bundles). */
export const noBundling = (): App => new App({ context: { 'aws:cdk:bundling-stacks': [] } });

type Json = Record<string, unknown>;

/** Every IAM-style statement in a template: IAM policies, roles, key, queue, topic and bus policies. */
export function allStatements(template: Json): { resource: string; statement: Json }[] {
  const found: { resource: string; statement: Json }[] = [];
  const visit = (resource: string, node: unknown): void => {
    if (Array.isArray(node)) {
      node.forEach((n) => visit(resource, n));
    } else if (typeof node === 'object' && node !== null) {
      const obj = node as Json;
      if ('Effect' in obj && ('Action' in obj || 'NotAction' in obj))
        found.push({ resource, statement: obj });
      Object.values(obj).forEach((v) => visit(resource, v));
    }
  };
  for (const [id, res] of Object.entries((template.Resources ?? {}) as Json)) visit(id, res);
  return found;
}

/** Actions of a statement as strings (intrinsics rendered as JSON). */
export function actionsOf(statement: Json): string[] {
  const raw = statement.Action ?? statement.NotAction;
  return (Array.isArray(raw) ? raw : [raw]).map((a) => (typeof a === 'string' ? a : JSON.stringify(a)));
}

/** `*`, or a whole service (`s3:*`): the actions the project never grants. */
export function isStarAction(action: string): boolean {
  return action === '*' || /^[a-z0-9-]+:\*$/i.test(action);
}

/** Replaces volatile asset hashes so two syntheses compare equal when their templates do. */
export function maskHashes(template: unknown): unknown {
  return JSON.parse(JSON.stringify(template).replace(/[0-9a-f]{64}/g, '<HASH>'));
}

/** cdk-nag AwsSolutions findings not acknowledged anywhere under `scope`, as readable lines. */
export function unacknowledgedNagFindings(scope: IConstruct): string[] {
  const report = new AwsSolutionsChecks(scope).validateScope(scope);
  return report.violations.flatMap((v) =>
    v.violatingResources.map(
      (r) => `${v.ruleName} at ${(r as { constructPath?: string }).constructPath ?? r.resourceLogicalId}`,
    ),
  );
}
