/**
 * A fake S3 and KMS for the member-grants custom resource (src/grants) that records every call
 * as the IAM action it needs and refuses denied actions the way a service control policy does: the
 * call throws an error named 'AccessDenied' (HTTP 403) whose message, like S3's, says no more than
 * "Access Denied". The call is recorded before it is refused.
 *
 *   const { deps, calls } = createDenyingClients(['s3:PutBucketNotification']);
 *   await applyGrantsRequest(event, deps);   // rejects, naming the action and the bucket
 *   calls;                                   // ['s3:GetBucketNotification', 's3:PutBucketNotification']
 *
 * Denied entries are IAM action names, case-insensitive, with the `*` and `?` wildcards of IAM
 * (`s3:*`, `kms:*Grant`). The fake keeps state so that flows are realistic: each bucket's
 * notification configuration (none by default), and KMS grants (CreateGrant with the same name and
 * parameters returns the same grant id while the grant exists, any other parameters a new one;
 * RetireGrant of an unknown grant or key throws NotFoundException).
 */
import { createHash } from 'node:crypto';
import type { GrantsDeps } from '../../src/grants/custom-resource';
import type { CreateGrantInput } from '../../src/grants/kms-grant';

export interface DenyingClientsOptions {
  /** Starting notification configurations by bucket, as GetBucketNotificationConfiguration returns them. */
  notifications?: Record<string, Record<string, unknown>>;
}

export interface FakeGrant extends CreateGrantInput {
  GrantId: string;
}

export interface FakeAwsState {
  /** Current notification configuration of each bucket written or seeded. */
  notifications: Map<string, Record<string, unknown>>;
  /** Live grants by grant id. */
  grants: Map<string, FakeGrant>;
  /** Every call in order: its IAM action and its input (denied calls included). */
  requests: { action: string; input: unknown }[];
}

export interface DenyingClients {
  deps: GrantsDeps;
  /** IAM action names of every call in order, e.g. 's3:PutBucketNotification' (denied ones included). */
  calls: string[];
  state: FakeAwsState;
}

/** Fake S3/KMS clients for `applyGrantsRequest` that deny the given IAM actions (wildcards allowed). */
export function createDenyingClients(denied: string[], options: DenyingClientsOptions = {}): DenyingClients {
  const deniedPatterns = denied.map(actionPattern);
  const calls: string[] = [];
  const state: FakeAwsState = {
    notifications: new Map(Object.entries(options.notifications ?? {}).map(([b, c]) => [b, { ...c }])),
    grants: new Map(),
    requests: [],
  };
  let grantSerial = 0;

  function call(action: string, input: unknown): void {
    calls.push(action);
    state.requests.push({ action, input });
    if (deniedPatterns.some((p) => p.test(action))) {
      throw Object.assign(new Error('Access Denied'), {
        name: 'AccessDenied',
        $fault: 'client',
        $metadata: { httpStatusCode: 403 },
      });
    }
  }

  const deps: GrantsDeps = {
    s3: {
      async getBucketNotificationConfiguration(input) {
        call('s3:GetBucketNotification', input);
        return {
          ...structuredClone(state.notifications.get(input.Bucket) ?? {}),
          $metadata: { httpStatusCode: 200 },
        };
      },
      async putBucketNotificationConfiguration(input) {
        call('s3:PutBucketNotification', input);
        state.notifications.set(input.Bucket, structuredClone(input.NotificationConfiguration) as never);
        return { $metadata: { httpStatusCode: 200 } };
      },
    },
    kms: {
      async createGrant(input) {
        call('kms:CreateGrant', input);
        const same = [...state.grants.values()].find((g) => sameGrant(g, input));
        if (same) return { GrantId: same.GrantId };
        grantSerial += 1;
        const GrantId = createHash('sha256')
          .update(`${grantSerial}:${JSON.stringify(input)}`)
          .digest('hex');
        state.grants.set(GrantId, { ...structuredClone(input), GrantId });
        return { GrantId };
      },
      async retireGrant(input) {
        call('kms:RetireGrant', input);
        const grant = state.grants.get(input.GrantId);
        if (grant === undefined || grant.KeyId !== input.KeyId) {
          throw Object.assign(new Error(`Grant ${input.GrantId} not found`), {
            name: 'NotFoundException',
            $fault: 'client',
            $metadata: { httpStatusCode: 400 },
          });
        }
        state.grants.delete(input.GrantId);
        return {};
      },
    },
  };
  return { deps, calls, state };
}

/** IAM action matching: case-insensitive, `*` any run of characters, `?` one character. */
function actionPattern(action: string): RegExp {
  const body = action
    .split('')
    .map((c) => (c === '*' ? '.*' : c === '?' ? '.' : c.replace(/[.+^${}()|[\]\\]/g, '\\$&')))
    .join('');
  return new RegExp(`^${body}$`, 'i');
}

function sameGrant(grant: FakeGrant, input: CreateGrantInput): boolean {
  const { GrantId: _id, ...params } = grant;
  return canonical(params) === canonical(input);
}

function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (typeof value === 'object' && value !== null) {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonical(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}
