/**
 * DID syntax vectors (spec §1): valid DIDs with their parts, parent and country registry, and one invalid DID
 * per rejection reason of §1.1/§1.2, each naming its rule and the code a resolver must return.
 */
import {
  countryRegistryDid,
  DidCityError,
  type ErrorCode,
  parentDid,
  parseDid,
} from '../../packages/method/src/index.ts';
import { expectedError } from './vector-negative.ts';

interface Invalid {
  did: string;
  rule: string;
  code: ErrorCode;
  why: string;
}

const NETWORK_16 = 'staging123456789';
const LONGEST = `did:city:${NETWORK_16}:cn:130100:${'a'.repeat(63)}:${'b'.repeat(63)}:${'c'.repeat(63)}:${'d'.repeat(28)}`;

const VALID: Array<{ did: string; note: string }> = [
  { did: 'did:city:cn', note: 'the national registry of China' },
  { did: 'did:city:cn:130100', note: 'Shijiazhuang, prefecture level (石家庄市)' },
  { did: 'did:city:cn:130000', note: 'Hebei, province level' },
  { did: 'did:city:cn:130102', note: 'Chang\u2019an District of Shijiazhuang, county level' },
  { did: 'did:city:cn:110000', note: 'Beijing, a municipality' },
  { did: 'did:city:cn:130100:transport-bureau', note: 'a sub-identifier Shijiazhuang allocates' },
  { did: 'did:city:cn:130100:a:b:c:d', note: 'four sub-identifiers, the most allowed' },
  { did: 'did:city:cn:130100:0', note: 'a one-character sub-identifier (digits allowed)' },
  { did: `did:city:cn:130100:${'x'.repeat(63)}`, note: 'a 63-character sub-identifier, the longest label' },
  { did: 'did:city:test:cn:130100', note: 'Shijiazhuang on the test network' },
  { did: 'did:city:abc:cn', note: 'a 3-character network, the shortest' },
  { did: `did:city:${NETWORK_16}:cn`, note: 'a 16-character network, the longest' },
  {
    did: 'did:city:fr:750000',
    note: 'another country: syntactically valid, its division codes are not checked (no registry yet)',
  },
  { did: LONGEST, note: 'exactly 256 characters, the longest DID' },
];

