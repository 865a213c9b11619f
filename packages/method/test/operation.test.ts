import { beforeAll, describe, expect, it } from 'vitest';
import { canonicalBytes } from '../src/jcs.ts';
import fc from 'fast-check';
import { base58btc } from 'multiformats/bases/base58';
import { multihashSha256 } from '../src/hash.ts';
import {
  createOperation,
  deactivateOperation,
  isMultihashSha256,
  MAX_OPERATION_BYTES,
  operationHash,
  parseOperation,
  parseOperationWithHash,
  recoverOperation,
  updateOperation,
} from '../src/operation.ts';
import type { Operation, StateOperation } from '../src/types.ts';
import { CITY, cityCreate, content, expectCode, INSTITUTES, key, mk, SJZ, sign } from './fixtures/world.ts';

let create: Operation;
let deactivate: Operation;

beforeAll(async () => {
  create = await cityCreate();
  deactivate = await sign(deactivateOperation({ did: SJZ, seq: 0, operationHash: operationHash(create) }), [CITY]);
});

/** A copy of the create with `path` (dot/bracket free: a list of keys) set to `value`, or deleted when undefined. */
function change(op: Operation, path: Array<string | number>, value: unknown): Record<string, unknown> {
  const copy = structuredClone(op) as unknown as Record<string, unknown>;
  let target = copy as Record<string | number, unknown>;
  for (const key of path.slice(0, -1)) target = target[key] as Record<string | number, unknown>;
  const last = path.at(-1)!;
  if (value === undefined) delete target[last];
  else target[last] = value;
  return copy;
}

function invalid(value: unknown, detail: string | RegExp): void {
  expectCode(() => parseOperation(value), 'INVALID_OPERATION', detail);
}

