// C2SP tlog-policy parsing and quorum evaluation. The cases follow transparency-dev/formats
// policy/tlog_policy_test.go, with its fixed witness keys (test/vectors/transparency-dev-formats-policy.json).
import { describe, expect, it } from 'vitest';
import {
  cosignerFromKey,
  evaluateCheckpoint,
  formatCheckpoint,
  formatVerifierKey,
  generateKeyPair,
  type NoteSigner,
  parsePolicy,
  parseVerifierKey,
  quorumSatisfied,
  quorumTime,
  SIGNATURE_TYPE,
  signerFromKey,
  signNote,
  TlogError,
  verifierKeyOf,
  verifyCheckpoint,
} from '../src/index.ts';
import { vector } from './helpers.ts';

interface PolicyVectors {
  witnesses: { name: string; ed25519VerifierKey: string; signerKey: string }[];
}

const fixtures = vector<PolicyVectors>('transparency-dev-formats-policy.json').witnesses;
const ORIGIN = 'example.com/log';
const now = () => 1_700_000_000_000;

// Witness vkeys are type 0x04: the fixtures' Ed25519 keys rewrapped, as the Go test does.
const [wit1, wit2, wit3] = fixtures.map((w) => verifierKeyOf(w.signerKey, SIGNATURE_TYPE.cosignatureV1)) as [
  string,
  string,
  string,
];
const [wit1Sign, wit2Sign, wit3Sign] = fixtures.map((w) => cosignerFromKey(w.signerKey, { now })) as [
  NoteSigner,
  NoteSigner,
  NoteSigner,
];
const extra = ['Wit4', 'Wit5', 'Wit6'].map((name) =>
  verifierKeyOf(generateKeyPair(name).signerKey, SIGNATURE_TYPE.cosignatureV1),
);
const logKeys = generateKeyPair(ORIGIN);
const logSign = signerFromKey(logKeys.signerKey);
const other = generateKeyPair('other.example.com/log');

const checkpointText = formatCheckpoint({ origin: ORIGIN, size: 42, rootHash: new Uint8Array(32), extensions: [] });
const signed = (...signers: NoteSigner[]) => signNote({ text: checkpointText }, signers);

function policyError(text: string): string {
  try {
    parsePolicy(text);
  } catch (error) {
    expect(error).toBeInstanceOf(TlogError);
    expect((error as TlogError).code).toBe('MALFORMED_POLICY');
    return (error as TlogError).message;
  }
  throw new Error('expected the policy to be rejected');
}

