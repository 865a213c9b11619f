/**
 * The numbered rules of spec/did-city.md (`**[R-XXX-n]**` markers) and their coverage by the vectors: every
 * constraint has at least one negative vector, or a stated reason why vectors cannot check it.
 */
import type { Vector } from './vector-resolution.ts';

export interface Rule {
  id: string;
  /** The heading of the section the rule is defined in. */
  section: string;
}

const MARKER = /\*\*\[(R-[A-Z]+-\d+)\]\*\*/g;
const HEADING = /^#{2,4} (.+)$/;

/** Rules in document order, each defined once. */
export function parseRules(markdown: string): Rule[] {
  const rules: Rule[] = [];
  let section = '';
  for (const line of markdown.split('\n')) {
    const heading = HEADING.exec(line);
    if (heading) section = heading[1]!;
    for (const match of line.matchAll(MARKER)) {
      const id = match[1]!;
      if (rules.some((r) => r.id === id)) throw new Error(`spec: rule ${id} is defined twice`);
      rules.push({ id, section });
    }
  }
  return rules;
}

/** Rules no negative vector can check, and why. */
export const NO_NEGATIVE_VECTOR: Readonly<Record<string, string>> = {
  'R-DLR-3':
    'a size bound on content, not log data: packages/method/test/resource.test.ts and packages/ledger/test/http-resources.test.ts (413 RESOURCE_TOO_LARGE)',
  'R-DLR-5': 'construction rule (version links): checked by the positive resources/ vectors',
  'R-DLR-6': 'construction rule (linkedResourceMetadata): checked by resources/00-publish',
  'R-DLR-8':
    "a deactivated DID is not an error: packages/method/test/resource-dereference.test.ts and the driver's 410 (drivers/uni-resolver-driver-did-city/test/resources.test.ts)",
  'R-DLR-9':
    "a ledger node's admission of content: packages/ledger/test/http-resources.test.ts (a real node over HTTP)",
  'R-NET-2':
    'ledger-side check, covered by packages/ledger/test/network.test.ts (node API, HTTP and the registration desk)',
  'R-ALLOC-2':
    "a ledger's admission rule, never applied on replay (so no log can carry a violation): packages/ledger/test/allocation.test.ts and packages/method/test/division-edition.test.ts",
  'R-SUCC-1':
    'a rule about what a resolver reports, not a refusal: the positive merger-, rename- and split- resolution vectors show each case, and packages/method/test/successors.test.ts the one-sided claims',
  'R-DOC-5':
    'personal data is not machine-detectable: the registry operators review documents (§10.2); vectors contain none',
  'R-GEN-2':
    "the ledger node's governance path: packages/ledger tests (Sequencer.submitGovernance refuses a genesis on the public path)",
  'R-REP-2': 'construction rule (versions): checked by every positive operation and resolution vector',
  'R-REP-3': 'construction rule (documents): checked by every positive operation and resolution vector',
  'R-RES-1':
    'the failure shape (error, didDocument null, empty metadata) is checked by every negative resolution and dereferencing vector',
  'R-RES-4':
    'a deactivated DID is not an error: checked by the positive deactivated resolution and dereferencing vectors',
  'R-RES-5': 'construction rule (metadata): checked by the positive resolution vectors',
  'R-RES-6':
    'a plugin API shape, not a resolution result: packages/method/test/did-resolver-dialect.test.ts (did-resolver 4, 5, 6)',
  'R-LED-4': 'witness behaviour: packages/tlog C2SP tlog-witness vectors and packages/ledger witness tests',
  'R-GOV-2':
    "the ledger node's binding of a governed policy to its own log key and witness clients: packages/ledger/test/governance.test.ts",
  'R-GOV-3':
    'when a policy change takes effect (the old quorum co-signs the handover): packages/ledger/test/governance.test.ts',
  'R-GOV-4':
    'a following resolver adopts the governed policy: packages/ledger/test/governance.test.ts (real ledger over HTTP)',
  'R-GOV-5':
    "the ledger node's admission of a governed policy (a refusal at submission leaves nothing in any log): packages/ledger/test/governance.test.ts",
  'R-LED-5': 'what a ledger node serves: packages/ledger reader tests (only entries covered by a quorum checkpoint)',
  'R-LIM-1': 'ledger-side bound at admission: packages/ledger/test/history-bounds.test.ts (a real node over HTTP)',
  'R-NODE-1':
    "the node's own check of its store: packages/ledger/test/self-check.test.ts and packages/cli/test/cli.ledger-check.test.ts",
  'R-NODE-2': 'admission against a derived state edited in the database: packages/ledger/test/self-check.test.ts',
  'R-TRUST-1':
    "a resolver's durable memory: packages/method/test/file-checkpoint-store.test.ts and the driver restarted between a fork and its second sighting (drivers/uni-resolver-driver-did-city/test/checkpoint-store.test.ts)",
  'R-XCH-1': 'exchange protocol over HTTP, not resolution data: test/exchange/exchange.e2e.test.ts (a real all-in-one)',
  'R-XCH-2': "a provider's publishing order: test/exchange/exchange.e2e.test.ts (refused releases anchor nothing)",
  'R-XCH-3':
    'HTTP signature checks against a live resolver: test/exchange/exchange.e2e.test.ts; RFC 9421 B.2.6 itself in packages/exchange/test/rfc9421.test.ts',
  'R-XCH-4':
    'HTTP signature coverage: packages/exchange/test/signature-profile.test.ts and test/exchange/exchange.e2e.test.ts',
  'R-XCH-5':
    'time windows against a clock: packages/exchange/test/signature-profile.test.ts and test/exchange/exchange.e2e.test.ts',
  'R-XCH-6':
    'provider state (nonces): packages/exchange/test/signature-profile.test.ts and test/exchange/exchange.e2e.test.ts',
  'R-XCH-7':
    'grant verification with live status lists: test/exchange/exchange.e2e.test.ts (revoked, suspended, expired, borrowed)',
  'R-XCH-8': "a provider's record, not a refusal: test/exchange/exchange.e2e.test.ts reads the exported access log",
  'R-XCH-9':
    "a consumer's check of a payload: test/exchange/exchange.e2e.test.ts (a release edited on the provider's disk)",
  'R-XCH-10':
    "a presentation bound to one signed HTTP request (its nonce, the provider's endpoint): test/exchange/presentation.e2e.test.ts (replayed, no challenge, other domain, wrong holder, both fields, uncovered field)",
  'R-FETCH-1':
    'verifier-side network policy, not resolution data: packages/method/test/outbound-fetch.test.ts and test/security',
  'R-FETCH-2':
    'verifier-side network policy (addresses, DNS): packages/method/test/outbound-*.test.ts and test/security',
  'R-FETCH-3':
    'verifier-side network policy (redirects): packages/method/test/outbound-fetch.test.ts and test/security',
  'R-FETCH-4': 'verifier-side network policy (deadline): packages/method/test/outbound-fetch.test.ts',
  'R-FETCH-5': 'verifier-side network policy (size cap): packages/method/test/outbound-fetch.test.ts',
  'R-FETCH-6':
    'verifier-side network policy (error text): packages/method/test/outbound-fetch.test.ts and test/security',
  'R-GEN-4':
    'ledger-side admission on the governance path: packages/ledger/test/genesis-pins.test.ts, packages/cli/test/cli.servers.test.ts and test/security',
  'R-RATE-1':
    'server-side rate limits, not resolution data: packages/ledger/test/http-rate-limit.test.ts and test/security/rate-limits.test.ts',
  'R-RATE-2':
    'server-side rate limits (applications per client and in total): packages/ledger/test/http-rate-limit.test.ts and test/security/rate-limits.test.ts',
  'R-RATE-3':
    'server-side client identity (peer address, trusted proxies, IPv6 /56): packages/ledger/test/http-rate-limit.test.ts and test/security/rate-limits.test.ts',
  'R-RATE-4': "the all-in-one's own reads and a stranger claiming their exemption: test/security/rate-limits.test.ts",
  'R-IDX-2':
    'what a ledger node signs: packages/ledger/test/did-index.test.ts (every checkpoint carries the index root of its size); the world checkpoint vector carries one',
  'R-IDX-3':
    'witness behaviour: packages/ledger/test/did-index.test.ts (an index witness refuses a wrong or missing index root with 422)',
  'R-REG-1':
    "a registration desk's rule, not log data: packages/ledger/test/registration-refusals.test.ts, registration-rules.test.ts and test/security/registration-flood.test.ts",
  'R-REG-2': "the desk's allocation check on applying and approving: packages/ledger/test/registration-rules.test.ts",
  'R-REG-3':
    "the desk's approvals (current keys, one approved per DID): packages/ledger/test/registration.test.ts and registration-rules.test.ts",
  'R-REG-4':
    "the desk's objections (k of N): packages/ledger/test/registration.test.ts, registration-bulk.test.ts and test/security/registration-flood.test.ts",
  'R-REG-5': "the desk's expiry: packages/ledger/test/registration-rules.test.ts (a controlled clock)",
  'R-REG-6':
    'the desk closing the other applications on anchoring: packages/ledger/test/registration-rules.test.ts and test/security/registration-flood.test.ts',
  'R-REG-7':
    'the desk refusing decisions on closed applications: packages/ledger/test/registration.test.ts and registration-rules.test.ts',
  'R-REG-8':
    "the desk's bulk objection (credential and proof): packages/ledger/test/registration-bulk.test.ts and packages/cli/test/cli.reject-matching.test.ts",
  'R-REG-9':
    "the desk's replay defences: packages/ledger/test/registration-bulk.test.ts and test/security/registration-flood.test.ts",
  'R-REG-10':
    "the desk's bulk objection under k of N: packages/ledger/test/registration-bulk.test.ts and test/security/registration-flood.test.ts",
  'R-REG-11':
    "the desk's store: packages/ledger/test/registration-migration.test.ts (a schema-1 file written by the previous code) and registration-durability.test.ts",
};

