/**
 * The vector generator: builds every file of spec/vectors/ from fixed seeds with the real library, byte for byte
 * deterministic, and keeps the generated parts of spec/did-city.md in sync. Run through generate-vectors.ts
 * (`pnpm vectors`, `pnpm vectors:check`); tests import buildVectors() and differences() from here. The format is
 * documented in spec/README.md.
 */
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { canonicalBytes, keyHash, operationHash } from '../../packages/method/src/index.ts';
import { hex, PROOF_CREATED, plain, SEED_PREFIX, stableJson } from './vector-format.ts';
import { COSIGNED_AT, LOG_KEY, ledgerVectors, ORIGIN, WITNESS_KEYS } from './vector-ledger.ts';
import { indexVectors } from './vector-index.ts';
import { EXTRA_KEYS, negativeVectors, sizeLimitOperation } from './vector-negative.ts';
import { resourceVectors } from './vector-resources.ts';
import { positiveAndResolutionVectors, type Vector, WORLD_LOG } from './vector-resolution.ts';
import { appendixProblems, type RegistryEntry, syncSpec } from './spec-sync.ts';
import { coverage, parseRules } from './vector-rules.ts';
import { SM2_KEYS, sm2OperationVectors, suiteVector } from './vector-sm2.ts';
import { syntaxVector } from './vector-syntax.ts';
import { applyToState, day, KEYS, world } from './vector-world.ts';

const SPEC_DIR = join(dirname(fileURLToPath(import.meta.url)), '..');
export const VECTORS_DIR = join(SPEC_DIR, 'vectors');
const SPEC_FILE = join(SPEC_DIR, 'did-city.md');

function readSpec(): string {
  return readFileSync(SPEC_FILE, 'utf8');
}

/** The spec with its generated parts (the errors table of §8) brought up to date. */
export function syncedSpec(): string {
  const registry = JSON.parse(readFileSync(join(SPEC_DIR, 'errors.json'), 'utf8')) as { errors: RegistryEntry[] };
  return syncSpec(readSpec(), registry.errors);
}

async function worldLog() {
  const w = await world();
  return {
    id: 'logs/world',
    kind: 'log',
    description:
      'The reference production log every vector builds on: entries in log order with their operation hash (§3.3), RFC 6962 leaf hash (base64, §4), signers (labels in keys.json) and what each does',
    genesis: w.genesis,
    entries: w.entries.map((e) => plain(e)),
  };
}

async function sizeLimitVector(): Promise<Vector> {
  const w = await world();
  const operation = await sizeLimitOperation();
  const count = w.entries.length;
  const entry = { index: count, integratedTime: day(count), operation };
  applyToState(w.histories[count]!, entry as never, w.genesis);
  const bytes = canonicalBytes(operation).length;
  if (bytes !== 61440) throw new Error(`size-limit operation is ${bytes} bytes`);
  return {
    id: 'operations/14-size-limit',
    kind: 'append',
    description: 'A Tianjin update whose JCS form, proofs included, is exactly 61,440 bytes: accepted',
    rules: ['R-OP-2'],
    log: WORLD_LOG,
    entries: count,
    genesis: w.genesis,
    entry: plain(entry),
    expected: { accepted: true, operationHash: operationHash(operation as never), bytes },
  };
}

function keysFile() {
  const all = [...Object.values(KEYS), ...EXTRA_KEYS, ...SM2_KEYS];
  return {
    id: 'keys',
    kind: 'keys',
    description: `TEST KEYS ONLY, published so that vectors can be checked and extended. secret = sha256(utf8("${SEED_PREFIX}" + label)); Ed25519 secrets are RFC 8032 seeds, ECDSA and SM2 secrets are scalars. Proofs use created = ${PROOF_CREATED}. Note keys (log, witnesses) use the same seed rule with their key name as label; cosignatures are timestamped ${COSIGNED_AT} (${new Date(COSIGNED_AT * 1000).toISOString()}).`,
    keys: all.map((k) => ({
      label: k.label,
      keyType: k.pair.keyType,
      secretKeyHex: hex(k.pair.secretKey),
      publicKeyMultibase: k.mk,
      keyHash: keyHash(k.mk),
    })),
    noteKeys: [{ role: 'log', ...LOG_KEY }, ...WITNESS_KEYS.map((k) => ({ role: 'witness', ...k }))],
    origin: ORIGIN,
  };
}

function syntaxCoverage(syntax: ReturnType<typeof syntaxVector>) {
  return syntax.invalid.map((entry) => ({ id: `did-syntax#${entry.did}`, rule: entry.rule }));
}

