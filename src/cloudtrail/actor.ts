/**
 * Who acted: derives the Actor (types.ts) from a record's `userIdentity`. Used by exceptions,
 * thresholds, grouping and the email. Every input value is
 * attacker-controlled: only strings are used, they are length-capped, and nothing here throws.
 */
import type { CloudTrailRecord } from '../core';
import type { Actor } from './types';

/** Longest identifier kept from an event (longer values are cut). */
const MAX_TEXT = 512;

type Obj = Record<string, unknown>;

function obj(value: unknown): Obj | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Obj) : undefined;
}

function str(value: unknown): string | undefined {
  if (typeof value !== 'string' || value.length === 0) return undefined;
  return value.length > MAX_TEXT ? value.slice(0, MAX_TEXT) : value;
}

interface ArnParts {
  partition: string;
  service: string;
  accountId: string;
  resource: string;
}

function parseArn(arn: string | undefined): ArnParts | undefined {
  if (!arn) return undefined;
  const m = /^arn:([a-z0-9-]+):([a-z0-9-]+):[a-z0-9-]*:(\d{12})?:(.+)$/.exec(arn);
  if (!m) return undefined;
  return { partition: m[1], service: m[2], accountId: m[3] ?? '', resource: m[4] };
}

/** `arn:aws:iam::<acct>:role/<path/name>` from a role ARN or an assumed-role session ARN. */
function roleArnOf(
  issuerArn: string | undefined,
  sessionArn: string | undefined,
  accountId: string | undefined,
): string | undefined {
  const issuer = parseArn(issuerArn);
  if (issuer && issuer.service === 'iam' && issuer.resource.startsWith('role/') && issuer.accountId) {
    return `arn:${issuer.partition}:iam::${issuer.accountId}:${issuer.resource}`;
  }
  const session = parseArn(sessionArn);
  if (session && session.resource.startsWith('assumed-role/')) {
    const roleName = session.resource.split('/')[1];
    const acct = session.accountId || accountId;
    if (roleName && acct) return `arn:${session.partition}:iam::${acct}:role/${roleName}`;
  }
  return undefined;
}

/** The session name at the end of `arn:aws:sts::<acct>:assumed-role/<role>/<session>`. */
function sessionNameOf(sessionArn: string | undefined): string | undefined {
  const parsed = parseArn(sessionArn);
  if (!parsed || !parsed.resource.startsWith('assumed-role/')) return undefined;
  const parts = parsed.resource.split('/');
  return parts.length >= 3 ? parts.slice(2).join('/') : undefined;
}

function roleNameOf(roleArn: string | undefined): string | undefined {
  const resource = parseArn(roleArn)?.resource;
  return resource?.startsWith('role/') ? resource.split('/').pop() : undefined;
}

/** The last part of `principalId` values like `AROA…:session` or `SAMLIdP:user`. */
function afterColon(value: string | undefined): string | undefined {
  if (!value) return undefined;
  const at = value.lastIndexOf(':');
  return at >= 0 && at < value.length - 1 ? value.slice(at + 1) : undefined;
}

function build(actor: Omit<Actor, 'identifiers'>, extra: (string | undefined)[] = []): Actor {
  const identifiers: string[] = [];
  for (const value of [actor.id, actor.roleArn, actor.sessionArn, actor.userName, ...extra]) {
    if (value && !identifiers.includes(value)) identifiers.push(value);
  }
  const result: Actor = { ...actor, identifiers };
  for (const key of Object.keys(result) as (keyof Actor)[]) {
    if (result[key] === undefined) delete result[key];
  }
  return result;
}

