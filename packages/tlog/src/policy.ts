/**
 * C2SP tlog-policy (c2sp.org/tlog-policy): which logs and witnesses are trusted and which witness quorum a
 * checkpoint needs, and the evaluation of a checkpoint note against such a policy.
 *
 *     log <vkey> [<url>]
 *     witness <name> <vkey> [<url>]
 *     group <name> <k>|all|any <member>…
 *     quorum <name>|none
 *     index <name>            (did:city extension, optional: see below)
 *
 * `index` names the witness or group whose members declare an additional statement (tlog-cosignature,
 * "Additional statements") about the checkpoints they co-sign: that they recomputed the did:city index root of its
 * extension line from the log's entries. A client counts toward the index quorum only those witnesses, and the
 * named group's threshold is the index quorum. A plain tlog-policy reader must drop `index` lines first.
 *
 * Log keys must be Ed25519 (type 0x01) and witness keys Ed25519 cosignature/v1 (type 0x04); ML-DSA-44
 * witnesses are refused as unsupported. Key IDs inside vkeys are checked.
 */
import { type Checkpoint, parseCheckpoint } from './checkpoint.ts';
import { parseCosignature } from './cosignature.ts';
import { bytesEqual, decodeUtf8, findControl, parseDecimal, utf8 } from './encoding.ts';
import { TlogError } from './errors.ts';
import { parseVerifierKey, type VerifierKey, verifierFromKey } from './keys.ts';
import { type NoteSignature, type NoteVerifier, parseNote, SIGNATURE_TYPE } from './note.ts';

export interface PolicyLog {
  /** The log's key name, which is its checkpoint origin. */
  origin: string;
  verifierKey: string;
  url?: string;
  verifier: NoteVerifier;
}

export interface PolicyWitness {
  name: string;
  verifierKey: string;
  url?: string;
  verifier: NoteVerifier;
}

export interface PolicyGroup {
  name: string;
  threshold: number;
  members: string[];
}

export interface TlogPolicy {
  logs: PolicyLog[];
  witnesses: PolicyWitness[];
  groups: PolicyGroup[];
  /** A witness or group name, or `none`. */
  quorum: string;
  /** did:city extension: the witness or group whose members check the index root, and its threshold. */
  index?: string;
}

function bad(line: number, why: string): TlogError {
  return new TlogError('MALFORMED_POLICY', `policy line ${line}: ${why}`);
}

class PolicyBuilder {
  readonly policy: TlogPolicy = { logs: [], witnesses: [], groups: [], quorum: '' };
  readonly #names = new Set<string>();
  readonly #members = new Set<string>();
  readonly #keys = { log: [] as Uint8Array[], witness: [] as Uint8Array[] };
  #quorums = 0;

  line(n: number, words: string[]): void {
    const [keyword, ...args] = words;
    if (keyword === 'log') this.#log(n, args);
    else if (keyword === 'witness') this.#witness(n, args);
    else if (keyword === 'group') this.#group(n, args);
    else if (keyword === 'quorum') this.#quorum(n, args);
    else if (keyword === 'index') this.#index(n, args);
    else throw bad(n, `unknown keyword ${JSON.stringify(keyword)}`);
  }

  #key(n: number, vkey: string, type: number, what: 'log' | 'witness'): VerifierKey {
    let key: VerifierKey;
    try {
      key = parseVerifierKey(vkey);
    } catch (cause) {
      throw new TlogError('MALFORMED_POLICY', `policy line ${n}: invalid ${what} vkey`, { cause });
    }
    if (key.type !== type) throw bad(n, `${what} key type 0x${key.type.toString(16).padStart(2, '0')} not allowed`);
    // Duplicates are judged on the public key alone, whatever their names or key IDs.
    if (this.#keys[what].some((k) => bytesEqual(k, key.publicKey))) throw bad(n, `duplicate ${what} public key`);
    this.#keys[what].push(key.publicKey);
    return key;
  }

