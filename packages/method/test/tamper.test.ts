import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { DidCityError } from '../src/errors.ts';
import { keyHash } from '../src/hash.ts';
import { canonicalBytes } from '../src/jcs.ts';
import { operationHash, parseOperation, updateOperation } from '../src/operation.ts';
import type { Operation } from '../src/types.ts';
import { type ValidationContext, validateNextOperation } from '../src/validate.ts';
import { CITY, cityCreate, INSTITUTES, key, mk, REGISTRY, SJZ, sign, world } from './fixtures/world.ts';

const decoder = new TextDecoder('utf-8', { fatal: true });

function flipBit(bytes: Uint8Array, bit: number): Uint8Array {
  const copy = Uint8Array.from(bytes);
  copy[bit >> 3]! ^= 1 << (bit & 7);
  return copy;
}

/** The tampered bytes as a JSON value, or undefined when they are not UTF-8 JSON any more. */
function asJson(bytes: Uint8Array): unknown {
  try {
    return JSON.parse(decoder.decode(bytes));
  } catch {
    return undefined;
  }
}

/** True when the submission pipeline (parse, then validate) rejects `value` with a DidCityError. */
function rejected(value: unknown, context: ValidationContext): boolean {
  try {
    validateNextOperation(parseOperation(value), context);
    return false;
  } catch (error) {
    if (error instanceof DidCityError) return true;
    throw error;
  }
}

describe.each([
  ['a create (own key + parent quorum of three key types)', 'create'],
  ['an update to a P-256 key committing to the next keys', 'update'],
] as const)('single-bit tampering with %s', (_name, kind) => {
  let op: Operation;
  let context: ValidationContext;

  beforeAll(async () => {
    const ledger = await world();
    const registry = ledger.historyOf(REGISTRY)!;
    if (kind === 'create') {
      op = await cityCreate([CITY, ...INSTITUTES]);
      context = { parent: registry };
    } else {
      const city = ledger.historyOf(SJZ)!;
      const next = key('tamper-next', 'P-256');
      op = await sign(
        updateOperation(city, { updateKeys: [mk(next)], nextKeyHashes: [keyHash(mk(key('tamper-after')))] }),
        [CITY],
      );
      context = { history: city, parent: registry };
    }
    expect(() => validateNextOperation(parseOperation(op), context)).not.toThrow();
  });

  it('is rejected, or changes the operation hash so the next prev no longer chains', () => {
    const bytes = canonicalBytes(op);
    const original = operationHash(op);
    fc.assert(
      fc.property(fc.integer({ min: 0, max: bytes.length * 8 - 1 }), (bit) => {
        const value = asJson(flipBit(bytes, bit));
        fc.pre(value !== undefined);
        if (rejected(value, context)) return true;
        return operationHash(parseOperation(value)) !== original;
      }),
      { numRuns: 3000 },
    );
  });

  it('rejects every tampered operation that still parses as JSON (every 7th bit of the signed operation)', () => {
    const bytes = canonicalBytes(op);
    let parsedAsJson = 0;
    for (let bit = 0; bit < bytes.length * 8; bit += 7) {
      const value = asJson(flipBit(bytes, bit));
      if (value === undefined) continue;
      parsedAsJson++;
      expect(rejected(value, context), `bit ${bit}`).toBe(true);
    }
    expect(parsedAsJson).toBeGreaterThan(100);
  });
});
