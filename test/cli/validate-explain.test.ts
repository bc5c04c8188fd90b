/** `trailalerts validate` and `trailalerts explain` in-process, plus the program structure. */
import { join } from 'node:path';
import { runExplain } from '../../bin/cli/explain';
import { rulesValidation, runValidate } from '../../bin/cli/validate';
import { buildProgram } from '../../bin/cli/program';
import { captureIO, consoleLoginRule, record, tempTree } from './fixtures';

describe('validate', () => {
  it('lists every problem, not only the first, and exits 3 (an invalid rule)', async () => {
    const bad = consoleLoginRule
      .replace("MFAUsed: 'No'", () => "MFAUsed|re: '(?<=a)b'")
      .replace('eventName: ConsoleLogin', 'eventName|foo: ConsoleLogin')
      .replace('level: high', 'level: urgent');
    const dir = tempTree({
      'rules/bad.yml': bad,
      'rules/good.yml': consoleLoginRule.replace('6b2c3a11', '9b2c3a11'),
    });
    const io = captureIO();
    expect(await runValidate([rulesValidation([join(dir, 'rules')])], {}, io)).toBe(3);
    const err = io.stderr();
    expect(err).toMatch(/bad\.yml:9 detection\.selection\.eventName\|foo => unknown modifier 'foo'/);
    expect(err).toMatch(
      /bad\.yml:10 detection\.selection\.additionalEventData\.MFAUsed\|re => regular expression uses a lookbehind `\(\?<=`/,
    );
    expect(err).toMatch(/bad\.yml:12 level => level 'urgent'/);
    expect(io.stdout()).toContain('rules: 1 rules, 0 correlations, 0 filters; 3 errors, 0 warnings');
  });

  it('exits 0 on clean rules', async () => {
    const io = captureIO();
    expect(await runValidate([rulesValidation([tempTree({ 'a.yml': consoleLoginRule })])], {}, io)).toBe(0);
  });
});

describe('explain', () => {
  it('shows each field with the event value and the condition result', async () => {
    const dir = tempTree({
      'a.yml': consoleLoginRule,
      'e.json': JSON.stringify({
        Records: [record('ConsoleLogin', { additionalEventData: { MFAUsed: 'Yes' } })],
      }),
    });
    const io = captureIO();
    expect(
      await runExplain({ rule: join(dir, 'a.yml'), event: join(dir, 'e.json'), format: 'text' }, io),
    ).toBe(0);
    const out = io.stdout();
    expect(out).toContain('selection selection: not matched');
    expect(out).toContain('matched     eventName: ConsoleLogin (event: ConsoleLogin)');
    expect(out).toContain('not matched additionalEventData.MFAUsed: No (event: Yes)');
    expect(out).toContain('condition: selection => no match');
  });
});

describe('explain --format json', () => {
  it('prints one JSON explanation per record and rule, and fails when no record is read', async () => {
    const dir = tempTree({
      'a.yml': consoleLoginRule,
      'e.json': JSON.stringify([record('ConsoleLogin', { additionalEventData: { MFAUsed: 'No' } })]),
      'empty.json': '[]',
    });
    const io = captureIO();
    expect(
      await runExplain({ rule: join(dir, 'a.yml'), event: join(dir, 'e.json'), format: 'json' }, io),
    ).toBe(0);
    const parsed = JSON.parse(io.stdout().trim());
    expect(parsed).toMatchObject({
      matched: true,
      condition: ['selection'],
      rule: { title: 'Console Login Without MFA' },
      source: { index: 0 },
    });
    expect(
      await runExplain(
        { rule: join(dir, 'a.yml'), event: join(dir, 'empty.json'), format: 'json' },
        captureIO(),
      ),
    ).toBe(1);
  });
});

describe('program', () => {
  it('has the commands with their own help', () => {
    const program = buildProgram();
    const names = program.commands.map((c) => c.name());
    expect(names).toEqual(expect.arrayContaining(['detect', 'test', 'validate', 'explain']));
    const detect = program.commands.find((c) => c.name() === 'detect')!;
    expect(detect.helpInformation()).toContain('--rules <path>');
  });
});
