// Witness-set governance (spec §7.8): the registry's CityLedgerPolicy service, changed by a k-of-N update, becomes
// the policy of the checkpoints after the one that anchors it. Real LedgerNode, real witnesses, real HTTP.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { type DocumentContent, type KeyPair, type Operation, operationHash, updateOperation } from '@did-city/method';
import { HttpLedgerReader } from '@did-city/method/http';
import {
  evaluateCheckpoint,
  formatNote,
  generateKeyPair,
  parseNote,
  parsePolicy,
  SIGNATURE_TYPE,
  verifierKeyOf,
} from '@did-city/tlog';
import { afterEach, describe, expect, it } from 'vitest';
import { loadOrCreateKey } from '../src/keys.ts';
import { Witness } from '../src/witness/witness.ts';
import { content, INSTITUTES, REGISTRY, SJZ, cityCreate, registryGenesis, sign, tempDir } from './fixtures.ts';
import { errorOf } from './helpers.ts';
import { type LedgerServer, startLedger } from './http-fixtures.ts';

const ORIGIN = 'city.ledger/prod';
const NAMES = ['witness-a', 'witness-b', 'witness-c', 'witness-d'] as const;

interface Network {
  dir: string;
  logKey: string;
  logVerifierKey: string;
  witnesses: Witness[];
  cleanup: () => void;
}

function openWitnesses(dir: string, logVerifierKey: string): Witness[] {
  return NAMES.map((name) => {
    const wdir = join(dir, 'ext-witnesses', name);
    mkdirSync(wdir, { recursive: true });
    const signerKey = loadOrCreateKey({ file: join(wdir, 'witness.key'), name });
    return new Witness({ file: join(wdir, 'state.db'), signerKey, logKeys: [logVerifierKey] });
  });
}

function network(): Network {
  const { dir, cleanup } = tempDir('ledger-gov-');
  const logKey = loadOrCreateKey({ file: join(dir, 'keys', 'log.key'), name: ORIGIN });
  const logVerifierKey = verifierKeyOf(logKey);
  return { dir, logKey, logVerifierKey, witnesses: openWitnesses(dir, logVerifierKey), cleanup };
}

function policyText(net: Network, names: readonly string[], quorum: number, logKey = net.logVerifierKey): string {
  const lines = [`log ${logKey}`];
  for (const name of names) lines.push(`witness ${name} ${net.witnesses.find((w) => w.name === name)!.verifierKey}`);
  lines.push(`group institutes ${quorum} ${names.join(' ')}`, 'quorum institutes');
  return `${lines.join('\n')}\n`;
}

function withPolicy(policy: string): DocumentContent {
  return {
    ...content(INSTITUTES[0]),
    service: [{ id: '#ledger-policy', type: 'CityLedgerPolicy', serviceEndpoint: { policy } }],
  };
}

function registryUpdate(prev: Operation, document: DocumentContent, signers: readonly KeyPair[]): Promise<Operation> {
  const head = { did: prev.did, seq: prev.seq, operationHash: operationHash(prev) };
  const updateKeys = INSTITUTES.map((k) => k.publicKeyMultibase);
  return sign(updateOperation(head, { updateKeys, threshold: 2, document }), signers);
}

function start(net: Network, policy: string): Promise<LedgerServer> {
  return startLedger({ logKey: net.logKey, witnesses: net.witnesses, policy, origin: ORIGIN }, net.dir);
}

function cosigners(note: string, policy: string): string[] {
  return evaluateCheckpoint(note, parsePolicy(policy)).cosigners.map((c) => c.witness);
}

let cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.reverse()) await c();
  cleanups = [];
});

async function setup(): Promise<{
  net: Network;
  ledger: LedgerServer;
  genesis: Operation;
  oldPolicy: string;
  newPolicy: string;
}> {
  const net = network();
  const oldPolicy = policyText(net, NAMES.slice(0, 3), 2);
  const newPolicy = policyText(net, NAMES, 3);
  const ledger = await start(net, oldPolicy);
  cleanups.push(
    () => net.cleanup(),
    async () => {
      await ledger.stop();
      for (const w of net.witnesses) w.close();
    },
  );
  const genesis = await registryGenesis();
  await ledger.node.submitGovernance(genesis);
  return { net, ledger, genesis, oldPolicy, newPolicy };
}

