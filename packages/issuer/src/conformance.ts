/**
 * VC Data Model 2.0 rules on the optional members of a credential, checked before anything is signed (rule ids are
 * the spec's section numbers):
 * - §4.4 identifiers: an `id` is one URL (also `credentialSubject.id`, `credentialStatus.id`);
 * - §4.5 types: `credentialStatus`, `credentialSchema`, `refreshService`, `termsOfUse` and `evidence` objects each
 *   carry a `type` (a string or an array of strings); any type is allowed, not only the ones this package reads;
 * - §4.6 names and descriptions: a string, a language value object (`@value`, `@language`, `@direction` and nothing
 *   else), or an array of them;
 * - §5.3 related resources: one or more objects, each with a unique URL `id` and `digestSRI` or `digestMultibase`.
 */
import { issue, type VerificationIssue } from './errors.ts';
import { relatedResourceIssues } from './related-resource.ts';
import { isRecord } from './types.ts';

export const URL_LIKE = /^[a-zA-Z][a-zA-Z0-9+.-]*:\S+$/;

const problem = (message: string) => issue('INVALID_CREDENTIAL', message);

function isTypeValue(type: unknown): boolean {
  const types = Array.isArray(type) ? type : [type];
  return types.length > 0 && types.every((entry) => typeof entry === 'string' && entry.length > 0);
}

/** §4.4: an optional `id` is a single URL. */
export function idIssues(value: Record<string, unknown>, where: string): VerificationIssue[] {
  if (value.id === undefined) return [];
  return typeof value.id === 'string' && URL_LIKE.test(value.id) ? [] : [problem(`${where}.id must be one URL`)];
}

/** §4.5 for one member holding one or more typed objects (credentialStatus, refreshService, …). */
function typedObjectIssues(
  credential: Record<string, unknown>,
  member: string,
  idRequired = false,
): VerificationIssue[] {
  const value = credential[member];
  if (value === undefined) return [];
  const entries = Array.isArray(value) ? value : [value];
  if (entries.length === 0) return [problem(`${member} must hold at least one object`)];
  return entries.flatMap((entry, index) => {
    const where = Array.isArray(value) ? `${member}[${index}]` : member;
    if (!isRecord(entry)) return [problem(`${where} must be an object`)];
    const found = idIssues(entry, where);
    if (!isTypeValue(entry.type)) found.push(problem(`${where}.type is required (a string or an array of strings)`));
    if (idRequired && entry.id === undefined) found.push(problem(`${where}.id is required`));
    return found;
  });
}

const LANGUAGE_VALUE_MEMBERS = new Set(['@value', '@language', '@direction']);
/** BCP 47 in the shape JSON-LD checks (well-formed, not validated against the registry). */
const LANGUAGE_TAG = /^[a-zA-Z]{1,8}(-[a-zA-Z0-9]{1,8})*$/;

function languageValueIssue(value: unknown, where: string): VerificationIssue | undefined {
  if (typeof value === 'string') return undefined;
  if (!isRecord(value) || typeof value['@value'] !== 'string')
    return problem(`${where} must be a string or a language value object with @value`);
  const extra = Object.keys(value).filter((key) => !LANGUAGE_VALUE_MEMBERS.has(key));
  if (extra.length > 0) return problem(`${where} is a language value object and must not carry ${extra.join(', ')}`);
  if (
    value['@language'] !== undefined &&
    (typeof value['@language'] !== 'string' || !LANGUAGE_TAG.test(value['@language']))
  ) {
    return problem(`${where}.@language must be a BCP 47 language tag`);
  }
  if (value['@direction'] !== undefined && value['@direction'] !== 'ltr' && value['@direction'] !== 'rtl') {
    return problem(`${where}.@direction must be ltr or rtl`);
  }
  return undefined;
}

/** §4.6: `name` and `description` of the credential and of its issuer. */
function namesIssues(owner: Record<string, unknown>, where: string): VerificationIssue[] {
  return ['name', 'description'].flatMap((member) => {
    const value = owner[member];
    if (value === undefined) return [];
    const values = Array.isArray(value) ? value : [value];
    return values
      .map((entry, index) =>
        languageValueIssue(entry, Array.isArray(value) ? `${where}${member}[${index}]` : `${where}${member}`),
      )
      .filter((entry) => entry !== undefined);
  });
}

function subjectIdIssues(subject: unknown): VerificationIssue[] {
  const subjects = Array.isArray(subject) ? subject : [subject];
  return subjects.filter(isRecord).flatMap((entry) => idIssues(entry, 'credentialSubject'));
}

/** Every §4.4–§5.3 problem of the optional members of `credential`. */
export function memberIssues(credential: Record<string, unknown>): VerificationIssue[] {
  return [
    ...subjectIdIssues(credential.credentialSubject),
    ...typedObjectIssues(credential, 'credentialStatus'),
    ...typedObjectIssues(credential, 'credentialSchema', true),
    ...typedObjectIssues(credential, 'refreshService'),
    ...typedObjectIssues(credential, 'termsOfUse'),
    ...typedObjectIssues(credential, 'evidence'),
    ...namesIssues(credential, ''),
    ...(isRecord(credential.issuer) ? namesIssues(credential.issuer, 'issuer.') : []),
    ...relatedResourceIssues(credential.relatedResource, 'INVALID_CREDENTIAL'),
  ];
}
