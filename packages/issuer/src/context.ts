/**
 * The did:city credentials JSON-LD context, bundled: verifiers and our own code never fetch it. The issuer serves
 * the same bytes at `/contexts/credentials/v1`; its stable URL is CITY_CREDENTIALS_CONTEXT.
 * Protected, and it redefines no VC 2.0 term (a protected redefinition would be a JSON-LD error for a processor
 * that expands our credentials).
 */
export const CITY_CREDENTIALS_CONTEXT = 'https://w3id.org/did-city/credentials/v1';

const VOCAB = 'https://w3id.org/did-city/vocab#';

function term(name: string, extra: Record<string, unknown> = {}): Record<string, unknown> | string {
  return Object.keys(extra).length === 0 ? `${VOCAB}${name}` : { '@id': `${VOCAB}${name}`, ...extra };
}

const XSD_INTEGER = 'http://www.w3.org/2001/XMLSchema#integer';

export const CITY_CREDENTIALS_CONTEXT_DOCUMENT = Object.freeze({
  '@context': {
    '@version': 1.1,
    '@protected': true,
    CityIdentityCredential: term('CityIdentityCredential'),
    SmartCityPilotCredential: term('SmartCityPilotCredential'),
    AuthorityAccreditationCredential: term('AuthorityAccreditationCredential'),
    CityDataSharingCredential: term('CityDataSharingCredential'),
    City: term('City'),
    AuthorityInstitute: term('AuthorityInstitute'),
    Dataset: term('Dataset'),
    officialName: term('officialName', { '@container': '@language' }),
    divisionCode: term('divisionCode'),
    level: term('level'),
    country: term('country'),
    parentDivision: term('parentDivision', { '@type': '@id' }),
    programme: term('programme'),
    programmeId: term('programmeId', { '@type': '@id' }),
    batch: term('batch', { '@type': XSD_INTEGER }),
    year: term('year', { '@type': XSD_INTEGER }),
    pilotStatus: term('pilotStatus'),
    role: term('role'),
    accreditedScope: term('accreditedScope', { '@type': '@id' }),
    dataset: term('dataset', { '@type': '@id' }),
    datasetName: term('datasetName'),
    purpose: term('purpose'),
    licence: term('licence', { '@type': '@id' }),
    provider: term('provider', { '@type': '@id' }),
  },
});