describe('parsePolicy', () => {
  it('parses the spec example', () => {
    const p = parsePolicy(`log ${logKeys.verifierKey}

witness X1 ${wit1}
witness X2 ${wit2}
witness X3 ${wit3}
group X-witnesses 2 X1 X2 X3

witness Y1 ${extra[0]}
witness Y2 ${extra[1]}
witness Y3 ${extra[2]}
group Y-witnesses any Y1 Y2 Y3

group X-and-Y all X-witnesses Y-witnesses
quorum X-and-Y
`);
    expect(p.logs.map((l) => l.origin)).toEqual([ORIGIN]);
    expect(p.witnesses.map((w) => w.name)).toEqual(['X1', 'X2', 'X3', 'Y1', 'Y2', 'Y3']);
    expect(p.groups).toEqual([
      { name: 'X-witnesses', threshold: 2, members: ['X1', 'X2', 'X3'] },
      { name: 'Y-witnesses', threshold: 1, members: ['Y1', 'Y2', 'Y3'] },
      { name: 'X-and-Y', threshold: 2, members: ['X-witnesses', 'Y-witnesses'] },
    ]);
    expect(p.quorum).toBe('X-and-Y');
  });

  it('accepts the minimal policy, whitespace, comments, optional URLs and keyword-like names', () => {
    expect(parsePolicy('quorum none\n')).toMatchObject({ logs: [], witnesses: [], groups: [], quorum: 'none' });
    const ws = parsePolicy(
      `\n# comment\n\t # another comment\n\twitness \t w1  ${wit1}   https://w1.example.com/  \n\n  quorum\tw1`,
    );
    expect(ws.witnesses[0]).toMatchObject({ name: 'w1', verifierKey: wit1, url: 'https://w1.example.com/' });
    const urls = parsePolicy(`log ${logKeys.verifierKey} https://log.example.com/\nwitness w1 ${wit1}\nquorum w1\n`);
    expect(urls.logs[0]!.url).toBe('https://log.example.com/');
    expect(urls.witnesses[0]!.url).toBeUndefined();
    expect(parsePolicy(`witness KKlvin-w\u0080 ${wit1}\nquorum KKlvin-w\u0080\n`).quorum).toBe('KKlvin-w\u0080');
    const keywords = parsePolicy(`witness all ${wit1}\nwitness any ${wit2}\ngroup group 2 all any\nquorum group\n`);
    expect(keywords.groups[0]).toEqual({ name: 'group', threshold: 2, members: ['all', 'any'] });
  });

  it.each([
    ['disallowed control octet', 'quorum none\n\x01', 'invalid octet 0x01'],
    ['carriage return', 'quorum none\r\n', 'invalid octet 0x0d'],
    ['unknown keyword', 'quibble w1\nquorum none\n', 'unknown keyword'],
    [
      'inline comments are not comments',
      `witness w1 ${wit1} https://w1.example.com/ # comment\nquorum w1\n`,
      'invalid witness definition',
    ],
    ['log without vkey', 'log\nquorum none\n', 'invalid log definition'],
    ['log with invalid vkey', 'log garbage\nquorum none\n', 'invalid log vkey'],
    [
      'duplicate log public key',
      `log ${logKeys.verifierKey}\nlog ${logKeys.verifierKey} https://log.example.com/\nquorum none\n`,
      'duplicate log public key',
    ],
    ['log with a cosignature key', `log ${wit1}\nquorum none\n`, 'log key type 0x04'],
    ['witness without vkey', 'witness w1\nquorum none\n', 'invalid witness definition'],
    [
      'witness with plain ed25519 vkey',
      `witness w1 ${fixtures[0]!.ed25519VerifierKey}\nquorum w1\n`,
      'witness key type 0x01',
    ],
    ['witness named none', `witness none ${wit1}\nquorum none\n`, 'reserved'],
    ['duplicate witness name', `witness w1 ${wit1}\nwitness w1 ${wit2}\nquorum w1\n`, 'duplicate name'],
    ['group name duplicates witness name', `witness w1 ${wit1}\ngroup w1 any w1\nquorum w1\n`, 'duplicate name'],
    ['group without members', `witness w1 ${wit1}\ngroup g1 1\nquorum w1\n`, 'invalid group definition'],
    ['group named none', `witness w1 ${wit1}\ngroup none any w1\nquorum none\n`, 'reserved'],
    ['zero threshold', `witness w1 ${wit1}\ngroup g1 0 w1\nquorum g1\n`, 'outside [1, 1]'],
    ['negative threshold', `witness w1 ${wit1}\ngroup g1 -1 w1\nquorum g1\n`, 'invalid threshold'],
    ['threshold exceeds members', `witness w1 ${wit1}\ngroup g1 2 w1\nquorum g1\n`, 'outside [1, 1]'],
    ['unknown group member', `witness w1 ${wit1}\ngroup g1 any w2\nquorum g1\n`, 'unknown member'],
    ['forward reference in group', `group g1 any w1\nwitness w1 ${wit1}\nquorum g1\n`, 'unknown member'],
    ['none as group member', `witness w1 ${wit1}\ngroup g1 any none w1\nquorum g1\n`, 'unknown member'],
    ['member repeated within a group', `witness w1 ${wit1}\ngroup g1 all w1 w1\nquorum g1\n`, 'more than once'],
    [
      'member repeated across groups',
      `witness w1 ${wit1}\nwitness w2 ${wit2}\ngroup g1 any w1 w2\ngroup g2 any w1\nquorum g1\n`,
      'more than once',
    ],
    ['no quorum', `witness w1 ${wit1}\n`, 'exactly one quorum'],
    ['multiple quorums', `witness w1 ${wit1}\nquorum w1\nquorum w1\n`, 'exactly one quorum'],
    ['quorum with unknown name', 'quorum unknown\n', 'quorum "unknown" not defined'],
    ['quorum before referenced definition', `quorum w1\nwitness w1 ${wit1}\n`, 'quorum "w1" not defined'],
    ['quorum without name', 'quorum\n', 'invalid quorum definition'],
  ])('rejects %s', (_, text, message) => {
    expect(policyError(text)).toContain(message);
  });

  it('rejects duplicate witness keys under another name and key ID', () => {
    const { publicKey } = parseVerifierKey(wit1);
    const impostor = formatVerifierKey({ name: 'impostor.example.com', type: 0x04, publicKey });
    expect(policyError(`witness w1 ${wit1}\nwitness w2 ${impostor}\nquorum w1\n`)).toContain(
      'duplicate witness public key',
    );
  });

  it('refuses ML-DSA-44 witness keys (type 0x06) as unsupported', () => {
    const mldsa = formatVerifierKey({ name: 'mldsa.example.com', type: 0x06, publicKey: new Uint8Array(1312) });
    expect(policyError(`witness w1 ${mldsa}\nquorum w1\n`)).toContain('witness key type 0x06');
  });
});