describe('witness-set governance (spec §7.8)', () => {
  it('a 2-of-3 registry update adding a fourth witness and quorum 3 governs the following checkpoints', async () => {
    const { ledger, genesis, oldPolicy, newPolicy } = await setup();
    const reader = new HttpLedgerReader({ url: ledger.url, policy: oldPolicy, followGovernance: true });
    const change = await registryUpdate(genesis, withPolicy(newPolicy), [INSTITUTES[0], INSTITUTES[1]]);
    const handover = await ledger.node.submit(change);
    // The handover checkpoint is co-signed under the old policy.
    expect(evaluateCheckpoint(handover.checkpoint, parsePolicy(oldPolicy)).ok).toBe(true);
    expect(ledger.node.policyText).toBe(newPolicy);
    await reader.history(REGISTRY);
    expect(reader.policyText).toBe(newPolicy);

    const city = await ledger.node.submit(await cityCreate());
    expect(city.index).toBe(handover.index + 1);
    const signedBy = cosigners(city.checkpoint, newPolicy);
    expect(signedBy.length).toBeGreaterThanOrEqual(3);
    expect(signedBy).toContain('witness-d');
    expect(evaluateCheckpoint(city.checkpoint, parsePolicy(newPolicy)).ok).toBe(true);
    expect((await reader.history(SJZ)).entries).toHaveLength(1);
    const served = await (await fetch(new URL('policy', ledger.url))).text();
    expect(served).toBe(newPolicy);
  });

  it('a following resolver refuses a later checkpoint with only 2 cosignatures; a static one does not', async () => {
    const { ledger, genesis, oldPolicy, newPolicy } = await setup();
    await ledger.node.submit(await registryUpdate(genesis, withPolicy(newPolicy), [INSTITUTES[0], INSTITUTES[2]]));
    const following = new HttpLedgerReader({
      url: ledger.url,
      policy: oldPolicy,
      followGovernance: true,
      fetch: stripping(),
    });
    const staticReader = new HttpLedgerReader({ url: ledger.url, policy: oldPolicy, fetch: stripping() });
    await following.history(REGISTRY);
    await staticReader.history(REGISTRY);
    await ledger.node.submit(await cityCreate());
    strip = true;
    const error = await errorOf(following.history(SJZ));
    expect(error.code).toBe('UNTRUSTED_CHECKPOINT');
    expect((await staticReader.history(SJZ)).entries).toHaveLength(1); // the old quorum (2 of a, b, c) still holds
  });

  it('an update signed by only 1 institute is UNAUTHORIZED_OPERATION and changes nothing', async () => {
    const { ledger, genesis, oldPolicy, newPolicy } = await setup();
    const change = await registryUpdate(genesis, withPolicy(newPolicy), [INSTITUTES[1]]);
    expect((await errorOf(ledger.node.submit(change))).code).toBe('UNAUTHORIZED_OPERATION');
    await ledger.node.submit(await cityCreate());
    expect(ledger.node.policyText).toBe(oldPolicy);
  });

  it('a policy naming an unknown witness, a foreign log key, quorum none or malformed text is INVALID_OPERATION', async () => {
    const { net, ledger, genesis, oldPolicy } = await setup();
    const stranger = verifierKeyOf(generateKeyPair('witness-z').signerKey, SIGNATURE_TYPE.cosignatureV1);
    const unknownWitness = `${policyText(net, NAMES.slice(0, 3), 2).replace('group institutes 2', 'group institutes 2 witness-z').replace('log ', `witness witness-z ${stranger}\nlog `)}`;
    const foreignLog = policyText(net, NAMES.slice(0, 3), 2, generateKeyPair(ORIGIN).verifierKey);
    const noQuorum = `log ${net.logVerifierKey}\nquorum none\n`;
    for (const policy of [unknownWitness, foreignLog, noQuorum]) {
      const change = await registryUpdate(genesis, withPolicy(policy), [INSTITUTES[0], INSTITUTES[1]]);
      const error = await errorOf(ledger.node.submit(change));
      expect(error.code, policy).toBe('INVALID_OPERATION');
    }
    // Malformed text is refused by the method's parser (the signing client already refuses to sign it).
    await expect(registryUpdate(genesis, withPolicy('log nonsense\n'), [INSTITUTES[0]])).rejects.toThrow(/tlog-policy/);
    const signed = structuredClone(
      await registryUpdate(genesis, withPolicy(oldPolicy), [INSTITUTES[0], INSTITUTES[1]]),
    );
    (signed as { document: DocumentContent }).document.service![0]!.serviceEndpoint = { policy: 'log nonsense\n' };
    const malformed = await errorOf(ledger.node.submit(signed));
    expect(malformed.code).toBe('INVALID_OPERATION');
    expect(malformed.detail).toMatch(/serviceEndpoint\.policy: not a C2SP tlog-policy/);
    // Only a country registry carries a ledger policy.
    const cityOp = structuredClone(await cityCreate());
    (cityOp as { document: DocumentContent }).document.service = withPolicy(oldPolicy).service!;
    expect((await errorOf(ledger.node.submit(cityOp))).code).toBe('INVALID_OPERATION');
    expect(ledger.node.policyText).toBe(oldPolicy);
    const head = await ledger.node.submit(await cityCreate());
    expect(head.index).toBe(1);
  });

  it('an update that drops the index line of the policy in force is INVALID_OPERATION (R-GOV-5); keeping it is accepted', async () => {
    const net = network();
    const indexed = `${policyText(net, NAMES.slice(0, 3), 2)}index institutes\n`;
    const ledger = await start(net, indexed);
    cleanups.push(
      () => net.cleanup(),
      async () => {
        await ledger.stop();
        for (const w of net.witnesses) w.close();
      },
    );
    const genesis = await registryGenesis();
    await ledger.node.submitGovernance(genesis);
    const downgrade = await registryUpdate(genesis, withPolicy(policyText(net, NAMES, 3)), [
      INSTITUTES[0],
      INSTITUTES[1],
    ]);
    const error = await errorOf(ledger.node.submit(downgrade));
    expect(error.code).toBe('INVALID_OPERATION');
    expect(error.detail).toMatch(/no "index" line .*R-GOV-5/);
    expect(await ledger.node.store.entryByOperationHash(operationHash(downgrade))).toBeUndefined();
    expect(ledger.node.policyText).toBe(indexed);
    // The same change keeping an index line is anchored; a later drop is refused against the registry's new policy.
    const kept = `${policyText(net, NAMES, 3)}index institutes\n`;
    const change = await registryUpdate(genesis, withPolicy(kept), [INSTITUTES[0], INSTITUTES[1]]);
    await ledger.node.submit(change);
    expect(ledger.node.policyText).toBe(kept);
    const later = await registryUpdate(change, withPolicy(policyText(net, NAMES, 3)), [INSTITUTES[1], INSTITUTES[2]]);
    expect((await errorOf(ledger.node.submit(later))).code).toBe('INVALID_OPERATION');
    expect(ledger.node.policyText).toBe(kept);
  });

  it('a restart derives the governed policy from the registry state', async () => {
    const { net, ledger, genesis, oldPolicy, newPolicy } = await setup();
    await ledger.node.submit(await registryUpdate(genesis, withPolicy(newPolicy), [INSTITUTES[1], INSTITUTES[2]]));
    await ledger.stop();
    for (const w of net.witnesses) w.close();
    net.witnesses = openWitnesses(net.dir, net.logVerifierKey);
    const again = await start(net, oldPolicy);
    cleanups.push(() => again.stop());
    expect(again.node.policyText).toBe(newPolicy);
    const city = await again.node.submit(await cityCreate());
    expect(cosigners(city.checkpoint, newPolicy).length).toBeGreaterThanOrEqual(3);
    expect((await again.node.integrityCheck()).ok).toBe(true);
  });
});

