/**
 * `createRequire` for the browser build: the method library reads its bundled GB/T 2260 record with it
 * (division-record.ts); here the record is part of the bundle, so the division names and levels are available
 * without asking the server.
 */
import record from '../../../method/data/gbt2260.json' with { type: 'json' };

export function createRequire(_from: string): (path: string) => unknown {
  return (path) => {
    if (path.endsWith('/gbt2260.json')) return record;
    throw new Error(`require(${path}) is not available in the browser build`);
  };
}
