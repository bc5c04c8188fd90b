/** The re-run command: the hunt's window, rules and mode over the prefixes to hunt again, quoted for a shell. */
import { rerunCommand, shellQuote } from '../../../src/hunt/results';
import { HUNT_ID, prefix, STATE_MACHINE } from '../fixtures';

const A = '444444444444';

describe('rerunCommand', () => {
  it('quotes shell words only when needed', () => {
    expect(shellQuote('AWSLogs/o-x/1/CloudTrail/eu-west-1/2026/08/01/')).toBe(
      'AWSLogs/o-x/1/CloudTrail/eu-west-1/2026/08/01/',
    );
    expect(shellQuote('a b')).toBe("'a b'");
    expect(shellQuote("it's $(rm -rf)")).toBe("'it'\\''s $(rm -rf)'");
  });

  it('repeats the window, rules and mode over exactly the given prefixes, or a prefixes file', () => {
    const run = { huntId: HUNT_ID, since: 's', until: 'u', mode: 'alert' as const, rules: [] };
    expect(rerunCommand(run, STATE_MACHINE, [prefix(A, 1)])).toBe(
      `trailalerts hunt --since s --until u --state-machine ${STATE_MACHINE} --prefix ${prefix(A, 1)}`,
    );
    expect(
      rerunCommand({ ...run, mode: 'report', rules: ['a b'] }, STATE_MACHINE, [prefix(A, 1)], 'f.txt'),
    ).toBe(
      `trailalerts hunt --since s --until u --rules 'a b' --report --state-machine ${STATE_MACHINE} --prefixes-from f.txt`,
    );
  });
});
