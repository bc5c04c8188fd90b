/**
 * Source-IP conditions: IPv4 and IPv6 addresses and CIDRs, with IPv4-mapped IPv6 addresses
 * (`::ffff:10.1.2.3`) treated as the IPv4 address. Only strict textual forms are accepted (no
 * `127.1` or hexadecimal IPv4 shorthands), so a crafted value never matches by accident.
 */
import ipaddr from 'ipaddr.js';

type Address = ipaddr.IPv4 | ipaddr.IPv6;

/** Parses a strict IPv4 dotted quad or IPv6 address; undefined for anything else (e.g. `ec2.amazonaws.com`). */
export function parseIp(text: string): Address | undefined {
  const trimmed = text.trim();
  if (trimmed.length > 100) return undefined;
  try {
    if (ipaddr.IPv4.isValidFourPartDecimal(trimmed)) return ipaddr.IPv4.parse(trimmed);
    if (trimmed.includes(':') && ipaddr.IPv6.isValid(trimmed)) return ipaddr.process(trimmed);
  } catch {
    return undefined;
  }
  return undefined;
}

/** One compiled address or network. */
export interface IpRange {
  text: string;
  matches(address: Address): boolean;
}

/** Compiles an address or CIDR; `{ problem }` when it is neither. */
export function compileIpRange(text: string): IpRange | { problem: string } {
  const trimmed = text.trim();
  const slash = trimmed.indexOf('/');
  if (slash < 0) {
    const single = parseIp(trimmed);
    if (!single) return { problem: `"${text}" is not an IPv4 or IPv6 address or CIDR` };
    const normalized = single.toNormalizedString();
    return { text, matches: (a) => a.kind() === single.kind() && a.toNormalizedString() === normalized };
  }
  const base = parseIp(trimmed.slice(0, slash));
  const bitsText = trimmed.slice(slash + 1);
  const max = base?.kind() === 'ipv4' ? 32 : 128;
  if (!base || !/^\d{1,3}$/.test(bitsText) || Number(bitsText) > max) {
    return { problem: `"${text}" is not a valid CIDR (expected e.g. 10.0.0.0/8 or 2001:db8::/32)` };
  }
  const bits = Number(bitsText);
  return {
    text,
    matches: (a) => a.kind() === base.kind() && (a as ipaddr.IPv4).match(base as ipaddr.IPv4, bits),
  };
}

/** True when `candidate` (a CloudTrail sourceIPAddress) parses and lies in any range. */
export function ipInRanges(candidate: unknown, ranges: readonly IpRange[]): boolean {
  if (typeof candidate !== 'string') return false;
  const address = parseIp(candidate);
  return address !== undefined && ranges.some((r) => r.matches(address));
}
