/**
 * The analyzer's limits: the reader's record limit in UTF-8 bytes (as SQS counts), and rule sets
 * picked from a directory fallback kept only briefly.
 */
import { Readable } from 'node:stream';
import type { AccountInfo } from '../../src/core';
import { DEFAULT_MAX_RECORD_BYTES } from '../../src/cloudtrail/read';
import { parseAccountsConfig } from '../../src/org/config';
import type { AccountDirectory, AccountResolution } from '../../src/org/directory';
import { OrgPolicy } from '../../src/org/effective';
import { Analyzer } from '../../src/runtime/analyze';
import { analyzeStream } from '../../src/runtime/analyze-stream';
import { parseRules } from '../../src/sigma';
import type { Diagnostic } from '../../src/core';

const rule = (id: string, name: string) => `
title: ${name} called
id: ${id}
logsource: { product: aws, service: cloudtrail }
detection:
  selection: { eventName: ${name} }
  condition: selection
level: high
`;
const STOP = '7c1d0b7e-0000-4000-8000-000000000001';
const SECRET = '7c1d0b7e-0000-4000-8000-000000000002';
const rules = [
  ...parseRules(rule(STOP, 'StopLogging'), 'stop.yml').rules,
  ...parseRules(rule(SECRET, 'GetSecretValue'), 'secret.yml').rules,
];

const record = (id: string, name: string, account: string, extra: Record<string, unknown> = {}) => ({
  eventID: id,
  eventTime: '2026-11-20T10:00:00Z',
  eventSource: 'x.amazonaws.com',
  eventName: name,
  recipientAccountId: account,
  ...extra,
});

async function run(analyzer: Analyzer, records: unknown[], options = {}) {
  const problems: Diagnostic[] = [];
  const ids: string[] = [];
  const text = JSON.stringify({ Records: records });
  for await (const batch of analyzeStream(
    Readable.from([Buffer.from(text)]),
    'f.json',
    analyzer,
    (p) => problems.push(p),
    options,
  ))
    for (const m of batch.matches)
      ids.push(`${String(m.record.eventID)}:${m.rule.id === STOP ? 'stop' : 'secret'}`);
  return { ids, problems };
}

describe("the reader's record limit counts UTF-8 bytes", () => {
  it('skips a record over 1 MiB of UTF-8 although it has fewer characters, and says so in bytes', async () => {
    const { ids, problems } = await run(new Analyzer({ rules }), [
      record('a', 'StopLogging', '1'),
      record('big', 'StopLogging', '1', { pad: '€'.repeat(400_000) }),
      record('c', 'StopLogging', '1'),
    ]);
    expect(ids).toEqual(['a:stop', 'c:stop']);
    expect(problems).toEqual([
      expect.objectContaining({
        severity: 'error',
        path: 'record 1',
        message: expect.stringMatching(
          new RegExp(
            `^record 1 is 1200\\d{3} bytes long \\(UTF-8\\), over the limit of ${DEFAULT_MAX_RECORD_BYTES} bytes; skipped$`,
          ),
        ),
      }),
    ]);
  });

  it('keeps a multi-byte record just under the limit, and honours maxRecordBytes', async () => {
    const pad = 'é'.repeat((DEFAULT_MAX_RECORD_BYTES - 200) / 2);
    const near = await run(new Analyzer({ rules }), [record('near', 'StopLogging', '1', { pad })]);
    expect(near).toEqual({ ids: ['near:stop'], problems: [] });
    const small = await run(
      new Analyzer({ rules }),
      [record('x', 'StopLogging', '1', { pad: 'ü'.repeat(600) })],
      {
        maxRecordBytes: 1000,
      },
    );
    expect(small.ids).toEqual([]);
    expect(small.problems[0].message).toMatch(/over the limit of 1000 bytes/);
  });
});

describe('rule sets picked from a directory fallback', () => {
  const { config } = parseAccountsConfig(
    `
organization: { id: o-abc1234567, managementAccountId: '111111111111', securityAccountId: '222222222222', homeRegion: us-east-1 }
trail: { bucket: org-trail, accountId: '333333333333' }
destinations: {}
ruleSets:
  baseline: { rules: ['${STOP}'] }
  production: { rules: ['${SECRET}'] }
organizationalUnits:
  /: { ruleSets: [baseline] }
  /Production: { ruleSets: [production] }
`,
    'accounts.yaml',
  );
  const policy = new OrgPolicy(
    config!,
    rules.map((r) => r.meta),
  );
  const prod = (id: string): AccountInfo => ({ id, name: id, ouPath: '/Production', known: true });

  /** A directory that answers from a fallback (root OU) while `down`, and asks are counted. */
  function flakyDirectory() {
    const state = { down: true, asked: [] as string[] };
    const directory: AccountDirectory = {
      resolve: async (id) => (await directory.lookup!(id)).account,
      lookup: async (id): Promise<AccountResolution> => {
        state.asked.push(id);
        return state.down
          ? { account: { id, name: id, ouPath: '/', known: false }, fallback: true }
          : { account: prod(id), fallback: false };
      },
    };
    return { directory, state };
  }

  it('asks again after fallbackCacheMs; answers that are not fallbacks keep the usual cache', async () => {
    let now = 0;
    const fallbacks: string[] = [];
    const { directory, state } = flakyDirectory();
    const analyzer = new Analyzer({
      rules,
      policy,
      directory,
      now: () => now,
      onDirectoryFallback: (id) => fallbacks.push(id),
    });
    const events = (t: string) => [
      record(`s${t}`, 'StopLogging', '444455556666'),
      record(`g${t}`, 'GetSecretValue', '444455556666'),
    ];

    expect((await run(analyzer, events('0'))).ids).toEqual(['s0:stop']);
    now += 59_000;
    expect((await run(analyzer, events('1'))).ids).toEqual(['s1:stop']);
    expect(state.asked).toHaveLength(1);
    state.down = false;
    now += 1_000;
    expect((await run(analyzer, events('2'))).ids).toEqual(['s2:stop', 'g2:secret']);
    expect(state.asked).toHaveLength(2);
    expect(fallbacks).toEqual(['444455556666']);
    // A directory answer is kept for accountCacheMs (15 minutes), not a minute.
    now += 10 * 60_000;
    await run(analyzer, events('3'));
    expect(state.asked).toHaveLength(2);
    now += 6 * 60_000;
    await run(analyzer, events('4'));
    expect(state.asked).toHaveLength(3);
  });
});
