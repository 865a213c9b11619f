/**
 * Successor links (spec §2.3, R-OP-11, R-SUCC-1): Laiwu (371200) merged into Jinan (370100) in 2019. The registry
 * quorum deactivates Laiwu naming Jinan; Jinan lists Laiwu in alsoKnownAs. Only when both sides say so does a
 * resolver report canonicalId / equivalentId; a one-sided claim from either side is reported as it is, never as
 * equivalence.
 */
import { describe, expect, it } from 'vitest';
import { MemoryLedger, steppingClock } from '../src/memory-ledger.ts';
import {
  createOperation,
  deactivateOperation,
  operationHash,
  parseOperation,
  updateOperation,
} from '../src/operation.ts';
import { createCityResolver } from '../src/resolve.ts';
import type { KeyPair } from '../src/keys.ts';
import type { DocumentContent, Operation } from '../src/types.ts';
import { CREATED, content, expectCode, INSTITUTES, key, mk, REGISTRY, registryCreate, sign } from './fixtures/world.ts';

const LAIWU = 'did:city:cn:371200';
const JINAN = 'did:city:cn:370100';
const TAIAN = 'did:city:cn:370900';
const JIANGGAN = 'did:city:cn:330104';
const [SHANGCHENG, QIANTANG] = ['did:city:cn:330102', 'did:city:cn:330114'];
const QUORUM = [INSTITUTES[0]!, INSTITUTES[1]!];

const head = (op: Operation) => ({ did: op.did, seq: op.seq, operationHash: operationHash(op) });

async function createCity(ledger: MemoryLedger, did: string, pair: KeyPair): Promise<Operation> {
  const op = await sign(createOperation({ did, updateKeys: [mk(pair)], document: content(pair) }), [pair, ...QUORUM]);
  await ledger.append(op);
  return op;
}

async function listPredecessors(
  ledger: MemoryLedger,
  prev: Operation,
  pair: KeyPair,
  predecessors: string[],
): Promise<Operation> {
  const document: DocumentContent = { ...content(pair), alsoKnownAs: predecessors };
  const op = await sign(updateOperation(head(prev), { updateKeys: [mk(pair)], document }), [pair]);
  await ledger.append(op);
  return op;
}

async function retire(
  ledger: MemoryLedger,
  prev: Operation,
  successor: string | string[],
  signers = QUORUM,
): Promise<void> {
  await ledger.append(await sign(deactivateOperation(head(prev), { successor }), signers));
}

async function setting() {
  const ledger = new MemoryLedger({ now: steppingClock(CREATED) });
  await ledger.append(await registryCreate());
  const keys = { laiwu: key('laiwu'), jinan: key('jinan'), taian: key('taian') };
  const laiwu = await createCity(ledger, LAIWU, keys.laiwu);
  const jinan = await createCity(ledger, JINAN, keys.jinan);
  const taian = await createCity(ledger, TAIAN, keys.taian);
  const resolver = createCityResolver({ reader: ledger });
  return { ledger, keys, laiwu, jinan, taian, resolver };
}

