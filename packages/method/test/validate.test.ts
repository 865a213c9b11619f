import { beforeAll, describe, expect, it } from 'vitest';
import { verifyOperationProofs } from '../src/authorise.ts';
import { keyHash } from '../src/hash.ts';
import type { KeyPair } from '../src/keys.ts';
import type { MemoryLedger } from '../src/memory-ledger.ts';
import {
  createOperation,
  deactivateOperation,
  operationHash,
  parseOperation,
  recoverOperation,
  signOperation,
  updateOperation,
} from '../src/operation.ts';
import type { DidHistory, Operation, UnsignedOperation } from '../src/types.ts';
import { validateNextOperation } from '../src/validate.ts';
import {
  BUREAU,
  BUREAU_KEY,
  CITY,
  cityCreate,
  content,
  expectCode,
  INSTITUTES,
  key,
  mk,
  REGISTRY,
  registryCreate,
  SJZ,
  sign,
  signer,
  world,
} from './fixtures/world.ts';

const [A, B, C] = INSTITUTES as [KeyPair, KeyPair, KeyPair];
const STRANGER = key('stranger');
const NEXT = key('sjz-next');
const OTHER = key('sjz-other');

let ledger: MemoryLedger;
let registry: DidHistory;
let city: DidHistory;

beforeAll(async () => {
  ledger = await world();
  registry = ledger.historyOf(REGISTRY)!;
  city = ledger.historyOf(SJZ)!;
});

function bureauCreate(pairs: KeyPair[] = [BUREAU_KEY, CITY]): Promise<Operation> {
  return sign(createOperation({ did: BUREAU, updateKeys: [mk(BUREAU_KEY)], document: content(BUREAU_KEY) }), pairs);
}

/** Adds a second, independently made proof by `pair` (another `created`, so another signature). */
async function addProofBy(op: Operation, pair: KeyPair): Promise<Operation> {
  const { proof, ...unsigned } = op;
  const again = await signOperation(unsigned as UnsignedOperation, [signer(pair)], { created: '2026-11-21T09:00:00Z' });
  return parseOperation({ ...op, proof: [...proof, ...again.proof] });
}

/** A city under pre-rotation: created with keys [CITY] committing to NEXT for the next operation. */
async function preRotatedCity(): Promise<MemoryLedger> {
  const local = await world();
  const update = updateOperation(local.historyOf(SJZ)!, { nextKeyHashes: [keyHash(mk(NEXT))] });
  await local.append(await sign(update, [CITY]));
  return local;
}

