/**
 * The per-DID history bounds at admission (spec §9.7, R-LIM-1). A create or update that would take a DID past the
 * bounds in force is refused with HISTORY_TOO_LARGE: the bounds its country registry sets in a `CityHistoryLimits`
 * service (R-LIM-2), else the defaults. A recover or deactivate is held to the ceilings only, so that a DID whose
 * history is full (perhaps filled by whoever stole its key) can still be recovered by its parent or ended; the
 * registry's own history is held to the ceilings too, so that it cannot lock itself out by lowering its bounds.
 * Usage is counted from the log (entries and their leaf bytes), never from the editable derived state.
 */
import {
  countryRegistryDid,
  DidCityError,
  type DidHistory,
  HISTORY_LIMIT_CEILINGS,
  type HistoryLimits,
  historyLimitsOf,
  type Operation,
} from '@did-city/method';
import type { StateLookup } from '../derived-state.ts';
import type { DidUsage, LogReader } from '../store/interface.ts';

/** Usage per DID within one batch: the log's count plus what the batch has accepted so far. */
export class BatchUsage {
  readonly #store: LogReader;
  readonly #lookup: StateLookup;
  readonly #usage = new Map<string, DidUsage>();

  constructor(store: LogReader, lookup: StateLookup) {
    this.#store = store;
    this.#lookup = lookup;
  }

  /** Throws HISTORY_TOO_LARGE if `op` (a leaf of `leafBytes`) would pass the bounds; else counts it. */
  async admit(op: Operation, leafBytes: number): Promise<void> {
    const before = this.#usage.get(op.did) ?? (await this.#store.didUsage(op.did));
    const after = { operations: before.operations + 1, bytes: before.bytes + leafBytes };
    const limits = await this.#limitsFor(op);
    const over =
      after.operations > limits.maxOperations
        ? `${after.operations} operations, over the bound of ${limits.maxOperations}`
        : after.bytes > limits.maxBytes
          ? `${after.bytes} bytes of log entries, over the bound of ${limits.maxBytes}`
          : undefined;
    if (over !== undefined) {
      const way =
        op.type === 'create' || op.type === 'update'
          ? '; its parent can still recover it, or it can be deactivated'
          : '';
      throw new DidCityError(
        'HISTORY_TOO_LARGE',
        `${op.did}: this ${op.type} would make its history ${over} (spec §9.7, R-LIM-1)${way}`,
      );
    }
    this.#usage.set(op.did, after);
  }

  async #limitsFor(op: Operation): Promise<HistoryLimits> {
    const registry = countryRegistryDid(op.did);
    if (registry === op.did || op.type === 'recover' || op.type === 'deactivate') return HISTORY_LIMIT_CEILINGS;
    const state: DidHistory | undefined = await this.#lookup(registry);
    return historyLimitsOf(state?.versions.at(-1)?.document);
  }
}
