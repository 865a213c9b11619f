/**
 * The document content of an operation (spec §3.2) and the DID document a resolver builds from it (spec §5).
 * Validation runs at submission, so a document that breaks a rule never reaches the log: every failure is
 * INVALID_OPERATION with the path of the offending member.
 */
import { checkHistoryLimitServices } from './history-limits.ts';
import { parsePolicy } from '@did-city/tlog';
import { parentDid } from './did.ts';
import { DidCityError } from './errors.ts';
import { copyJson } from './json-values.ts';
import { multikeyType } from './multikey.ts';
import type { DIDDocument, DocumentContent, Service, VerificationMethod } from './types.ts';

export const DID_CONTEXTS = ['https://www.w3.org/ns/did/v1', 'https://w3id.org/security/multikey/v1'] as const;

export const RELATIONSHIPS = [
  'authentication',
  'assertionMethod',
  'keyAgreement',
  'capabilityInvocation',
  'capabilityDelegation',
] as const;

type Relationship = (typeof RELATIONSHIPS)[number];

const MEMBERS = new Set<string>(['verificationMethod', ...RELATIONSHIPS, 'service', 'alsoKnownAs', 'controller']);
const METHOD_MEMBERS = new Set(['id', 'type', 'controller', 'publicKeyMultibase']);

