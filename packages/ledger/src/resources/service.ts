/**
 * A ledger node's side of DID-Linked Resources (spec §3.9, §7.10): a `resource` operation is submitted with its
 * content, which is checked against the checksum the operation anchors and stored only once the operation is shown
 * to be signed by the DID's update keys; the content and the operation's receipt are served once anchored.
 */
import {
  DidCityError,
  type LinkedResource,
  parseOperationWithHash,
  type ResourceOperation,
  validateNextOperation,
  verifyResourceContent,
} from '@did-city/method';
import { buildReceipt, type Receipt } from '../receipt.ts';
import type { LogReader } from '../store/interface.ts';
import type { ResourceStore } from './store.ts';

export interface ResourceNode {
  store: LogReader;
  resources: ResourceStore;
  submit(operation: unknown): Promise<Receipt>;
}

function resourceOperationOf(value: unknown): ResourceOperation {
  const { operation } = parseOperationWithHash(value);
  if (operation.type !== 'resource') {
    throw new DidCityError(
      'INVALID_OPERATION',
      `type: this path takes resource operations; submit a ${operation.type} to /operations`,
    );
  }
  return operation;
}

/**
 * R-DLR-9: checks the content against the operation (RESOURCE_TOO_LARGE, INVALID_RESOURCE_CONTENT), then the
 * operation against the DID's current state (the signatures and update keys, so that nobody else can make the node
 * store bytes), stores the content and submits the operation; resolves with its receipt once anchored.
 */
export async function submitResource(node: ResourceNode, value: unknown, content: Uint8Array): Promise<Receipt> {
  const operation = resourceOperationOf(value);
  verifyResourceContent(operation.resource, content);
  const history = await node.store.didHead(operation.did);
  validateNextOperation(operation, history === undefined ? {} : { history });
  await node.resources.put(operation.resource.checksum, content);
  return node.submit(operation);
}

/** The anchored resource `resourceId` of `did` and the checkpoint covering it; undefined when there is none. */
async function anchoredResource(store: LogReader, did: string, resourceId: string) {
  const [head, checkpoint] = await Promise.all([store.didHead(did), store.latestCheckpoint()]);
  const resource = head?.resources?.find((candidate) => candidate.resourceId === resourceId);
  if (resource === undefined || checkpoint === undefined || resource.leafIndex >= checkpoint.size) return undefined;
  return { resource, checkpoint };
}

/** The stored content of an anchored resource (unverified: readers check it), or undefined. */
export async function resourceContent(
  node: ResourceNode,
  did: string,
  resourceId: string,
): Promise<{ resource: LinkedResource; content: Uint8Array } | undefined> {
  const found = await anchoredResource(node.store, did, resourceId);
  if (found === undefined) return undefined;
  const content = await node.resources.get(found.resource.checksum);
  return content === undefined ? undefined : { resource: found.resource, content };
}

/** The resource as the node's state holds it and the receipt of its operation (inclusion in the latest checkpoint). */
export async function resourceProof(
  node: ResourceNode,
  did: string,
  resourceId: string,
): Promise<{ resource: LinkedResource; receipt: Receipt } | undefined> {
  const found = await anchoredResource(node.store, did, resourceId);
  if (found === undefined) return undefined;
  return {
    resource: found.resource,
    receipt: await buildReceipt(node.store, found.resource.leafIndex, found.checkpoint),
  };
}
