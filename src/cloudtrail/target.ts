/**
 * What a CloudTrail call acted on: the resource ARNs in `resources[]` and the identifying request
 * parameters (bucket, security group and its port ranges, user, policy, secret, trail …). Grouping
 * compares `key` to tell an exact repeat from a call on something else; `label` is for people.
 *
 * Every value is attacker-controlled: only strings, numbers and booleans are read, the walk is
 * bounded (keys per object, leaves, depth), `label` is capped, and `key` ends with a hash of
 * everything read, so two targets that differ only beyond the cap never compare equal. Values are
 * kept as they are (renderers escape them); nothing here throws.
 */
import { hash as digestOf } from 'node:crypto';
import type { CloudTrailRecord } from '../core';

export interface Target {
  /** Compared to find exact repeats: event name, outcome and identifiers, then a hash of all. */
  key: string;
  /** For people: `bucket my-bucket`, `group sg-0ab… tcp 22 from 0.0.0.0/0` … */
  label: string;
}

type Obj = Record<string, unknown>;

/** Identifying request parameters, lower-cased, in label order, with the word people read. */
const IDENTIFIERS: [string, string][] = [
  ['bucketname', 'bucket'],
  ['key', 'object'],
  ['groupid', 'group'],
  ['groupname', 'group'],
  ['username', 'user'],
  ['rolename', 'role'],
  ['policyarn', 'policy'],
  ['policyname', 'policy'],
  ['instanceprofilename', 'instance profile'],
  ['accesskeyid', 'access key'],
  ['serialnumber', 'MFA device'],
  ['secretid', 'secret'],
  ['secretidlist', 'secrets'],
  ['trailname', 'trail'],
  ['functionname', 'function'],
  ['statementid', 'statement'],
  ['layername', 'layer'],
  ['snapshotid', 'snapshot'],
  ['dbsnapshotidentifier', 'DB snapshot'],
  ['dbclustersnapshotidentifier', 'DB cluster snapshot'],
  ['dbinstanceidentifier', 'DB instance'],
  ['dbclusteridentifier', 'DB cluster'],
  ['imageid', 'image'],
  ['instanceid', 'instance'],
  ['instanceids', 'instances'],
  ['instancesset', 'instances'],
  ['instancetype', 'type'],
  ['target', 'target'],
  ['documentname', 'document'],
  ['keyid', 'key'],
  ['detectorid', 'detector'],
  ['configurationrecordername', 'recorder'],
  ['deliverychannelname', 'delivery channel'],
  ['flowlogids', 'flow logs'],
  ['flowlogid', 'flow log'],
  ['loggroupname', 'log group'],
  ['logstreamname', 'log stream'],
  ['names', 'parameters'],
  ['routetableid', 'route table'],
  ['destinationcidrblock', 'destination'],
  ['destinationipv6cidrblock', 'destination'],
  ['destinationprefixlistid', 'destination'],
  ['networkaclid', 'network ACL'],
  ['rulenumber', 'rule'],
  ['vpcid', 'VPC'],
  ['subnetid', 'subnet'],
  ['rolearn', 'role'],
  ['modelid', 'model'],
  ['resolverquerylogconfigid', 'query log config'],
  ['hostedzoneid', 'hosted zone'],
  ['stackname', 'stack'],
  ['cluster', 'cluster'],
  ['clustername', 'cluster'],
  ['servicename', 'service'],
  ['topicarn', 'topic'],
  ['queueurl', 'queue'],
  ['tablename', 'table'],
  ['streamname', 'stream'],
  ['repositoryname', 'repository'],
  ['domainname', 'domain'],
  ['userpoolid', 'user pool'],
  ['identitypoolid', 'identity pool'],
  ['launchpermission', 'launch permission'],
  ['createvolumepermission', 'volume permission'],
  ['valuestoadd', 'shared with'],
];

/** Generic identifier keys: the first one present names the target when no known one does. */
const FALLBACKS = ['name', 'id', 'arn', 'resourcearn', 'resourceid', 'resourcename', 'identifier', 'path'];

/** What a bare `name` names, for the services whose calls say only `name`. */
const NAME_WORD = new Map([['cloudtrail.amazonaws.com', 'trail']]);

/** Flat security-group permission fields (the older AuthorizeSecurityGroupIngress form). */
const FLAT_PERMISSION = ['ipprotocol', 'fromport', 'toport', 'cidrip', 'cidripv6', 'sourcesecuritygroupname'];

const MAX_KEYS = 200;
const MAX_LEAVES = 64;
const MAX_DEPTH = 5;
const MAX_RESOURCES = 16;
const MAX_VALUE = 256;
const MAX_LABEL = 200;
const MAX_KEY_TEXT = 240;

function obj(v: unknown): Obj | undefined {
  return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Obj) : undefined;
}

function scalar(v: unknown): string | undefined {
  if (typeof v === 'string') return v.length > 0 ? v : undefined;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  return undefined;
}

const clip = (text: string, max: number): string => (text.length > max ? `${text.slice(0, max - 1)}…` : text);

/** An object's own keys, lower-cased, first MAX_KEYS only (a hostile object may have millions). */
function lowerKeys(o: Obj): Map<string, unknown> {
  const out = new Map<string, unknown>();
  let n = 0;
  for (const k in o) {
    if (!Object.prototype.hasOwnProperty.call(o, k)) continue;
    if (++n > MAX_KEYS) break;
    const lower = k.toLowerCase();
    if (!out.has(lower)) out.set(lower, o[k]);
  }
  return out;
}