/** Every vector file, by path relative to spec/vectors, with its exact text. */
export async function buildVectors(): Promise<Map<string, string>> {
  const syntax = syntaxVector();
  const vectors: Vector[] = [
    ...(await positiveAndResolutionVectors()),
    await sizeLimitVector(),
    ...(await negativeVectors()),
    ...(await ledgerVectors()),
    ...(await indexVectors()),
    await suiteVector(),
    ...(await sm2OperationVectors()),
    ...(await resourceVectors()),
  ];
  const spec = readSpec();
  const rules = parseRules(spec);
  const appendix = appendixProblems(spec, rules);
  if (appendix.length > 0) throw new Error(appendix.join('\n'));
  const covered = coverage(rules, [...vectors, syntax, ...syntaxCoverage(syntax)]);
  const files = new Map<string, string>();
  const add = (path: string, value: unknown) => {
    if (files.has(path)) throw new Error(`two vectors write ${path}`);
    files.set(path, stableJson(value));
  };
  add('logs/world.json', await worldLog());
  add('keys.json', keysFile());
  add('did-syntax.json', syntax);
  for (const vector of vectors) add(`${vector.id}.json`, vector);
  const listed = [
    { path: 'logs/world.json', id: 'logs/world', kind: 'log' },
    { path: 'keys.json', id: 'keys', kind: 'keys' },
    {
      path: 'did-syntax.json',
      id: 'did-syntax',
      kind: 'did-syntax',
      rules: syntax.rules,
      invalid: syntax.invalid.length,
      valid: syntax.valid.length,
    },
    ...vectors.map((v) => ({
      path: `${v.id}.json`,
      id: v.id,
      kind: v.kind,
      ...(v.rule === undefined ? { rules: v.rules ?? [] } : { rule: v.rule }),
      expected: errorCodeOf(v) ?? 'success',
    })),
  ];
  add('index.json', {
    description:
      'did:city shared test vectors, generated by spec/scripts/generate-vectors.ts from fixed seeds with @did-city/method and @did-city/tlog. Format: spec/README.md. Do not edit by hand: run `pnpm vectors`.',
    spec: 'spec/did-city.md',
    errorRegistry: 'spec/errors.json',
    counts: countByKind(listed),
    files: listed,
    rules: covered,
  });
  return files;
}

function errorCodeOf(vector: Vector): string | undefined {
  const expected = (vector.expected ?? {}) as {
    error?: { code?: string };
    didResolutionMetadata?: { error?: { type?: string } };
    dereferencingMetadata?: { error?: { type?: string } };
  };
  const type = expected.didResolutionMetadata?.error?.type ?? expected.dereferencingMetadata?.error?.type;
  return expected.error?.code ?? type?.slice(type.indexOf('#') + 1);
}

function countByKind(files: ReadonlyArray<{ kind: string; rule?: string }>): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const f of files) {
    const key = f.rule === undefined ? f.kind : `${f.kind} (negative)`;
    counts[key] = (counts[key] ?? 0) + 1;
  }
  return counts;
}

function listFiles(dir: string): string[] {
  let names: string[];
  try {
    names = readdirSync(dir, { withFileTypes: true, recursive: true })
      .filter((d) => d.isFile())
      .map((d) => join(d.parentPath, d.name));
  } catch {
    return [];
  }
  return names.map((file) => relative(dir, file).split('\\').join('/')).sort();
}

/** Paths (relative to spec/vectors) whose committed text differs from `files`, plus stale and missing ones. */
export function differences(files: ReadonlyMap<string, string>, dir = VECTORS_DIR): string[] {
  const out: string[] = [];
  const onDisk = new Set(listFiles(dir));
  for (const [path, text] of files) {
    if (!onDisk.has(path)) out.push(`missing: ${path}`);
    else if (readFileSync(join(dir, path), 'utf8') !== text) out.push(`differs: ${path}`);
  }
  for (const path of onDisk) if (!files.has(path)) out.push(`stale:   ${path}`);
  return out;
}

function write(files: ReadonlyMap<string, string>): void {
  for (const path of listFiles(VECTORS_DIR)) if (!files.has(path)) rmSync(join(VECTORS_DIR, path));
  for (const [path, text] of files) {
    mkdirSync(dirname(join(VECTORS_DIR, path)), { recursive: true });
    writeFileSync(join(VECTORS_DIR, path), text);
  }
}

/** Writes (or, with `--check`, verifies) the vectors and the spec's generated parts. */
export async function main(): Promise<void> {
  const check = process.argv.includes('--check');
  const files = await buildVectors();
  const spec = syncedSpec();
  if (!check) {
    if (spec !== readSpec()) writeFileSync(SPEC_FILE, spec);
    write(files);
    console.log(`wrote ${files.size} files to ${relative(process.cwd(), VECTORS_DIR) || '.'}`);
    return;
  }
  const diff = differences(files);
  if (spec !== readSpec()) diff.push('differs: ../did-city.md (the errors table of §8 is not spec/errors.json)');
  if (diff.length === 0) {
    console.log(`spec/vectors: all ${files.size} files match the generator`);
    return;
  }
  console.error(
    `spec/vectors differs from the generator (run \`pnpm vectors\` and review the diff):\n  ${diff.join('\n  ')}`,
  );
  process.exitCode = 1;
}
