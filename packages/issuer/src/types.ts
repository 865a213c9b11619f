/**
 * The credential shapes this package reads and writes, named as the VC Data Model names them.
 * @see https://www.w3.org/TR/vc-data-model-2.0/ and https://www.w3.org/TR/vc-data-model/ (1.1)
 */
import type {
  DataIntegrityProof,
  DereferencingOptions,
  DIDDereferencingResult,
  DIDResolutionOptions,
  DIDResolutionResult,
  Signer,
} from '@did-city/method';
import type { VerificationIssue } from './errors.ts';
import type { RelatedResourceOutcome } from './related-resource.ts';

export const VC_V2_CONTEXT = 'https://www.w3.org/ns/credentials/v2';
export const VC_V1_CONTEXT = 'https://www.w3.org/2018/credentials/v1';

export type Issuer = string | { id: string; [member: string]: unknown };

/** A credential subject: any JSON object; `id` names the subject (a city DID for our types). */
export interface CredentialSubject {
  id?: string;
  [member: string]: unknown;
}

/** Bitstring Status List 1.0 §2.1. */
export interface BitstringStatusListEntry {
  id?: string;
  type: 'BitstringStatusListEntry';
  statusPurpose: string;
  statusListIndex: string;
  statusListCredential: string;
}

export interface CredentialSchemaRef {
  id: string;
  type: string;
}

/** VC 2.0 §5.3 integrity of related resources. */
export interface RelatedResource {
  id: string;
  mediaType?: string;
  digestSRI?: string;
  digestMultibase?: string;
}

/** A credential in either data model (1.1 uses issuanceDate/expirationDate, 2.0 validFrom/validUntil). */
export interface Credential {
  '@context': Array<string | Record<string, unknown>>;
  id?: string;
  type: string[];
  issuer: Issuer;
  validFrom?: string;
  validUntil?: string;
  issuanceDate?: string;
  expirationDate?: string;
  credentialSubject: CredentialSubject | CredentialSubject[];
  credentialStatus?: BitstringStatusListEntry | BitstringStatusListEntry[];
  credentialSchema?: CredentialSchemaRef | CredentialSchemaRef[];
  relatedResource?: RelatedResource | RelatedResource[];
  proof?: DataIntegrityProof | DataIntegrityProof[];
  [member: string]: unknown;
}

/** VC-JOSE-COSE §3.1.1 / VC 2.0 §4.13: a credential secured by an enveloping proof, carried as a data: URL. */
export interface EnvelopedVerifiableCredential {
  '@context': string | string[];
  id: string;
  type: 'EnvelopedVerifiableCredential';
}

/** `vc-jwt` is VC Data Model 1.1 as a JWT (`vc` claim); `vc+jwt` is 2.0 with VC-JOSE-COSE. */
export type CredentialFormat = 'vc-jwt' | 'vc+jwt' | 'data-integrity';

/** The key an issuer signs with: a verification method of its DID document (absolute DID URL) and its signer. */
export interface IssuerKey {
  verificationMethod: string;
  signer: Signer;
}

/** What the verifier needs from DID resolution: did-resolver's `Resolver` and the method's resolver both fit. */
export interface DidResolver {
  resolve(did: string, options?: DIDResolutionOptions): Promise<DIDResolutionResult>;
  /** DID URLs (a did:city resolver's): what schemas named by DID URL are read through. */
  dereference?(didUrl: string, options?: DereferencingOptions): Promise<DIDDereferencingResult>;
}

export interface VerificationResult {
  verified: boolean;
  errors: VerificationIssue[];
  format?: CredentialFormat;
  /** The issuer DID, once read from the credential. */
  issuer?: string;
  /** The credential as the data model sees it (a JWT's claims mapped back to credential members). */
  credential?: Credential;
  /** The verification method that verified the signature. */
  verificationMethod?: string;
  /** Checks that could not be made and do not fail the credential (a related resource that was not fetched). */
  warnings?: VerificationIssue[];
  /** Each `relatedResource`: digest matched, mismatched, or not fetched (and why). */
  relatedResources?: RelatedResourceOutcome[];
}

export function issuerId(issuer: unknown): string | undefined {
  if (typeof issuer === 'string') return issuer;
  if (typeof issuer === 'object' && issuer !== null && typeof (issuer as { id?: unknown }).id === 'string') {
    return (issuer as { id: string }).id;
  }
  return undefined;
}

export function asArray<T>(value: T | T[] | undefined): T[] {
  if (value === undefined) return [];
  return Array.isArray(value) ? value : [value];
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
