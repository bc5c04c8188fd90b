/**
 * The typed model of accounts.yaml: the organization, its trail, pipeline, destinations, rule sets,
 * per-OU and per-account settings, exceptions and routes. The JSON schema in schema.ts is the truth
 * for what a file may contain; these interfaces describe a file that passed it.
 */
import type { Level } from '../core';
import type { Destination } from '../notify';

export type AccountDirectorySource = 'static' | 'organizations';

export interface OrganizationConfig {
  /** `o-` followed by 10 to 32 lower-case letters or digits. */
  id: string;
  managementAccountId: string;
  /** The delegated-admin account the detection stack runs in. */
  securityAccountId: string;
  homeRegion: string;
  /**
   * The security account is a delegated administrator of some service (default true: StackSets
   * called as DELEGATED_ADMIN require it). Delegated administrators may call the Organizations read
   * APIs the account directory needs, so no resource policy in the management account is deployed.
   */
  securityAccountIsDelegatedAdmin?: boolean;
  accountDirectory?: {
    /** `static`: names and OUs from `accounts:` only; `organizations`: walk AWS Organizations. */
    source: AccountDirectorySource;
    /** Read-only role in the management account to assume for Organizations calls (else direct). */
    roleArn?: string;
    /** How long the account map is cached before a bulk refresh (default 60). */
    cacheTtlMinutes?: number;
    /** Also read account tags during the bulk walk (one ListTagsForResource per account). */
    includeTags?: boolean;
  };
}

export interface TrailConfig {
  bucket: string;
  /** The log-archive account that owns the bucket. */
  accountId: string;
  /** Key prefix before `AWSLogs/`, without a trailing slash. */
  prefix?: string;
  kmsKeyArn?: string;
  /** The organization trail's ARN: constrains the KMS grant to its encryption context. */
  arn?: string;
  /** The bucket's region, when it is not organization.homeRegion. */
  bucketRegion?: string;
  /** Regions the trail delivers; default all. */
  regions?: string[];
  /**
   * Who manages the trail bucket (default: inferred from the bucket name: `aws-controltower-logs-…`
   * is Control Tower, `aws-accelerator-central-logs-…` Landing Zone Accelerator). A managed bucket
   * is never written to.
   */
  landingZone?: 'controlTower' | 'accelerator' | 'none';
  /** How new log objects are learnt of (default: inferred from the landing zone; see docs/deployment.md). */
  newObjects?: 'eventBridge' | 'sns' | 'poll';
  /** The SNS topic the trail publishes log-file notifications to (`newObjects: sns`). */
  notificationTopicArn?: string;
  /** How often the poller lists new keys (`newObjects: poll`; default 5). */
  pollIntervalMinutes?: number;
}

export interface PipelineConfig {
  /** CodeConnections (or CodeStar Connections) ARN; required unless `codeCommit` is given. */
  connectionArn?: string;
  /** `owner/repository` on the connected provider; required with `connectionArn`. */
  repository?: string;
  branch: string;
  codeCommit?: { repositoryName: string };
}

/**
 * A rule selector in a rule set: a path glob relative to the rules directory (`sigma/iam/**`),
 * a rule id, a rule title, `tag:<tag>` or `level:<level>`.
 */
export type RuleSelector = string;

export interface RuleSetConfig {
  rules: RuleSelector[];
  exclude?: RuleSelector[];
  minLevel?: Level;
}

export interface RouteConfig {
  /** Destination names (keys of `destinations:`). */
  to: string[];
  minLevel?: Level;
  /** Rule ids, titles or wildcards over title/id/path; any one must match. */
  rules?: string[];
  /** Rule tags (wildcards allowed); any one must match. */
  tags?: string[];
  /** Only correlation alerts. */
  correlationsOnly?: boolean;
}