describe('create (spec §3.4): the new keys and the parent quorum sign', () => {
  it('accepts the applying city with a 2-of-3 registry quorum (any two institutes)', async () => {
    expect(() => validateNextOperation(cityCreate0, { parent: registry })).not.toThrow();
    const otherPair = await cityCreate([CITY, B, C]);
    expect(() => validateNextOperation(otherPair, { parent: registry })).not.toThrow();
  });

  it('rejects a create without proof of possession by its own update keys', async () => {
    const op = await cityCreate([A, B]);
    expectCode(
      () => validateNextOperation(op, { parent: registry }),
      'UNAUTHORIZED_OPERATION',
      'create not authorised: proof of possession by the new update keys: 0 of 1 keys signed, 1 required',
    );
  });

  it('rejects a create below the parent threshold', async () => {
    const op = await cityCreate([CITY, A]);
    expectCode(
      () => validateNextOperation(op, { parent: registry }),
      'UNAUTHORIZED_OPERATION',
      'create not authorised: parent allocation: 1 of 3 keys signed, 2 required',
    );
  });

  it('counts two valid proofs by one key once', async () => {
    const op = await addProofBy(await cityCreate([CITY, A]), A);
    expect(op.proof).toHaveLength(3);
    expect(verifyOperationProofs(op)).toEqual(new Set([mk(CITY), mk(A)]));
    expectCode(
      () => validateNextOperation(op, { parent: registry }),
      'UNAUTHORIZED_OPERATION',
      'parent allocation: 1 of 3',
    );
  });

  it('ignores valid proofs by keys outside the key sets; they never make a quorum', async () => {
    const withStranger = await cityCreate([CITY, A, B, STRANGER]);
    expect(() => validateNextOperation(withStranger, { parent: registry })).not.toThrow();
    const strangerInstead = await cityCreate([CITY, A, STRANGER]);
    expectCode(() => validateNextOperation(strangerInstead, { parent: registry }), 'UNAUTHORIZED_OPERATION', '1 of 3');
  });

  it('rejects a create whose parent does not exist', async () => {
    const op = await bureauCreate();
    expectCode(() => validateNextOperation(op, {}), 'UNAUTHORIZED_OPERATION', `parent ${SJZ} does not exist`);
  });

  it('takes the parent state at the leaf index: no parent before its create', async () => {
    const op = await bureauCreate();
    expect(() => validateNextOperation(op, { parent: city })).not.toThrow();
    expect(() => validateNextOperation(op, { parent: city, leafIndex: 2 })).not.toThrow();
    expectCode(
      () => validateNextOperation(op, { parent: city, leafIndex: 1 }),
      'UNAUTHORIZED_OPERATION',
      'does not exist',
    );
  });

  it('rejects a create under a deactivated parent (and accepts it before the deactivation)', async () => {
    const local = await world();
    await local.append(await sign(deactivateOperation(local.historyOf(SJZ)!), [CITY]));
    const parent = local.historyOf(SJZ)!;
    const op = await bureauCreate();
    expectCode(() => validateNextOperation(op, { parent }), 'UNAUTHORIZED_OPERATION', `parent ${SJZ} is deactivated`);
    expect(() => validateNextOperation(op, { parent, leafIndex: 2 })).not.toThrow();
  });

  it('rejects a create for a DID that exists already (STALE_OPERATION, the ledger answers 409)', async () => {
    const op = await cityCreate();
    expectCode(
      () => validateNextOperation(op, { history: city, parent: registry }),
      'STALE_OPERATION',
      'never created twice',
    );
  });

  it('rejects a first operation that is not a create', async () => {
    const op = await sign(updateOperation(city, {}), [CITY]);
    expectCode(() => validateNextOperation(op, {}), 'STALE_OPERATION', 'the first must be a create');
  });
});

let cityCreate0: Operation;
beforeAll(async () => {
  cityCreate0 = await cityCreate();
});

describe('proofs (spec §3.6): every proof must verify', () => {
  it('rejects a proof whose signature does not verify, naming its index', async () => {
    const op = await cityCreate();
    const proof = op.proof.map((p, index) => (index === 1 ? { ...p, created: '2026-11-21T08:00:01Z' } : p));
    expectCode(
      () => validateNextOperation({ ...op, proof }, { parent: registry }),
      'INVALID_SIGNATURE',
      /^proof\[1\]: signature/,
    );
  });

  it('rejects a proof by a stranger that does not verify, even when the quorum is met', async () => {
    const op = await cityCreate([CITY, A, B, STRANGER]);
    const proof = op.proof.map((p, index) => (index === 3 ? { ...p, created: '2026-11-21T08:00:01Z' } : p));
    expectCode(() => validateNextOperation({ ...op, proof }, { parent: registry }), 'INVALID_SIGNATURE', 'proof[3]');
  });

  it('rejects a wrong proofPurpose, a verificationMethod not of the form did:key:<mk>#<mk>, a wrong suite', async () => {
    const op = await cityCreate();
    const bad = (index: number, change: object): Operation => ({
      ...op,
      proof: op.proof.map((p, i) => (i === index ? { ...p, ...change } : p)),
    });
    expectCode(
      () => verifyOperationProofs(bad(0, { proofPurpose: 'assertionMethod' })),
      'INVALID_SIGNATURE',
      /^proof\[0\]: proofPurpose/,
    );
    expectCode(
      () => verifyOperationProofs(bad(1, { verificationMethod: `did:key:${mk(A)}` })),
      'INVALID_SIGNATURE',
      /^proof\[1\]: verificationMethod/,
    );
    const otherFragment = `did:key:${mk(A)}#${mk(B)}`;
    expectCode(
      () => verifyOperationProofs(bad(1, { verificationMethod: otherFragment })),
      'INVALID_SIGNATURE',
      'proof[1]',
    );
    expectCode(
      () => verifyOperationProofs(bad(1, { verificationMethod: `${SJZ}#key-1` })),
      'INVALID_SIGNATURE',
      'proof[1]',
    );
    expectCode(
      () => verifyOperationProofs(bad(2, { cryptosuite: 'eddsa-jcs-2022' })),
      'INVALID_SIGNATURE',
      /^proof\[2\]: cryptosuite/,
    );
    expectCode(
      () => verifyOperationProofs(bad(0, { cryptosuite: 'ecdsa-jcs-2019' })),
      'INVALID_SIGNATURE',
      /^proof\[0\]: cryptosuite/,
    );
  });

  it('returns the distinct keys whose proofs verified', async () => {
    expect(verifyOperationProofs(await cityCreate([CITY, A, C]))).toEqual(new Set([mk(CITY), mk(A), mk(C)]));
  });
});