/** RFC 3986 fragment characters (pchar / "/" / "?"), at least one. */
const FRAGMENT = /^(?:[A-Za-z0-9\-._~!$&'()*+,;=:@/?]|%[0-9A-Fa-f]{2})+$/;
/** W3C DID Core §3.1 DID syntax (any method). */
const ANY_DID = /^did:[a-z0-9]+:(?:(?:[A-Za-z0-9._-]|%[0-9A-Fa-f]{2})*:)*(?:[A-Za-z0-9._-]|%[0-9A-Fa-f]{2})+$/;
const URI_SCHEME = /^[A-Za-z][A-Za-z0-9+.-]*:\S*$/;

export function invalidOperation(path: string, what: string): never {
  throw new DidCityError('INVALID_OPERATION', `${path}: ${what}`);
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isUri(value: unknown): value is string {
  return typeof value === 'string' && URI_SCHEME.test(value) && URL.canParse(value);
}

export function isDid(value: unknown): value is string {
  return typeof value === 'string' && ANY_DID.test(value);
}

function arrayAt(value: unknown, path: string): unknown[] {
  if (!Array.isArray(value)) invalidOperation(path, 'must be an array');
  return value;
}

function checkUnique(values: readonly unknown[], path: string): void {
  const seen = new Set<unknown>();
  values.forEach((value, index) => {
    if (seen.has(value)) invalidOperation(`${path}[${index}]`, `duplicate value ${JSON.stringify(value)}`);
    seen.add(value);
  });
}

/** The fragment an id or reference names: `#key-1` or `<this DID>#key-1`; anything else is rejected. */
function fragmentOf(did: string, id: unknown, path: string): string {
  if (typeof id !== 'string') invalidOperation(path, 'must be a string');
  let fragment: string | undefined;
  if (id.startsWith('#')) fragment = id.slice(1);
  else if (id.startsWith(`${did}#`)) fragment = id.slice(did.length + 1);
  if (fragment === undefined) invalidOperation(path, `"${id}" is neither relative ("#…") nor an absolute id of ${did}`);
  if (!FRAGMENT.test(fragment)) invalidOperation(path, `"${id}" has an invalid fragment`);
  return fragment;
}

function checkMembers(value: Record<string, unknown>, allowed: ReadonlySet<string>, path: string): void {
  for (const key of Object.keys(value)) {
    if (!allowed.has(key)) invalidOperation(`${path}.${key}`, 'unknown member');
  }
}

function checkMethod(did: string, method: unknown, path: string, fragments: Set<string>): string {
  if (!isRecord(method)) invalidOperation(path, 'must be an object (embedded verification method)');
  checkMembers(method, METHOD_MEMBERS, path);
  const fragment = fragmentOf(did, method.id, `${path}.id`);
  if (fragments.has(fragment)) invalidOperation(`${path}.id`, `fragment "#${fragment}" is used twice`);
  fragments.add(fragment);
  if (method.type !== 'Multikey') invalidOperation(`${path}.type`, 'must be "Multikey"');
  if (method.controller !== undefined && !isDid(method.controller))
    invalidOperation(`${path}.controller`, 'must be a DID');
  try {
    multikeyType(method.publicKeyMultibase as string);
  } catch (cause) {
    invalidOperation(`${path}.publicKeyMultibase`, `not a valid Multikey (${(cause as Error).message})`);
  }
  return fragment;
}

function checkServiceType(type: unknown, path: string): void {
  const types = Array.isArray(type) ? type : [type];
  if (types.length === 0) invalidOperation(path, 'must not be empty');
  types.forEach((value, index) => {
    if (typeof value !== 'string' || value === '') invalidOperation(`${path}[${index}]`, 'must be a non-empty string');
  });
  checkUnique(types, path);
}

function checkEndpoint(endpoint: unknown, path: string): void {
  const values = Array.isArray(endpoint) ? endpoint : [endpoint];
  if (values.length === 0) invalidOperation(path, 'must not be empty');
  values.forEach((value, index) => {
    const at = Array.isArray(endpoint) ? `${path}[${index}]` : path;
    if (!isUri(value) && !isRecord(value)) invalidOperation(at, 'must be an absolute URI or a map');
  });
}

function checkService(did: string, service: unknown, path: string, fragments: Set<string>): void {
  if (!isRecord(service)) invalidOperation(path, 'must be an object');
  const fragment = fragmentOf(did, service.id, `${path}.id`);
  if (fragments.has(fragment)) invalidOperation(`${path}.id`, `fragment "#${fragment}" is used twice`);
  fragments.add(fragment);
  checkServiceType(service.type, `${path}.type`);
  checkEndpoint(service.serviceEndpoint, `${path}.serviceEndpoint`);
}

/** Service type under which a country registry publishes its network's ledger policy (spec §7.8, R-GOV-1). */
export const LEDGER_POLICY_SERVICE = 'CityLedgerPolicy';

function isPolicyService(service: unknown): boolean {
  return hasType(service, LEDGER_POLICY_SERVICE);
}

function isRegistry(did: string): boolean {
  try {
    return parentDid(did) === undefined;
  } catch {
    return false;
  }
}

/**
 * R-GOV-1: only a country registry carries a ledger policy, in at most one service whose endpoint is the map
 * `{ "policy": "<C2SP tlog-policy text>" }`, and the text must parse as a tlog-policy.
 */
function checkPolicyServices(did: string, services: readonly unknown[], path: string): void {
  let found = false;
  services.forEach((service, index) => {
    if (!isPolicyService(service)) return;
    const at = `${path}[${index}]`;
    if (!isRegistry(did)) invalidOperation(`${at}.type`, `only a country registry carries a ${LEDGER_POLICY_SERVICE}`);
    if (found) invalidOperation(at, `a second ${LEDGER_POLICY_SERVICE} service`);
    found = true;
    if (Array.isArray((service as Record<string, unknown>).type))
      invalidOperation(`${at}.type`, `must be the single type "${LEDGER_POLICY_SERVICE}"`);
    const endpoint = (service as Record<string, unknown>).serviceEndpoint;
    if (!isRecord(endpoint) || Object.keys(endpoint).length !== 1 || typeof endpoint.policy !== 'string') {
      invalidOperation(`${at}.serviceEndpoint`, 'must be the map { "policy": "<C2SP tlog-policy text>" }');
    }
    try {
      parsePolicy(endpoint.policy);
    } catch (cause) {
      invalidOperation(`${at}.serviceEndpoint.policy`, `not a C2SP tlog-policy (${(cause as Error).message})`);
    }
  });
}

/** Service type under which a country registry states the code-table edition it allocates from (spec §2.2). */
export const DIVISION_EDITION_SERVICE = 'CityDivisionEdition';

const EDITION = /^\d{4}$/;

function hasType(service: unknown, type: string): boolean {
  if (!isRecord(service)) return false;
  const types = service.type;
  return Array.isArray(types) ? types.includes(type) : types === type;
}

/** R-DIV-1: only a country registry states an edition, in at most one service `{ "edition": "<year>" }`. */
function checkEditionServices(did: string, services: readonly unknown[], path: string): void {
  const found: number[] = [];
  for (let index = 0; index < services.length; index++) {
    if (hasType(services[index], DIVISION_EDITION_SERVICE)) found.push(index);
  }
  for (const index of found) {
    const at = `${path}[${index}]`;
    const service = services[index] as Record<string, unknown>;
    if (!isRegistry(did))
      invalidOperation(`${at}.type`, `only a country registry carries a ${DIVISION_EDITION_SERVICE}`);
    if (index !== found[0]) invalidOperation(at, `a second ${DIVISION_EDITION_SERVICE} service`);
    if (service.type !== DIVISION_EDITION_SERVICE)
      invalidOperation(`${at}.type`, `must be the single type "${DIVISION_EDITION_SERVICE}"`);
    const endpoint = service.serviceEndpoint;
    if (
      !isRecord(endpoint) ||
      Object.keys(endpoint).length !== 1 ||
      typeof endpoint.edition !== 'string' ||
      !EDITION.test(endpoint.edition)
    ) {
      invalidOperation(`${at}.serviceEndpoint`, 'must be the map { "edition": "<year of the GB/T 2260 edition>" }');
    }
  }
}

/** The edition a registry document (or document content) states in its `CityDivisionEdition` service, or undefined. */
export function divisionEditionOf(content: { service?: readonly Service[] } | undefined): string | undefined {
  const endpoint = content?.service?.find((service) => hasType(service, DIVISION_EDITION_SERVICE))?.serviceEndpoint;
  return isRecord(endpoint) && typeof endpoint.edition === 'string' ? endpoint.edition : undefined;
}

/**
 * The ledger policy text a registry document (or document content) carries in its `CityLedgerPolicy` service
 * (spec §7.8), or undefined. Assumes the content passed checkDocumentContent.
 */
export function ledgerPolicyOf(content: { service?: readonly Service[] } | undefined): string | undefined {
  const service = content?.service?.find(isPolicyService);
  const endpoint = service?.serviceEndpoint;
  return isRecord(endpoint) && typeof endpoint.policy === 'string' ? endpoint.policy : undefined;
}

function checkRelationship(did: string, refs: unknown, path: string, methods: ReadonlySet<string>): void {
  const fragments = arrayAt(refs, path).map((ref, index) => {
    if (isRecord(ref)) invalidOperation(`${path}[${index}]`, 'embedded verification methods are not allowed in 0.1');
    const fragment = fragmentOf(did, ref, `${path}[${index}]`);
    if (!methods.has(fragment))
      invalidOperation(`${path}[${index}]`, `"${ref as string}" is not in verificationMethod`);
    return fragment;
  });
  checkUnique(fragments, path);
}

function checkController(controller: unknown, path: string): void {
  const values = Array.isArray(controller) ? controller : [controller];
  if (values.length === 0) invalidOperation(path, 'must not be empty');
  values.forEach((value, index) => {
    if (!isDid(value)) invalidOperation(Array.isArray(controller) ? `${path}[${index}]` : path, 'must be a DID');
  });
  checkUnique(values, path);
}

function checkAlsoKnownAs(values: unknown, path: string): void {
  arrayAt(values, path).forEach((value, index) => {
    if (!isUri(value)) invalidOperation(`${path}[${index}]`, 'must be an absolute URI');
  });
  checkUnique(values as unknown[], path);
}

/** Checks `value` against spec §3.2 for `did`; `value` must be plain JSON data (parsed, not user objects). */
export function checkDocumentContent(value: unknown, did: string, path = 'document'): asserts value is DocumentContent {
  if (!isRecord(value)) invalidOperation(path, 'must be an object');
  checkMembers(value, MEMBERS, path);
  const fragments = new Set<string>();
  const methods = new Set<string>();
  if (value.verificationMethod !== undefined) {
    arrayAt(value.verificationMethod, `${path}.verificationMethod`).forEach((method, index) => {
      methods.add(checkMethod(did, method, `${path}.verificationMethod[${index}]`, fragments));
    });
  }
  if (value.service !== undefined) {
    arrayAt(value.service, `${path}.service`).forEach((service, index) => {
      checkService(did, service, `${path}.service[${index}]`, fragments);
    });
    checkPolicyServices(did, value.service as unknown[], `${path}.service`);
    checkEditionServices(did, value.service as unknown[], `${path}.service`);
    checkHistoryLimitServices(did, value.service as unknown[], `${path}.service`);
  }
  for (const relationship of RELATIONSHIPS) {
    if (value[relationship] !== undefined)
      checkRelationship(did, value[relationship], `${path}.${relationship}`, methods);
  }
  if (value.alsoKnownAs !== undefined) checkAlsoKnownAs(value.alsoKnownAs, `${path}.alsoKnownAs`);
  if (value.controller !== undefined) checkController(value.controller, `${path}.controller`);
}

function absolute(did: string, id: string): string {
  return id.startsWith('#') ? `${did}${id}` : id;
}

function buildMethod(did: string, method: VerificationMethod): VerificationMethod & { controller: string } {
  const controller = method.controller ?? did;
  return { id: absolute(did, method.id), type: 'Multikey', controller, publicKeyMultibase: method.publicKeyMultibase };
}

function buildService(did: string, service: Service): Service {
  return { ...copyJson(service), id: absolute(did, service.id) };
}

/** Spec §5 step 3: the DID document of a version, with contexts, `id`, absolute ids and method controllers. */
export function buildDocument(did: string, content: DocumentContent): DIDDocument {
  const document: DIDDocument = { '@context': [...DID_CONTEXTS], id: did };
  if (content.controller !== undefined) {
    document.controller = Array.isArray(content.controller) ? [...content.controller] : content.controller;
  }
  if (content.alsoKnownAs !== undefined) document.alsoKnownAs = [...content.alsoKnownAs];
  if (content.verificationMethod !== undefined) {
    document.verificationMethod = content.verificationMethod.map((method) => buildMethod(did, method));
  }
  for (const relationship of RELATIONSHIPS) {
    const refs: string[] | undefined = content[relationship as Relationship];
    if (refs !== undefined) document[relationship] = refs.map((ref) => absolute(did, ref));
  }
  if (content.service !== undefined) document.service = content.service.map((service) => buildService(did, service));
  return document;
}

/** The operation content that reproduces a built document: what an update starts from. */
export function contentOfDocument(document: DIDDocument): DocumentContent {
  const { '@context': _context, id: _id, ...content } = structuredClone(document);
  return content;
}
