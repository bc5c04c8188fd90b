/**
 * Actor conditions of exceptions: principal ARNs (wildcards allowed) matched against every
 * identifier of an Actor. A role ARN also matches the role's sessions — including
 * `AWSReservedSSO_*` roles, whose IAM ARN has a path that session ARNs leave out — and an
 * `assumed-role/Role` ARN without a session matches every session of the role.
 */
import type { Actor } from '../cloudtrail';
import { wildcardMatch } from './wildcard';

const IAM_ROLE = /^arn:([^:]+):iam::([^:]*):role\/(?:.*\/)?([^/]+)$/;
const STS_SESSION = /^arn:([^:]+):sts::([^:]*):assumed-role\/([^/]+)(?:\/(.*))?$/;

/** The forms an actor's identifier is compared in: itself, and for roles and sessions the path-less role ARN. */
function candidateForms(value: string): string[] {
  const out = [value];
  const role = IAM_ROLE.exec(value);
  if (role) out.push(`arn:${role[1]}:iam::${role[2]}:role/${role[3]}`);
  const session = STS_SESSION.exec(value);
  if (session && session[4] !== undefined)
    out.push(`arn:${session[1]}:iam::${session[2]}:role/${session[3]}`);
  return out;
}

/** The forms an `actors:` entry matches in: a role also as its path-less ARN; `assumed-role/Role` as all its sessions. */
function entryForms(entry: string): string[] {
  const out = [entry];
  const role = IAM_ROLE.exec(entry);
  if (role) out.push(`arn:${role[1]}:iam::${role[2]}:role/${role[3]}`);
  const session = STS_SESSION.exec(entry);
  if (session && session[4] === undefined) out.push(`${entry}/*`);
  return out;
}

/** Every string an exception may compare against for this actor (bounded in length). */
export function actorCandidates(actor: Actor): string[] {
  const raw = [actor.id, actor.roleArn, actor.sessionArn, actor.userName, ...(actor.identifiers ?? [])];
  const out = new Set<string>();
  for (const value of raw) {
    if (typeof value !== 'string' || value === '' || value.length > 2048) continue;
    for (const form of candidateForms(value)) out.add(form);
  }
  return [...out];
}

/** Compiles `actors:` entries into one predicate over an actor's candidates. */
export function compileActorList(entries: readonly string[]): (candidates: readonly string[]) => boolean {
  const patterns = [
    ...new Set(
      entries
        .map((e) => e.trim())
        .filter((e) => e !== '')
        .flatMap(entryForms),
    ),
  ];
  return (candidates) => patterns.some((p) => candidates.some((c) => wildcardMatch(p, c)));
}
