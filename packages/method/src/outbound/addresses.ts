/**
 * Which IP addresses an outbound fetch may connect to (spec R-FETCH-2). Only globally routable unicast is public;
 * everything else is named by its class so the refusal can say which rule it broke. Addresses that embed an IPv4
 * address (IPv4-mapped `::ffff:a.b.c.d`, NAT64 `64:ff9b::/96`) are judged by the IPv4 address inside, since that is
 * where the packets end up. ipaddr.js (maintained, the classifier express's proxy-addr uses) knows the IANA
 * special-purpose registries; the few classes it leaves as unicast are added below.
 */
import ipaddr from 'ipaddr.js';

export type AddressClass =
  | 'public'
  | 'loopback'
  | 'private'
  | 'link-local'
  | 'multicast'
  | 'unspecified'
  | 'broadcast'
  | 'reserved';

const CLASSES: Readonly<Record<string, AddressClass>> = {
  unicast: 'public',
  loopback: 'loopback',
  private: 'private',
  uniqueLocal: 'private',
  carrierGradeNat: 'private',
  linkLocal: 'link-local',
  multicast: 'multicast',
  unspecified: 'unspecified',
  broadcast: 'broadcast',
};

/** The IPv4 address carried inside an IPv6 address that translators deliver to it, if any. */
function embeddedIpv4(address: ipaddr.IPv6): ipaddr.IPv4 | undefined {
  if (address.isIPv4MappedAddress()) return address.toIPv4Address();
  const range = address.range();
  if (range === 'rfc6052' || range === 'rfc6145') {
    const bytes = address.toByteArray().slice(12);
    return new ipaddr.IPv4(bytes);
  }
  return undefined;
}

/** IPv4-compatible IPv6 addresses (`::a.b.c.d`, deprecated by RFC 4291) that ipaddr.js calls unicast. */
function isIpv4Compatible(address: ipaddr.IPv6): boolean {
  return address.parts.slice(0, 6).every((part) => part === 0);
}

/** The class of an IP address (IPv4 or IPv6 text, with or without brackets); `undefined` when it is not an IP address. */
export function classifyAddress(text: string): AddressClass | undefined {
  const bare = text.startsWith('[') && text.endsWith(']') ? text.slice(1, -1) : text;
  if (!ipaddr.isValid(bare)) return undefined;
  let address = ipaddr.parse(bare);
  if (address.kind() === 'ipv6') {
    const inner = embeddedIpv4(address as ipaddr.IPv6);
    if (inner !== undefined) address = inner;
    else if (isIpv4Compatible(address as ipaddr.IPv6) && address.range() === 'unicast') return 'reserved';
  }
  return CLASSES[address.range()] ?? 'reserved';
}

/** Whether text is an IP literal (as URL hostnames write them: IPv6 in brackets). */
export function isIpLiteral(hostname: string): boolean {
  return classifyAddress(hostname) !== undefined;
}
