/**
 * What the sequencer checks of a submission before it validates the operation against the log (spec §1.4, §3.5):
 * the DID's network is the one this node serves, a country registry's genesis comes only through the governance
 * path and anything else only through the public one, and the governance path takes only a pinned registry's
 * genesis unless the operator opted in. The registration desk applies the network check too.
 */
import { DidCityError, type GenesisPolicy, type Operation, parseDid } from '@did-city/method';
import { isRegistryGenesis } from '../derived-state.ts';

/**
 * spec §1.4, R-NET-2: a ledger node holds the DIDs of the one network it serves (`network` undefined or `prod`:
 * production) and refuses an operation for a DID of any other with INVALID_OPERATION.
 */
export function checkNetwork(did: string, network: string | undefined): void {
  const served = network ?? 'prod';
  const own = parseDid(did).network ?? 'prod';
  if (own !== served) {
    throw new DidCityError(
      'INVALID_OPERATION',
      `network: ${did} belongs to network "${own}", but this ledger node serves network "${served}" (spec §1.4, R-NET-2)`,
    );
  }
}

/**
 * R-GEN-4: the admin token alone does not choose who controls a country. The governance path takes the genesis of a
 * registry the operator pinned (the pin itself is checked by the validator, R-GEN-3), and of any other country only
 * when the operator started the node with `allowUnpinnedGenesis`.
 */
export function checkPinned(did: string, pins: GenesisPolicy | undefined, allowUnpinned: boolean): void {
  if (allowUnpinned || (pins !== undefined && Object.hasOwn(pins, did))) return;
  throw new DidCityError(
    'UNAUTHORIZED_OPERATION',
    `${did}: this ledger node has no genesis pin for this registry; the operator pins its keys (genesis) or starts the node with allowUnpinnedGenesis (--allow-unpinned-genesis) (spec §3.5, R-GEN-4)`,
  );
}

export function checkPath(op: Operation, governance: boolean): void {
  const genesis = isRegistryGenesis(op);
  if (genesis && !governance) {
    throw new DidCityError(
      'UNAUTHORIZED_OPERATION',
      `${op.did} is a country registry: its genesis is accepted only through the operator's governance path (spec §3.5)`,
    );
  }
  if (!genesis && governance) {
    throw new DidCityError(
      'INVALID_OPERATION',
      'the governance path accepts only a country registry genesis (spec §3.5)',
    );
  }
}
