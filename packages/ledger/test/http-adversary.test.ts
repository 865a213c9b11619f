/**
 * A ledger that lies, over real HTTP. A row edited behind the node's back (a second SQLite connection), a rogue
 * sequencer holding the log key and colluding witness keys serving another tree (split view), a checkpoint
 * without the witness quorum, and answers doctored in transit: the resolver fails closed every time and never
 * returns a wrong document.
 */
import { copyFileSync, mkdirSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { createCityResolver, InconsistentCheckpointError, type Operation } from '@did-city/method';
import { HttpLedgerReader } from '@did-city/method/http';
import { formatNote, parseNote } from '@did-city/tlog';
import Database from 'better-sqlite3';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  CITY_KEY,
  cityCreate,
  createOf,
  INSTITUTES,
  key,
  REGISTRY,
  registryGenesis,
  SJZ,
  tempDir,
  updateAfter,
} from './fixtures.ts';
import { errorOf } from './helpers.ts';
import { ADMIN_TOKEN, type LedgerServer, postJson, startLedger } from './http-fixtures.ts';

let honest: LedgerServer;
let genesis: Operation;
let city: Operation;
const extra: LedgerServer[] = [];

async function seed(ledger: LedgerServer, ops: Operation[]): Promise<void> {
  const [first, ...rest] = ops;
  await postJson(`${ledger.url}governance/operations`, first, { Authorization: `Bearer ${ADMIN_TOKEN}` });
  for (const op of rest) expect((await postJson(`${ledger.url}operations`, op)).status).toBe(201);
}

/** fetch that sends the reader's requests to `target()` instead of the URL it was given. */
function redirected(from: string, target: () => string): typeof fetch {
  return (input, init) => fetch(String(input).replace(from, target()), init);
}

/** fetch that lets `edit` rewrite each history answer. */
function doctored(edit: (history: Record<string, unknown>) => void): typeof fetch {
  return async (input, init) => {
    const response = await fetch(input, init);
    if (!String(input).includes('/history')) return response;
    const body = (await response.json()) as Record<string, unknown>;
    edit(body);
    return new Response(JSON.stringify(body), { status: 200, headers: { 'Content-Type': 'application/json' } });
  };
}

/** A rogue node: the honest log key and the honest witnesses' keys, but none of their state. */
async function rogueWithKeysOf(source: string, options: { witnesses: boolean }): Promise<LedgerServer> {
  const { dir } = tempDir('ledger-rogue-');
  mkdirSync(join(dir, 'keys'), { recursive: true });
  copyFileSync(join(source, 'keys', 'log.key'), join(dir, 'keys', 'log.key'));
  if (options.witnesses) {
    for (const name of readdirSync(join(source, 'witnesses'))) {
      mkdirSync(join(dir, 'witnesses', name), { recursive: true });
      copyFileSync(join(source, 'witnesses', name, 'witness.key'), join(dir, 'witnesses', name, 'witness.key'));
    }
  }
  const rogue = await startLedger({}, dir);
  extra.push(rogue);
  return rogue;
}

beforeAll(async () => {
  honest = await startLedger();
  genesis = await registryGenesis();
  city = await cityCreate();
  await seed(honest, [genesis, city]);
});

afterEach(async () => {
  for (const ledger of extra.splice(0)) await ledger.stop();
});

afterAll(async () => {
  await honest.stop();
});

