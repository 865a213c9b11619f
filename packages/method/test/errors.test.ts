import { readFileSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import { DidCityError, ERRORS, type ErrorCode, isErrorCode, problem, toResolutionProblem } from '../src/errors.ts';

interface RegistryEntry {
  code: string;
  type: string;
  title: string;
  status: number;
  resolutionError?: string;
}

const registry = JSON.parse(readFileSync(new URL('../../../spec/errors.json', import.meta.url), 'utf8')) as {
  errors: RegistryEntry[];
};

describe('error table', () => {
  test('ERRORS deep-equals spec/errors.json, code for code and in the same order', () => {
    const fromSpec = Object.fromEntries(registry.errors.map(({ code, ...entry }) => [code, entry]));
    expect(ERRORS).toStrictEqual(fromSpec);
    expect(Object.keys(ERRORS)).toEqual(registry.errors.map((entry) => entry.code));
  });

  test('every resolutionError is itself a W3C code without a further mapping', () => {
    for (const entry of Object.values(ERRORS)) {
      if (entry.resolutionError === undefined) {
        // DID Resolution's own codes, or the Controlled Identifiers codes it uses for verificationRelationship.
        expect(entry.type).toMatch(/^https:\/\/(www\.w3\.org\/ns\/did|w3id\.org\/security)#/);
        continue;
      }
      expect(entry.type).toMatch(/^https:\/\/w3id\.org\/did-city\/errors#/);
      expect(ERRORS[entry.resolutionError].resolutionError).toBeUndefined();
    }
  });

  test('isErrorCode accepts exactly the table codes', () => {
    expect(isErrorCode('NOT_FOUND')).toBe(true);
    expect(isErrorCode('notFound')).toBe(false);
    expect(isErrorCode('toString')).toBe(false);
    expect(isErrorCode(404)).toBe(false);
  });
});

describe('DidCityError', () => {
  test('carries code, detail, status, type, cause; the message is the detail', () => {
    const cause = new Error('disk full');
    const err = new DidCityError('LEDGER_UNAVAILABLE', 'The ledger did not answer within 5 s', { cause });
    expect(err).toBeInstanceOf(Error);
    expect(err.name).toBe('DidCityError');
    expect(err.code).toBe('LEDGER_UNAVAILABLE');
    expect(err.message).toBe('The ledger did not answer within 5 s');
    expect(err.detail).toBe(err.message);
    expect(err.status).toBe(503);
    expect(err.type).toBe('https://w3id.org/did-city/errors#LEDGER_UNAVAILABLE');
    expect(err.cause).toBe(cause);
  });

  test('toProblem is the RFC 9457 object of its own code', () => {
    expect(new DidCityError('INVALID_SIGNATURE', 'proof 0 does not verify').toProblem()).toStrictEqual({
      type: 'https://w3id.org/did-city/errors#INVALID_SIGNATURE',
      title: 'Invalid signature',
      detail: 'proof 0 does not verify',
      status: 400,
    });
  });
});

describe('problem', () => {
  test('builds type, title, detail and status from the table', () => {
    expect(problem('NOT_FOUND', 'no operations for did:city:cn:110000')).toStrictEqual({
      type: 'https://www.w3.org/ns/did#NOT_FOUND',
      title: 'DID not found',
      detail: 'no operations for did:city:cn:110000',
      status: 404,
    });
  });
});

describe('toResolutionProblem', () => {
  test('a W3C code is reported as itself', () => {
    expect(toResolutionProblem(new DidCityError('INVALID_DID', 'bad'))).toStrictEqual(problem('INVALID_DID', 'bad'));
  });

  test.each<[ErrorCode, ErrorCode]>([
    ['INVALID_OPERATION', 'INVALID_DID_DOCUMENT'],
    ['INVALID_SIGNATURE', 'INVALID_DID_DOCUMENT'],
    ['DID_DEACTIVATED', 'INVALID_DID_DOCUMENT'],
    ['INVALID_LEDGER_PROOF', 'INTERNAL_ERROR'],
    ['LEDGER_UNAVAILABLE', 'INTERNAL_ERROR'],
  ])('%s is reported as %s with the original detail', (code, reported) => {
    expect(toResolutionProblem(new DidCityError(code, 'the detail'))).toStrictEqual(problem(reported, 'the detail'));
  });

  test('any other thrown value is INTERNAL_ERROR without echoing its message', () => {
    for (const thrown of [new TypeError('secret path /etc/x'), 'a string', undefined, { code: 'NOT_FOUND' }]) {
      const result = toResolutionProblem(thrown);
      expect(result.type).toBe('https://www.w3.org/ns/did#INTERNAL_ERROR');
      expect(result.status).toBe(500);
      expect(result.detail).not.toContain('secret');
      expect(result.detail.length).toBeGreaterThan(0);
    }
  });
});