describe('update (spec §3.4): chain and current keys', () => {
  it('accepts an update signed by the current update keys', async () => {
    const op = await sign(updateOperation(city, { document: content(OTHER) }), [CITY]);
    expect(() => validateNextOperation(op, { history: city, parent: registry })).not.toThrow();
  });

  it('rejects an update signed by a key that is not an update key', async () => {
    const op = await sign(updateOperation(city, { updateKeys: [mk(OTHER)] }), [OTHER]);
    expectCode(
      () => validateNextOperation(op, { history: city }),
      'UNAUTHORIZED_OPERATION',
      'update not authorised: current update keys: 0 of 1 keys signed, 1 required',
    );
  });

  it('rejects an update below a 2-of-2 threshold', async () => {
    const local = await world();
    const twoOfTwo = updateOperation(local.historyOf(SJZ)!, { updateKeys: [mk(CITY), mk(OTHER)], threshold: 2 });
    await local.append(await sign(twoOfTwo, [CITY]));
    const history = local.historyOf(SJZ)!;
    const next = updateOperation(history, {});
    const one = await sign(next, [OTHER]);
    expectCode(
      () => validateNextOperation(one, { history }),
      'UNAUTHORIZED_OPERATION',
      '1 of 2 keys signed, 2 required',
    );
    const both = await sign(next, [OTHER, CITY]);
    expect(() => validateNextOperation(both, { history })).not.toThrow();
  });

  it('rejects a skipped seq and a wrong prev as STALE_OPERATION', async () => {
    const skipped = await sign({ ...updateOperation(city, {}), seq: 2 }, [CITY]);
    expectCode(
      () => validateNextOperation(skipped, { history: city }),
      'STALE_OPERATION',
      'seq: expected 1 (head + 1), got 2',
    );
    const wrongPrev = await sign({ ...updateOperation(city, {}), prev: registry.head.operationHash }, [CITY]);
    expectCode(() => validateNextOperation(wrongPrev, { history: city }), 'STALE_OPERATION', /^prev: expected zQm/);
  });

  it('rejects an operation after a deactivate with DID_DEACTIVATED', async () => {
    const local = await world();
    await local.append(await sign(deactivateOperation(local.historyOf(SJZ)!), [CITY]));
    const history = local.historyOf(SJZ)!;
    const op = await sign(updateOperation(history, { document: content(CITY) }), [CITY]);
    expectCode(() => validateNextOperation(op, { history }), 'DID_DEACTIVATED', 'deactivated at seq 1');
    const recover = await sign(recoverOperation(history, { updateKeys: [mk(OTHER)], document: {} }), [A, B]);
    expectCode(() => validateNextOperation(recover, { history, parent: registry }), 'DID_DEACTIVATED');
  });
});

