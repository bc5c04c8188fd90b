/**
 * Object notifications on the objects queue: EventBridge "Object Created" events (forwarded from
 * the log-archive account), classic S3 event notifications (also what s3rver emits in tests), and
 * CloudTrail's own log-file notifications (`{"s3Bucket":…,"s3ObjectKey":[…]}`), which arrive from
 * the trail's SNS topic, raw or in an SNS envelope, and from the poller (src/poller). All
 * become plain { bucket, key } references with decoded keys.
 */
import { decodeS3EventKey } from '../cloudtrail';

export interface ObjectRef {
  bucket: string;
  key: string;
  size?: number;
}

/** The body CloudTrail publishes for delivered log files; the poller sends the same. */
export interface CloudTrailNotification {
  s3Bucket: string;
  s3ObjectKey: string[];
}

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const ACCEPTED_SHAPES =
  'expected an EventBridge "Object Created" event, an S3 event notification ({"Records":[…]}), ' +
  'a CloudTrail log-file notification ({"s3Bucket":"…","s3ObjectKey":["…"]}), an AWS Config ' +
  'notification ({"messageType":"…"}, ignored), or one of these in an SNS envelope ' +
  '({"Type":"Notification","Message":"…"})';

/** The CloudTrail notification body for log files of one bucket (keys as they are, not URL-encoded). */
export function encodeCloudTrailNotification(bucket: string, keys: string[]): string {
  const body: CloudTrailNotification = { s3Bucket: bucket, s3ObjectKey: keys };
  return JSON.stringify(body);
}

/** Extracts the object references in one queue message body; throws on anything unrecognised. */
export function objectRefsFromMessage(body: string): ObjectRef[] {
  const m = parseJson(body, 'object message');
  if (m?.Type === 'Notification' && typeof m.Message === 'string') {
    // Without raw message delivery SNS wraps the publisher's body as a string in `Message`.
    const inner = parseJson(m.Message, 'object message: SNS notification Message');
    const refs = refsFromNotification(inner);
    if (refs) return refs;
    throw new Error(`object message: SNS notification Message ${describeShape(inner)}; ${ACCEPTED_SHAPES}`);
  }
  // SNS asks an SQS subscriber to confirm (cross-account subscriptions); nothing to analyze.
  if (m?.Type === 'SubscriptionConfirmation' || m?.Type === 'UnsubscribeConfirmation') return [];
  const refs = refsFromNotification(m);
  if (refs) return refs;
  throw new Error(`object message ${describeShape(m)}; ${ACCEPTED_SHAPES}`);
}

/** References from one unwrapped notification; undefined when its shape is not recognised. */
function refsFromNotification(m: Json | null): ObjectRef[] | undefined {
  if (!m || typeof m !== 'object' || Array.isArray(m)) return undefined;
  if (m['detail-type'] === 'Object Created' && m.detail?.bucket?.name && m.detail?.object?.key) {
    // EventBridge keys are not URL-encoded.
    return [
      { bucket: String(m.detail.bucket.name), key: String(m.detail.object.key), size: m.detail.object.size },
    ];
  }
  if (Array.isArray(m.Records)) return refsFromS3Records(m.Records);
  // AWS Config shares Control Tower's notification topic with CloudTrail. Checked before s3Bucket:
  // its snapshot and history deliveries carry s3Bucket and s3ObjectKey too, of Config files.
  if (typeof m.messageType === 'string') return [];
  if ('s3Bucket' in m || 's3ObjectKey' in m) return refsFromCloudTrail(m);
  if (m.Event === 's3:TestEvent') return [];
  return undefined;
}

function refsFromS3Records(records: unknown[]): ObjectRef[] {
  const refs: ObjectRef[] = [];
  for (const r of records as Json[]) {
    if (r?.s3?.bucket?.name && r?.s3?.object?.key && String(r.eventName ?? '').startsWith('ObjectCreated')) {
      refs.push({
        bucket: String(r.s3.bucket.name),
        key: decodeS3EventKey(String(r.s3.object.key)),
        size: r.s3.object.size,
      });
    }
  }
  return refs;
}

/** CloudTrail's notification: keys are plain (not URL-encoded), one string or an array of them. */
function refsFromCloudTrail(m: Json): ObjectRef[] {
  const bucket: unknown = m.s3Bucket;
  if (typeof bucket !== 'string' || bucket.length === 0)
    throw new Error('object message: CloudTrail notification s3Bucket: expected a non-empty string');
  const keys: unknown = m.s3ObjectKey;
  const list = typeof keys === 'string' ? [keys] : keys;
  if (!Array.isArray(list) || list.some((k) => typeof k !== 'string' || k.length === 0))
    throw new Error(
      'object message: CloudTrail notification s3ObjectKey: expected a non-empty string or an array of them',
    );
  return (list as string[]).map((key) => ({ bucket, key }));
}

function parseJson(text: string, what: string): Json | null {
  try {
    return JSON.parse(text) as Json | null;
  } catch (err) {
    throw new Error(`${what} is not JSON: ${(err as Error).message}`);
  }
}

/** What a message was, for the error: its type and a few top-level keys (never its values). */
function describeShape(m: unknown): string {
  if (m === null || typeof m !== 'object') return `is ${m === null ? 'null' : typeof m}`;
  if (Array.isArray(m)) return 'is an array';
  const keys = Object.keys(m);
  const shown = keys.slice(0, 8).map((k) => JSON.stringify(k.slice(0, 40)));
  return keys.length === 0
    ? 'is an empty object'
    : `has keys ${shown.join(', ')}${keys.length > shown.length ? ', …' : ''}`;
}