describe('parseOperation: members (spec §3.1)', () => {
  it('returns a detached, canonical copy equal to the input', () => {
    const parsed = parseOperation(create);
    expect(parsed).toEqual(create);
    expect(parsed).not.toBe(create);
    expect(Object.keys(parsed)).toEqual(['did', 'document', 'prev', 'proof', 'seq', 'threshold', 'type', 'updateKeys']);
    expect(parseOperation(deactivate)).toEqual(deactivate);
  });

  it('rejects non-objects and values outside JSON', () => {
    invalid(null, /^operation: must be a JSON object/);
    invalid([create], /^operation: must be a JSON object/);
    invalid('{}', /^operation: must be a JSON object/);
    invalid({ ...create, threshold: Number.NaN }, /^operation: /);
    invalid({ ...create, updateKeys: [mk(CITY), undefined] }, /^operation: /);
  });

  it('rejects unknown and missing members, per type', () => {
    invalid({ ...create, extra: 1 }, /^extra: unknown member for a create operation/);
    invalid({ ...deactivate, document: {} }, /^document: unknown member for a deactivate/);
    invalid({ ...deactivate, updateKeys: [mk(CITY)] }, /^updateKeys: unknown member/);
    invalid({ ...create, successor: 'did:city:cn:130200' }, /^successor: unknown member for a create/);
    for (const member of ['did', 'seq', 'prev', 'updateKeys', 'threshold', 'document', 'proof']) {
      invalid(change(create, [member], undefined), new RegExp(`^${member}: missing`));
    }
    invalid(change(create, ['type'], 'rotate'), /^type: must be/);
  });

  it('checks did, seq and prev consistency', () => {
    invalid({ ...create, did: 'did:city:CN:130100' }, /^did: must be a canonical did:city DID/);
    invalid({ ...create, did: 'did:web:example.com' }, /^did: /);
    invalid({ ...create, seq: 1 }, /^seq: must be 0 for a create/);
    invalid({ ...create, seq: -1 }, /^seq: must be a non-negative integer/);
    invalid({ ...create, seq: 0.5 }, /^seq: /);
    invalid({ ...create, prev: operationHash(create) }, /^prev: must be null for a create/);
    invalid({ ...deactivate, seq: 0 }, /^seq: must be at least 1 for a deactivate/);
    invalid({ ...deactivate, prev: null }, /^prev: must be the operation hash/);
    invalid({ ...deactivate, prev: 'zQmNotAHash' }, /^prev: /);
    invalid({ ...deactivate, prev: mk(CITY) }, /^prev: /);
  });

  it('checks updateKeys: 1 to 10 distinct valid Multikeys', () => {
    const eleven = Array.from({ length: 11 }, (_, index) => mk(key(`k${index}`)));
    invalid({ ...create, updateKeys: [] }, /^updateKeys: must hold 1 to 10 entries, has 0/);
    invalid({ ...create, updateKeys: eleven }, /^updateKeys: must hold 1 to 10 entries, has 11/);
    expect(() => parseOperation({ ...create, updateKeys: eleven.slice(0, 10) })).not.toThrow();
    invalid({ ...create, updateKeys: [mk(CITY), mk(CITY)] }, /^updateKeys\[1\]: duplicate of updateKeys\[0\]/);
    invalid({ ...create, updateKeys: ['z6MkNotAKey'] }, /^updateKeys\[0\]: not a valid Multikey/);
    invalid({ ...create, updateKeys: [42] }, /^updateKeys\[0\]: must be a string/);
    invalid({ ...create, updateKeys: mk(CITY) }, /^updateKeys: must be an array/);
  });

  it('checks the threshold range', () => {
    invalid({ ...create, threshold: 0 }, /^threshold: must be an integer from 1 to 1/);
    invalid({ ...create, threshold: 2 }, /^threshold: /);
    invalid({ ...create, threshold: '1' }, /^threshold: /);
    expect(() => parseOperation({ ...create, updateKeys: INSTITUTES.map(mk), threshold: 3 })).not.toThrow();
  });

  it('checks nextKeyHashes: 1 to 10 distinct sha2-256 multihashes', () => {
    const hash = operationHash(create);
    expect(() => parseOperation({ ...create, nextKeyHashes: [hash] })).not.toThrow();
    invalid({ ...create, nextKeyHashes: [] }, /^nextKeyHashes: must hold 1 to 10/);
    invalid({ ...create, nextKeyHashes: [hash, hash] }, /^nextKeyHashes\[1\]: duplicate/);
    invalid({ ...create, nextKeyHashes: [mk(CITY)] }, /^nextKeyHashes\[0\]: must be a sha2-256 multihash/);
    invalid({ ...deactivate, nextKeyHashes: [hash] }, /^nextKeyHashes: unknown member/);
  });

  it('checks successor', () => {
    expect(() => parseOperation({ ...deactivate, successor: 'did:city:cn:130200' })).not.toThrow();
    invalid({ ...deactivate, successor: SJZ }, /^successor: /);
    invalid({ ...deactivate, successor: 'https://example.com' }, /^successor: /);
  });

  it('checks the proof array and each proof member', () => {
    invalid({ ...create, proof: [] }, /^proof: must be a non-empty array/);
    invalid({ ...create, proof: create.proof[0] }, /^proof: must be a non-empty array/);
    invalid(change(create, ['proof', 0, 'extra'], 1), /^proof\[0\]\.extra: unknown member/);
    invalid(
      change(create, ['proof', 0, '@context'], ['https://www.w3.org/ns/did/v1']),
      /^proof\[0\]\.@context: unknown member/,
    );
    invalid(change(create, ['proof', 1, 'created'], undefined), /^proof\[1\]\.created: missing/);
    invalid(change(create, ['proof', 0, 'type'], 'Ed25519Signature2020'), /^proof\[0\]\.type: /);
    invalid(change(create, ['proof', 0, 'cryptosuite'], 'eddsa-rdfc-2022'), /^proof\[0\]\.cryptosuite: /);
    invalid(change(create, ['proof', 0, 'created'], '2026-11-21T08:00:00+08:00'), /^proof\[0\]\.created: .*UTC/);
    invalid(change(create, ['proof', 0, 'created'], '2026-13-21T08:00:00Z'), /^proof\[0\]\.created: /);
    invalid(change(create, ['proof', 0, 'proofValue'], 'uAAAA'), /^proof\[0\]\.proofValue: /);
    invalid(change(create, ['proof', 0, 'proofPurpose'], 7), /^proof\[0\]\.proofPurpose: must be a string/);
  });
});

