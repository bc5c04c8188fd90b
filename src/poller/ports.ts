/**
 * What the poll core needs from the outside, as small ports: listing the trail bucket, the state
 * of keys already queued, and the objects queue. The adapters (s3-listing.ts, seen-keys.ts,
 * objects-queue.ts) are the only code that talks to AWS.
 */

export interface ListRequest {
  prefix: string;
  /** '/' to get the folders directly under the prefix. */
  delimiter?: '/';
  startAfter?: string;
  /** The previous page's `next`. */
  token?: string;
}

export interface ListPage {
  keys: string[];
  /** CommonPrefixes (with a delimiter): `<prefix><name>/`. */
  folders: string[];
  /** Present when there is another page. */
  next?: string;
}

/** One ListObjectsV2 page of the trail bucket: read access is all the poller has. */
export interface TrailListing {
  page(request: ListRequest): Promise<ListPage>;
}

/** Keys an earlier run queued. */
export interface SeenKeys {
  /** The subset of `keys` already queued; throws when the state cannot be read. */
  seen(keys: string[]): Promise<Set<string>>;
  /** Records keys whose messages SQS accepted; throws when some could not be recorded. */
  record(keys: string[]): Promise<void>;
}

export interface RefusedKey {
  key: string;
  error: string;
}

/** The objects queue the analyzer reads. */
export interface ObjectsQueue {
  /** Sends one CloudTrail notification per key; returns the keys SQS did not accept, never throws. */
  send(bucket: string, keys: string[]): Promise<RefusedKey[]>;
}
