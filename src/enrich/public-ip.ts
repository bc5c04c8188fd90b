/**
 * Decides whether a CloudTrail `sourceIPAddress` is a public IP address worth an IP-context
 * lookup: IPv4 in strict dotted-quad form or IPv6, in ipaddr.js's `unicast` range (so not
 * private, loopback, link-local, CGNAT, documentation or other reserved ranges), and never
 * an AWS service name such as `s3.amazonaws.com`. IPv4-mapped IPv6 is judged as its IPv4.
 */
import ipaddr from 'ipaddr.js';

/** The canonical text of a public IP address, or undefined when `value` is not one. */
export function publicIp(value: unknown): string | undefined {
  if (typeof value !== 'string' || value.length === 0 || value.length > 64) return undefined;
  let address: ipaddr.IPv4 | ipaddr.IPv6;
  if (ipaddr.IPv4.isValidFourPartDecimal(value)) {
    address = ipaddr.IPv4.parse(value);
  } else if (value.includes(':') && !value.includes('%') && ipaddr.IPv6.isValid(value)) {
    const v6 = ipaddr.IPv6.parse(value);
    address = v6.isIPv4MappedAddress() ? v6.toIPv4Address() : v6;
  } else {
    return undefined;
  }
  return address.range() === 'unicast' ? address.toString() : undefined;
}

/** True when `value` is a public IP address (see `publicIp`). */
export function isPublicIp(value: unknown): boolean {
  return publicIp(value) !== undefined;
}