describe('parseOperation: document content (spec §3.2)', () => {
  const vm = (id: string, extra: object = {}) => ({ id, type: 'Multikey', publicKeyMultibase: mk(CITY), ...extra });
  const doc = (document: unknown) => ({ ...create, document });

  it('accepts relative and absolute ids of this DID, controllers, services and alsoKnownAs', () => {
    const document = {
      verificationMethod: [vm('#key-1'), vm(`${SJZ}#key-2`, { controller: 'did:web:sjz.example' })],
      authentication: ['#key-1', `${SJZ}#key-2`],
      assertionMethod: [`${SJZ}#key-1`],
      keyAgreement: ['#key-2'],
      capabilityInvocation: ['#key-1'],
      capabilityDelegation: ['#key-2'],
      service: [
        { id: '#data', type: 'LinkedDomains', serviceEndpoint: 'https://data.sjz.example/' },
        {
          id: `${SJZ}#hub`,
          type: ['DIDCommMessaging'],
          serviceEndpoint: [{ uri: 'https://hub.example' }],
          accept: ['didcomm/v2'],
        },
      ],
      alsoKnownAs: ['https://www.sjz.gov.cn/', 'did:city:cn:130100:old'],
      controller: [SJZ, 'did:web:sjz.example'],
    };
    expect(parseOperation(doc(document)).type).toBe('create');
    expect(() => parseOperation(doc({}))).not.toThrow();
  });

  it('rejects id, @context and unknown members', () => {
    invalid(doc({ id: SJZ }), /^document\.id: unknown member/);
    invalid(doc({ '@context': [] }), /^document\.@context: unknown member/);
    invalid(doc({ publicKey: [] }), /^document\.publicKey: unknown member/);
    invalid(doc([]), /^document: must be an object/);
  });

  it('rejects ids that are not of this DID, bad fragments and duplicate fragments', () => {
    invalid(
      doc({ verificationMethod: [vm('did:city:cn:110000#key-1')] }),
      /^document\.verificationMethod\[0\]\.id: .*neither relative/,
    );
    invalid(doc({ verificationMethod: [vm('key-1')] }), /^document\.verificationMethod\[0\]\.id: /);
    invalid(doc({ verificationMethod: [vm('#')] }), /^document\.verificationMethod\[0\]\.id: .*invalid fragment/);
    invalid(doc({ verificationMethod: [vm('#a b')] }), /invalid fragment/);
    invalid(
      doc({ verificationMethod: [vm('#key-1'), vm(`${SJZ}#key-1`)] }),
      /^document\.verificationMethod\[1\]\.id: fragment "#key-1" is used twice/,
    );
    invalid(
      doc({ verificationMethod: [vm('#x')], service: [{ id: '#x', type: 'T', serviceEndpoint: 'https://a.example' }] }),
      /^document\.service\[0\]\.id: fragment "#x" is used twice/,
    );
  });

  it('checks verification methods', () => {
    invalid(
      doc({ verificationMethod: [vm('#k', { type: 'JsonWebKey2020' })] }),
      /^document\.verificationMethod\[0\]\.type: must be "Multikey"/,
    );
    invalid(
      doc({ verificationMethod: [vm('#k', { publicKeyMultibase: 'zNope' })] }),
      /publicKeyMultibase: not a valid Multikey/,
    );
    invalid(doc({ verificationMethod: [vm('#k', { controller: 'sjz' })] }), /controller: must be a DID/);
    invalid(
      doc({ verificationMethod: [vm('#k', { publicKeyJwk: {} })] }),
      /^document\.verificationMethod\[0\]\.publicKeyJwk: unknown member/,
    );
    invalid(doc({ verificationMethod: vm('#k') }), /^document\.verificationMethod: must be an array/);
  });

  it('requires relationships to reference existing methods, without embedding', () => {
    invalid(
      doc({ verificationMethod: [vm('#k')], authentication: ['#missing'] }),
      /^document\.authentication\[0\]: "#missing" is not in verificationMethod/,
    );
    invalid(
      doc({ authentication: [vm('#k')] }),
      /^document\.authentication\[0\]: embedded verification methods are not allowed/,
    );
    invalid(
      doc({ verificationMethod: [vm('#k')], assertionMethod: ['#k', `${SJZ}#k`] }),
      /^document\.assertionMethod\[1\]: duplicate/,
    );
    invalid(
      doc({ service: [{ id: '#s', type: 'T', serviceEndpoint: 'https://a.example' }], keyAgreement: ['#s'] }),
      /^document\.keyAgreement\[0\]: "#s" is not in verificationMethod/,
    );
  });

  it('checks services: id, type and endpoint', () => {
    const service = (extra: object) =>
      doc({ service: [{ id: '#s', type: 'T', serviceEndpoint: 'https://a.example', ...extra }] });
    invalid(service({ type: '' }), /^document\.service\[0\]\.type\[0\]: must be a non-empty string/);
    invalid(service({ type: [] }), /^document\.service\[0\]\.type: must not be empty/);
    invalid(service({ type: ['T', 'T'] }), /^document\.service\[0\]\.type\[1\]: duplicate/);
    invalid(
      service({ serviceEndpoint: 'not a uri' }),
      /^document\.service\[0\]\.serviceEndpoint: must be an absolute URI or a map/,
    );
    invalid(service({ serviceEndpoint: '/relative' }), /serviceEndpoint: must be an absolute URI/);
    invalid(service({ serviceEndpoint: [] }), /^document\.service\[0\]\.serviceEndpoint: must not be empty/);
    invalid(service({ serviceEndpoint: ['https://a.example', 7] }), /^document\.service\[0\]\.serviceEndpoint\[1\]: /);
    invalid(service({ id: 'https://a.example#s' }), /^document\.service\[0\]\.id: /);
  });

  it('checks alsoKnownAs and controller', () => {
    invalid(doc({ alsoKnownAs: ['Shijiazhuang'] }), /^document\.alsoKnownAs\[0\]: must be an absolute URI/);
    invalid(doc({ alsoKnownAs: ['https://a.example', 'https://a.example'] }), /^document\.alsoKnownAs\[1\]: duplicate/);
    invalid(doc({ controller: [] }), /^document\.controller: must not be empty/);
    invalid(doc({ controller: 'did:city:' }), /^document\.controller: must be a DID/);
    invalid(doc({ controller: [SJZ, 'x'] }), /^document\.controller\[1\]: must be a DID/);
  });
});

