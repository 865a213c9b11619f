/**
 * The sm2-jcs-2026 row of the verifier's suite table (proof-suites.ts): eddsa-jcs-2022's JCS transformation with
 * SM3 (GB/T 32905) for SHA-256 and SM2 keys (GB/T 32918, identifier 1234567812345678) for Ed25519; the suite is
 * specified in spec/sm2-jcs-2026.md. Signing needs nothing here: the method library's createProof picks the suite
 * from the key type. The hashing is the method's own `cryptosuiteHash`, so issuer and method cannot drift apart.
 */
import { canonicalBytes, cryptosuiteHash } from '@did-city/method';
import type { ProofSuite } from './proof-suites.ts';

/** Every SM2 Multikey starts so: the varint of multicodec sm2-pub (0x86 0x24) and a compressed point. */
export const SM2_MULTIKEY_PREFIX = 'zEPJ';

const sm3 = cryptosuiteHash('sm2-jcs-2026');

export const SM2_JCS_2026: ProofSuite = {
  keyPrefixes: [SM2_MULTIKEY_PREFIX],
  keyType: 'SM2',
  documentHash: (unsecured, memo) => {
    let found = memo.get('jcs-sm3');
    if (found === undefined) {
      found = Promise.resolve(sm3(canonicalBytes(unsecured)));
      memo.set('jcs-sm3', found);
    }
    return found;
  },
  optionsHash: async (options) => sm3(canonicalBytes(options)),
};
