/**
 * The acknowledgement of an operation: where it is in the log and the proof that a quorum-cosigned checkpoint
 * includes it. Everything a client needs to verify offline with @did-city/tlog.
 */
import type { LedgerReceipt } from '@did-city/method/http';
import { toBase64 } from './bytes.ts';
import type { LogReader, StoredCheckpoint } from './store/interface.ts';

/** The method library's LedgerReceipt: that library is the contract clients verify receipts against. */
export type Receipt = LedgerReceipt;

export async function buildReceipt(store: LogReader, index: number, checkpoint: StoredCheckpoint): Promise<Receipt> {
  const entry = await store.entry(index);
  if (!entry) throw new RangeError(`leaf ${index} is not in the log`);
  const proof = await store.inclusionProof(index, checkpoint.size);
  return {
    index,
    leafHash: toBase64(entry.leafHash),
    operationHash: entry.operationHash,
    integratedTime: entry.integratedTime,
    inclusionProof: proof.map(toBase64),
    checkpoint: checkpoint.note,
  };
}
