/**
 * The alert a digest goes out as on its own (its window closed, or it filled up): the last
 * folded alert with its account as the directory knows it now, the digest's id and every entry.
 * And the id delivery receipts use, so a retried notification is sent once per destination.
 */
import { createHash } from 'node:crypto';
import type { AccountInfo } from '../core';
import type { Alert } from './alert';
import type { ClaimedDigest } from './grouping';
import { digestView } from './grouping-state';
import { restoreAlert } from './stored-alert';

export function standaloneDigestAlert(claimed: ClaimedDigest, account: AccountInfo, now: Date): Alert {
  const { digest } = claimed;
  if (digest.base)
    return { ...restoreAlert(digest.base, account), id: digest.id, digest: digestView(digest, true) };
  return fallbackAlert(claimed, account, now);
}

/** The id delivery receipts use: the alert's, or with a carried digest, the alert and what it carries. */
export function notificationId(alert: Alert): string {
  const digest = alert.digest;
  if (!digest || digest.standalone) return alert.id;
  const carried = `${alert.id}\n${digest.entries.map((e) => e.alertId).join(',')}\n${digest.repeats}`;
  return createHash('sha256').update(carried).digest('hex').slice(0, 32);
}

/** A digest whose stored alert could not be read back: still sent, with what the state names. */
function fallbackAlert(claimed: ClaimedDigest, account: AccountInfo, now: Date): Alert {
  const { digest, key } = claimed;
  const last = digest.entries[digest.entries.length - 1];
  return {
    id: digest.id,
    kind: 'event',
    rule: {
      id: key.ruleId,
      title: `Rule ${key.ruleId}`,
      level: 'medium',
      tags: [],
      references: [],
      falsepositives: [],
      file: '',
      line: 0,
    },
    level: 'medium',
    time: last?.time ?? now.toISOString(),
    account,
    actor: { type: 'Unknown', id: key.actorId, identifiers: [key.actorId], display: key.actorId },
    eventName: last?.eventName,
    eventID: last?.eventID,
    event: {},
    digest: digestView(digest, true),
  };
}