/** The scalar leaves of a value (EC2's `{content, tag}` wrappers reduce to their content), bounded. */
function leaves(value: unknown, out: string[] = [], depth = 0): string[] {
  if (out.length >= MAX_LEAVES || depth > MAX_DEPTH) return out;
  const s = scalar(value);
  if (s !== undefined) {
    out.push(s);
    return out;
  }
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length && out.length < MAX_LEAVES; i++) leaves(value[i], out, depth + 1);
    return out;
  }
  const o = obj(value);
  if (!o) return out;
  if ('content' in o && scalar(o.content) !== undefined) return leaves(o.content, out, depth + 1);
  for (const [, v] of lowerKeys(o)) {
    if (out.length >= MAX_LEAVES) break;
    leaves(v, out, depth + 1);
  }
  return out;
}

/** `tcp 22 from 0.0.0.0/0`: one security-group permission (ports, protocol and sources). */
function permissionText(p: Map<string, unknown>): string | undefined {
  const protocol = scalar(p.get('ipprotocol'));
  const from = scalar(p.get('fromport'));
  const to = scalar(p.get('toport'));
  const sources = [
    ...leaves(p.get('cidrip')),
    ...leaves(p.get('cidripv6')),
    ...leaves(p.get('ipranges')),
    ...leaves(p.get('ipv6ranges')),
    ...leaves(p.get('prefixlistids')),
    ...leaves(p.get('groups')),
    ...leaves(p.get('sourcesecuritygroupname')),
  ];
  const ports = from === undefined ? to : to === undefined || to === from ? from : `${from}-${to}`;
  const parts = [
    protocol === '-1' ? 'all' : protocol,
    ports,
    sources.length ? `from ${sources.join(' ')}` : '',
  ];
  const text = parts.filter((x) => x).join(' ');
  return text || undefined;
}

/** Every permission of `ipPermissions` (`{items: [...]}` or a list), and the flat form. */
function permissions(params: Map<string, unknown>): string[] {
  const out: string[] = [];
  const raw = params.get('ippermissions');
  const list = Array.isArray(raw)
    ? raw
    : Array.isArray(obj(raw)?.items)
      ? (obj(raw)!.items as unknown[])
      : [];
  for (let i = 0; i < list.length && out.length < MAX_RESOURCES; i++) {
    const o = obj(list[i]);
    const text = o && permissionText(lowerKeys(o));
    if (text) out.push(text);
  }
  if (FLAT_PERMISSION.some((k) => params.has(k))) {
    const text = permissionText(params);
    if (text) out.push(text);
  }
  return out;
}

/**
 * The request parameters to read: EC2's query-style calls wrap them in one `<Action>Request`
 * object (`DeleteFlowLogsRequest: {FlowLogId: …}`), which is unwrapped.
 */
function requestParameters(record: CloudTrailRecord): Map<string, unknown> {
  const top = obj(record.requestParameters);
  if (!top) return new Map();
  const keys = lowerKeys(top);
  if (keys.size === 1) {
    const [[name, value]] = [...keys];
    const inner = obj(value);
    if (name.endsWith('request') && inner) return lowerKeys(inner);
  }
  return keys;
}

function resourceArns(record: CloudTrailRecord): string[] {
  const list = Array.isArray(record.resources) ? record.resources : [];
  const out: string[] = [];
  for (let i = 0; i < list.length && out.length < MAX_RESOURCES; i++) {
    const r = obj(list[i]);
    const arn = r && (scalar(r.ARN) ?? scalar(r.arn));
    if (arn && !out.includes(arn)) out.push(arn);
  }
  return out;
}

/** The target of one CloudTrail record. */
export function targetOf(record: CloudTrailRecord): Target {
  const text = (v: unknown) => (typeof v === 'string' && v.length > 0 ? v : undefined);
  const eventName = text(record.eventName) ?? '(no eventName)';
  const eventSource = text(record.eventSource) ?? '';
  const errorCode = text(record.errorCode);
  const params = requestParameters(record);

  const parts: { word: string; values: string[] }[] = [];
  for (const [key, word] of IDENTIFIERS) {
    const values = params.has(key) ? leaves(params.get(key)) : [];
    if (values.length > 0) parts.push({ word, values });
  }
  for (const p of permissions(params)) parts.push({ word: '', values: [p] });
  if (parts.length === 0) {
    const fallback = FALLBACKS.find((k) => leaves(params.get(k)).length > 0);
    if (fallback) {
      const word = fallback === 'name' ? (NAME_WORD.get(eventSource) ?? fallback) : fallback;
      parts.push({ word, values: leaves(params.get(fallback)) });
    }
  }
  const arns = resourceArns(record);
  const shown = parts.map(({ word, values }) =>
    clip(word ? `${word} ${values.join(' ')}` : values.join(' '), MAX_VALUE),
  );
  // A resource ARN adds to the label only when the request parameters named nothing.
  if (shown.length === 0) shown.push(...arns.map((a) => clip(a, MAX_VALUE)));
  const label = clip(shown.length > 0 ? shown.join(', ') : eventName, MAX_LABEL);

  // The outcome is part of the target: a success after a failed attempt is not a repeat of it.
  const head = `${eventSource} ${eventName}${errorCode ? ` !${errorCode}` : ''}`;
  // The hash covers every value read, whole and unambiguously, so a cut label never merges two targets.
  const hash = digestOf('sha256', JSON.stringify([head, parts, arns])).slice(0, 16);
  return { key: `${clip([head, ...shown].join(' | '), MAX_KEY_TEXT)} #${hash}`, label };
}