describe('pre-rotation (spec §3.4)', () => {
  it('accepts an update whose new keys were committed and sign with the new threshold', async () => {
    const history = (await preRotatedCity()).historyOf(SJZ)!;
    expect(history.keyState.nextKeyHashes).toEqual([keyHash(mk(NEXT))]);
    const op = await sign(updateOperation(history, { updateKeys: [mk(NEXT)], threshold: 1 }), [NEXT]);
    expect(() => validateNextOperation(op, { history })).not.toThrow();
  });

  it('rejects new keys that were not committed', async () => {
    const history = (await preRotatedCity()).historyOf(SJZ)!;
    const op = await sign(updateOperation(history, { updateKeys: [mk(OTHER)] }), [OTHER]);
    expectCode(
      () => validateNextOperation(op, { history }),
      'UNAUTHORIZED_OPERATION',
      'pre-rotation: 1 of 1 new update keys are not in the previous nextKeyHashes',
    );
  });

  it('rejects the current keys, even when they sign: a stolen current key cannot choose the next ones', async () => {
    const history = (await preRotatedCity()).historyOf(SJZ)!;
    const keepOld = await sign(updateOperation(history, { updateKeys: [mk(CITY)] }), [CITY]);
    expectCode(
      () => validateNextOperation(keepOld, { history }),
      'UNAUTHORIZED_OPERATION',
      'not in the previous nextKeyHashes',
    );
    const revealedButUnsigned = await sign(updateOperation(history, { updateKeys: [mk(NEXT)] }), [CITY]);
    expectCode(
      () => validateNextOperation(revealedButUnsigned, { history }),
      'UNAUTHORIZED_OPERATION',
      'revealed new update keys: 0 of 1 keys signed',
    );
  });

  it('deactivate under pre-rotation: the committed keys may, the current keys may not', async () => {
    const history = (await preRotatedCity()).historyOf(SJZ)!;
    const byNext = await sign(deactivateOperation(history), [NEXT]);
    expect(() => validateNextOperation(byNext, { history, parent: registry })).not.toThrow();
    const byCurrent = await sign(deactivateOperation(history), [CITY]);
    expectCode(
      () => validateNextOperation(byCurrent, { history, parent: registry }),
      'UNAUTHORIZED_OPERATION',
      'deactivate not authorised: pre-rotation, keys committed in nextKeyHashes: 0 of 1 keys signed, 1 required; parent: 0 of 3 keys signed, 2 required',
    );
  });
});

describe('pre-rotation and thresholds (R-AUTH-3: committed keys meet the threshold in force)', () => {
  // Found in review: holding the revealed keys only to the *new* threshold, which the revealer chooses, let the
  // holder of one of two committed keys of a 2-of-2 state reveal only itself with threshold 1 and take the DID.
  const NEXT2 = key('sjz-next-2');

  async function twoOfTwoCommittingToTwo(): Promise<DidHistory> {
    const local = await world();
    const update = updateOperation(local.historyOf(SJZ)!, {
      updateKeys: [mk(CITY), mk(OTHER)],
      threshold: 2,
      nextKeyHashes: [keyHash(mk(NEXT)), keyHash(mk(NEXT2))],
    });
    await local.append(await sign(update, [CITY]));
    return local.historyOf(SJZ)!;
  }

  it('a deactivate by one of two committed keys under a threshold of 2 is refused', async () => {
    const history = await twoOfTwoCommittingToTwo();
    const op = await sign(deactivateOperation(history), [NEXT]);
    expectCode(
      () => validateNextOperation(op, { history }),
      'UNAUTHORIZED_OPERATION',
      '1 of 2 keys signed, 2 required',
    );
  });

  it('an update by one of two committed keys, revealing only itself with threshold 1, is refused', async () => {
    const history = await twoOfTwoCommittingToTwo();
    const takeover = await sign(updateOperation(history, { updateKeys: [mk(NEXT)], threshold: 1 }), [NEXT]);
    expectCode(
      () => validateNextOperation(takeover, { history }),
      'UNAUTHORIZED_OPERATION',
      'pre-rotation, keys committed in nextKeyHashes: 1 of 2 keys signed, 2 required',
    );
  });

  it('the same update signed by both committed keys is accepted', async () => {
    const history = await twoOfTwoCommittingToTwo();
    const rotation = await sign(updateOperation(history, { updateKeys: [mk(NEXT)], threshold: 1 }), [NEXT, NEXT2]);
    expect(() => validateNextOperation(rotation, { history })).not.toThrow();
  });

  it('a commitment to fewer next keys than the threshold is refused (it could never be met)', async () => {
    const history = await twoOfTwoCommittingToTwo();
    const op = await sign(
      updateOperation(history, { updateKeys: [mk(NEXT), mk(NEXT2)], threshold: 2, nextKeyHashes: [keyHash(mk(CITY))] }),
      [NEXT, NEXT2],
    );
    expectCode(() => validateNextOperation(op, { history }), 'INVALID_OPERATION', 'cannot meet the threshold 2');
  });
});