describe('split view (spec §7.7, R-LED-3)', () => {
  it('a rogue sequencer with the log key and colluding witnesses: INCONSISTENT_CHECKPOINT with both notes kept', async () => {
    const rogue = await rogueWithKeysOf(honest.dir, { witnesses: true });
    expect(rogue.node.policyText).toBe(honest.node.policyText); // the policy cannot tell them apart
    const impostor = await createOf(SJZ, key('impostor'), [INSTITUTES[0], INSTITUTES[1]]);
    await seed(rogue, [genesis, impostor]);
    let target = honest.url;
    const reader = new HttpLedgerReader({
      url: honest.url,
      policy: honest.node.policyText,
      fetch: redirected(honest.url, () => target),
    });
    const resolver = createCityResolver({ reader, cache: false });
    const seen = await resolver.resolve(SJZ);
    expect(seen.didDocument?.verificationMethod?.[0]?.publicKeyMultibase).toBe(key('sjz').publicKeyMultibase);

    target = rogue.url; // same size, another root
    const error = await errorOf(reader.history(SJZ));
    expect(error).toBeInstanceOf(InconsistentCheckpointError);
    expect(error.code).toBe('INCONSISTENT_CHECKPOINT');
    const { evidence } = error as InconsistentCheckpointError;
    expect(evidence.trusted).toBe(await honest.node.latestCheckpoint());
    expect(evidence.conflicting).toBe(await rogue.node.latestCheckpoint());
    expect(evidence.reason).toMatch(/same size 2 with a different root/);
    expect(reader.evidence).toEqual([evidence]);
    const result = await resolver.resolve(SJZ);
    expect(result.didDocument).toBeNull();
    expect(result.didResolutionMetadata.error?.type).toBe('https://www.w3.org/ns/did#INTERNAL_ERROR');

    // The rogue grows past the trusted size: its own consistency proof cannot link it to the honest root.
    await seed(rogue, [genesis, await createOf('did:city:cn:110000', key('bj'), [INSTITUTES[0], INSTITUTES[1]])]);
    const larger = await errorOf(reader.history(SJZ));
    expect(larger.code).toBe('INCONSISTENT_CHECKPOINT');
    expect((larger as InconsistentCheckpointError).evidence.reason).toMatch(/consistency proof does not verify/);
    expect(reader.evidence.length).toBe(2);
  });

  it('a rogue sequencer with only the log key: its checkpoints lack the witness quorum (UNTRUSTED_CHECKPOINT)', async () => {
    const rogue = await rogueWithKeysOf(honest.dir, { witnesses: false });
    await seed(rogue, [genesis, city]);
    const reader = new HttpLedgerReader({ url: rogue.url, policy: honest.node.policyText });
    const error = await errorOf(reader.history(SJZ));
    expect(error.code).toBe('UNTRUSTED_CHECKPOINT');
    expect(error.detail).toMatch(/lacks the witness quorum \(valid cosignatures: none\)/);
  });

  it('a checkpoint stripped to one cosignature: UNTRUSTED_CHECKPOINT', async () => {
    const strip = (history: Record<string, unknown>) => {
      const note = parseNote(history['checkpoint'] as string);
      history['checkpoint'] = formatNote({ text: note.text, signatures: note.signatures.slice(0, 2) });
    };
    const reader = new HttpLedgerReader({ url: honest.url, policy: honest.node.policyText, fetch: doctored(strip) });
    expect((await errorOf(reader.history(SJZ))).code).toBe('UNTRUSTED_CHECKPOINT');
  });

  it('a log signature by another key: UNTRUSTED_CHECKPOINT', async () => {
    const forge = (history: Record<string, unknown>) => {
      const note = parseNote(history['checkpoint'] as string);
      const other = parseNote(`${note.text}\n— city.ledger/prod ${'A'.repeat(86)}==\n`);
      history['checkpoint'] = formatNote({
        text: note.text,
        signatures: [...other.signatures, ...note.signatures.slice(1)],
      });
    };
    const reader = new HttpLedgerReader({ url: honest.url, policy: honest.node.policyText, fetch: doctored(forge) });
    expect((await errorOf(reader.history(SJZ))).code).toBe('UNTRUSTED_CHECKPOINT');
  });
});

