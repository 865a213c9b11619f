/**
 * A running ledger node for tests: a LedgerNode (SQLite in a fresh temporary directory, three embedded witnesses)
 * behind its HTTP API on 127.0.0.1 (an ephemeral port), optionally with a world already anchored. `stop()` closes
 * the server (keep-alive connections too) and the node and removes the directory; call it after the test.
 * Imports `@did-city/ledger`, so it is its own entry point (`@did-city/testing/node`).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLedgerApp, type LedgerAppOptions, LedgerNode, type LedgerNodeConfig } from '@did-city/ledger';
import type { World } from './world.ts';

export interface RunningNode {
  /** The API's base URL, with a final slash. */
  url: string;
  /** The HTTP server (a test may close it alone to take the API away while the node runs). */
  server: Server;
  node: LedgerNode;
  /** The node's data directory (removed by `stop()`). */
  dir: string;
  /** The node's trust policy (C2SP tlog-policy text). */
  policy: string;
  /** Stops the server and the node and removes the data directory; safe to call twice. */
  stop(): Promise<void>;
}

export interface NodeOptions {
  /** Anchored before the node is returned: its genesis as governance, then its other operations. */
  world?: World;
  /** More node configuration; default: any registry genesis accepted, 5 ms batches. */
  config?: Partial<LedgerNodeConfig>;
  app?: LedgerAppOptions;
}

function listen(server: Server): Promise<string> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve(`http://127.0.0.1:${(server.address() as AddressInfo).port}/`));
  });
}

export async function startNode(options: NodeOptions = {}): Promise<RunningNode> {
  const dir = mkdtempSync(join(tmpdir(), 'did-city-node-'));
  let node: LedgerNode;
  try {
    node = await LedgerNode.open({ allowUnpinnedGenesis: true, dataDir: dir, sequencer: { batchIntervalMs: 5 }, ...options.config });
  } catch (error) {
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
  const server = createServer(createLedgerApp(node, options.app));
  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    await new Promise<void>((done) => {
      if (!server.listening) return done();
      server.close(() => done());
      server.closeAllConnections();
    });
    await node.close();
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    const url = await listen(server);
    if (options.world !== undefined) {
      const [genesis, ...rest] = options.world.operations;
      await node.submitGovernance(genesis);
      for (const operation of rest) await node.submit(operation);
    }
    return { url, server, node, dir, policy: node.policyText, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}