  #log(n: number, args: string[]): void {
    if (args.length < 1 || args.length > 2) throw bad(n, 'invalid log definition');
    const key = this.#key(n, args[0]!, SIGNATURE_TYPE.ed25519, 'log');
    const log: PolicyLog = { origin: key.name, verifierKey: args[0]!, verifier: verifierFromKey(key) };
    if (args[1] !== undefined) log.url = args[1];
    this.policy.logs.push(log);
  }

  #define(n: number, name: string): void {
    if (name === 'none') throw bad(n, 'the name none is reserved');
    if (this.#names.has(name)) throw bad(n, `duplicate name ${JSON.stringify(name)}`);
    this.#names.add(name);
  }

  #witness(n: number, args: string[]): void {
    if (args.length < 2 || args.length > 3) throw bad(n, 'invalid witness definition');
    const [name, vkey, url] = args as [string, string, string?];
    this.#define(n, name);
    const key = this.#key(n, vkey, SIGNATURE_TYPE.cosignatureV1, 'witness');
    const witness: PolicyWitness = { name, verifierKey: vkey, verifier: verifierFromKey(key) };
    if (url !== undefined) witness.url = url;
    this.policy.witnesses.push(witness);
  }

  #group(n: number, args: string[]): void {
    const [name, k, ...members] = args;
    if (name === undefined || k === undefined || members.length === 0) throw bad(n, 'invalid group definition');
    for (const member of members) {
      // Each name may be a member once in the whole policy, so it contributes to the quorum in one way only.
      if (!this.#names.has(member)) throw bad(n, `unknown member ${JSON.stringify(member)}`);
      if (this.#members.has(member)) throw bad(n, `${JSON.stringify(member)} is a member more than once`);
      this.#members.add(member);
    }
    const threshold = k === 'all' ? members.length : k === 'any' ? 1 : parseDecimal(k);
    if (threshold === undefined) throw bad(n, `invalid threshold ${JSON.stringify(k)}`);
    if (threshold < 1 || threshold > members.length) throw bad(n, `threshold outside [1, ${members.length}]`);
    this.#define(n, name);
    this.policy.groups.push({ name, threshold, members });
  }

  #quorum(n: number, args: string[]): void {
    if (args.length !== 1) throw bad(n, 'invalid quorum definition');
    const name = args[0]!;
    if (name !== 'none' && !this.#names.has(name)) throw bad(n, `quorum ${JSON.stringify(name)} not defined`);
    this.#quorums++;
    this.policy.quorum = name;
  }

  #index(n: number, args: string[]): void {
    if (args.length !== 1) throw bad(n, 'invalid index definition');
    const name = args[0]!;
    if (!this.#names.has(name)) throw bad(n, `index ${JSON.stringify(name)} not defined`);
    if (this.policy.index !== undefined) throw bad(n, 'more than one index line');
    this.policy.index = name;
  }

  finish(): TlogPolicy {
    if (this.#quorums !== 1) throw new TlogError('MALFORMED_POLICY', 'policy needs exactly one quorum line');
    return this.policy;
  }
}

/** Parses a policy file. Non-ASCII text must be UTF-8 (the spec treats it as opaque octets). */
export function parsePolicy(source: string | Uint8Array): TlogPolicy {
  const text = typeof source === 'string' ? source : decodeUtf8(source);
  if (typeof text !== 'string') throw new TlogError('MALFORMED_POLICY', 'policy is not UTF-8 text');
  // Octets allowed by the spec: tab, newline, printable ASCII and anything with the high bit set.
  const control = findControl(text, '\t\n', true);
  if (control !== undefined) {
    throw new TlogError('MALFORMED_POLICY', `invalid octet 0x${control.charCodeAt(0).toString(16).padStart(2, '0')}`);
  }
  const builder = new PolicyBuilder();
  text.split('\n').forEach((raw, i) => {
    const line = raw.replace(/^[ \t]+|[ \t]+$/g, '');
    if (line !== '' && !line.startsWith('#')) builder.line(i + 1, line.split(/[ \t]+/));
  });
  return builder.finish();
}

export interface CheckpointVerdict {
  /** The log signed the checkpoint and the witness quorum holds. */
  ok: boolean;
  checkpoint: Checkpoint;
  /** Whether a policy log whose key name is the checkpoint origin signed it. */
  logSigned: boolean;
  /** Witnesses (by policy name) with a valid cosignature, each once, with the cosignature time. */
  cosigners: { witness: string; timestamp: number }[];
  /** Key names whose signature was by a known key but failed to verify; such signatures do not count. */
  invalid: string[];
  quorum: boolean;
  /** Whether the policy names index witnesses (`index`) and their cosignatures meet its threshold. */
  indexQuorum: boolean;
}

function matches(verifier: NoteVerifier, sig: NoteSignature): boolean {
  return verifier.name === sig.name && verifier.keyId === sig.keyId;
}

/** Whether `name` (a witness, a group or `none`) is satisfied by the set of witnesses that cosigned. */
export function quorumSatisfied(policy: TlogPolicy, cosigned: ReadonlySet<string>, name = policy.quorum): boolean {
  if (name === 'none') return true;
  const group = policy.groups.find((g) => g.name === name);
  if (!group) return cosigned.has(name);
  const met = group.members.filter((member) => quorumSatisfied(policy, cosigned, member)).length;
  return met >= group.threshold;
}

/**
 * The latest time T (POSIX seconds) such that the cosignatures made at or after T still satisfy `name` (the
 * policy's quorum by default): how recently the quorum vouched for the checkpoint. Undefined when it never does.
 */
export function quorumTime(
  policy: TlogPolicy,
  cosigners: readonly { witness: string; timestamp: number }[],
  name = policy.quorum,
): number | undefined {
  const times = [...new Set(cosigners.map((c) => c.timestamp))].sort((a, b) => b - a);
  for (const time of times) {
    const recent = new Set(cosigners.filter((c) => c.timestamp >= time).map((c) => c.witness));
    if (quorumSatisfied(policy, recent, name)) return time;
  }
  return undefined;
}

/**
 * Checks a checkpoint note against a policy: the log signature, then each witness cosignature. Unknown keys
 * are ignored, a witness counts once however many lines it signed, and bad signatures are reported in
 * `invalid` and not counted. Throws only for a malformed note or checkpoint.
 */
export function evaluateCheckpoint(note: string | Uint8Array, policy: TlogPolicy): CheckpointVerdict {
  const parsed = parseNote(note);
  const checkpoint = parseCheckpoint(parsed.text);
  const text = utf8(parsed.text);
  const invalid = new Set<string>();
  const check = (verifier: NoteVerifier, sig: NoteSignature): boolean => {
    if (!matches(verifier, sig)) return false;
    if (verifier.verify(text, sig.signature)) return true;
    invalid.add(sig.name);
    return false;
  };
  const logs = policy.logs.filter((log) => log.origin === checkpoint.origin);
  const logSigned = parsed.signatures.filter((sig) => logs.some((log) => check(log.verifier, sig))).length > 0;
  const cosigners = new Map<string, number>();
  for (const sig of parsed.signatures) {
    for (const w of policy.witnesses) {
      if (!cosigners.has(w.name) && check(w.verifier, sig))
        cosigners.set(w.name, parseCosignature(sig.signature)!.timestamp);
    }
  }
  const quorum = quorumSatisfied(policy, new Set(cosigners.keys()));
  const indexQuorum = policy.index !== undefined && quorumSatisfied(policy, new Set(cosigners.keys()), policy.index);
  return {
    ok: logSigned && quorum,
    checkpoint,
    logSigned,
    cosigners: [...cosigners].map(([witness, timestamp]) => ({ witness, timestamp })),
    invalid: [...invalid],
    quorum,
    indexQuorum,
  };
}

/** evaluateCheckpoint, throwing TlogError('POLICY_NOT_SATISFIED') unless the checkpoint is accepted. */
export function verifyCheckpoint(note: string | Uint8Array, policy: TlogPolicy): Checkpoint {
  const verdict = evaluateCheckpoint(note, policy);
  if (!verdict.logSigned) throw new TlogError('POLICY_NOT_SATISFIED', 'checkpoint is not signed by a policy log');
  if (!verdict.quorum) throw new TlogError('POLICY_NOT_SATISFIED', 'witness quorum not met');
  return verdict.checkpoint;
}