const INVALID: Invalid[] = [
  {
    did: 'did:city:CN:130100',
    rule: 'R-SYN-4',
    code: 'INVALID_DID',
    why: 'upper-case country; the canonical form is lower case and is not normalised',
  },
  { did: 'did:city:cn:130100:Transport', rule: 'R-SYN-4', code: 'INVALID_DID', why: 'upper case in a sub-identifier' },
  { did: 'did:city:TEST:cn:130100', rule: 'R-SYN-4', code: 'INVALID_DID', why: 'upper-case network' },
  {
    did: 'did:city:cn:130100:transport%2Dbureau',
    rule: 'R-SYN-4',
    code: 'INVALID_DID',
    why: 'percent-encoded character (even of an allowed character)',
  },
  { did: 'did:city:cn%3A130100', rule: 'R-SYN-4', code: 'INVALID_DID', why: 'percent-encoded colon' },
  {
    did: 'did:city:cn:13010',
    rule: 'R-SYN-1',
    code: 'INVALID_DID',
    why: 'the division is 5 digits; exactly 6 are required',
  },
  { did: 'did:city:cn:1301000', rule: 'R-SYN-1', code: 'INVALID_DID', why: 'the division is 7 digits' },
  { did: 'did:city:cn:13010a', rule: 'R-SYN-1', code: 'INVALID_DID', why: 'the division is not all digits' },
  { did: 'did:city:cn:999999', rule: 'R-SYN-5', code: 'INVALID_DID', why: 'not a code in the bundled GB/T 2260 table' },
  {
    did: 'did:city:cn:130199',
    rule: 'R-SYN-5',
    code: 'INVALID_DID',
    why: 'well-formed but unassigned code under Shijiazhuang',
  },
  { did: 'did:city:cn:130100:-bureau', rule: 'R-SYN-1', code: 'INVALID_DID', why: 'sub-identifier starts with "-"' },
  { did: 'did:city:cn:130100:bureau-', rule: 'R-SYN-1', code: 'INVALID_DID', why: 'sub-identifier ends with "-"' },
  { did: 'did:city:cn:130100:a_b', rule: 'R-SYN-1', code: 'INVALID_DID', why: 'underscore is not an LDH character' },
  { did: 'did:city:cn:130100:a.b', rule: 'R-SYN-1', code: 'INVALID_DID', why: 'dot is not an LDH character' },
  { did: 'did:city:cn:130100::x', rule: 'R-SYN-1', code: 'INVALID_DID', why: 'empty segment' },
  { did: 'did:city:cn:130100:', rule: 'R-SYN-1', code: 'INVALID_DID', why: 'trailing colon (empty last segment)' },
  {
    did: `did:city:cn:130100:${'x'.repeat(64)}`,
    rule: 'R-SYN-1',
    code: 'INVALID_DID',
    why: '64-character sub-identifier (at most 63)',
  },
  {
    did: 'did:city:prod:cn:130100',
    rule: 'R-SYN-3',
    code: 'INVALID_DID',
    why: '"prod" is written as the absence of a network',
  },
  { did: 'did:city:c:130100', rule: 'R-SYN-1', code: 'INVALID_DID', why: 'a one-letter country' },
  {
    did: 'did:city:chn:130100',
    rule: 'R-SYN-1',
    code: 'INVALID_DID',
    why: '"chn" reads as a network, and no 2-letter country follows it',
  },
  { did: 'did:city:test', rule: 'R-SYN-1', code: 'INVALID_DID', why: 'a network without a country' },
  {
    did: 'did:city:te:st:cn',
    rule: 'R-SYN-1',
    code: 'INVALID_DID',
    why: 'two countries: the second segment is not a division',
  },
  { did: 'did:city:1est:cn', rule: 'R-SYN-1', code: 'INVALID_DID', why: 'a network starting with a digit' },
  {
    did: `did:city:${NETWORK_16}7:cn`,
    rule: 'R-SYN-1',
    code: 'INVALID_DID',
    why: 'a 17-character network (at most 16)',
  },
  { did: 'did:city:cn:a', rule: 'R-SYN-1', code: 'INVALID_DID', why: 'a sub-identifier needs a division before it' },
  { did: 'did:city:', rule: 'R-SYN-1', code: 'INVALID_DID', why: 'empty method-specific id' },
  { did: 'did:city', rule: 'R-SYN-1', code: 'INVALID_DID', why: 'no method-specific id' },
  { did: 'city:cn:130100', rule: 'R-SYN-1', code: 'INVALID_DID', why: 'not a DID (no did: scheme)' },
  {
    did: 'did:city:cn:130100:a:b:c:d:e',
    rule: 'R-SYN-2',
    code: 'INVALID_DID',
    why: 'five sub-identifiers (at most 4)',
  },
  { did: `${LONGEST}d`, rule: 'R-SYN-2', code: 'INVALID_DID', why: '257 characters (at most 256)' },
  {
    did: 'did:web:example.com',
    rule: 'R-RES-2',
    code: 'METHOD_NOT_SUPPORTED',
    why: 'another DID method: METHOD_NOT_SUPPORTED, not INVALID_DID',
  },
  {
    did: 'did:CITY:cn:130100',
    rule: 'R-SYN-4',
    code: 'INVALID_DID',
    why: 'upper-case method name is not a DID (DID Core method-name is lower case)',
  },
];

function failure(did: string): DidCityError | undefined {
  try {
    parseDid(did);
    return undefined;
  } catch (error) {
    if (error instanceof DidCityError) return error;
    throw error;
  }
}

export function syntaxVector() {
  const valid = VALID.map(({ did, note }) => {
    const { network, country, division, subIds } = parseDid(did);
    return {
      did,
      note,
      length: did.length,
      parts: { network: network ?? null, country, division: division ?? null, subIds },
      parent: parentDid(did) ?? null,
      countryRegistry: countryRegistryDid(did),
    };
  });
  const invalid = INVALID.map(({ did, rule, code, why }) => {
    const error = failure(did);
    if (error?.code !== code)
      throw new Error(`did-syntax: ${did} should be ${code}, the library gives ${error?.code ?? 'no error'}`);
    return { did, rule, why, expected: { error: expectedError(code) } };
  });
  return {
    id: 'did-syntax',
    kind: 'did-syntax',
    description:
      'DID syntax (spec §1): valid DIDs with their parts (null = absent), parent (§1.3) and country registry; invalid DIDs with the rule they break and the error a parser and a resolver must give',
    rules: ['R-SYN-1', 'R-SYN-2', 'R-SYN-3', 'R-SYN-4', 'R-SYN-5'],
    valid,
    invalid,
  };
}
