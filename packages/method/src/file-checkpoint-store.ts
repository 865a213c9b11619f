/**
 * A CheckpointStore on one JSON file, so that what a resolver trusts survives a restart (spec §7.6 step 4,
 * R-LED-8): the last trusted checkpoint per log origin and every split view detected. Without it each start
 * would trust on first use again, and a fork refused before a restart could be accepted after it.
 *
 * Every write replaces the whole file atomically (a temporary file beside it, fsync, rename, fsync of the
 * directory), mode 0600, so a crash leaves the old or the new content, never half of one. A file that cannot be
 * read or does not have the expected shape fails closed with UNTRUSTED_CHECKPOINT naming the file: it is never
 * silently replaced by an empty store, which would re-trust on first use. Evidence is only ever added, and
 * evidence another process wrote to the same file since it was read is kept.
 *
 * @example
 * const reader = new HttpLedgerReader({ url, policy, checkpointStore: new FileCheckpointStore('./data/checkpoints.json') });
 */
import { randomBytes } from 'node:crypto';
import { closeSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, unlinkSync, writeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { parseCheckpoint, parseNote } from '@did-city/tlog';
import type { CheckpointStore, SplitViewEvidence } from './checkpoint-trust.ts';
import { DidCityError } from './errors.ts';

/** The `format` member of the file: a later layout gets a new value and an explicit migration. */
export const CHECKPOINT_FILE_FORMAT = 'did-city-checkpoints/1';

interface FileContent {
  format: typeof CHECKPOINT_FILE_FORMAT;
  /** Signed checkpoint note by origin. */
  checkpoints: Record<string, string>;
  evidence: SplitViewEvidence[];
}

const EVIDENCE_MEMBERS = ['origin', 'trusted', 'conflicting', 'reason', 'detectedAt'] as const;

export class FileCheckpointStore implements CheckpointStore {
  readonly file: string;
  #content: FileContent;

  /** Reads `file` now (a missing file is an empty store); throws UNTRUSTED_CHECKPOINT if it cannot be used. */
  constructor(file: string) {
    this.file = file;
    this.#content = readContent(file) ?? { format: CHECKPOINT_FILE_FORMAT, checkpoints: {}, evidence: [] };
  }

  load(origin: string): string | undefined {
    return Object.hasOwn(this.#content.checkpoints, origin) ? this.#content.checkpoints[origin] : undefined;
  }

  save(origin: string, note: string): void {
    const checkpoints = { ...this.#content.checkpoints, [origin]: note };
    this.#write({ ...this.#merged(), checkpoints });
  }

  loadEvidence(): SplitViewEvidence[] {
    return this.#content.evidence.map((e) => ({ ...e }));
  }

  saveEvidence(evidence: SplitViewEvidence): void {
    const current = this.#merged();
    if (current.evidence.some((e) => sameEvidence(e, evidence))) return;
    this.#write({ ...current, evidence: [...current.evidence, { ...evidence }] });
  }

  /** This store's content plus any evidence another process added to the file meanwhile (never dropped). */
  #merged(): FileContent {
    const onDisk = readContent(this.file);
    if (onDisk === undefined) return this.#content;
    const added = onDisk.evidence.filter((e) => !this.#content.evidence.some((own) => sameEvidence(own, e)));
    return { ...this.#content, evidence: [...this.#content.evidence, ...added] };
  }

  #write(content: FileContent): void {
    try {
      writeAtomically(this.file, `${JSON.stringify(content, null, 2)}\n`);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code ?? 'error';
      throw new DidCityError('INTERNAL_ERROR', `cannot write the checkpoint store ${this.file} (${code})`, {
        cause: error,
      });
    }
    this.#content = content;
  }
}

function sameEvidence(a: SplitViewEvidence, b: SplitViewEvidence): boolean {
  return a.origin === b.origin && a.trusted === b.trusted && a.conflicting === b.conflicting;
}

function unusable(file: string, reason: string, cause?: unknown): DidCityError {
  const detail =
    `the checkpoint store ${file} cannot be used (${reason}); it holds the checkpoints this resolver trusts, so ` +
    'nothing is trusted on first use instead: restore the file, or remove it deliberately to start trusting afresh';
  return new DidCityError('UNTRUSTED_CHECKPOINT', detail, cause === undefined ? undefined : { cause });
}

/** The file's content, undefined if it does not exist; UNTRUSTED_CHECKPOINT for anything else unusable. */
function readContent(file: string): FileContent | undefined {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return undefined;
    throw unusable(file, `cannot be read: ${code ?? 'error'}`, error);
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw unusable(file, 'not JSON', error);
  }
  const problem = contentProblem(value);
  if (problem !== undefined) throw unusable(file, problem);
  return value as FileContent;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function contentProblem(value: unknown): string | undefined {
  if (!isObject(value) || value['format'] !== CHECKPOINT_FILE_FORMAT) return `not a ${CHECKPOINT_FILE_FORMAT} file`;
  const { checkpoints, evidence } = value;
  if (!isObject(checkpoints)) return '"checkpoints" is not an object';
  for (const [origin, note] of Object.entries(checkpoints)) {
    const problem = noteProblem(note, origin);
    if (problem !== undefined) return `the checkpoint of ${JSON.stringify(origin.slice(0, 100))} ${problem}`;
  }
  if (!Array.isArray(evidence)) return '"evidence" is not a list';
  const bad = evidence.findIndex((e) => !isObject(e) || EVIDENCE_MEMBERS.some((m) => typeof e[m] !== 'string'));
  return bad === -1 ? undefined : `evidence ${bad} is not a split-view record`;
}

function noteProblem(note: unknown, origin: string): string | undefined {
  if (typeof note !== 'string') return 'is not a signed note';
  try {
    if (parseCheckpoint(parseNote(note).text).origin === origin) return undefined;
    return 'names another origin';
  } catch {
    return 'is not a signed checkpoint';
  }
}

/** Replaces `file` with `text`: a sibling temporary file, fsync, rename, fsync of the directory; mode 0600. */
export function writeAtomically(file: string, text: string): void {
  const dir = dirname(file);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const temp = join(dir, `.${basename(file)}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`);
  const fd = openSync(temp, 'wx', 0o600);
  try {
    writeSync(fd, text);
    fsyncSync(fd);
  } catch (error) {
    closeSync(fd);
    unlinkSync(temp);
    throw error;
  }
  closeSync(fd);
  renameSync(temp, file);
  syncDirectory(dir);
}

/** Makes the rename itself durable. Some platforms cannot open a directory for fsync; the rename still happened. */
function syncDirectory(dir: string): void {
  let fd: number | undefined;
  try {
    fd = openSync(dir, 'r');
    fsyncSync(fd);
  } catch {
    // not supported here (e.g. Windows): the file content itself was synced before the rename
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}
