/**
 * The acknowledgement of an operation: where it is in the log and the proof that a quorum-cosigned checkpoint
 * includes it. Everything a client needs to verify offline with @did-city/tlog.
 */
import { toBase64 } from './bytes.ts';
import type { LogStore, StoredCheckpoint } from './store/interface.ts';

export interface Receipt {
  /** Leaf index. */
  index: number;
  /** RFC 6962 leaf hash, base64. */
  leafHash: string;
  operationHash: string;
  /** RFC 3339 UTC, whole seconds. */
  integratedTime: string;
  /** Audit path from the leaf to the checkpoint's root, base64 hashes, leaf side first. */
  inclusionProof: string[];
  /** The co-signed checkpoint note (log signature and witness cosignatures). */
  checkpoint: string;
}

export async function buildReceipt(store: LogStore, index: number, checkpoint: StoredCheckpoint): Promise<Receipt> {
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
