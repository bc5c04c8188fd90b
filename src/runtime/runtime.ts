/**
 * Cold-start loading shared by both Lambdas: accounts.yaml and the rule bundle shipped in the
 * function package, the org policy, and the account directory accounts.yaml chooses. Loading
 * problems are logged with file, line and path; the rules that loaded still run.
 */
import { dirname, join } from 'node:path';
import { createAccountDirectory, type AccountDirectory, type OrgPolicy, type AccountsConfig } from '../org';
import { formatDiagnostic } from '../core';
import { buildPolicy, loadConfig, loadDetectionContent, type DetectionContent } from './build';

export interface Runtime {
  config: AccountsConfig;
  content: DetectionContent;
  policy: OrgPolicy;
  directory: AccountDirectory;
}

interface LogSink {
  error(message: string): void;
  warn(message: string): void;
}

export function requireEnv(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`environment variable ${name} is not set`);
  return value;
}

export async function loadRuntime(logger: LogSink): Promise<Runtime> {
  const configFile = process.env.TRAILALERTS_CONFIG ?? join(process.cwd(), 'accounts.yaml');
  const rulesDir = process.env.TRAILALERTS_RULES_DIR ?? join(dirname(configFile), 'rules');
  const first = loadConfig(configFile);
  if (!first.config) {
    throw new Error(`cannot load ${configFile}: ${first.diagnostics.map(formatDiagnostic).join('; ')}`);
  }
  const content = loadDetectionContent([rulesDir], first.config);
  for (const d of content.diagnostics.filter((x) => x.severity !== 'notice')) {
    if (d.severity === 'error') logger.error(formatDiagnostic(d));
    else logger.warn(formatDiagnostic(d));
  }
  const config = first.config;
  const directory = createAccountDirectory(config, { onProblem: (m) => logger.warn(m) });
  return { config, content, policy: buildPolicy(config, content, rulesDir), directory };
}
