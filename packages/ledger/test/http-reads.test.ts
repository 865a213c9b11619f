/**
 * The read side of the ledger HTTP API over real HTTP: histories with proofs against one co-signed checkpoint,
 * the checkpoint, inclusion and consistency proofs, C2SP tlog-tiles with their content types and cache headers,
 * the policy, health, and strict number parsing.
 */
import { canonicalBytes } from '@did-city/method';
import {
  encodeEntryBundle,
  leafHash,
  parseCheckpoint,
  parseNote,
  verifyConsistency,
  verifyInclusion,
} from '@did-city/tlog';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ProvenHistory } from '../src/reader.ts';
import { cityCreate, departmentCreate, registryGenesis, SJZ } from './fixtures.ts';
import { fromBase64 } from './helpers.ts';
import { ADMIN_TOKEN, call, type LedgerServer, postJson, problemCode, startLedger } from './http-fixtures.ts';

let ledger: LedgerServer;
/** Tree size after genesis + city + 255 departments: one full level-0 tile and one partial. */
const SIZE = 257;

function checkpointOf(note: string) {
  return parseCheckpoint(parseNote(note).text);
}

beforeAll(async () => {
  ledger = await startLedger();
  expect((await call(`${ledger.url}checkpoint`)).status).toBe(404);
  await postJson(`${ledger.url}governance/operations`, await registryGenesis(), {
    Authorization: `Bearer ${ADMIN_TOKEN}`,
  });
  await postJson(`${ledger.url}operations`, await cityCreate());
  const departments = await Promise.all(Array.from({ length: SIZE - 2 }, (_, i) => departmentCreate(`dept-${i}`)));
  const answers = await Promise.all(departments.map((op) => postJson(`${ledger.url}operations`, op)));
  expect(answers.every((a) => a.status === 201)).toBe(true);
}, 120_000);

afterAll(async () => {
  await ledger.stop();
});

describe('GET /dids/{did}/history', () => {
  it('serves the entries with inclusion proofs against one co-signed checkpoint', async () => {
    const answer = await call(`${ledger.url}dids/${SJZ}/history`);
    expect(answer.status).toBe(200);
    expect(answer.headers.get('cache-control')).toBe('no-cache');
    const history = answer.json() as ProvenHistory;
    const checkpoint = checkpointOf(history.checkpoint!);
    expect(history.treeSize).toBe(SIZE);
    expect(checkpoint.size).toBe(SIZE);
    expect(history.entries.map((e) => e.index)).toEqual([1]);
    for (const entry of history.entries) {
      // Recomputed from the served operation, never taken from the served leaf hash (spec §7.6 step 3).
      const hash = leafHash(canonicalBytes({ integratedTime: entry.integratedTime, operation: entry.operation }));
      expect(Buffer.from(hash).toString('base64')).toBe(entry.leafHash);
      const proof = entry.inclusionProof.map(fromBase64);
      expect(
        verifyInclusion({
          leafIndex: entry.index,
          treeSize: SIZE,
          leafHash: hash,
          proof,
          rootHash: checkpoint.rootHash,
        }),
      ).toBe(true);
    }
  });

  it('answers an unknown DID with no entries and the checkpoint, an invalid DID with 400 INVALID_DID', async () => {
    const empty = (await call(`${ledger.url}dids/did:city:cn:130200/history`)).json() as ProvenHistory;
    expect(empty.entries).toEqual([]);
    expect(empty.treeSize).toBe(SIZE);
    for (const bad of ['did:city:CN:130100', 'did:web:example.com', 'did:city:cn:13010']) {
      const answer = await call(`${ledger.url}dids/${encodeURIComponent(bad)}/history`);
      expect(answer.status).toBe(bad.startsWith('did:web') ? 501 : 400);
      expect(['INVALID_DID', 'METHOD_NOT_SUPPORTED']).toContain(problemCode(answer));
    }
  });
});

describe('GET /checkpoint, /policy, /health', () => {
  it('serves the latest co-signed checkpoint as text/plain, not cacheable beyond revalidation', async () => {
    const answer = await call(`${ledger.url}checkpoint`);
    expect(answer.status).toBe(200);
    expect(answer.headers.get('content-type')).toBe('text/plain; charset=utf-8');
    expect(answer.headers.get('cache-control')).toBe('no-cache');
    expect(answer.text).toBe(await ledger.node.latestCheckpoint());
  });

  it('serves the public trust policy and a health answer', async () => {
    const policy = await call(`${ledger.url}policy`);
    expect(policy.text).toBe(ledger.node.policyText);
    expect(policy.headers.get('content-type')).toBe('text/plain; charset=utf-8');
    const health = await call(`${ledger.url}health`);
    expect(health.status).toBe(200);
    expect(health.json()).toMatchObject({
      status: 'ok',
      origin: 'city.ledger/prod',
      treeSize: SIZE,
      reasons: [],
      integrity: { ok: true },
    });
  });

  it('answers an unknown route with a 404 problem', async () => {
    const answer = await call(`${ledger.url}nothing/here`);
    expect(answer.status).toBe(404);
    expect(answer.json()).toMatchObject({ type: 'about:blank', status: 404 });
  });
});

