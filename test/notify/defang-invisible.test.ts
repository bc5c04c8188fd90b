/**
 * Defanging (URLs and domains made unclickable, IPs, ARNs and AWS service names kept readable) and
 * the escaping of every invisible or format character: tag characters, variation selectors, Hangul
 * fillers, soft hyphen, braille blank, noncharacters, and the Cf/Co/Cs/Cn categories in general.
 */
import fc from 'fast-check';
import { defang } from '../../src/notify/defang';
import { cleanBlock, cleanLine, headerSafe, truncate } from '../../src/notify/sanitize';

describe('defang', () => {
  it.each([
    ['https://evil.example/login', 'hxxps://evil[.]example/login'],
    ['HTTP://EVIL.EXAMPLE', 'HxxP://EVIL[.]EXAMPLE'],
    ['ftp://files.evil.example/x', 'fxp://files[.]evil[.]example/x'],
    ['ssh://host.evil.example', 'ssh[:]//host[.]evil[.]example'],
    ['1https://evil.example', '1hxxps://evil[.]example'],
    ['www.evil.example', 'www[.]evil[.]example'],
    ['re-authenticate at aws-signin-verify.com now', 're-authenticate at aws-signin-verify[.]com now'],
    ['mail alice@evil.example', 'mail alice@evil[.]example'],
    ['https://aws.amazon.com@evil.example/', 'hxxps://aws[.]amazon[.]com@evil[.]example/'],
    ['evil。example', 'evil[。]example'],
    ['пример.рф', 'пример[.]рф'],
    ['xn--e1afmkfd.xn--p1ai', 'xn--e1afmkfd[.]xn--p1ai'],
    ['s3.amazonaws.com/evil-bucket/phish.html', 's3[.]amazonaws[.]com/evil-bucket/phish[.]html'],
    ['end of sentence evil.example.', 'end of sentence evil[.]example.'],
    // A linker stops before a label that cannot end a host name and still links `evil.com`.
    ['evil.com.1', 'evil[.]com.1'],
    ['-.com.-', '-[.]com.-'],
    // .amzn is a delegated top-level domain.
    ['exe/x86_64.amzn.2', 'exe/x86_64[.]amzn.2'],
  ])('defangs %s', (input, expected) => {
    expect(defang(input)).toBe(expected);
  });

  it.each([
    'arn:aws:iam::123456789012:role/Admin-Role',
    'arn:aws:sts::123456789012:assumed-role/ci-deployer/i-0abc1234def567890',
    'arn:aws:iam::123456789012:role/aws-service-role/ecs.amazonaws.com/AWSServiceRoleForECS',
    'arn:aws:cloudtrail:us-east-1:444455556666:trail/org-trail',
    '203.0.113.7',
    '2001:db8::1',
    '10.0.0.0/16',
    'signin.amazonaws.com',
    'cloudtrail.amazonaws.com',
    'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 Chrome/120.0.0.0',
    'aws-cli/2.15.0 Python/3.11.6 Linux/5.10.205-195.807.amzn2.x86_64 exe/x86_64',
    'Boto3/1.26.0 md/Botocore#1.29.0 ua/2.0 os/linux#5.10.0',
    '2026-11-20 10:07:02 UTC',
    '3f1c2a9e-5b7d-4e21-9a0c-1d2e3f4a5b6c',
    'javascript:window.__pwned=3',
    'e.g. a version v1.2.3',
  ])('keeps %s readable', (input) => {
    expect(defang(input)).toBe(input);
  });

  it('leaves no scheme:// and no dotted domain behind, whatever the text', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.constantFrom('https://', 'http://', 'x', '.', 'evil', 'com', ' ', '/', '@', 'www', '1', '-'),
          {
            maxLength: 40,
          },
        ),
        (parts) => {
          const out = defang(parts.join(''));
          return !/(https?|ftp):\/\//i.test(out) && !/[\w-]\.com(?![\w-])/.test(out);
        },
      ),
    );
  });

  it('runs in linear time on long dotted runs', () => {
    const start = Date.now();
    defang(`${'a.'.repeat(50_000)}1 ${'b.'.repeat(50_000)}com`);
    expect(Date.now() - start).toBeLessThan(1000);
  });
});

describe('invisible and format characters', () => {
  const char = (code: number): string => String.fromCodePoint(code);

  it.each([
    ['a tag character', 0xe0041, '\\u{E0041}'],
    ['the language tag', 0xe0001, '\\u{E0001}'],
    ['a variation selector', 0xfe0f, '\\uFE0F'],
    ['a supplementary variation selector', 0xe0100, '\\u{E0100}'],
    ['the Hangul choseong filler', 0x115f, '\\u115F'],
    ['the Hangul jungseong filler', 0x1160, '\\u1160'],
    ['the Hangul filler', 0x3164, '\\u3164'],
    ['the halfwidth Hangul filler', 0xffa0, '\\uFFA0'],
    ['the soft hyphen', 0xad, '\\u00AD'],
    ['the braille blank', 0x2800, '\\u2800'],
    ['a noncharacter', 0xfdd0, '\\uFDD0'],
    ['U+FFFE', 0xfffe, '\\uFFFE'],
    ['U+FFFF', 0xffff, '\\uFFFF'],
    ['a plane-1 noncharacter', 0x1fffe, '\\u{1FFFE}'],
    ['a plane-16 noncharacter', 0x10ffff, '\\u{10FFFF}'],
    ['a private-use character', 0xe000, '\\uE000'],
    ['the combining grapheme joiner', 0x34f, '\\u034F'],
    ['a zero-width joiner', 0x200d, '\\u200D'],
    ['a bidi override', 0x202e, '\\u202E'],
  ])('shows %s escaped', (_name, code, shown) => {
    expect(cleanLine(`a${char(code)}b`)).toBe(`a${shown}b`);
    expect(cleanBlock(`a${char(code)}\nb`)).toBe(`a${shown}\nb`);
    expect(headerSafe(`a${char(code)}b`, 10)).toBe('a b');
  });

  it('shows a lone surrogate escaped and keeps letters, emoji and CJK', () => {
    expect(cleanLine('a\ud800b')).toBe('a\\uD800b');
    expect(cleanLine('Zürich 東京 😀 ✓')).toBe('Zürich 東京 😀 ✓');
  });

  it('never lets a Cc, Cf, Co, Cs or Cn character or a default-ignorable one through', () => {
    const hidden = /[\p{Cc}\p{Cf}\p{Co}\p{Cs}\p{Cn}\p{Default_Ignorable_Code_Point}\u2800]/u;
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 200 }), (s) => !hidden.test(cleanLine(s, 10_000))),
    );
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 0xe0000, max: 0xe01ef }).map(char), { maxLength: 30 }),
        (chars) => !hidden.test(cleanLine(chars.join(''), 10_000)),
      ),
    );
  });

  it('marks a cut plainly when the full marker would not leave room', () => {
    expect(truncate('x'.repeat(100), 20)).toBe(`${'x'.repeat(19)}…`);
    expect(truncate('x'.repeat(1000), 200)).toMatch(/… \[truncated, 1000 characters in total\]$/);
  });
});