describe('recover and deactivate by the parent (spec §3.4)', () => {
  it('accepts a recover signed by the parent quorum, ignoring the pre-rotation commitment', async () => {
    const history = (await preRotatedCity()).historyOf(SJZ)!;
    const op = await sign(recoverOperation(history, { updateKeys: [mk(OTHER)], document: content(OTHER) }), [A, C]);
    expect(() => validateNextOperation(op, { history, parent: registry })).not.toThrow();
  });

  it('rejects a recover signed by the DID itself or below the parent threshold', async () => {
    const unsigned = recoverOperation(city, { updateKeys: [mk(OTHER)], document: content(OTHER) });
    const byCity = await sign(unsigned, [CITY, OTHER]);
    expectCode(
      () => validateNextOperation(byCity, { history: city, parent: registry }),
      'UNAUTHORIZED_OPERATION',
      'recover not authorised: parent: 0 of 3 keys signed, 2 required',
    );
    const byOne = await sign(unsigned, [B]);
    expectCode(
      () => validateNextOperation(byOne, { history: city, parent: registry }),
      'UNAUTHORIZED_OPERATION',
      'parent: 1 of 3',
    );
  });

  it('accepts a deactivate by the controller or by the parent quorum, and names the successor', async () => {
    const byController = await sign(deactivateOperation(city, { successor: 'did:city:cn:130200' }), [CITY]);
    expect(() => validateNextOperation(byController, { history: city, parent: registry })).not.toThrow();
    const byParent = await sign(deactivateOperation(city), [B, C]);
    expect(() => validateNextOperation(byParent, { history: city, parent: registry })).not.toThrow();
  });

  it('rejects a deactivate by neither', async () => {
    const op = await sign(deactivateOperation(city), [A, STRANGER]);
    expectCode(
      () => validateNextOperation(op, { history: city, parent: registry }),
      'UNAUTHORIZED_OPERATION',
      'deactivate not authorised: current update keys: 0 of 1 keys signed, 1 required; parent: 1 of 3 keys signed, 2 required',
    );
  });

  it('rejects a recover of a country registry: it has no parent', async () => {
    const op = await sign(recoverOperation(registry, { updateKeys: [mk(A)], document: {} }), [A, B, C]);
    expectCode(
      () => validateNextOperation(op, { history: registry }),
      'UNAUTHORIZED_OPERATION',
      'is a country registry; it has no parent',
    );
  });
});

describe('genesis of a country registry (spec §3.5)', () => {
  it('accepts a self-signed genesis meeting its own threshold', async () => {
    const op = await registryCreate();
    expect(() => validateNextOperation(op, {})).not.toThrow();
  });

  it('rejects a genesis below its own threshold', async () => {
    const op = await sign(
      createOperation({ did: REGISTRY, updateKeys: INSTITUTES.map(mk), threshold: 2, document: {} }),
      [A],
    );
    expectCode(
      () => validateNextOperation(op, {}),
      'UNAUTHORIZED_OPERATION',
      'proof of possession by the new update keys: 1 of 3',
    );
  });

  it('checks the pinned genesis operation hash', async () => {
    const op = await registryCreate();
    const hash = operationHash(op);
    expect(() => validateNextOperation(op, { genesis: { [REGISTRY]: { operationHash: hash } } })).not.toThrow();
    const other = await sign(createOperation({ did: REGISTRY, updateKeys: [mk(STRANGER)], document: {} }), [STRANGER]);
    expectCode(
      () => validateNextOperation(other, { genesis: { [REGISTRY]: { operationHash: hash } } }),
      'UNAUTHORIZED_OPERATION',
      /^genesis: /,
    );
  });

  it('checks the pinned initial update keys as a set', async () => {
    const op = await registryCreate();
    const reversed = INSTITUTES.map(mk).reverse();
    expect(() => validateNextOperation(op, { genesis: { [REGISTRY]: { updateKeys: reversed } } })).not.toThrow();
    const twoKeys = { [REGISTRY]: { updateKeys: [mk(A), mk(B)] } };
    expectCode(
      () => validateNextOperation(op, { genesis: twoKeys }),
      'UNAUTHORIZED_OPERATION',
      'differ from the keys pinned',
    );
    // A pin for another registry does not apply.
    expect(() => validateNextOperation(op, { genesis: { 'did:city:test:cn': { updateKeys: [] } } })).not.toThrow();
  });

  it('is unaffected by pins for city DIDs', async () => {
    const genesis = { [SJZ]: { operationHash: operationHash(await registryCreate()) } };
    expect(() => validateNextOperation(cityCreate0, { parent: registry, genesis })).not.toThrow();
  });
});