export interface RuleCoverage {
  section: string;
  negative: string[];
  positive: string[];
  noNegativeVector?: string;
}

/** Vector ids by rule; throws when a rule is uncovered or a vector names a rule the spec does not define. */
export function coverage(
  rules: readonly Rule[],
  vectors: ReadonlyArray<Pick<Vector, 'id' | 'rule' | 'rules'>>,
): Record<string, RuleCoverage> {
  const known = new Set(rules.map((r) => r.id));
  const result: Record<string, RuleCoverage> = {};
  for (const rule of rules) {
    result[rule.id] = { section: rule.section, negative: [], positive: [] };
    if (Object.hasOwn(NO_NEGATIVE_VECTOR, rule.id)) result[rule.id]!.noNegativeVector = NO_NEGATIVE_VECTOR[rule.id];
  }
  const problems: string[] = [];
  for (const vector of vectors) {
    for (const id of vector.rules ?? []) {
      if (known.has(id)) result[id]!.positive.push(vector.id);
      else problems.push(`${vector.id} names ${id}, which the spec does not define`);
    }
    if (vector.rule === undefined) continue;
    if (known.has(vector.rule)) result[vector.rule]!.negative.push(vector.id);
    else problems.push(`${vector.id} names ${vector.rule}, which the spec does not define`);
  }
  for (const id of Object.keys(NO_NEGATIVE_VECTOR))
    if (!known.has(id)) problems.push(`NO_NEGATIVE_VECTOR names ${id}, not in the spec`);
  for (const [id, c] of Object.entries(result)) {
    if (c.negative.length === 0 && c.noNegativeVector === undefined)
      problems.push(`${id} (${c.section}) has no negative vector`);
  }
  if (problems.length > 0) throw new Error(`rule coverage:\n  ${problems.join('\n  ')}`);
  return result;
}
