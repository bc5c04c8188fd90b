/**
 * `trailalerts … | head`: a real child process whose stdout is closed after the first chunk ends
 * quietly (status 0, no EPIPE stack trace), for streamed NDJSON and for tables written at the end.
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { stopLoggingRule, tempTree } from './fixtures';

const cli = join(__dirname, '..', '..', 'bin', 'trailalerts.js');

// Far more output than a pipe buffers (64 KiB), so writes go on after the reader has gone.
const records = Array.from({ length: 3000 }, (_, i) => ({
  eventVersion: '1.08',
  eventTime: `2026-11-20T10:${String(Math.floor(i / 60) % 60).padStart(2, '0')}:${String(i % 60).padStart(2, '0')}Z`,
  eventSource: 'cloudtrail.amazonaws.com',
  eventName: 'StopLogging',
  eventID: `event-${i}`,
  awsRegion: 'us-east-1',
  recipientAccountId: '111122223333',
  userIdentity: { type: 'IAMUser', arn: `arn:aws:iam::111122223333:user/user-${i}` },
}));

// No route anywhere: every alert is printed as unrouted and nothing is written to the outbox.
const config = `organization: { id: o-testorg0001, managementAccountId: '111111111111', securityAccountId: '222222222222', homeRegion: us-east-1 }
trail: { bucket: trail, accountId: '333333333333' }
destinations: { soc: { type: email, from: a@example.com, to: [b@example.com] } }
organizationalUnits: { /: { cooldownMinutes: 0 } }
`;

const dir = tempTree({
  'rules/stop.yml': stopLoggingRule,
  't.json': JSON.stringify({ Records: records }),
  'accounts.yaml': config,
});

/** Runs the CLI, closes its stdout after the first chunk, and returns the status and stderr. */
function headOne(args: string[]): Promise<{ status: number | null; stderr: string; read: number }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [cli, ...args], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    let read = 0;
    child.stderr.on('data', (c: Buffer) => (stderr += String(c)));
    child.stdout.once('data', (c: Buffer) => {
      read = c.length;
      child.stdout.destroy();
    });
    child.on('error', reject);
    child.on('close', (status) => resolve({ status, stderr, read }));
  });
}

describe('stdout closed early (| head)', () => {
  it.each([
    [
      'scan --format ndjson',
      ['scan', 't.json', '--rules', 'rules', '--config', 'accounts.yaml', '--format', 'ndjson'],
    ],
    ['scan (table)', ['scan', 't.json', '--rules', 'rules', '--config', 'accounts.yaml', '--no-progress']],
    ['detect --format ndjson', ['detect', 't.json', '--rules', 'rules', '--format', 'ndjson']],
    ['detect (table)', ['detect', 't.json', '--rules', 'rules']],
  ])(
    '%s ends quietly with status 0',
    async (_name, args) => {
      const { status, stderr, read } = await headOne(args);
      expect(read).toBeGreaterThan(0);
      expect(stderr).not.toMatch(/EPIPE|Unhandled|\n\s+at /);
      expect(status).toBe(0);
    },
    60_000,
  );
});
