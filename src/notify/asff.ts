/**
 * The part of the AWS Security Finding Format (2018-10-08) that TrailAlerts writes, and the
 * checks a finding must pass before it is imported: the required top-level attributes
 * (https://docs.aws.amazon.com/securityhub/latest/userguide/asff-required-attributes.html) and the
 * documented limits of the fields used. A finding that fails is a bug here, never sent.
 */

export const ASFF_SCHEMA_VERSION = '2018-10-08';

export type AsffSeverityLabel = 'INFORMATIONAL' | 'LOW' | 'MEDIUM' | 'HIGH' | 'CRITICAL';
export type AsffPartition = 'aws' | 'aws-cn' | 'aws-us-gov';

export interface AsffResource {
  Type: string;
  Id: string;
  Partition?: AsffPartition;
  Region?: string;
  Details?: { Other?: Record<string, string> };
}

export interface AsffFinding {
  SchemaVersion: typeof ASFF_SCHEMA_VERSION;
  Id: string;
  ProductArn: string;
  GeneratorId: string;
  AwsAccountId: string;
  Types: string[];
  CreatedAt: string;
  UpdatedAt: string;
  FirstObservedAt?: string;
  LastObservedAt?: string;
  Severity: { Label: AsffSeverityLabel; Original?: string };
  Title: string;
  Description: string;
  Resources: AsffResource[];
  ProductName?: string;
  CompanyName?: string;
  Region?: string;
  SourceUrl?: string;
  ProductFields?: Record<string, string>;
  FindingProviderFields?: { Severity?: { Label: AsffSeverityLabel; Original?: string }; Types?: string[] };
  RecordState?: 'ACTIVE' | 'ARCHIVED';
}

/** Required in every finding BatchImportFindings accepts. */
export const ASFF_REQUIRED = [
  'SchemaVersion',
  'Id',
  'ProductArn',
  'GeneratorId',
  'AwsAccountId',
  'Types',
  'CreatedAt',
  'UpdatedAt',
  'Severity',
  'Title',
  'Description',
  'Resources',
] as const;

/** Documented limits of the fields written. */
export const ASFF_LIMITS = {
  id: 512,
  title: 256,
  description: 1024,
  types: 50,
  resources: 32,
  resourceId: 512,
  /** ProductFields: pairs, key and value lengths. */
  productFields: 50,
  productFieldKey: 128,
  productFieldValue: 2048,
  /** Resources[].Details.Other: pairs; keys and values must be shorter than these. */
  otherFields: 50,
  otherKeyBelow: 128,
  otherValueBelow: 1024,
} as const;

const LABELS: readonly string[] = ['INFORMATIONAL', 'LOW', 'MEDIUM', 'HIGH', 'CRITICAL'];
const TIMESTAMP = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/;
const PRODUCT_ARN = /^arn:aws(-cn|-us-gov)?:securityhub:[a-z0-9-]+:\d{12}:product\/\d{12}\/default$/;

const nonEmpty = (v: unknown): v is string => typeof v === 'string' && v.trim() !== '';

/** What is wrong with a finding, one line each; empty when it may be imported. */
export function asffProblems(finding: unknown): string[] {
  const out: string[] = [];
  if (typeof finding !== 'object' || finding === null) return ['not an object'];
  const f = finding as Record<string, unknown>;
  for (const key of ASFF_REQUIRED) if (f[key] === undefined) out.push(`${key}: missing`);
  if (f.SchemaVersion !== undefined && f.SchemaVersion !== ASFF_SCHEMA_VERSION)
    out.push(`SchemaVersion: expected ${ASFF_SCHEMA_VERSION}`);
  for (const [key, max] of [
    ['Id', ASFF_LIMITS.id],
    ['GeneratorId', ASFF_LIMITS.id],
    ['Title', ASFF_LIMITS.title],
    ['Description', ASFF_LIMITS.description],
  ] as const) {
    const v = f[key];
    if (v !== undefined && (!nonEmpty(v) || v.length > max))
      out.push(`${key}: expected 1 to ${max} characters`);
  }
  if (f.ProductArn !== undefined && (typeof f.ProductArn !== 'string' || !PRODUCT_ARN.test(f.ProductArn)))
    out.push('ProductArn: expected arn:<partition>:securityhub:<region>:<account>:product/<account>/default');
  if (
    f.AwsAccountId !== undefined &&
    (typeof f.AwsAccountId !== 'string' || !/^\d{12}$/.test(f.AwsAccountId))
  )
    out.push('AwsAccountId: expected 12 digits');
  for (const key of ['CreatedAt', 'UpdatedAt', 'FirstObservedAt', 'LastObservedAt']) {
    const v = f[key];
    if (v !== undefined && (typeof v !== 'string' || !TIMESTAMP.test(v)))
      out.push(`${key}: expected an ISO 8601 UTC timestamp`);
  }
  const types = f.Types;
  if (
    types !== undefined &&
    (!Array.isArray(types) ||
      types.length === 0 ||
      types.length > ASFF_LIMITS.types ||
      !types.every(nonEmpty))
  )
    out.push(`Types: expected 1 to ${ASFF_LIMITS.types} non-empty strings`);
  const severity = f.Severity as { Label?: unknown } | undefined;
  if (severity !== undefined && !LABELS.includes(severity?.Label as string))
    out.push(`Severity.Label: expected one of ${LABELS.join(', ')}`);
  out.push(...resourceProblems(f.Resources));
  out.push(...mapProblems('ProductFields', f.ProductFields, ASFF_LIMITS.productFields, 129, 2049));
  return out;
}

function resourceProblems(resources: unknown): string[] {
  if (resources === undefined) return [];
  if (!Array.isArray(resources) || resources.length === 0 || resources.length > ASFF_LIMITS.resources)
    return [`Resources: expected 1 to ${ASFF_LIMITS.resources} resources`];
  return resources.flatMap((r: unknown, i): string[] => {
    const res = (typeof r === 'object' && r !== null ? r : {}) as Record<string, unknown>;
    const out: string[] = [];
    if (!nonEmpty(res.Type)) out.push(`Resources[${i}].Type: missing`);
    if (!nonEmpty(res.Id) || res.Id.length > ASFF_LIMITS.resourceId)
      out.push(`Resources[${i}].Id: expected 1 to ${ASFF_LIMITS.resourceId} characters`);
    const other = (res.Details as { Other?: unknown } | undefined)?.Other;
    out.push(
      ...mapProblems(
        `Resources[${i}].Details.Other`,
        other,
        ASFF_LIMITS.otherFields,
        ASFF_LIMITS.otherKeyBelow,
        ASFF_LIMITS.otherValueBelow,
      ),
    );
    return out;
  });
}

/** A string map of at most `pairs` entries, keys and values non-empty and shorter than the bounds. */
function mapProblems(
  where: string,
  map: unknown,
  pairs: number,
  keyBelow: number,
  valueBelow: number,
): string[] {
  if (map === undefined) return [];
  if (typeof map !== 'object' || map === null || Array.isArray(map)) return [`${where}: expected a map`];
  const entries = Object.entries(map);
  const out: string[] = [];
  if (entries.length > pairs) out.push(`${where}: more than ${pairs} entries`);
  for (const [k, v] of entries) {
    if (k === '' || k.length >= keyBelow) out.push(`${where}: key of ${k.length} characters`);
    if (!nonEmpty(v) || v.length >= valueBelow)
      out.push(`${where}.${k}: expected a non-empty string under ${valueBelow} characters`);
  }
  return out;
}