function assumedRole(identity: Obj, base: { accountId?: string; invokedBy?: string }): Actor {
  const sessionArn = str(identity.arn);
  const issuer = obj(obj(identity.sessionContext)?.sessionIssuer);
  const roleArn = roleArnOf(str(issuer?.arn), sessionArn, base.accountId);
  const sessionName = sessionNameOf(sessionArn) ?? afterColon(str(identity.principalId));
  const roleName = str(issuer?.userName) ?? roleNameOf(roleArn);
  // Identity Center permission sets: the session name is the person's user name.
  const viaIdentityCenter = roleName?.startsWith('AWSReservedSSO_') === true;
  const id = roleArn ?? sessionArn ?? str(identity.principalId) ?? 'unknown';
  const display = `role/${roleName ?? 'unknown'}${sessionName ? ` (session ${sessionName})` : ''}`;
  return build({
    ...base,
    type: 'AssumedRole',
    id,
    roleArn,
    sessionArn,
    userName: viaIdentityCenter ? sessionName : undefined,
    display,
  });
}

/** Derives who acted from `record.userIdentity`. Never throws; unknown shapes give type `Unknown`. */
export function actorOf(record: CloudTrailRecord): Actor {
  const identity = obj(obj(record)?.userIdentity);
  if (!identity) return { type: 'Unknown', id: 'unknown', identifiers: ['unknown'], display: 'unknown' };
  const type = str(identity.type) ?? 'Unknown';
  const arn = str(identity.arn);
  const accountId = str(identity.accountId) ?? parseArn(arn)?.accountId ?? undefined;
  const invokedBy = str(identity.invokedBy);
  const userName = str(identity.userName);
  const principalId = str(identity.principalId);
  const base = { accountId: accountId || undefined, invokedBy };
  const partition = parseArn(arn)?.partition ?? 'aws';

  switch (type) {
    case 'IAMUser': {
      const id =
        arn ??
        (accountId && userName
          ? `arn:${partition}:iam::${accountId}:user/${userName}`
          : (userName ?? principalId ?? 'unknown'));
      const name = userName ?? parseArn(arn)?.resource.split('/').pop();
      return build({ ...base, type, id, userName: name, display: `user/${name ?? id}` });
    }
    case 'AssumedRole':
      return assumedRole(identity, base);
    case 'Root': {
      const id = accountId ? `arn:${partition}:iam::${accountId}:root` : (arn ?? 'root');
      return build({ ...base, type, id, display: accountId ? `root (${accountId})` : 'root' }, [arn]);
    }
    case 'AWSService': {
      const id = invokedBy ?? principalId ?? 'unknown AWS service';
      return build({ ...base, type, id, display: id });
    }
    case 'AWSAccount': {
      const id = accountId ?? principalId ?? 'unknown account';
      return build({ ...base, type, id, display: `account ${id}` }, [principalId]);
    }
    case 'FederatedUser': {
      const name = parseArn(arn)?.resource.startsWith('federated-user/')
        ? parseArn(arn)?.resource.slice('federated-user/'.length)
        : afterColon(principalId);
      const issuerArn = str(obj(obj(identity.sessionContext)?.sessionIssuer)?.arn);
      const id = arn ?? name ?? principalId ?? 'unknown';
      return build({ ...base, type, id, userName: name, display: `federated-user/${name ?? id}` }, [
        issuerArn,
      ]);
    }
    case 'IdentityCenterUser': {
      const onBehalfOf = obj(identity.onBehalfOf);
      const userId = str(onBehalfOf?.userId);
      const name = userName ?? userId;
      const id = name ?? principalId ?? 'unknown';
      return build({ ...base, type, id, userName: name, display: `identity-center/${id}` }, [
        userId,
        principalId,
      ]);
    }
    case 'SAMLUser':
    case 'WebIdentityUser': {
      const name = userName ?? afterColon(principalId);
      const id = name ?? principalId ?? 'unknown';
      const provider = str(identity.identityProvider);
      const kind = type === 'SAMLUser' ? 'saml' : 'web-identity';
      return build(
        { ...base, type, id, userName: name, display: `${kind}/${id}${provider ? ` (${provider})` : ''}` },
        [principalId],
      );
    }
    default: {
      // `Unknown` (e.g. Identity Center sign-in events carry only userName) and any future type.
      const id = userName ?? arn ?? principalId ?? invokedBy ?? 'unknown';
      return build({ ...base, type, id, userName, display: id }, [arn, principalId]);
    }
  }
}
