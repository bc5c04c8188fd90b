/** The real entry point (bin/trailalerts.js → bin/trailalerts.ts) in a child process: help and exit codes. */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { consoleLoginRule, tempTree } from './fixtures';

const cli = join(__dirname, '..', '..', 'bin', 'trailalerts.js');
const run = (...args: string[]) =>
  spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8', timeout: 60_000 });

describe('trailalerts entry point', () => {
  it('prints help per command and exits with the command status', () => {
    const help = run('validate', '--help');
    expect(help.status).toBe(0);
    expect(help.stdout).toContain('Usage: trailalerts validate');
    const dir = tempTree({
      'good.yml': consoleLoginRule,
      'bad.yml': consoleLoginRule.replace('6b2c', '7b2c').replace('eventName:', 'eventName|nope:'),
    });
    const result = run('validate', dir);
    expect(result.status).toBe(3);
    expect(result.stderr).toMatch(
      /bad\.yml:9 detection\.selection\.eventName\|nope => unknown modifier 'nope'/,
    );
    expect(run('validate', join(dir, 'good.yml')).status).toBe(0);
  }, 60_000);
});
