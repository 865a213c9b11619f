/**
 * verifyOperation and the canonical text it cuts the signed bytes from (parseCanonicalOperation): the same verdicts
 * and hashes as parseOperationWithHash + validateNextOperation, and the unsigned text exactly the JCS of the
 * operation without `proof`, whatever the document holds (nested `proof` members, strings that look like one).
 */
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { DidCityError } from '../src/errors.ts';
import { canonicalBytes, canonicalize } from '../src/jcs.ts';
import {
  didKeyUrl,
  parseCanonicalOperation,
  parseOperation,
  parseOperationWithHash,
  parseVerifiableOperation,
  updateOperation,
} from '../src/operation.ts';
import { resourceOperation } from '../src/resource.ts';
import { applyOperation } from '../src/state.ts';
import type { DidHistory, Operation, StateOperation } from '../src/types.ts';
import { validateNextOperation, verifyOperation } from '../src/validate.ts';
import { CITY, cityCreate, content, expectCode, INSTITUTES, key, mk, registryCreate, sign } from './fixtures/world.ts';

let registry: DidHistory;
let city: DidHistory;
let update: Operation;

beforeAll(async () => {
  registry = applyOperation(undefined, {
    index: 0,
    integratedTime: '2026-11-21T08:00:00Z',
    operation: await registryCreate(),
  });
  city = applyOperation(
    undefined,
    { index: 1, integratedTime: '2026-11-21T08:01:00Z', operation: await cityCreate() },
    { parent: registry },
  );
  update = await sign(updateOperation(city, { document: content(INSTITUTES[0]!) }), [CITY]);
});

function unsigned(op: Operation): Record<string, unknown> {
  const { proof: _proof, ...rest } = op;
  return rest;
}

/** JSON the document's map endpoints may hold, with member names that collide with the operation's. */
const json = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: 'small' },
    fc.string({ unit: 'grapheme' }),
    fc.constantFrom(',"proof":[]', '","proof":[{"x":1}],"seq":1', '\\",\\"proof\\":'),
    fc.integer(),
    fc.boolean(),
    fc.constant(null),
    fc.array(tie('value'), { maxLength: 3 }),
    fc.dictionary(fc.constantFrom('proof', 'seq', 'type', 'did', 'a', 'zz', 'Proof', 'resource'), tie('value'), {
      maxKeys: 4,
    }),
  ),
})).value;

describe('parseCanonicalOperation', () => {
  it('cuts exactly the JCS of the operation without proof, and hashes as parseOperationWithHash', () => {
    fc.assert(
      fc.property(
        fc.dictionary(fc.constantFrom('proof', 'seq', 'k', 'updateKeys'), json, { maxKeys: 4 }),
        (endpoint) => {
          const { document } = update as StateOperation;
          const op = {
            ...update,
            document: { ...document, service: [{ id: '#map', type: 'Custom', serviceEndpoint: endpoint }] },
          };
          const parsed = parseCanonicalOperation(op);
          expect(parsed.unsignedText).toBe(canonicalize(unsigned(op as Operation)));
          expect(parsed.operationHash).toBe(parseOperationWithHash(op).operationHash);
          expect(parsed.operation).toEqual(parseOperation(op));
        },
      ),
      { numRuns: 200 },
    );
  });

  it('cuts an operation with several proofs, and a resource operation (members after proof)', async () => {
    const create = await cityCreate();
    expect(create.proof).toHaveLength(3);
    expect(parseCanonicalOperation(create).unsignedText).toBe(canonicalize(unsigned(create)));
    const resource = await sign(
      resourceOperation(city, {
        resourceId: '8f0e7a52-6a8b-4c1e-9d3f-2b7c5a1e4f60',
        resourceName: 'bus stops ,"proof":[]',
        resourceType: 'Dataset',
        mediaType: 'application/json',
        checksum: 'a'.repeat(64),
      }),
      [CITY],
    );
    const context = { history: city, parent: registry, leafIndex: 2 };
    expect(parseCanonicalOperation(resource).unsignedText).toBe(canonicalize(unsigned(resource)));
    expect(verifyOperation(resource, context).operationHash).toBe(parseOperationWithHash(resource).operationHash);
  });
});

