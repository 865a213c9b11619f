/**
 * A witness as its own process (witnesses.test.ts): one institute's Witness with its own key and state file,
 * answering add-checkpoint requests over the IPC channel until it is killed. The HTTP witness is a separate
 * layer; what matters here is that the state survives SIGKILL because the process holds nothing else.
 *
 *     node --conditions=source --import tsx witness-child.ts <state file> <signer key> <log vkey>...
 */
import { Witness } from '../../src/witness/witness.ts';

const [file, signerKey, ...logKeys] = process.argv.slice(2) as [string, string, ...string[]];
const witness = new Witness({ file, signerKey, logKeys });

interface Request {
  id: number;
  body?: string;
  latest?: string;
}

process.on('message', (message: Request) => {
  void (async () => {
    if (message.latest !== undefined) {
      const state = witness.latest(message.latest);
      process.send!({ id: message.id, latest: state && { size: state.size, checkpoint: state.checkpoint } });
      return;
    }
    process.send!({ id: message.id, response: await witness.addCheckpoint(message.body ?? '') });
  })();
});
process.send!({ ready: true });
