/**
 * The shared credential-schema vectors (spec §6.9, R-DLR-10; spec/vectors/resources/0?-credential-schema-*,
 * negative/R-DLR-10-*): each credential names its schema by DID URL over the resource log of resources/00-publish;
 * replayed from the JSON files alone, the schema check gives exactly the recorded error codes.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { createCityResolver, type LedgerReader, type LogEntry } from '@did-city/method';
import { describe, expect, it } from 'vitest';
import { SchemaRegistry } from '../src/index.ts';

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

const vectors = [
  ...readdirSync(new URL('resources/', DIR)).map((f) => `resources/${f}`),
  ...readdirSync(new URL('negative/', DIR))
    .filter((f) => f.startsWith('R-DLR-10-'))
    .map((f) => `negative/${f}`),
]
  .map(read)
  .filter((v) => v.kind === 'credential-schema');

describe('credential-schema vectors (R-DLR-10)', () => {
  it('there are positive vectors and a negative one per failure', () => {
    expect(vectors.filter((v) => v.rule === undefined).length).toBeGreaterThanOrEqual(2);
    expect(
      vectors
        .filter((v) => v.rule !== undefined)
        .map((v) => v.expected.error.code)
        .sort(),
    ).toEqual(['SCHEMA_INVALID', 'SCHEMA_UNAVAILABLE', 'SCHEMA_UNAVAILABLE']);
  });

  it.each(vectors.map((v) => [v.id, v]))('%s', async (_id, vector) => {
    const resolver = createCityResolver({
      reader: reader(vector.tamperedContents),
      genesis: base.genesis,
      cache: false,
    });
    const errors = await new SchemaRegistry({ dereference: (url) => resolver.dereference(url) }).check(
      vector.credential,
    );
    expect(errors.map((e) => ({ code: e.code }))).toStrictEqual(vector.expected.errors);
  });
});
