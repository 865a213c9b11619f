/**
 * The administrative changes of the reference log (spec §2.1, §2.3), each as the record of change has it:
 * Laiwu (371200) merged into Jinan (370100) in 2019, Fanchang County (340222) renamed Fanchang District (340212) in
 * 2020, and Jianggan District (330104) of Hangzhou split between Shangcheng (330102) and Qiantang (330114) in 2021.
 */
import {
  createOperation,
  type DidHistory,
  type DocumentContent,
  deactivateOperation,
  type UnsignedOperation,
  updateOperation,
} from '../../packages/method/src/index.ts';
import { type VectorKey, vectorKey } from './vector-format.ts';

export const LAIWU = 'did:city:cn:371200';
export const JINAN = 'did:city:cn:370100';
export const FANCHANG_COUNTY = 'did:city:cn:340222';
export const FANCHANG_DISTRICT = 'did:city:cn:340212';
export const JIANGGAN = 'did:city:cn:330104';
export const SHANGCHENG = 'did:city:cn:330102';
export const QIANTANG = 'did:city:cn:330114';

export const DIVISION_KEYS = {
  laiwu: vectorKey('laiwu-1'),
  jinan: vectorKey('jinan-1'),
  fanchangCounty: vectorKey('fanchang-county-1'),
  fanchangDistrict: vectorKey('fanchang-district-1'),
  jianggan: vectorKey('jianggan-1'),
  shangcheng: vectorKey('shangcheng-1'),
  qiantang: vectorKey('qiantang-1'),
} as const;

export interface DivisionStep {
  description: string;
  signers: VectorKey[];
  build: (state: Map<string, DidHistory>) => UnsignedOperation;
}

/** A city's document: one Multikey (its update key doubles as its assertion key), optional predecessors. */
function cityDocument(key: VectorKey, predecessors?: string[]): DocumentContent {
  return {
    verificationMethod: [{ id: '#key-1', type: 'Multikey', publicKeyMultibase: key.mk }],
    authentication: ['#key-1'],
    assertionMethod: ['#key-1'],
    ...(predecessors === undefined ? {} : { alsoKnownAs: predecessors }),
  };
}

function create(did: string, key: VectorKey, predecessors?: string[]): UnsignedOperation {
  return createOperation({ did, updateKeys: [key.mk], document: cityDocument(key, predecessors) });
}

/** The steps, in log order; `registry` are the two institutes that sign for the registry quorum. */
export function divisionSteps(registry: [VectorKey, VectorKey]): DivisionStep[] {
  const k = DIVISION_KEYS;
  return [
    {
      description:
        'Laiwu (371200) created while its code was in force (R-ALLOC-2 is a ledger admission rule; the log replays whatever the table says later)',
      signers: [k.laiwu, ...registry],
      build: () => create(LAIWU, k.laiwu),
    },
    { description: 'Jinan (370100) created', signers: [k.jinan, ...registry], build: () => create(JINAN, k.jinan) },
    {
      description: 'Merger, successor side: Jinan lists Laiwu in alsoKnownAs, signed by its own update key',
      signers: [k.jinan],
      build: (state) => updateOperation(state.get(JINAN)!, { document: cityDocument(k.jinan, [LAIWU]) }),
    },
    {
      description:
        'Merger, retired side: the registry quorum deactivates Laiwu naming Jinan as its successor (record of change: retired 2019, merged into 370100)',
      signers: registry,
      build: (state) => deactivateOperation(state.get(LAIWU)!, { successor: JINAN }),
    },
    {
      description: 'Fanchang County (340222) created',
      signers: [k.fanchangCounty, ...registry],
      build: () => create(FANCHANG_COUNTY, k.fanchangCounty),
    },
    {
      description: 'Rename: Fanchang District (340212) created listing Fanchang County in alsoKnownAs',
      signers: [k.fanchangDistrict, ...registry],
      build: () => create(FANCHANG_DISTRICT, k.fanchangDistrict, [FANCHANG_COUNTY]),
    },
    {
      description:
        "Rename, retired side: Fanchang County deactivated by its own update key naming 340212 (the city's keys suffice, R-AUTH-4)",
      signers: [k.fanchangCounty],
      build: (state) => deactivateOperation(state.get(FANCHANG_COUNTY)!, { successor: FANCHANG_DISTRICT }),
    },
    {
      description: 'Jianggan District (330104) created',
      signers: [k.jianggan, ...registry],
      build: () => create(JIANGGAN, k.jianggan),
    },
    {
      description:
        'Split: Shangcheng District (330102) created listing Jianggan in alsoKnownAs (most of its streets went there)',
      signers: [k.shangcheng, ...registry],
      build: () => create(SHANGCHENG, k.shangcheng, [JIANGGAN]),
    },
    {
      description: 'Split: Qiantang District (330114) created listing Jianggan in alsoKnownAs',
      signers: [k.qiantang, ...registry],
      build: () => create(QIANTANG, k.qiantang, [JIANGGAN]),
    },
    {
      description:
        'Split, retired side: the registry quorum deactivates Jianggan naming both successors (record of change: retired 2021, split into 330102 and 330114)',
      signers: registry,
      build: (state) => deactivateOperation(state.get(JIANGGAN)!, { successor: [SHANGCHENG, QIANTANG] }),
    },
  ];
}
