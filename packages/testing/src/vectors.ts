/**
 * The shared vectors of spec/vectors/ as one table of cases, for every surface that resolves or sequences: the
 * library, the resolver driver over HTTP, the ledger API of a running node, the Veramo resolver. A surface's test
 * runs each case of a kind it serves, so a vector added to the generator is tested through all of them.
 *
 * - `resolve` / `dereference`: the world log's first `prefix` entries (plus `extraEntries`, a misbehaving log's
 *   invalid entries), then `did` / `didUrl` with `options` and the vector's resolver configuration; `expected` is
 *   the whole W3C result.
 * - `append`: the world log's first `prefix` entries, then `entry`: accepted (with its operation hash) or refused
 *   with a did:city error code. Every operations/* vector is one (accepted), every append vector (negative/*) too.
 *
 * Cases come in log order (by `prefix`), so a surface can feed one log forward and check each case on the way.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { GenesisPolicy, LogEntry, Operation } from '@did-city/method';

/** spec/vectors/ of this repository. */
export const VECTORS_DIR = join(import.meta.dirname, '..', '..', '..', 'spec', 'vectors');

// biome-ignore lint/suspicious/noExplicitAny: vectors are JSON read from disk; each case keeps what it needs.
type Json = any;

export interface ResolverConfig {
  genesis?: GenesisPolicy;
  refuseNoCache?: boolean;
}

interface CaseBase {
  /** The vector's id (its file under spec/vectors/ without `.json`). */
  id: string;
  title: string;
  /** How many world entries precede the case. */
  prefix: number;
}

export interface ResolveCase extends CaseBase {
  kind: 'resolve';
  /** Entries after the prefix that no honest ledger would hold (a misbehaving log). */
  extraEntries?: LogEntry[];
  resolver: ResolverConfig;
  did: string;
  options?: Record<string, unknown>;
  expected: Json;
}

export interface DereferenceCase extends CaseBase {
  kind: 'dereference';
  resolver: ResolverConfig;
  didUrl: string;
  options?: Record<string, unknown>;
  expected: Json;
}

export type AppendOutcome = { accepted: true; operationHash: string } | { accepted: false; code: string };

export interface AppendCase extends CaseBase {
  kind: 'append';
  genesis: GenesisPolicy;
  entry: LogEntry;
  expected: AppendOutcome;
}

export type VectorCase = ResolveCase | DereferenceCase | AppendCase;

export interface VectorTable {
  /** logs/world.json: every entry with its integration time. */
  world: LogEntry[];
  /** The registry genesis pins of the world. */
  genesis: GenesisPolicy;
  /** In log order (by prefix), then by id. */
  cases: VectorCase[];
}

function load(path: string): Json {
  return JSON.parse(readFileSync(join(VECTORS_DIR, path), 'utf8'));
}

const entryOf = ({ index, integratedTime, operation }: Json): LogEntry => ({
  index,
  integratedTime,
  operation: operation as Operation,
});

function title(v: Json): string {
  return `${v.id}: ${v.description}`;
}

/** Reads spec/vectors/index.json and the files it lists. */
export function vectorTable(): VectorTable {
  const index = load('index.json');
  const files: Array<{ path: string; kind: string; id: string }> = index.files;
  const worldFile = load('logs/world.json');
  const world: LogEntry[] = worldFile.entries.map(entryOf);
  const cases: VectorCase[] = [];
  for (const file of files) {
    const v = load(file.path);
    const base = { id: file.id, title: title(v) };
    if (file.kind === 'resolution') {
      cases.push({
        ...base,
        kind: 'resolve',
        prefix: v.entries,
        ...(v.extraEntries === undefined ? {} : { extraEntries: v.extraEntries.map(entryOf) }),
        resolver: v.resolver ?? {},
        did: v.did,
        ...(v.options === undefined ? {} : { options: v.options }),
        expected: v.expected,
      });
    } else if (file.kind === 'dereferencing') {
      const options = v.options === undefined ? {} : { options: v.options };
      cases.push({
        ...base,
        kind: 'dereference',
        prefix: v.entries,
        resolver: v.resolver ?? {},
        didUrl: v.didUrl,
        ...options,
        expected: v.expected,
      });
    } else if (file.kind === 'operation') {
      const entry = world[v.entries - 1]!;
      const genesis = v.resolver?.genesis ?? worldFile.genesis;
      cases.push({
        ...base,
        kind: 'append',
        prefix: v.entries - 1,
        genesis,
        entry,
        expected: { accepted: true, operationHash: v.operationHash },
      });
      cases.push({
        ...base,
        kind: 'resolve',
        prefix: v.entries,
        resolver: v.resolver ?? {},
        did: v.did,
        expected: v.expected.resolution,
      });
    } else if (file.kind === 'append') {
      const expected: AppendOutcome =
        v.expected.accepted === true
          ? { accepted: true, operationHash: v.expected.operationHash }
          : { accepted: false, code: v.expected.error.code };
      cases.push({ ...base, kind: 'append', prefix: v.entries, genesis: v.genesis, entry: entryOf(v.entry), expected });
    }
  }
  cases.sort((a, b) => a.prefix - b.prefix || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  return { world, genesis: worldFile.genesis, cases };
}