describe('GET /proofs/inclusion and /proofs/consistency', () => {
  it('serves proofs that verify against the checkpoint roots', async () => {
    const checkpoint = checkpointOf((await ledger.node.latestCheckpoint())!);
    const entry = (await ledger.node.store.entry(100))!;
    const inclusion = (await call(`${ledger.url}proofs/inclusion?index=100&size=${SIZE}`)).json() as {
      proof: string[];
    };
    const check = {
      leafIndex: 100,
      treeSize: SIZE,
      leafHash: entry.leafHash,
      proof: inclusion.proof.map(fromBase64),
      rootHash: checkpoint.rootHash,
    };
    expect(verifyInclusion(check)).toBe(true);
    const oldRoot = await ledger.node.store.rootAt(2);
    const consistency = (await call(`${ledger.url}proofs/consistency?from=2&to=${SIZE}`)).json() as { proof: string[] };
    const proof = consistency.proof.map(fromBase64);
    expect(verifyConsistency({ oldSize: 2, newSize: SIZE, oldRoot, newRoot: checkpoint.rootHash, proof })).toBe(true);
  });

  it.each([
    ['index=1e2&size=10', 'index'],
    ['index=-1&size=10', 'index'],
    ['index=01&size=10', 'index'],
    ['index=0x1&size=10', 'index'],
    ['index=%201&size=10', 'index'],
    ['index=1&index=2&size=10', 'index'],
    ['index=1', 'size'],
    ['index=1&size=99999999999999999999', 'size'],
    ['index=1&size=100000', 'tree size'],
    ['index=10&size=10', 'leaf index'],
  ])('400 MALFORMED_REQUEST naming the parameter for inclusion?%s', async (query, name) => {
    const answer = await call(`${ledger.url}proofs/inclusion?${query}`);
    expect(answer.status).toBe(400);
    expect(problemCode(answer)).toBe('MALFORMED_REQUEST');
    expect((answer.json() as { detail: string }).detail).toContain(name);
  });

  it('400 for junk or out-of-order consistency sizes', async () => {
    for (const query of ['from=a&to=3', 'from=3&to=2', `from=0&to=${SIZE + 1}`, 'to=3']) {
      const answer = await call(`${ledger.url}proofs/consistency?${query}`);
      expect(answer.status, query).toBe(400);
      expect(problemCode(answer)).toBe('MALFORMED_REQUEST');
    }
  });
});

describe('C2SP tlog-tiles', () => {
  it('serves a full level-0 tile as immutable application/octet-stream, a partial one briefly cacheable', async () => {
    const full = await fetch(`${ledger.url}tile/0/000`);
    expect(full.status).toBe(200);
    expect(full.headers.get('content-type')).toBe('application/octet-stream');
    expect(full.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    const bytes = new Uint8Array(await full.arrayBuffer());
    expect(bytes.length).toBe(256 * 32);
    expect(bytes.subarray(32, 64)).toEqual((await ledger.node.store.entry(1))!.leafHash);
    const partial = await fetch(`${ledger.url}tile/0/001.p/1`);
    expect(partial.status).toBe(200);
    expect(partial.headers.get('cache-control')).toBe('public, max-age=60');
    const level1 = await fetch(`${ledger.url}tile/1/000.p/1`);
    expect(new Uint8Array(await level1.arrayBuffer())).toEqual(await ledger.node.store.rootAt(256));
  });

  it('serves entry bundles of the leaf bytes', async () => {
    const answer = await fetch(`${ledger.url}tile/entries/001.p/1`);
    expect(answer.headers.get('content-type')).toBe('application/octet-stream');
    const leaf = (await ledger.node.store.entry(256))!.leaf;
    expect(new Uint8Array(await answer.arrayBuffer())).toEqual(encodeEntryBundle([leaf]));
  });

  it('400 for a malformed tile path, 404 for a tile beyond the anchored tree', async () => {
    for (const path of ['tile/0/1', 'tile/0/x000/001', 'tile/64/000', 'tile/0/000.p/256', 'tile/0/000.p/0']) {
      const answer = await call(`${ledger.url}${path}`);
      expect(answer.status, path).toBe(400);
      expect(problemCode(answer)).toBe('MALFORMED_REQUEST');
    }
    for (const path of ['tile/0/002', 'tile/0/001.p/2', 'tile/entries/005']) {
      expect((await call(`${ledger.url}${path}`)).status, path).toBe(404);
    }
  });
});