describe('the size limit (spec §3.1: 61,440 bytes of JCS)', () => {
  /** The create with an alsoKnownAs URI padded so the whole operation is exactly `size` bytes of JCS. */
  function sized(size: number): Record<string, unknown> {
    const { document } = create as StateOperation;
    const base = { ...create, document: { ...document, alsoKnownAs: ['https://a.example/'] } };
    const padding = size - canonicalBytes(base).length;
    return { ...base, document: { ...base.document, alsoKnownAs: [`https://a.example/${'x'.repeat(padding)}`] } };
  }

  it('accepts exactly 61,440 bytes', () => {
    const op = sized(MAX_OPERATION_BYTES);
    expect(canonicalBytes(op).length).toBe(61440);
    expect(() => parseOperation(op)).not.toThrow();
  });

  it('rejects 61,441 bytes with OPERATION_TOO_LARGE', () => {
    const op = sized(MAX_OPERATION_BYTES + 1);
    expect(canonicalBytes(op).length).toBe(61441);
    expectCode(
      () => parseOperation(op),
      'OPERATION_TOO_LARGE',
      'operation: 61441 bytes in JCS form, at most 61440 allowed',
    );
  });

  it('counts UTF-8 bytes, not characters', () => {
    const op = sized(MAX_OPERATION_BYTES - 1);
    expect(() => parseOperation(op)).not.toThrow();
    const uri = (op.document as { alsoKnownAs: string[] }).alsoKnownAs[0]!;
    const wide = { ...op, document: { ...(op.document as object), alsoKnownAs: [`${uri.slice(0, -1)}石`] } };
    expect(wide.document.alsoKnownAs[0]!.length).toBe(uri.length);
    expectCode(() => parseOperation(wide), 'OPERATION_TOO_LARGE', '61441 bytes');
  });

  it('counts a character outside the BMP (a surrogate pair) as 4 bytes', () => {
    const op = sized(MAX_OPERATION_BYTES - 2);
    const uri = (op.document as { alsoKnownAs: string[] }).alsoKnownAs[0]!;
    // Two ASCII characters (2 bytes) become one 4-byte character: 61,440 bytes, then 61,441 with one more.
    const exact = { ...op, document: { ...(op.document as object), alsoKnownAs: [`${uri.slice(0, -2)}𠀀`] } };
    expect(canonicalBytes(exact).length).toBe(MAX_OPERATION_BYTES);
    expect(() => parseOperation(exact)).not.toThrow();
    const over = { ...op, document: { ...(op.document as object), alsoKnownAs: [`${uri.slice(0, -1)}𠀀`] } };
    expectCode(() => parseOperation(over), 'OPERATION_TOO_LARGE', '61441 bytes');
  });
});

