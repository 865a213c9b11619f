/**
 * The shared DID-Linked Resource vectors (spec/vectors/resources, negative/R-DLR-*): each dereferencing vector is
 * replayed from the JSON files alone (the world log, the appended resource operations, the contents) and must give
 * exactly the recorded result.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { DIDDereferencingResult } from '../src/resolution-types.ts';
import { createCityResolver } from '../src/resolve.ts';
import type { LedgerReader, LogEntry } from '../src/types.ts';

const DIR = new URL('../../../spec/vectors/', import.meta.url);
// biome-ignore lint/suspicious/noExplicitAny: vectors are JSON read field by field
const read = (path: string): any => JSON.parse(readFileSync(new URL(path, DIR), 'utf8'));

const base = read('resources/00-publish.json');
const world = read(base.log);
const entries: LogEntry[] = [...world.entries, ...base.appended].map((e: LogEntry) => ({
  index: e.index,
  integratedTime: e.integratedTime,
  operation: e.operation,
}));

function reader(tampered: Record<string, string> = {}): LedgerReader {
  const contents: Record<string, string> = { ...base.contents, ...tampered };
  return {
    history: async (did) => ({ entries: structuredClone(entries.filter((entry) => entry.operation.did === did)) }),
    resourceContent: async (_did, id) =>
      contents[id] === undefined ? undefined : new Uint8Array(Buffer.from(contents[id], 'base64')),
  };
}

function asJson(result: DIDDereferencingResult) {
  const { content, contentStream, ...rest } = result;
  expect(contentStream).toStrictEqual(content);
  return JSON.parse(
    JSON.stringify({
      ...rest,
      ...(content instanceof Uint8Array ? { contentBase64: Buffer.from(content).toString('base64') } : { content }),
    }),
  );
}

const files = [
  ...readdirSync(new URL('resources/', DIR)).map((f) => `resources/${f}`),
  ...readdirSync(new URL('negative/', DIR))
    .filter((f) => f.startsWith('R-DLR-'))
    .map((f) => `negative/${f}`),
]
  .map(read)
  .filter((v) => v.kind === 'resource-dereference');

describe('DID-Linked Resource vectors', () => {
  it('resources/00-publish: resolution lists the recorded linkedResourceMetadata', async () => {
    const resolved = await createCityResolver({ reader: reader(), genesis: base.genesis, cache: false }).resolve(
      'did:city:cn:120000',
    );
    expect(resolved.didDocumentMetadata.linkedResourceMetadata).toStrictEqual(base.expected.linkedResourceMetadata);
  });

  it('there are positive and negative dereferencing vectors', () => {
    expect(files.filter((v) => v.rule === undefined).length).toBeGreaterThanOrEqual(5);
    expect(
      files
        .filter((v) => v.rule !== undefined)
        .map((v) => v.rule)
        .sort(),
    ).toEqual(['R-DLR-2', 'R-DLR-7']);
  });

  it.each(files.map((v) => [v.id, v]))('%s', async (_id, vector) => {
    const resolver = createCityResolver({
      reader: reader(vector.tamperedContents),
      genesis: base.genesis,
      cache: false,
    });
    const { error, ...expected } = vector.expected;
    const result = asJson(await resolver.dereference(vector.didUrl));
    expect(result).toStrictEqual(expected);
    if (error !== undefined)
      expect(result.dereferencingMetadata.error.type).toBe(
        error.resolutionError === undefined ? error.type : `https://www.w3.org/ns/did#${error.resolutionError}`,
      );
  });
});