describe('answers doctored in transit: INVALID_LEDGER_PROOF', () => {
  type Entry = { index: number; operation: Record<string, unknown>; inclusionProof: string[] };
  const entriesOf = (h: Record<string, unknown>) => h['entries'] as Entry[];
  const cases: Array<[string, (h: Record<string, unknown>) => void, RegExp]> = [
    [
      'an edited operation',
      (h) => {
        entriesOf(h)[0]!.operation['threshold'] = 2;
      },
      /not included/,
    ],
    [
      'a forged proof hash',
      (h) => {
        entriesOf(h)[0]!.inclusionProof[0] = Buffer.alloc(32, 7).toString('base64');
      },
      /does not verify/,
    ],
    [
      'a missing proof',
      (h) => {
        delete (entriesOf(h)[0] as Partial<Entry>).inclusionProof;
      },
      /not a list/,
    ],
    [
      'another index',
      (h) => {
        entriesOf(h)[0]!.index = 0;
      },
      /not included/,
    ],
    [
      'an entry of another DID',
      (h) => {
        entriesOf(h)[0]!.operation['did'] = REGISTRY;
      },
      /another DID/,
    ],
    [
      'a tree size other than the checkpoint',
      (h) => {
        h['treeSize'] = 1;
      },
      /tree size/,
    ],
    [
      'no entries array',
      (h) => {
        h['entries'] = 'none';
      },
      /not a proven history/,
    ],
  ];
  it.each(cases)('%s', async (_name, edit, detail) => {
    const reader = new HttpLedgerReader({ url: honest.url, policy: honest.node.policyText, fetch: doctored(edit) });
    const error = await errorOf(reader.history(SJZ));
    expect(error.code).toBe('INVALID_LEDGER_PROOF');
    expect(error.detail).toMatch(detail);
  });

  it('a gap in the chain (an entry withheld): INVALID_LEDGER_PROOF', async () => {
    const update = await updateAfter(city, CITY_KEY, 'gap');
    const next = await updateAfter(update, CITY_KEY, 'gap-2');
    await postJson(`${honest.url}operations`, update);
    await postJson(`${honest.url}operations`, next);
    const withhold = (h: Record<string, unknown>) => {
      h['entries'] = entriesOf(h).filter((_, i) => i !== 1);
    };
    const reader = new HttpLedgerReader({ url: honest.url, policy: honest.node.policyText, fetch: doctored(withhold) });
    const error = await errorOf(reader.history(SJZ));
    expect(error.code).toBe('INVALID_LEDGER_PROOF');
    expect(error.detail).toMatch(/not contiguous/);
  });
});

describe('a row edited in SQLite behind the node (tamper)', () => {
  it('fails closed for a fresh resolver and shows in integrityCheck', async () => {
    const ledger = await startLedger();
    extra.push(ledger);
    await seed(ledger, [genesis, city]);
    const db = new Database(join(ledger.dir, 'ledger.db'));
    try {
      const row = db.prepare('SELECT leaf FROM entries WHERE leaf_index = 1').get() as { leaf: Buffer };
      const leaf = JSON.parse(row.leaf.toString('utf8')) as { operation: { document: { service?: unknown[] } } };
      leaf.operation.document.service = [
        { id: '#evil', type: 'LinkedDomains', serviceEndpoint: 'https://evil.example/' },
      ];
      db.prepare('UPDATE entries SET leaf = ? WHERE leaf_index = 1').run(Buffer.from(JSON.stringify(leaf)));
    } finally {
      db.close();
    }
    const reader = new HttpLedgerReader({ url: ledger.url, policy: ledger.node.policyText });
    expect((await errorOf(reader.history(SJZ))).code).toBe('INVALID_LEDGER_PROOF');
    const result = await createCityResolver({ reader }).resolve(SJZ);
    expect(result.didDocument).toBeNull();
    expect(['https://www.w3.org/ns/did#INTERNAL_ERROR', 'https://www.w3.org/ns/did#INVALID_DID_DOCUMENT']).toContain(
      result.didResolutionMetadata.error?.type,
    );
    expect(JSON.stringify(result)).not.toContain('evil.example');
    const report = await ledger.node.integrityCheck();
    expect(report.ok).toBe(false);
    expect(report.problems.map((p) => p.kind)).toContain('leaf-hash');
    expect(report.problems.find((p) => p.kind === 'leaf-hash')?.index).toBe(1);
  });
});