describe('verifyOperation', () => {
  it('accepts what validateNextOperation accepts, with the same operation and hash', () => {
    const received = JSON.parse(JSON.stringify(update)) as unknown;
    const context = { history: city, parent: registry, leafIndex: 2 };
    const verified = verifyOperation(received, context);
    expect(() => validateNextOperation(parseOperation(received), context)).not.toThrow();
    expect(verified).toEqual(parseOperationWithHash(received));
  });

  it('refuses a changed document or a moved proof as validateNextOperation does', () => {
    const context = { history: city, parent: registry, leafIndex: 2 };
    const { document } = update as StateOperation;
    const changed = { ...update, document: { ...document, alsoKnownAs: ['https://sjz.example/'] } };
    expectCode(() => verifyOperation(changed, context), 'INVALID_SIGNATURE');
    expectCode(() => validateNextOperation(parseOperation(changed), context), 'INVALID_SIGNATURE');
    // The proof copied into the document as well: the signed bytes must still be the top-level cut.
    const nested = {
      ...update,
      document: {
        ...document,
        service: [{ id: '#p', type: 'Custom', serviceEndpoint: { proof: update.proof, seq: 1 } }],
      },
    };
    expectCode(() => verifyOperation(nested, context), 'INVALID_SIGNATURE');
    expectCode(() => validateNextOperation(parseOperation(nested), context), 'INVALID_SIGNATURE');
  });
});

/** The error code `action` throws (a DidCityError), or 'accepted'. */
function outcome(action: () => unknown): string {
  try {
    action();
    return 'accepted';
  } catch (error) {
    if (error instanceof DidCityError) return error.code;
    throw error;
  }
}

describe('the fast path of verifyOperation (texts cut from one serialisation, proof configurations joined)', () => {
  it('gives each proof configuration exactly its JCS, and the unsigned text, whatever the proof strings hold', () => {
    const text = fc.oneof(
      fc.string({ unit: 'grapheme' }),
      fc.constantFrom(',"proof":[', '"],"proof":[{"a":1}]', '\\', '\u0000', 'é"\n', '}]'),
    );
    fc.assert(
      fc.property(text, text, (proofPurpose, verificationMethod) => {
        const [proof] = update.proof;
        const op = { ...update, proof: [{ ...proof!, proofPurpose, verificationMethod }, proof!] };
        const { proofConfigTexts, unsignedText } = parseVerifiableOperation(op);
        const parsed = parseOperation(op);
        expect(proofConfigTexts).toStrictEqual(
          parsed.proof.map(({ proofValue: _value, ...config }) => canonicalize(config)),
        );
        expect(unsignedText).toBe(canonicalize(unsigned(parsed)));
      }),
      { numRuns: 300 },
    );
  });

  it('refuses every single-bit change that still parses as JSON, with the code the slow path gives', () => {
    const context = { history: city, parent: registry, leafIndex: 2 };
    const decoder = new TextDecoder('utf-8', { fatal: true });
    const bytes = canonicalBytes(update);
    let tried = 0;
    for (let bit = 0; bit < bytes.length * 8; bit += 3) {
      const copy = Uint8Array.from(bytes);
      copy[bit >> 3]! ^= 1 << (bit & 7);
      let value: unknown;
      try {
        value = JSON.parse(decoder.decode(copy));
      } catch {
        continue;
      }
      tried++;
      const fast = outcome(() => verifyOperation(value, context));
      expect(fast, `bit ${bit}`).not.toBe('accepted');
      expect(fast, `bit ${bit}`).toBe(outcome(() => validateNextOperation(parseOperation(value), context)));
    }
    expect(tried).toBeGreaterThan(500);
  });

  it('refuses a proof whose configuration changed, or that names another key, after the right key was cached', async () => {
    const context = { history: city, parent: registry, leafIndex: 2 };
    expect(verifyOperation(update, context).operation).toEqual(parseOperation(update));
    const [proof] = update.proof;
    const other = key('fast-path-other');
    const changed: Array<Partial<typeof proof>> = [
      { created: '2026-11-21T08:00:01Z' },
      { verificationMethod: didKeyUrl(mk(other)) },
      { verificationMethod: didKeyUrl(mk(INSTITUTES[0]!)) },
    ];
    for (const change of changed) {
      const tampered = { ...update, proof: [{ ...proof!, ...change }] };
      expectCode(() => verifyOperation(tampered, context), 'INVALID_SIGNATURE');
    }
    // The same operation signed by another key, claiming CITY's key, and CITY's signature claiming the other key.
    const byOther = await sign(updateOperation(city, { document: content(INSTITUTES[0]!) }), [other]);
    const claimed = { ...byOther, proof: [{ ...byOther.proof[0]!, verificationMethod: proof!.verificationMethod }] };
    expectCode(() => verifyOperation(claimed, context), 'INVALID_SIGNATURE');
    expectCode(() => verifyOperation(byOther, context), 'UNAUTHORIZED_OPERATION');
    // Neither left anything behind: the genuine operation still verifies, a tampered one is still refused.
    expect(verifyOperation(update, context).operationHash).toBe(parseOperationWithHash(update).operationHash);
    expectCode(
      () => verifyOperation({ ...update, proof: [{ ...proof!, ...changed[0] }] }, context),
      'INVALID_SIGNATURE',
    );
  });
});