describe('quorum evaluation (TestSatisfied)', () => {
  const policy = parsePolicy(`witness w1 ${wit1}
witness w2 ${wit2}
witness w3 ${wit3}
group inner any w2 w3
group outer all w1 inner
quorum outer
`);

  it.each([
    ['all witnesses', [wit1Sign, wit2Sign, wit3Sign], true],
    ['minimum satisfying set', [wit1Sign, wit3Sign], true],
    ['outer member without inner group', [wit1Sign], false],
    ['inner group without outer member', [wit2Sign, wit3Sign], false],
    ['no cosignatures', [], false],
  ] as const)('%s', async (_, signers, ok) => {
    const verdict = evaluateCheckpoint(await signed(logSign, ...signers), policy);
    expect(verdict.quorum).toBe(ok);
    expect(verdict.cosigners.map((c) => c.timestamp)).toEqual(signers.map(() => 1_700_000_000));
  });

  it('quorum none is always satisfied; an undefined quorum name never is', async () => {
    expect(evaluateCheckpoint(await signed(logSign), parsePolicy('quorum none\n')).quorum).toBe(true);
    expect(quorumSatisfied({ logs: [], witnesses: [], groups: [], quorum: 'missing' }, new Set(['w1']))).toBe(false);
  });

  it('counts a witness once however many lines it signed', async () => {
    const two = parsePolicy(`witness w1 ${wit1}\nwitness w2 ${wit2}\ngroup g 2 w1 w2\nquorum g\n`);
    const note = await signed(logSign, wit1Sign);
    const line = note.slice(note.lastIndexOf('—'));
    const verdict = evaluateCheckpoint(note + line + line, two);
    expect(verdict.cosigners).toHaveLength(1);
    expect(verdict.quorum).toBe(false);
  });

  it('ignores unknown keys and does not count bad signatures', async () => {
    const p = parsePolicy(`witness w1 ${wit1}\nwitness w2 ${wit2}\ngroup g any w1 w2\nquorum g\n`);
    const note = await signed(logSign, wit1Sign, cosignerFromKey(generateKeyPair('Wit9').signerKey));
    // Corrupt w1's cosignature: same key ID, wrong bytes.
    const lines = note.split('\n');
    const w1Line = lines.findIndex((l) => l.startsWith('— Wit1 '));
    lines[w1Line] = lines[w1Line]!.replace(/.{6}=*$/, (tail) => `${tail[0] === 'A' ? 'B' : 'A'}${tail.slice(1)}`);
    const verdict = evaluateCheckpoint(lines.join('\n'), p);
    expect(verdict.invalid).toEqual(['Wit1']);
    expect(verdict.cosigners).toEqual([]);
    expect(verdict.quorum).toBe(false);
  });
});

