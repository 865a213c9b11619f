/**
 * Stand-ins for the Node built-ins that only the Node-side parts of the method library use (the file checkpoint
 * store: node:fs, node:path; the outbound fetch of servers: node:dns, node:http, node:https). The explorer never
 * calls those parts; if it did, the call throws here instead of doing something else.
 */
function unavailable(name: string): () => never {
  return () => {
    throw new Error(`${name} is not available in the browser build`);
  };
}

export const closeSync = unavailable('fs.closeSync');
export const fsyncSync = unavailable('fs.fsyncSync');
export const mkdirSync = unavailable('fs.mkdirSync');
export const openSync = unavailable('fs.openSync');
export const readFileSync = unavailable('fs.readFileSync');
export const renameSync = unavailable('fs.renameSync');
export const unlinkSync = unavailable('fs.unlinkSync');
export const writeSync = unavailable('fs.writeSync');
export const basename = unavailable('path.basename');
export const dirname = unavailable('path.dirname');
export const join = unavailable('path.join');
export const lookup = unavailable('dns.lookup');
export const request = unavailable('http.request');