describe('operationHash (spec §3.3)', () => {
  it('is the base58btc sha2-256 multihash of the JCS of the whole operation', () => {
    const hash = operationHash(create);
    expect(hash).toMatch(/^zQm[1-9A-HJ-NP-Za-km-z]{44}$/);
    expect(parseOperationWithHash(create).operationHash).toBe(hash);
    // Member order does not matter, proofs do.
    const reordered = Object.fromEntries(Object.entries(create).reverse()) as unknown as Operation;
    expect(operationHash(reordered)).toBe(hash);
    expect(operationHash({ ...create, proof: create.proof.slice(0, 2) })).not.toBe(hash);
  });
});

/** The definition: z-base58btc that decodes to 0x12 0x20 and a 32-byte digest. */
function decodesToSha256Multihash(value: unknown): boolean {
  if (typeof value !== 'string' || !/^z[1-9A-HJ-NP-Za-km-z]+$/.test(value)) return false;
  try {
    const bytes = base58btc.decode(value);
    return bytes.length === 34 && bytes[0] === 0x12 && bytes[1] === 0x20;
  } catch {
    return false;
  }
}

describe('isMultihashSha256: comparing with the encoded bounds is deciding by decoding', () => {
  const ALPHABET = '123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz';
  const digits = (min: number, max: number) =>
    fc.array(fc.constantFrom(...ALPHABET), { minLength: min, maxLength: max }).map((chars) => chars.join(''));
  const bound = (bytes: number[]) =>
    base58btc.encode(Uint8Array.from([...bytes, ...new Uint8Array(34 - bytes.length)]));

  it('at and around the bounds of [0x1220·2^256, 0x1221·2^256)', () => {
    const low = bound([0x12, 0x20]);
    const high = bound([0x12, 0x21]);
    expect([low.length, high.length]).toStrictEqual([47, 47]);
    const last = base58btc.encode(Uint8Array.from([0x12, 0x20, ...new Uint8Array(32).fill(0xff)]));
    const below = base58btc.encode(Uint8Array.from([0x12, 0x1f, ...new Uint8Array(32).fill(0xff)]));
    for (const value of [
      low,
      high,
      last,
      below,
      `${low}1`,
      low.slice(0, -1),
      `z1${low.slice(2)}`,
      multihashSha256(new Uint8Array()),
    ]) {
      expect(isMultihashSha256(value), value).toBe(decodesToSha256Multihash(value));
    }
    expect(isMultihashSha256(low)).toBe(true);
    expect(isMultihashSha256(last)).toBe(true);
    expect(isMultihashSha256(high)).toBe(false);
    expect(isMultihashSha256(below)).toBe(false);
  });

  it('for random strings of 45 to 48 digits, prefixed zQ, zQm or z (property)', () => {
    fc.assert(
      fc.property(fc.constantFrom('z', 'zQ', 'zQm', 'zQn', 'zQk'), digits(43, 48), (prefix, rest) => {
        const value = `${prefix}${rest}`.slice(0, 48);
        expect(isMultihashSha256(value)).toBe(decodesToSha256Multihash(value));
      }),
      { numRuns: 3000 },
    );
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 32, maxLength: 32 }), (digest) => {
        expect(isMultihashSha256(base58btc.encode(Uint8Array.from([0x12, 0x20, ...digest])))).toBe(true);
      }),
    );
    for (const value of [42, null, undefined, '', 'z', `Qm${'1'.repeat(44)}`])
      expect(isMultihashSha256(value)).toBe(false);
  });
});

