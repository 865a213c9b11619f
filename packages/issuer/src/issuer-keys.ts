/**
 * Which keys may have signed a credential: the issuer DID resolved (did:city through its ledger, did:key locally),
 * not deactivated, and the key listed in `assertionMethod` at the time that matters: now (the default: a key rotated
 * away no longer verifies anything, as did-jwt behaves) or, with `keyValidity: 'issuance'`, at the credential's
 * issuance time as the ledger's integration times order it.
 */
import type { Clock, DIDDocument, DIDResolutionResult, KeyType } from '@did-city/method';
import { resolveDidKey } from './did-key.ts';
import { issue, type VerificationIssue } from './errors.ts';
import type { DidResolver } from './types.ts';
import { SM2_MULTIKEY_PREFIX } from './sm2-suite.ts';

export interface ResolvedKey {
  id: string;
  publicKeyMultibase: string;
}

export interface KeyLookup {
  issuer: string;
  /** The verification method the proof or JWS header names; absent: every assertion key of `keyType`. */
  verificationMethod?: string;
  keyType?: KeyType;
  /** Issuance time (ms), used with keyValidity 'issuance'. */
  issuedAt?: number;
  /** The verification relationship the key must be in; default assertionMethod (presentations: authentication). */
  relationship?: 'assertionMethod' | 'authentication';
}

export type KeyValidity = 'now' | 'issuance';

/** Dispatches did:city to the ledger-backed resolver and did:key to the local one; DID URLs to the did:city one. */
export function createDidResolver(options: { city: DidResolver; others?: Record<string, DidResolver> }): DidResolver {
  const { city } = options;
  return {
    // did:city DID URLs go to the city resolver when it dereferences (linked resources: schemas named by DID URL).
    ...(city.dereference === undefined
      ? {}
      : { dereference: (didUrl, dereferencingOptions) => city.dereference!(didUrl, dereferencingOptions) }),
    resolve(did, resolutionOptions) {
      if (did.startsWith('did:city:')) return options.city.resolve(did, resolutionOptions);
      if (did.startsWith('did:key:')) return resolveDidKey(did);
      const method = /^did:([a-z0-9]+):/.exec(did)?.[1];
      const other = method === undefined ? undefined : options.others?.[method];
      if (other !== undefined) return other.resolve(did, resolutionOptions);
      return Promise.resolve(unsupported(did));
    },
  };
}

function unsupported(did: string): DIDResolutionResult {
  const error = {
    type: 'https://www.w3.org/ns/did#METHOD_NOT_SUPPORTED',
    title: 'DID method not supported',
    detail: did,
  };
  return { didResolutionMetadata: { error }, didDocument: null, didDocumentMetadata: {} };
}

/**
 * Remembers resolution results for `ttlMs`. Opt-in: the method resolver's verified-state cache already avoids
 * replaying histories, but still reads the ledger and re-hashes the head on every call (about 60 µs, half an
 * Ed25519 verification). With a memo, a rotation or deactivation is seen up to `ttlMs` late, the same trade a
 * status list's ttl makes for revocation.
 */
export function memoizeResolver(
  resolver: DidResolver,
  options: { ttlMs: number; maxEntries?: number; now?: Clock },
): DidResolver {
  const entries = new Map<string, { expires: number; result: Promise<DIDResolutionResult> }>();
  const now = options.now ?? Date.now;
  return {
    ...(resolver.dereference === undefined
      ? {}
      : { dereference: (didUrl, dereferencingOptions) => resolver.dereference!(didUrl, dereferencingOptions) }),
    resolve(did, resolutionOptions) {
      const key = resolutionOptions === undefined ? did : `${did} ${JSON.stringify(resolutionOptions)}`;
      const hit = entries.get(key);
      if (hit !== undefined && hit.expires > now()) return hit.result;
      const result = resolver.resolve(did, resolutionOptions);
      if (entries.size >= (options.maxEntries ?? 1024)) entries.delete(entries.keys().next().value!);
      entries.set(key, { expires: now() + options.ttlMs, result });
      return result;
    },
  };
}

/** Multikey prefixes by key type: telling the type from the prefix avoids decoding the point on the hot path. */
function keyTypeOf(multikey: string): KeyType | undefined {
  if (multikey.startsWith('z6Mk')) return 'Ed25519';
  if (multikey.startsWith('zDn')) return 'P-256';
  if (multikey.startsWith('zQ3s')) return 'secp256k1';
  if (multikey.startsWith(SM2_MULTIKEY_PREFIX)) return 'SM2';
  return undefined;
}