/** A fetch that, once `strip` is set, keeps only two witness cosignatures on served checkpoints. */
let strip = false;
function stripping(): typeof fetch {
  strip = false;
  return async (input, init) => {
    const response = await fetch(input, init);
    if (!strip || !String(input).includes('/history')) return response;
    const body = (await response.json()) as { checkpoint?: string };
    if (body.checkpoint !== undefined) {
      const note = parseNote(body.checkpoint);
      const [log, ...cosigs] = note.signatures;
      body.checkpoint = formatNote({ text: note.text, signatures: [log!, ...cosigs.slice(0, 2)] });
    }
    return new Response(JSON.stringify(body), { status: 200, headers: { 'content-type': 'application/json' } });
  };
}

describe('witness-set governance: a following resolver never rolls the policy back (spec §7.8, R-GOV-4)', () => {
  it('a registry history served without its latest entries (omission, §7.7) does not bring back a superseded policy', async () => {
    const { ledger, genesis, oldPolicy, newPolicy } = await setup();
    await ledger.node.submit(await registryUpdate(genesis, withPolicy(newPolicy), [INSTITUTES[0], INSTITUTES[1]]));
    let truncate = false;
    // A misbehaving ledger: real, quorum-cosigned checkpoints, but the registry's history cut after its genesis.
    const omitting: typeof fetch = async (input, init) => {
      const response = await fetch(input, init);
      if (!truncate || !String(input).includes(`/dids/${encodeURIComponent(REGISTRY)}/history`)) return response;
      const body = (await response.json()) as { entries: unknown[] };
      body.entries = body.entries.slice(0, 1);
      return new Response(JSON.stringify(body), { status: 200, headers: { 'content-type': 'application/json' } });
    };
    const reader = new HttpLedgerReader({
      url: ledger.url,
      policy: oldPolicy,
      followGovernance: true,
      fetch: omitting,
    });
    await reader.history(REGISTRY);
    expect(reader.policyText).toBe(newPolicy);
    await ledger.node.submit(await cityCreate()); // a later checkpoint, cosigned under the new policy
    truncate = true;
    // The cut history no longer ends at the registry's proven head (spec §7.9): refused, and the policy stays.
    expect((await errorOf(reader.history(REGISTRY, { noCache: true }))).code).toBe('INVALID_LEDGER_PROOF');
    expect(reader.policyText).toBe(newPolicy);
    // A warm read asks only for what follows the verified entries, so there is nothing left to cut.
    expect((await reader.history(REGISTRY)).entries).toHaveLength(2);
    expect(reader.policyText).toBe(newPolicy);
  });
});