describe('builders', () => {
  it('createOperation builds the create with defaults', () => {
    expect(createOperation({ did: SJZ, updateKeys: [mk(CITY)], document: content(CITY) })).toEqual({
      type: 'create',
      did: SJZ,
      seq: 0,
      prev: null,
      updateKeys: [mk(CITY)],
      threshold: 1,
      document: content(CITY),
    });
  });

  it('update, recover and deactivate chain to the head', () => {
    const head = { did: SJZ, seq: 3, operationHash: operationHash(create) };
    const next = key('next');
    expect(
      updateOperation(head, {
        updateKeys: [mk(next)],
        threshold: 1,
        nextKeyHashes: [head.operationHash],
        document: {},
      }),
    ).toEqual({
      type: 'update',
      did: SJZ,
      seq: 4,
      prev: head.operationHash,
      updateKeys: [mk(next)],
      threshold: 1,
      nextKeyHashes: [head.operationHash],
      document: {},
    });
    expect(recoverOperation(head, { updateKeys: [mk(next)], document: {} })).toEqual({
      type: 'recover',
      did: SJZ,
      seq: 4,
      prev: head.operationHash,
      updateKeys: [mk(next)],
      threshold: 1,
      document: {},
    });
    expect(deactivateOperation(head, { successor: 'did:city:cn:130200' })).toEqual({
      type: 'deactivate',
      did: SJZ,
      seq: 4,
      prev: head.operationHash,
      successor: 'did:city:cn:130200',
    });
    expect(() => updateOperation(head, {})).toThrow(TypeError);
  });

  it('signOperation adds one capabilityInvocation proof per signer, by did:key URL', async () => {
    const op = await cityCreate();
    expect(op.proof.map((proof) => [proof.cryptosuite, proof.verificationMethod, proof.proofPurpose])).toEqual([
      ['eddsa-jcs-2022', `did:key:${mk(CITY)}#${mk(CITY)}`, 'capabilityInvocation'],
      ['eddsa-jcs-2022', `did:key:${mk(INSTITUTES[0]!)}#${mk(INSTITUTES[0]!)}`, 'capabilityInvocation'],
      ['ecdsa-jcs-2019', `did:key:${mk(INSTITUTES[1]!)}#${mk(INSTITUTES[1]!)}`, 'capabilityInvocation'],
    ]);
    await expect(sign(createOperation({ did: SJZ, updateKeys: [], document: {} }), [CITY])).rejects.toThrow(
      /updateKeys/,
    );
  });
});