describe('successor links (R-SUCC-1)', () => {
  it('merger: both sides linked, the registry deactivates Laiwu: canonicalId and equivalentId on both sides', async () => {
    const { ledger, keys, laiwu, jinan, resolver } = await setting();
    await listPredecessors(ledger, jinan, keys.jinan, [LAIWU]);
    await retire(ledger, laiwu, JINAN);
    const old = await resolver.resolve(LAIWU);
    expect(old.didDocument).toBeNull();
    expect(old.didDocumentMetadata).toMatchObject({
      deactivated: true,
      successor: JINAN,
      canonicalId: JINAN,
      equivalentId: [JINAN],
    });
    expect(old.didDocumentMetadata.city).toMatchObject({
      name: '莱芜市',
      divisionCode: '371200',
      level: 'city',
      parent: '370000',
    });
    const now = await resolver.resolve(JINAN);
    expect(now.didDocument?.alsoKnownAs).toStrictEqual([LAIWU]);
    expect(now.didDocumentMetadata).toMatchObject({ canonicalId: JINAN, equivalentId: [LAIWU] });
    // The version before the merger is still there, and says where the DID went.
    const before = await resolver.resolve(LAIWU, { versionId: '0' });
    expect(before.didDocument?.id).toBe(LAIWU);
    expect(before.didDocumentMetadata).toMatchObject({
      versionId: '0',
      deactivated: true,
      successor: JINAN,
      canonicalId: JINAN,
    });
  });

  it('the city alone may name its successor (R-AUTH-4), but without the successor listing it there is no equivalence', async () => {
    const { ledger, keys, laiwu, resolver } = await setting();
    await retire(ledger, laiwu, JINAN, [keys.laiwu]);
    const old = await resolver.resolve(LAIWU);
    expect(old.didDocumentMetadata).toMatchObject({ deactivated: true, successor: JINAN, canonicalId: LAIWU });
    expect(old.didDocumentMetadata.equivalentId).toBeUndefined();
    expect((await resolver.resolve(JINAN)).didDocumentMetadata.equivalentId).toBeUndefined();
  });

  it('a city claiming a predecessor that named another successor gains nothing; the real successor keeps it', async () => {
    const { ledger, keys, laiwu, jinan, taian, resolver } = await setting();
    await listPredecessors(ledger, taian, keys.taian, [LAIWU, 'https://www.laiwu.gov.cn/']);
    await listPredecessors(ledger, jinan, keys.jinan, [LAIWU]);
    await retire(ledger, laiwu, JINAN);
    const claimant = await resolver.resolve(TAIAN);
    expect(claimant.didDocument?.alsoKnownAs).toStrictEqual([LAIWU, 'https://www.laiwu.gov.cn/']);
    expect(claimant.didDocumentMetadata).toMatchObject({ canonicalId: TAIAN });
    expect(claimant.didDocumentMetadata.equivalentId).toBeUndefined();
    expect((await resolver.resolve(LAIWU)).didDocumentMetadata).toMatchObject({
      canonicalId: JINAN,
      equivalentId: [JINAN],
    });
  });

  it('a successor that lists the old DID but was itself deactivated since is not canonical', async () => {
    const { ledger, keys, laiwu, jinan, resolver } = await setting();
    const listed = await listPredecessors(ledger, jinan, keys.jinan, [LAIWU]);
    await retire(ledger, laiwu, JINAN);
    await ledger.append(await sign(deactivateOperation(head(listed)), [keys.jinan]));
    expect((await resolver.resolve(LAIWU)).didDocumentMetadata).toMatchObject({ successor: JINAN, canonicalId: LAIWU });
  });

  it('split: the deactivate names every successor; none of them is canonical or equivalent', async () => {
    const { ledger, resolver } = await setting();
    const pairs = { old: key('jianggan'), shangcheng: key('shangcheng'), qiantang: key('qiantang') };
    const old = await createCity(ledger, JIANGGAN, pairs.old);
    await listPredecessors(ledger, await createCity(ledger, SHANGCHENG, pairs.shangcheng), pairs.shangcheng, [
      JIANGGAN,
    ]);
    await listPredecessors(ledger, await createCity(ledger, QIANTANG, pairs.qiantang), pairs.qiantang, [JIANGGAN]);
    await retire(ledger, old, [SHANGCHENG, QIANTANG]);
    const result = await resolver.resolve(JIANGGAN);
    expect(result.didDocumentMetadata).toMatchObject({
      deactivated: true,
      successor: [SHANGCHENG, QIANTANG],
      canonicalId: JIANGGAN,
    });
    expect(result.didDocumentMetadata.equivalentId).toBeUndefined();
    (result.didDocumentMetadata.successor as string[]).push(REGISTRY);
    expect((await resolver.resolve(JIANGGAN)).didDocumentMetadata.successor).toStrictEqual([SHANGCHENG, QIANTANG]);
    expect((await resolver.resolve(SHANGCHENG)).didDocumentMetadata.equivalentId).toBeUndefined();
  });

  it('R-OP-11: a successor is one DID, or 2 to 10 distinct DIDs of the same network, never the DID itself', async () => {
    const deactivate = {
      type: 'deactivate',
      did: LAIWU,
      seq: 1,
      prev: 'zQmYtUc4iTCbbfVSDNKvtQqrfyezPPnFvE33wFmutw9PBBk',
      proof: [],
    };
    const parse = (successor: unknown) => () => parseOperation({ ...deactivate, successor });
    expectCode(parse([JINAN]), 'INVALID_OPERATION', /^successor: a split names 2 to 10 successors/);
    expectCode(
      parse(Array.from({ length: 11 }, (_, i) => `did:city:cn:37010${i}`)),
      'INVALID_OPERATION',
      /^successor: a split names 2 to 10/,
    );
    expectCode(parse([JINAN, JINAN]), 'INVALID_OPERATION', /^successor\[1\]: duplicate/);
    expectCode(
      parse([JINAN, LAIWU]),
      'INVALID_OPERATION',
      /^successor\[1\]: must be a canonical did:city DID other than/,
    );
    expectCode(parse('did:city:test:cn:370100'), 'INVALID_OPERATION', /^successor: must be a DID of the same network/);
    expectCode(parse([JINAN, 'https://jinan.example/']), 'INVALID_OPERATION', /^successor\[1\]: must be a canonical/);
  });
});