function didOf(didUrl: string): string {
  const end = didUrl.search(/[#?/]/);
  return end < 0 ? didUrl : didUrl.slice(0, end);
}

function errorText(result: DIDResolutionResult): string {
  const error = result.didResolutionMetadata.error as unknown;
  if (typeof error === 'string') return error;
  const { title, detail } = (error ?? {}) as { title?: string; detail?: string };
  return [title, detail].filter(Boolean).join(': ') || 'no document';
}

async function safeResolve(resolver: DidResolver, did: string, options?: { versionTime: string }) {
  try {
    return await resolver.resolve(did, options);
  } catch (cause) {
    return {
      didResolutionMetadata: { error: `resolver threw: ${(cause as Error).message}` },
      didDocument: null,
      didDocumentMetadata: {},
    } as unknown as DIDResolutionResult;
  }
}

function absolute(id: string, did: string): string {
  return id.startsWith('#') ? `${did}${id}` : id;
}

/** The keys of a document in one verification relationship, relative references made absolute. */
function keysOf(document: DIDDocument, did: string, relationship: 'assertionMethod' | 'authentication'): ResolvedKey[] {
  const methods = new Map<string, string>();
  for (const method of document.verificationMethod ?? []) {
    if (typeof method.publicKeyMultibase === 'string') methods.set(absolute(method.id, did), method.publicKeyMultibase);
  }
  const keys: ResolvedKey[] = [];
  for (const entry of (document[relationship] ?? []) as unknown[]) {
    const embedded =
      typeof entry === 'object' && entry !== null ? (entry as { id?: string; publicKeyMultibase?: string }) : undefined;
    const id = absolute(typeof entry === 'string' ? entry : (embedded?.id ?? ''), did);
    const publicKeyMultibase = embedded?.publicKeyMultibase ?? methods.get(id);
    if (publicKeyMultibase !== undefined) keys.push({ id, publicKeyMultibase });
  }
  return keys;
}

async function documentAt(
  resolver: DidResolver,
  lookup: KeyLookup,
  validity: KeyValidity,
): Promise<DIDDocument | VerificationIssue> {
  const current = await safeResolve(resolver, lookup.issuer);
  if (current.didDocumentMetadata.deactivated === true)
    return issue('ISSUER_DEACTIVATED', `${lookup.issuer} is deactivated`);
  if (current.didDocument === null || current.didDocument === undefined) {
    return issue('ISSUER_UNRESOLVABLE', `${lookup.issuer}: ${errorText(current)}`);
  }
  if (validity === 'now' || lookup.issuedAt === undefined || !lookup.issuer.startsWith('did:city:'))
    return current.didDocument;
  const versionTime = new Date(lookup.issuedAt).toISOString().replace(/\.\d{3}Z$/, 'Z');
  const then = await safeResolve(resolver, lookup.issuer, { versionTime });
  if (then.didDocument === null || then.didDocument === undefined) {
    return issue('KEY_NOT_AUTHORISED', `${lookup.issuer} had no document at the issuance time ${versionTime}`);
  }
  return then.didDocument;
}

/** The keys that may verify the credential, or the issue that rules every key out. */
export async function assertionKeys(
  resolver: DidResolver,
  lookup: KeyLookup,
  validity: KeyValidity = 'now',
): Promise<ResolvedKey[] | VerificationIssue> {
  const { issuer, verificationMethod } = lookup;
  if (verificationMethod !== undefined && didOf(absolute(verificationMethod, issuer)) !== issuer) {
    return issue(
      'ISSUER_MISMATCH',
      `verification method ${verificationMethod} does not belong to the issuer ${issuer}`,
    );
  }
  const document = await documentAt(resolver, lookup, validity);
  if ('code' in document) return document;
  const relationship = lookup.relationship ?? 'assertionMethod';
  let keys = keysOf(document, issuer, relationship);
  if (verificationMethod !== undefined) {
    const wanted = absolute(verificationMethod, issuer);
    keys = keys.filter((key) => key.id === wanted);
    if (keys.length === 0)
      return issue(
        'KEY_NOT_AUTHORISED',
        `${wanted} is not an ${relationship} key of ${issuer}${validity === 'now' ? ' (now)' : ' at issuance'}`,
      );
  }
  if (lookup.keyType !== undefined) keys = keys.filter((key) => keyTypeOf(key.publicKeyMultibase) === lookup.keyType);
  if (keys.length === 0)
    return issue('KEY_NOT_AUTHORISED', `${issuer} has no ${lookup.keyType ?? ''} ${relationship} key`);
  return keys;
}