describe('verifyCheckpoint (TestVerify)', () => {
  const logOnly = `log ${logKeys.verifierKey}\nwitness w1 ${wit1}\nquorum w1\n`;
  const otherSign = signerFromKey(other.signerKey);

  it.each([
    ['log signature and quorum', logOnly, [logSign, wit1Sign], undefined],
    ['any one of the listed logs suffices', `log ${other.verifierKey}\n${logOnly}`, [logSign, wit1Sign], undefined],
    ['log signature without quorum', logOnly, [logSign], 'witness quorum not met'],
    ['quorum without log signature', logOnly, [wit1Sign], 'not signed by a policy log'],
    [
      'log key name must match checkpoint origin',
      `log ${other.verifierKey}\nwitness w1 ${wit1}\nquorum w1\n`,
      [otherSign, wit1Sign],
      'not signed by a policy log',
    ],
    ['policy without logs', `witness w1 ${wit1}\nquorum w1\n`, [logSign, wit1Sign], 'not signed by a policy log'],
  ] as const)('%s', async (_, text, signers, error) => {
    const note = await signed(...signers);
    if (error === undefined) {
      expect(verifyCheckpoint(note, parsePolicy(text))).toMatchObject({ origin: ORIGIN, size: 42 });
      expect(evaluateCheckpoint(note, parsePolicy(text)).ok).toBe(true);
    } else {
      expect(() => verifyCheckpoint(note, parsePolicy(text))).toThrow(error);
      expect(evaluateCheckpoint(note, parsePolicy(text)).ok).toBe(false);
    }
  });

  it('throws a MALFORMED error for a note that is not a checkpoint', async () => {
    const note = await signNote({ text: 'not a checkpoint\n' }, [logSign]);
    expect(() => evaluateCheckpoint(note, parsePolicy(logOnly))).toThrow(
      expect.objectContaining({ code: 'MALFORMED_CHECKPOINT' }),
    );
  });
});

describe('did:city index witnesses (the `index` line)', () => {
  const base = `log ${logKeys.verifierKey}\nwitness w1 ${wit1}\nwitness w2 ${wit2}\nwitness w3 ${wit3}\n`;
  const indexed = `${base}group checkers 2 w1 w2\ngroup all any checkers w3\nquorum all\nindex checkers\n`;
  const at = (t: number) => () => t * 1000;
  const cosign = (key: number, t: number) => cosignerFromKey(fixtures[key]!.signerKey, { now: at(t) });

  it('names the group whose members check the index root; only they count toward the index quorum', async () => {
    const policy = parsePolicy(indexed);
    expect(policy.index).toBe('checkers');
    // w1 and w2 meet both quorums; w1 and w3 meet the checkpoint quorum (via w3) but not the index quorum.
    const both = evaluateCheckpoint(await signed(logSign, wit1Sign, wit2Sign), policy);
    expect([both.ok, both.indexQuorum]).toEqual([true, true]);
    const oneChecker = evaluateCheckpoint(await signed(logSign, wit1Sign, wit3Sign), policy);
    expect([oneChecker.ok, oneChecker.indexQuorum]).toEqual([true, false]);
    expect(
      evaluateCheckpoint(await signed(logSign, wit1Sign, wit2Sign), parsePolicy(`${base}quorum w1\n`)).indexQuorum,
    ).toBe(false);
  });

  it('refuses an undefined, repeated or malformed index line', () => {
    expect(policyError(`${base}quorum w1\nindex nobody\n`)).toMatch(/index "nobody" not defined/);
    expect(policyError(`${base}quorum w1\nindex w1\nindex w2\n`)).toMatch(/more than one index line/);
    expect(policyError(`${base}quorum w1\nindex\n`)).toMatch(/invalid index definition/);
  });

  it('quorumTime is the latest time at which the cosignatures made since still meet the quorum', async () => {
    const policy = parsePolicy(indexed);
    const note = await signNote({ text: checkpointText }, [logSign, cosign(0, 100), cosign(1, 300), cosign(2, 200)]);
    const verdict = evaluateCheckpoint(note, policy);
    // Checkpoint quorum `all` (checkers or w3): w3 alone since 200; the checkers (w1 at 100, w2 at 300) since 100.
    expect(quorumTime(policy, verdict.cosigners)).toBe(200);
    expect(quorumTime(policy, verdict.cosigners, 'checkers')).toBe(100);
    expect(quorumTime(policy, verdict.cosigners, 'w3')).toBe(200);
    expect(quorumTime(policy, [])).toBeUndefined();
  });
});