export interface ExceptionConfig {
  /** Rule title, id, wildcard over title/id/path, or `*` for every rule. */
  rule: string;
  /** Principal ARNs (wildcards allowed); a role ARN also matches its sessions. */
  actors?: string[];
  /** Regular expressions over the actor's identifiers (RE2 syntax, matched in linear time). */
  actorPatterns?: string[];
  /** IPv4/IPv6 addresses and CIDRs. */
  sourceIPs?: string[];
  /** User-agent wildcards (`*`, `?`), case-insensitive, whole string. */
  userAgents?: string[];
  regions?: string[];
  eventNames?: string[];
  reason: string;
  /** `YYYY-MM-DD` (applies through that day, UTC) or an ISO date-time. */
  expires?: string;
}

export type InheritMode = 'add' | 'replace';

export interface OuConfig {
  /** For an OU keyed by path: its OU id, so accounts that name the id find the path. */
  id?: string;
  /** For an OU keyed by id: its path, so it takes its place in the chain. */
  path?: string;
  ruleSets?: string[];
  /** `add` (default): inherited rule sets plus these; `replace`: only these. */
  ruleSetsMode?: InheritMode;
  routes?: RouteConfig[];
  /** `replace` (default): nearest routes win; `add`: inherited routes plus these. */
  routesMode?: InheritMode;
  exceptions?: ExceptionConfig[];
  cooldownMinutes?: number;
}

export interface AccountConfig {
  name: string;
  /** OU path (`/Workloads/Production`) or OU id (`ou-xxxx-yyyyyyyy`). */
  ou: string;
  tags?: Record<string, string>;
  ruleSets?: string[];
  ruleSetsMode?: InheritMode;
  exceptions?: ExceptionConfig[];
  routes?: RouteConfig[];
  routesMode?: InheritMode;
  cooldownMinutes?: number;
}

export interface EnrichmentConfig {
  ipContext?: { provider: 'vpnapi'; apiKeySecret: string; cacheTtlHours?: number };
}

export interface GrantsConfig {
  targets: { organizationalUnits: string[] };
  regions?: string[];
  callAs?: 'DELEGATED_ADMIN' | 'SELF';
}

export interface DeploymentConfig {
  /** `pipeline` (default): CDK Pipelines deploys; `stacks`: deploy the stacks directly. */
  mode?: 'pipeline' | 'stacks';
  /** Prefix of every named resource (default `trailalerts`); a second deployment takes another. */
  name?: string;
  /** Reserved concurrency of each function; its SQS event source never polls beyond it. */
  analyzerReservedConcurrency?: number;
  processorReservedConcurrency?: number;
  huntWorkerReservedConcurrency?: number;
  /** Retro-hunt worker calls at once (default and at most huntWorkerReservedConcurrency). */
  huntMaxConcurrency?: number;
  /** Objects each retro-hunt worker fetches at once (default 16, 1 to 64). */
  huntGetsInFlight?: number;
  /** Hours a retro-hunt execution may run (default 168, at most 8760). */
  huntTimeoutHours?: number;
  alarmEmail?: string;
  /** Alarm when no trail object arrived for this long (default 60). */
  trailSilenceMinutes?: number;
  /**
   * Regions whose GuardDuty findings are forwarded to the home region (GuardDuty publishes each
   * finding in the region it was found in); the home region needs no forwarding.
   */
  guardDutyRegions?: string[];
}

export interface AccountsConfig {
  organization: OrganizationConfig;
  trail: TrailConfig;
  pipeline?: PipelineConfig;
  destinations: Record<string, Destination>;
  ruleSets?: Record<string, RuleSetConfig>;
  /** Org-wide exceptions. */
  exceptions?: ExceptionConfig[];
  /** Keyed by OU path (`/`, `/Workloads/Production`) or OU id (`ou-xxxx-yyyyyyyy`). */
  organizationalUnits?: Record<string, OuConfig>;
  /** Keyed by 12-digit account id. */
  accounts?: Record<string, AccountConfig>;
  enrichment?: EnrichmentConfig;
  grants?: GrantsConfig;
  deployment?: DeploymentConfig;
  /** Values for Sigma `|expand` placeholders: `%admin_roles%` → `placeholders.admin_roles`. */
  placeholders?: Record<string, string[]>;
}
