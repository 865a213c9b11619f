// Digital Bazaar: a city's Data Integrity credential (eddsa-jcs-2022), with a did:city documentLoader and status.
import { createCityResolver, type LedgerReader } from '@did-city/method';
import { createCheckStatus, createDidResolver, didCityDocumentLoader, type FetchOptions } from '@did-city/issuer';
import { DataIntegrityProof } from '@digitalbazaar/data-integrity';
import { createVerifyCryptosuite } from '@digitalbazaar/eddsa-jcs-2022-cryptosuite';
import { verifyCredential } from '@digitalbazaar/vc';

/** Status lists: https and public addresses only, unless `fetchPolicy` names a host (e.g. loopback in a test). */
export async function verifyWithDigitalBazaar(
  credential: object,
  reader: LedgerReader,
  fetchPolicy: FetchOptions = {},
) {
  const resolver = createDidResolver({ city: createCityResolver({ reader }) });
  const result = await verifyCredential({
    credential,
    suite: new DataIntegrityProof({ cryptosuite: createVerifyCryptosuite() }),
    documentLoader: didCityDocumentLoader({ resolver }),
    // verified: false when a status bit is set or the list cannot be checked.
    checkStatus: createCheckStatus({ resolver, fetchPolicy }),
  });
  return result.verified;
}
