/**
 * Targets of the real Stratus Red Team records in ../shared/corpus (read in place, never copied):
 * every record gets a bounded target, and the calls an attack repeats on different things (each
 * secret, each instance, each parameter batch) get different keys.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { targetOf } from '../../src/cloudtrail/target';
import type { CloudTrailRecord } from '../../src/core';

const CORPUS = join(__dirname, '..', '..', '..', 'shared', 'corpus', 'stratus-red-team');

function records(): { file: string; record: CloudTrailRecord }[] {
  if (!existsSync(CORPUS))
    throw new Error(`${CORPUS}: the shared test corpus is missing (expected ../shared beside the checkout)`);
  return readdirSync(CORPUS)
    .filter((f) => f.endsWith('.json'))
    .flatMap((file) => {
      const parsed = JSON.parse(readFileSync(join(CORPUS, file), 'utf8')) as unknown;
      const list = Array.isArray(parsed) ? parsed : ((parsed as { Records?: unknown[] }).Records ?? []);
      return list.map((record) => ({ file, record: record as CloudTrailRecord }));
    });
}

const all = records();
const named = (eventName: string) => all.filter((r) => r.record.eventName === eventName).map((r) => r.record);

describe('targets of the Stratus Red Team recordings', () => {
  it('gives every record a bounded target', () => {
    expect(all.length).toBeGreaterThan(300);
    for (const { record } of all) {
      const target = targetOf(record);
      expect(target.label.length).toBeGreaterThan(0);
      expect(target.label.length).toBeLessThanOrEqual(200);
      expect(target.key.length).toBeLessThanOrEqual(260);
    }
  });

  it.each([
    ['GetSecretValue', 'secretId'],
    ['SendSSHPublicKey', 'instanceId'],
    ['SendSerialConsoleSSHPublicKey', 'instanceId'],
    ['StartSession', 'target'],
    ['GetParameters', 'names'],
  ])('%s on different things has different keys (by %s)', (eventName, field) => {
    const calls = named(eventName);
    const things = new Set(
      calls.map((r) => JSON.stringify((r.requestParameters as Record<string, unknown>)[field])),
    );
    const keys = new Set(calls.map((r) => targetOf(r).key));
    expect(things.size).toBeGreaterThan(1);
    expect(keys.size).toBe(things.size);
  });

  it('names what each characteristic attack call acted on', () => {
    const label = (eventName: string) => targetOf(named(eventName)[0]).label;
    expect(label('AuthorizeSecurityGroupIngress')).toMatch(/^group sg-\w+, tcp 22 from \S+\/0$/);
    expect(label('AttachUserPolicy')).toBe(
      'user malicious-iam-user, policy arn:aws:iam::aws:policy/AdministratorAccess',
    );
    expect(label('AttachRolePolicy')).toMatch(
      /^role stratus-red-team-\S+, policy arn:aws:iam::aws:policy\/AdministratorAccess$/,
    );
    expect(label('DeleteFlowLogs')).toMatch(/^flow log fl-\w+$/);
    expect(label('StopLogging')).toMatch(/^trail stratus-red-team-/);
    expect(label('PutEventSelectors')).toMatch(/^trail stratus-red-team-/);
    expect(label('ModifySnapshotAttribute')).toMatch(/^snapshot snap-\w+, volume permission \d{12}$/);
    expect(label('ModifyDBSnapshotAttribute')).toBe('DB snapshot exfiltration, shared with 503161813013');
    expect(label('AddPermission20150331v2')).toMatch(/^function \S+, statement backdoor$/);
    expect(label('ConsoleLogin')).toBe('ConsoleLogin');
  });
});
