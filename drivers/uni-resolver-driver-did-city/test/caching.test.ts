/**
 * HTTP caching: ETag + If-None-Match → 304 on results, Cache-Control from the TTL setting, and noCache
 * bypassing every cache (the resolver's and HTTP caches').
 */
import { type LedgerReader, type MemoryLedger, signOperation, updateOperation } from '@did-city/method';
import { testKey } from '@did-city/testing';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import {
  buildLedger,
  DIDS,
  encodedPath,
  identifierPath,
  keyDocument,
  type RunningDriver,
  rawRequest,
  startDriver,
} from './fixtures.ts';

let ledger: MemoryLedger;
let driver: RunningDriver;
const extra: RunningDriver[] = [];

beforeAll(async () => {
  ({ ledger } = await buildLedger());
  driver = await startDriver({ reader: ledger });
});
afterAll(async () => {
  await Promise.all([driver, ...extra].map((running) => running.close()));
});

const get = (path: string, headers: Record<string, string> = {}, on = driver) => rawRequest(on.url, path, { headers });

describe('ETag and If-None-Match', () => {
  test('a result carries a strong ETag; If-None-Match with it → 304, no body, same validators', async () => {
    const first = await get(identifierPath(DIDS.city));
    const etag = first.headers.etag!;
    expect(etag).toMatch(/^"[A-Za-z0-9_-]+"$/);
    const again = await get(identifierPath(DIDS.city), { 'if-none-match': etag });
    expect(again.status).toBe(304);
    expect(again.text).toBe('');
    expect(again.headers.etag).toBe(etag);
    expect(again.headers['cache-control']).toBe(first.headers['cache-control']);
    expect(again.headers['access-control-allow-origin']).toBe('*');
  });

  test('weak comparison, lists and * match', async () => {
    const { etag } = (await get(identifierPath(DIDS.city))).headers;
    expect((await get(identifierPath(DIDS.city), { 'if-none-match': `W/${etag}` })).status).toBe(304);
    expect((await get(identifierPath(DIDS.city), { 'if-none-match': `"other", ${etag}` })).status).toBe(304);
    expect((await get(identifierPath(DIDS.city), { 'if-none-match': '*' })).status).toBe(304);
    expect((await get(identifierPath(DIDS.city), { 'if-none-match': '"other"' })).status).toBe(200);
  });

  test('each representation has its own ETag (Vary: Accept)', async () => {
    const result = await get(identifierPath(DIDS.city));
    const document = await get(identifierPath(DIDS.city), { accept: 'application/did+json' });
    expect(result.headers.etag).not.toBe(document.headers.etag);
    expect(result.headers.vary).toBe('Accept');
    const stale = await get(identifierPath(DIDS.city), {
      accept: 'application/did+json',
      'if-none-match': result.headers.etag!,
    });
    expect(stale.status).toBe(200);
  });

  test('documents and dereferencing results get ETags too; errors and 410 do not, and never 304', async () => {
    expect((await get(encodedPath(`${DIDS.city}#key-1`))).headers.etag).toBeDefined();
    const missing = await get(identifierPath(DIDS.absent), { 'if-none-match': '*' });
    expect(missing.status).toBe(404);
    expect(missing.headers.etag).toBeUndefined();
    const gone = await get(identifierPath(DIDS.deactivated), { 'if-none-match': '*' });
    expect(gone.status).toBe(410);
  });

  test('an update on the ledger changes the ETag at once: the old one no longer matches', async () => {
    const own = await buildLedger();
    const running = await startDriver({ reader: own.ledger });
    extra.push(running);
    const before = await get(identifierPath(DIDS.updated), {}, running);
    expect((await get(identifierPath(DIDS.updated), { 'if-none-match': before.headers.etag! }, running)).status).toBe(
      304,
    );
    const update = updateOperation(own.ledger.historyOf(DIDS.updated)!, {
      document: keyDocument(testKey('beijing-rotated-2')),
    });
    await own.ledger.append(await signOperation(update, [own.updateSigners[DIDS.updated]!]));
    const after = await get(identifierPath(DIDS.updated), { 'if-none-match': before.headers.etag! }, running);
    expect(after.status).toBe(200);
    expect(after.json().didDocumentMetadata.versionId).toBe('2');
    expect(after.headers.etag).not.toBe(before.headers.etag);
  });
});

describe('Cache-Control', () => {
  test('results: public, max-age=60 by default', async () => {
    expect((await get(identifierPath(DIDS.city))).headers['cache-control']).toBe('public, max-age=60');
    expect((await get(identifierPath(DIDS.deactivated))).headers['cache-control']).toBe('public, max-age=60');
  });

  test('errors: no-store', async () => {
    expect((await get(identifierPath(DIDS.absent))).headers['cache-control']).toBe('no-store');
    expect((await get(identifierPath('did:city:CN'))).headers['cache-control']).toBe('no-store');
  });

  test('max-age follows the cacheTtl setting; 0 means revalidate every time', async () => {
    const long = await startDriver({ reader: ledger, cacheTtl: 300 });
    const none = await startDriver({ reader: ledger, cacheTtl: 0 });
    extra.push(long, none);
    expect((await get(identifierPath(DIDS.city), {}, long)).headers['cache-control']).toBe('public, max-age=300');
    expect((await get(identifierPath(DIDS.city), {}, none)).headers['cache-control']).toBe('no-cache');
  });
});

describe('noCache=true bypasses every cache', () => {
  function countingReader(): { reader: LedgerReader; reads: Array<{ did: string; noCache?: boolean }> } {
    const reads: Array<{ did: string; noCache?: boolean }> = [];
    const reader: LedgerReader = {
      history(did, options) {
        reads.push({ did, ...(options?.noCache === undefined ? {} : { noCache: options.noCache }) });
        return ledger.history(did, options);
      },
    };
    return { reader, reads };
  }

  test('Cache-Control: no-store, and If-None-Match is not honoured', async () => {
    const { etag } = (await get(identifierPath(DIDS.city))).headers;
    const res = await get(encodedPath(DIDS.city, 'noCache=true'), { 'if-none-match': etag! });
    expect(res.status).toBe(200);
    expect(res.headers['cache-control']).toBe('no-store');
    expect(res.json().didDocument.id).toBe(DIDS.city);
  });

  test('the resolver reads the whole lineage afresh from the ledger, asking the reader for a fresh read', async () => {
    const { reader, reads } = countingReader();
    const fresh = await startDriver({ reader });
    extra.push(fresh);
    await get(identifierPath(DIDS.sub), {}, fresh);
    expect(reads.some((read) => read.noCache === true)).toBe(false);
    reads.length = 0;
    await get(encodedPath(DIDS.sub, 'noCache=true'), {}, fresh);
    expect(reads).toEqual(
      expect.arrayContaining([
        { did: DIDS.sub, noCache: true },
        { did: DIDS.city, noCache: true },
        { did: DIDS.registry, noCache: true },
      ]),
    );
  });
});
