// The public API, pinned: adding or removing an export is a deliberate change to this list.
import { expect, it } from 'vitest';
import * as testing from '../src/index.ts';
import * as node from '../src/node.ts';

it('exports exactly the documented API', () => {
  expect(Object.keys(testing).sort()).toEqual([
    'CREATED',
    'REGISTRY',
    'SJZ',
    'VECTORS_DIR',
    'VECTOR_NAMESPACE',
    'createWorld',
    'keyDocument',
    'keyRing',
    'noteKey',
    'seedOf',
    'signWith',
    'testKey',
    'testSigner',
    'vectorTable',
  ]);
  expect(Object.keys(node).sort()).toEqual(['startNode']);
});
