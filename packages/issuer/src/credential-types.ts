/**
 * Builders for the four did:city credential types. They return unsigned VC 2.0 credentials; `createIssuer().issue`
 * adds id, dates, schema reference and status, then signs in the requested format.
 */
import { lookupDivision, parseDid } from '@did-city/method';
import { CITY_CREDENTIALS_CONTEXT } from './context.ts';
import { IssuerError } from './errors.ts';
import type { Credential, RelatedResource } from './types.ts';
import { VC_V2_CONTEXT } from './types.ts';

interface Common {
  issuer: string;
  validFrom?: string;
  validUntil?: string;
}

function base(type: string, common: Common, subject: Record<string, unknown>): Credential {
  const credential: Credential = {
    '@context': [VC_V2_CONTEXT, CITY_CREDENTIALS_CONTEXT],
    type: ['VerifiableCredential', type],
    issuer: common.issuer,
    credentialSubject: subject,
  };
  if (common.validFrom !== undefined) credential.validFrom = common.validFrom;
  if (common.validUntil !== undefined) credential.validUntil = common.validUntil;
  return credential;
}

/**
 * The national registry attests who a city is: official names (Chinese from the bundled GB/T 2260 table, English
 * given), division code, level and parent division.
 */
export function cityIdentityCredential(input: Common & { city: string; nameEn: string }): Credential {
  const parsed = parseDid(input.city);
  const division = parsed.division === undefined ? undefined : lookupDivision(parsed.division);
  if (division === undefined || parsed.subIds.length > 0) {
    throw new IssuerError('INVALID_CREDENTIAL', `${input.city} is not a division in the official table`);
  }
  const network = parsed.network === undefined ? '' : `${parsed.network}:`;
  const subject: Record<string, unknown> = {
    id: parsed.did,
    type: 'City',
    officialName: { zh: division.name, en: input.nameEn },
    divisionCode: division.code,
    level: division.level,
    country: parsed.country,
  };
  if (division.parent !== undefined) subject.parentDivision = `did:city:${network}${parsed.country}:${division.parent}`;
  return base('CityIdentityCredential', input, subject);
}

export function smartCityPilotCredential(
  input: Common & {
    city: string;
    programme: string;
    programmeId?: string;
    batch: number;
    year: number;
    pilotStatus: string;
  },
): Credential {
  const { city, programme, programmeId, batch, year, pilotStatus } = input;
  const subject: Record<string, unknown> = { id: city, type: 'City', programme, batch, year, pilotStatus };
  if (programmeId !== undefined) subject.programmeId = programmeId;
  return base('SmartCityPilotCredential', input, subject);
}

export function authorityAccreditationCredential(
  input: Common & { institute: string; nameZh: string; nameEn: string; role: string[]; accreditedScope: string },
): Credential {
  return base('AuthorityAccreditationCredential', input, {
    id: input.institute,
    type: 'AuthorityInstitute',
    officialName: { zh: input.nameZh, en: input.nameEn },
    role: [...input.role],
    accreditedScope: input.accreditedScope,
  });
}

/**
 * A city attests what it shares with another city: the dataset's URL and a digest of its content in
 * `relatedResource`, so a verifier can tell the data it fetched is the data attested.
 */
export function cityDataSharingCredential(
  input: Common & {
    recipient: string;
    dataset: string;
    datasetName: string;
    purpose: string;
    licence?: string;
    digest: Omit<RelatedResource, 'id'>;
  },
): Credential {
  const subject: Record<string, unknown> = {
    id: input.recipient,
    provider: input.issuer,
    dataset: input.dataset,
    datasetName: input.datasetName,
    purpose: input.purpose,
  };
  if (input.licence !== undefined) subject.licence = input.licence;
  const credential = base('CityDataSharingCredential', input, subject);
  credential.relatedResource = [{ id: input.dataset, ...input.digest }];
  return credential;
}
