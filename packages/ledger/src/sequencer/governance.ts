/**
 * Witness-set governance (spec §7.8): the network's ledger policy lives in the national registry's document, as a
 * `CityLedgerPolicy` service changed by an ordinary k-of-N registry `update`. A change takes effect for the
 * checkpoints *after* the one that anchors it, so the old quorum co-signs the handover.
 *
 * Nothing is persisted: the policy in force is derived from the registry's derived state and the latest
 * checkpoint's size (the policy of the last registry version with a leaf below it), or the configured policy when
 * the registry carries none.
 */
import { DidCityError, type DidHistory, ledgerPolicyOf, type Operation } from '@did-city/method';
import { parsePolicy, type TlogPolicy } from '@did-city/tlog';
import type { WitnessClient } from '../witness/witness.ts';

/** A parsed policy with the witness clients that can cosign under it. */
export interface ActivePolicy {
  text: string;
  policy: TlogPolicy;
  /** The configured clients of the witnesses the policy names, in policy order. */
  witnesses: readonly WitnessClient[];
}

/** The registry DID whose document governs the ledger policy of a network (`did:city[:net]:cn`). */
export function governanceDid(network: string | undefined): string {
  return network === undefined || network === 'prod' ? 'did:city:cn' : `did:city:${network}:cn`;
}

/** The policy text the registry's last version with a leaf index below `size` carries, if any. */
export function registryPolicyAt(history: DidHistory | undefined, size: number): string | undefined {
  if (history === undefined) return undefined;
  let text: string | undefined;
  for (const version of history.versions) {
    if (version.leafIndex >= size) break;
    text = ledgerPolicyOf(version.document);
  }
  return text;
}

function refuse(why: string): never {
  throw new DidCityError('INVALID_OPERATION', `ledger policy (spec §7.8): ${why}`);
}

/**
 * Binds a governed policy to this node: its log keys include this node's (several institutes' sequencer keys may be
 * listed under the one origin, so any of them can take over after a failover), its quorum is not `none`, and every
 * witness it names is one of the configured clients (with the same key, when the client tells its key). A policy
 * failing this would stop the node from ever anchoring again: INVALID_OPERATION.
 */
export function bindPolicy(text: string, logVerifierKey: string, clients: readonly WitnessClient[]): ActivePolicy {
  let policy: TlogPolicy;
  try {
    policy = parsePolicy(text);
  } catch (cause) {
    refuse(`not a C2SP tlog-policy (${(cause as Error).message})`);
  }
  if (!policy.logs.some((log) => log.verifierKey === logVerifierKey)) {
    refuse(`the policy must list this node's log key ${logVerifierKey} among its log keys`);
  }
  if (policy.quorum === 'none') refuse('the quorum must not be none: checkpoints are witnessed');
  const witnesses = policy.witnesses.map((w) => {
    const client = clients.find((c) => c.name === w.name);
    if (client === undefined) refuse(`witness ${w.name} is not one this node can reach (no client configured)`);
    const known = (client as { verifierKey?: unknown }).verifierKey;
    if (typeof known === 'string' && known !== w.verifierKey)
      refuse(`witness ${w.name}'s key is not the key its client has`);
    return client;
  });
  return { text, policy, witnesses };
}

/**
 * Submission check: an operation of the governance DID that sets a policy must bind to this node (R-GOV-2), and
 * must keep an `index` line when a policy it replaces has one (R-GOV-5). `replaced` are the policies the change
 * replaces: the one the next checkpoint must meet and the one the registry's latest version carries, if that
 * differs (a change not yet anchored).
 */
export function checkGovernedOperation(
  op: Operation,
  governance: { did: string; logVerifierKey: string; clients: readonly WitnessClient[] },
  replaced: readonly TlogPolicy[],
): void {
  if (op.did !== governance.did || op.type === 'deactivate' || op.type === 'resource') return;
  const text = ledgerPolicyOf(op.document);
  if (text === undefined) return;
  const next = bindPolicy(text, governance.logVerifierKey, governance.clients).policy;
  const indexed = replaced.find((policy) => policy.index !== undefined);
  if (indexed !== undefined && next.index === undefined) {
    refuse(
      `the policy has no "index" line where the one in force names index witnesses (index ${indexed.index}): ` +
        'no witness would check the DID index roots any more (a downgrade, R-GOV-5)',
    );
  }
}

/** Whether `op` updates the governance DID to a policy without an `index` line (one that parses; else R-GOV-2 refuses). */
export function dropsIndexLine(op: Operation, did: string): boolean {
  if (op.did !== did || op.type === 'create' || op.type === 'deactivate' || op.type === 'resource') return false;
  const text = ledgerPolicyOf(op.document);
  if (text === undefined) return false;
  try {
    return parsePolicy(text).index === undefined;
  } catch {
    return false;
  }
}

/** The parsed policy a registry version's document carries, if any (a stored one parsed when it was admitted). */
export function governedPolicyOf(history: DidHistory | undefined): TlogPolicy | undefined {
  const text = ledgerPolicyOf(history?.versions.at(-1)?.document);
  return text === undefined ? undefined : parsePolicy(text);
}

/**
 * The policies a checkpoint of `size` may have been co-signed under: the one in force after it (the registry's
 * policy at `size`) and, when the registry changed its policy in a leaf below `size`, the one before that change
 * (the handover checkpoint is co-signed under the old policy). Undefined stands for the configured policy.
 */
export function policiesForCheckpoint(history: DidHistory | undefined, size: number): (string | undefined)[] {
  const current = registryPolicyAt(history, size);
  const versions = history?.versions.filter((v) => v.leafIndex < size) ?? [];
  for (let i = versions.length - 1; i >= 0; i--) {
    const before = registryPolicyAt(history, versions[i]!.leafIndex);
    if (before !== current) return [current, before];
  }
  return [current];
}
