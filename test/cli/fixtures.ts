/** Writes CLI test fixtures (rules, tests, CloudTrail files) to a temp dir and captures output. */
import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type { CliIO } from '../../bin/cli/io';

export function tempTree(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'ta-cli-'));
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, name)), { recursive: true });
    writeFileSync(join(dir, name), text);
  }
  return dir;
}

export function captureIO(): CliIO & { stdout: () => string; stderr: () => string } {
  let out = '';
  let err = '';
  return {
    out: { write: (t: string) => (out += t) },
    err: { write: (t: string) => (err += t) },
    stdout: () => out,
    stderr: () => err,
  };
}

export const consoleLoginRule = `title: Console Login Without MFA
id: 6b2c3a11-1f0e-4a5b-9c8d-7e6f5a4b3c2d
status: test
logsource:
  product: aws
  service: cloudtrail
detection:
  selection:
    eventName: ConsoleLogin
    additionalEventData.MFAUsed: 'No'
  condition: selection
level: high
`;

export const stopLoggingRule = `title: CloudTrail Stopped
id: 7c3d4b22-2a1f-4b6c-8d9e-8f7a6b5c4d3e
logsource:
  product: aws
  service: cloudtrail
detection:
  selection:
    eventSource: cloudtrail.amazonaws.com
    eventName:
      - StopLogging
      - DeleteTrail
  condition: selection
level: critical
`;

export function record(eventName: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    eventVersion: '1.08',
    eventTime: '2026-11-01T10:00:00Z',
    eventSource: eventName === 'ConsoleLogin' ? 'signin.amazonaws.com' : 'cloudtrail.amazonaws.com',
    eventName,
    eventID: `id-${eventName}`,
    awsRegion: 'us-east-1',
    recipientAccountId: '111122223333',
    sourceIPAddress: '203.0.113.7',
    ...extra,
  };
}
