/**
 * JSON Schemas (2020-12, as VC JSON Schema uses them) of the four did:city credential types. They constrain the
 * type-specific members and leave the envelope (contexts, dates, proofs) to the data model checks, so the same
 * schema validates a credential in VC 1.1 and 2.0 form. Each `$id` is a stable URL; the issuer serves the same
 * documents under `/schemas/v1/<file>` and credentials reference the served copy in `credentialSchema`.
 */
export const SCHEMA_BASE = 'https://w3id.org/did-city/schemas/v1/';

const CITY_DID =
  '^did:city:(?:[a-z][a-z0-9]{2,15}:)?[a-z]{2}(?::[0-9]{6}(?::[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?){0,4})?$';
const DID = '^did:[a-z0-9]+:.+$';

const bilingualName = {
  type: 'object',
  required: ['zh', 'en'],
  properties: {
    zh: { type: 'string', minLength: 1, maxLength: 200 },
    en: { type: 'string', minLength: 1, maxLength: 200 },
  },
  additionalProperties: { type: 'string', maxLength: 200 },
};

function credentialSchema(file: string, type: string, title: string, subject: Record<string, unknown>) {
  return Object.freeze({
    $schema: 'https://json-schema.org/draft/2020-12/schema',
    $id: `${SCHEMA_BASE}${file}`,
    title,
    type: 'object',
    required: ['type', 'credentialSubject', 'issuer'],
    properties: {
      type: { type: 'array', contains: { const: type } },
      issuer: {
        anyOf: [
          { type: 'string', pattern: CITY_DID },
          { type: 'object', required: ['id'], properties: { id: { type: 'string', pattern: CITY_DID } } },
        ],
      },
      credentialSubject: subject,
    },
  });
}

export const CITY_IDENTITY_SCHEMA = credentialSchema('city-identity.json', 'CityIdentityCredential', 'City identity', {
  type: 'object',
  required: ['id', 'officialName', 'divisionCode', 'level', 'country'],
  properties: {
    id: { type: 'string', pattern: CITY_DID },
    type: { const: 'City' },
    officialName: bilingualName,
    divisionCode: { type: 'string', pattern: '^[0-9]{6}$' },
    level: { enum: ['province', 'city', 'county'] },
    country: { type: 'string', pattern: '^[a-z]{2}$' },
    parentDivision: { type: 'string', pattern: CITY_DID },
  },
  additionalProperties: false,
});

export const SMART_CITY_PILOT_SCHEMA = credentialSchema(
  'smart-city-pilot.json',
  'SmartCityPilotCredential',
  'Smart-city pilot',
  {
    type: 'object',
    required: ['id', 'programme', 'batch', 'year', 'pilotStatus'],
    properties: {
      id: { type: 'string', pattern: CITY_DID },
      type: { const: 'City' },
      programme: { type: 'string', minLength: 1, maxLength: 200 },
      programmeId: { type: 'string', format: 'uri' },
      batch: { type: 'integer', minimum: 1, maximum: 100 },
      year: { type: 'integer', minimum: 2000, maximum: 2100 },
      pilotStatus: { enum: ['selected', 'active', 'accepted', 'completed', 'withdrawn'] },
    },
    additionalProperties: false,
  },
);

export const AUTHORITY_ACCREDITATION_SCHEMA = credentialSchema(
  'authority-accreditation.json',
  'AuthorityAccreditationCredential',
  'Accreditation of an authority institute',
  {
    type: 'object',
    required: ['id', 'officialName', 'role', 'accreditedScope'],
    properties: {
      id: { type: 'string', pattern: DID },
      type: { const: 'AuthorityInstitute' },
      officialName: bilingualName,
      role: {
        type: 'array',
        minItems: 1,
        uniqueItems: true,
        items: { enum: ['registryController', 'sequencer', 'witness', 'auditor'] },
      },
      accreditedScope: { type: 'string', pattern: CITY_DID },
    },
    additionalProperties: false,
  },
);

export const CITY_DATA_SHARING_SCHEMA = credentialSchema(
  'city-data-sharing.json',
  'CityDataSharingCredential',
  'City-to-city data-sharing attestation',
  {
    type: 'object',
    required: ['id', 'provider', 'dataset', 'datasetName', 'purpose'],
    properties: {
      id: { type: 'string', pattern: CITY_DID },
      provider: { type: 'string', pattern: CITY_DID },
      dataset: { type: 'string', format: 'uri' },
      datasetName: { type: 'string', minLength: 1, maxLength: 200 },
      purpose: { type: 'string', minLength: 1, maxLength: 500 },
      licence: { type: 'string', format: 'uri' },
    },
    additionalProperties: false,
  },
);

export const BUNDLED_SCHEMAS = Object.freeze({
  CityIdentityCredential: CITY_IDENTITY_SCHEMA,
  SmartCityPilotCredential: SMART_CITY_PILOT_SCHEMA,
  AuthorityAccreditationCredential: AUTHORITY_ACCREDITATION_SCHEMA,
  CityDataSharingCredential: CITY_DATA_SHARING_SCHEMA,
});

export type CityCredentialType = keyof typeof BUNDLED_SCHEMAS;

/** The bundled schema file names, as served under `/schemas/v1/`. */
export function schemaFile(schema: { $id: string }): string {
  return schema.$id.slice(SCHEMA_BASE.length);
}
