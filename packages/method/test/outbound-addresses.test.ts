import { describe, expect, it } from 'vitest';
import { classifyAddress } from '../src/http.ts';

// Special-purpose blocks from the IANA registries (RFC 6890, RFC 6598, RFC 4291, RFC 4193, RFC 6052).
const CASES: Array<[string, string]> = [
  ['127.0.0.1', 'loopback'],
  ['127.255.255.254', 'loopback'],
  ['10.0.0.1', 'private'],
  ['172.16.0.1', 'private'],
  ['172.31.255.255', 'private'],
  ['192.168.1.1', 'private'],
  ['100.64.0.1', 'private'],
  ['169.254.169.254', 'link-local'],
  ['224.0.0.251', 'multicast'],
  ['239.255.255.250', 'multicast'],
  ['0.0.0.0', 'unspecified'],
  ['255.255.255.255', 'broadcast'],
  ['192.0.2.1', 'reserved'],
  ['198.18.0.1', 'reserved'],
  ['172.32.0.1', 'public'],
  ['8.8.8.8', 'public'],
  ['::1', 'loopback'],
  ['[::1]', 'loopback'],
  ['::', 'unspecified'],
  ['fe80::1', 'link-local'],
  ['fd12:3456::1', 'private'],
  ['fc00::1', 'private'],
  ['ff02::1', 'multicast'],
  ['2001:db8::1', 'reserved'],
  ['2606:4700:4700::1111', 'public'],
  // IPv4 inside IPv6: judged by the IPv4 address the packets reach.
  ['::ffff:127.0.0.1', 'loopback'],
  ['::ffff:7f00:1', 'loopback'],
  ['[::ffff:169.254.169.254]', 'link-local'],
  ['::ffff:10.1.2.3', 'private'],
  ['::ffff:8.8.8.8', 'public'],
  ['64:ff9b::127.0.0.1', 'loopback'],
  ['64:ff9b::8.8.8.8', 'public'],
  // IPv4-compatible (::/96, deprecated): never public. ipaddr.js reads the dotted form as mapped.
  ['::7f00:1', 'reserved'],
  ['::127.0.0.1', 'loopback'],
];

describe('classifyAddress', () => {
  it.each(CASES)('%s is %s', (address, expected) => {
    expect(classifyAddress(address)).toBe(expected);
  });

  it('is undefined for names', () => {
    expect(classifyAddress('localhost')).toBeUndefined();
    expect(classifyAddress('issuer.example')).toBeUndefined();
  });
});
