/**
 * Object notifications on the objects queue: EventBridge "Object Created" events (the deployed
 * path, forwarded from the log-archive account) and classic S3 event notifications (also what
 * s3rver emits in tests). Both become plain { bucket, key } references with decoded keys.
 */
import { decodeS3EventKey } from '../cloudtrail/keys';

export interface ObjectRef {
  bucket: string;
  key: string;
  size?: number;
}

/** Extracts the object references in one queue message body; throws on anything unrecognised. */
export function objectRefsFromMessage(body: string): ObjectRef[] {
  let msg: unknown;
  try {
    msg = JSON.parse(body);
  } catch (err) {
    throw new Error(`object message is not JSON: ${(err as Error).message}`);
  }
  const m = msg as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
  if (m && m['detail-type'] === 'Object Created' && m.detail?.bucket?.name && m.detail?.object?.key) {
    // EventBridge keys are not URL-encoded.
    return [
      { bucket: String(m.detail.bucket.name), key: String(m.detail.object.key), size: m.detail.object.size },
    ];
  }
  if (m && Array.isArray(m.Records)) {
    const refs: ObjectRef[] = [];
    for (const r of m.Records) {
      if (
        r?.s3?.bucket?.name &&
        r?.s3?.object?.key &&
        String(r.eventName ?? '').startsWith('ObjectCreated')
      ) {
        refs.push({
          bucket: String(r.s3.bucket.name),
          key: decodeS3EventKey(String(r.s3.object.key)),
          size: r.s3.object.size,
        });
      }
    }
    return refs;
  }
  if (m && m.Event === 's3:TestEvent') return [];
  throw new Error(
    'object message: expected an EventBridge "Object Created" event or an S3 event notification',
  );
}