describe('witness-set governance: a following resolver refuses what a node would refuse (spec §7.8, R-GOV-2)', () => {
  /**
   * A dishonest node: it does not apply R-GOV-2 (governanceDid false), so it anchors a properly 2-of-3-signed registry
   * update whose policy an honest node refuses, and serves it with real, quorum-cosigned checkpoints.
   */
  async function dishonest(
    options: { index?: boolean } = {},
  ): Promise<{ net: Network; ledger: LedgerServer; genesis: Operation; oldPolicy: string }> {
    const net = network();
    const oldPolicy = `${policyText(net, NAMES.slice(0, 3), 2)}${options.index === true ? 'index institutes\n' : ''}`;
    const ledger = await startLedger(
      { logKey: net.logKey, witnesses: net.witnesses, policy: oldPolicy, origin: ORIGIN, governanceDid: false },
      net.dir,
    );
    cleanups.push(
      () => net.cleanup(),
      async () => {
        await ledger.stop();
        for (const w of net.witnesses) w.close();
      },
    );
    const genesis = await registryGenesis();
    await ledger.node.submitGovernance(genesis);
    return { net, ledger, genesis, oldPolicy };
  }

  /** A fetch that, once `bare` is set, strips every witness cosignature from served checkpoints. */
  function stripAll(): { fetch: typeof fetch; bare: () => void } {
    let bare = false;
    const stub: typeof fetch = async (input, init) => {
      const response = await fetch(input, init);
      if (!bare || !String(input).includes('/history')) return response;
      const body = (await response.json()) as { checkpoint?: string };
      if (body.checkpoint !== undefined) {
        const note = parseNote(body.checkpoint);
        body.checkpoint = formatNote({ text: note.text, signatures: note.signatures.slice(0, 1) });
      }
      return new Response(JSON.stringify(body), { status: 200, headers: { 'content-type': 'application/json' } });
    };
    return { fetch: stub, bare: () => (bare = true) };
  }

  it('a k-of-N-signed update to quorum none is kept as evidence, not adopted: later bare checkpoints still fail', async () => {
    const { net, ledger, genesis, oldPolicy } = await dishonest();
    const noQuorum = `log ${net.logVerifierKey}\nquorum none\n`;
    const change = await registryUpdate(genesis, withPolicy(noQuorum), [INSTITUTES[0], INSTITUTES[1]]);
    const handover = await ledger.node.submit(change); // an honest node answers INVALID_OPERATION (test above)
    const { fetch: stub, bare } = stripAll();
    const reader = new HttpLedgerReader({ url: ledger.url, policy: oldPolicy, followGovernance: true, fetch: stub });
    expect((await reader.history(REGISTRY)).entries).toHaveLength(2);
    expect(reader.policyText).toBe(oldPolicy);
    expect(reader.refusedPolicies).toHaveLength(1);
    const [evidence] = reader.refusedPolicies;
    expect(evidence).toMatchObject({
      did: REGISTRY,
      index: handover.index,
      policy: noQuorum,
      kept: oldPolicy,
      checkpoint: handover.checkpoint,
    });
    expect(evidence!.operation).toStrictEqual(change);
    expect(evidence!.reason).toMatch(/quorum none/);
    // Reading the same history again records nothing new.
    await reader.history(REGISTRY);
    expect(reader.refusedPolicies).toHaveLength(1);
    // A later checkpoint without any cosignature: under the adopted `quorum none` it would verify.
    await ledger.node.submit(await cityCreate());
    bare();
    expect((await errorOf(reader.history(SJZ))).code).toBe('UNTRUSTED_CHECKPOINT');
  });

  it('an update that drops the index line (a downgrade: DID index roots unchecked) is refused; one keeping it is adopted', async () => {
    const { net, ledger, genesis, oldPolicy } = await dishonest({ index: true });
    const reader = new HttpLedgerReader({ url: ledger.url, policy: oldPolicy, followGovernance: true });
    const downgrade = policyText(net, NAMES, 3);
    const change = await registryUpdate(genesis, withPolicy(downgrade), [INSTITUTES[0], INSTITUTES[1]]);
    await ledger.node.submit(change);
    await reader.history(REGISTRY);
    expect(reader.policyText).toBe(oldPolicy);
    expect(reader.refusedPolicies).toHaveLength(1);
    expect(reader.refusedPolicies[0]).toMatchObject({ policy: downgrade, kept: oldPolicy, operation: change });
    expect(reader.refusedPolicies[0]!.reason).toMatch(/no "index" line/);
    const kept = `${policyText(net, NAMES, 3)}index institutes\n`;
    await ledger.node.submit(await registryUpdate(change, withPolicy(kept), [INSTITUTES[0], INSTITUTES[2]]));
    await reader.history(REGISTRY);
    expect(reader.policyText).toBe(kept);
    expect(reader.refusedPolicies).toHaveLength(1);
  });

  it('an update naming another log key is refused the same way; a sane later update is still adopted', async () => {
    const { net, ledger, genesis, oldPolicy } = await dishonest();
    const foreignLog = policyText(net, NAMES.slice(0, 3), 2, generateKeyPair(ORIGIN).verifierKey);
    const extraLog = policyText(net, NAMES.slice(0, 3), 2).replace(
      '\n',
      `\nlog ${generateKeyPair(ORIGIN).verifierKey}\n`,
    );
    const reader = new HttpLedgerReader({ url: ledger.url, policy: oldPolicy, followGovernance: true });
    let head = genesis;
    for (const policy of [foreignLog, extraLog]) {
      head = await registryUpdate(head, withPolicy(policy), [INSTITUTES[1], INSTITUTES[2]]);
      await ledger.node.submit(head);
      await reader.history(REGISTRY);
      expect(reader.policyText).toBe(oldPolicy);
      expect(reader.refusedPolicies.at(-1)!.reason).toMatch(/log key/);
    }
    expect(reader.refusedPolicies).toHaveLength(2);
    const sane = policyText(net, NAMES, 3);
    await ledger.node.submit(await registryUpdate(head, withPolicy(sane), [INSTITUTES[0], INSTITUTES[2]]));
    await reader.history(REGISTRY);
    expect(reader.policyText).toBe(sane);
    expect(reader.refusedPolicies).toHaveLength(2);
  });

  it("an honest node accepts a governed policy listing its own log key beside another institute's (failover)", async () => {
    const { net, ledger, genesis } = await setup();
    const other = generateKeyPair(ORIGIN).verifierKey;
    const both = policyText(net, NAMES.slice(0, 3), 2).replace('\n', `\nlog ${other}\n`);
    await ledger.node.submit(await registryUpdate(genesis, withPolicy(both), [INSTITUTES[0], INSTITUTES[1]]));
    await ledger.node.submit(await cityCreate()); // a later checkpoint, under the new policy
    expect(ledger.node.policyText).toBe(both);
  });

  it("failover: several institutes' log keys under one origin may be listed in any order, but not dropped", async () => {
    const { net, ledger, genesis } = await dishonest();
    const other = generateKeyPair(ORIGIN).verifierKey; // another institute's log key, same origin
    const both = policyText(net, NAMES.slice(0, 3), 2).replace('\n', `\nlog ${other}\n`);
    const reader = new HttpLedgerReader({ url: ledger.url, policy: both, followGovernance: true });
    const reordered = policyText(net, NAMES, 3, other).replace('\n', `\nlog ${net.logVerifierKey}\n`);
    const first = await registryUpdate(genesis, withPolicy(reordered), [INSTITUTES[0], INSTITUTES[1]]);
    await ledger.node.submit(first);
    await reader.history(REGISTRY);
    expect(reader.policyText).toBe(reordered);
    const dropped = policyText(net, NAMES, 3);
    await ledger.node.submit(await registryUpdate(first, withPolicy(dropped), [INSTITUTES[0], INSTITUTES[1]]));
    await reader.history(REGISTRY);
    expect(reader.policyText).toBe(reordered);
    expect(reader.refusedPolicies.map((e) => e.reason)).toStrictEqual([expect.stringMatching(/log key/)]);
  });
});
