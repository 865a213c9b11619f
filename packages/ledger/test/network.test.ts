/**
 * spec §1.4, R-NET-2: a ledger node refuses operations whose DID belongs to another network than the one it serves,
 * on the public path, the governance path and the registration desk, with INVALID_OPERATION naming both networks
 * and nothing written; over the node API and over real HTTP.
 */
import { join } from 'node:path';
import { createOperation, type Operation, type StateOperation } from '@did-city/method';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { LedgerNode } from '../src/node.ts';
import { Registrations } from '../src/registration/registrations.ts';
import { cityCreate, content, createOf, INSTITUTES, key, registryGenesis, sign, tempDir } from './fixtures.ts';
import { errorOf } from './helpers.ts';
import { ADMIN_TOKEN, type Answer, type LedgerServer, postJson, problemCode, startLedger } from './http-fixtures.ts';
import { apply, CONTACT, type RegistrationServer, startRegistrationServer } from './registration-fixtures.ts';

const TEST_REGISTRY = 'did:city:test:cn';
const TEST_SJZ = 'did:city:test:cn:130100';
const QUORUM = [INSTITUTES[0], INSTITUTES[1]];

/** The registry genesis of the `test` network: the same institutes, 2 of 3. */
function testRegistryGenesis(): Promise<Operation> {
  const unsigned = createOperation({
    did: TEST_REGISTRY,
    updateKeys: INSTITUTES.map((k) => k.publicKeyMultibase),
    threshold: 2,
    document: content(INSTITUTES[0]),
  });
  return sign(unsigned, QUORUM);
}

const testCityCreate = () => createOf(TEST_SJZ, key('test-sjz'), QUORUM);

/** The application a city of network `test` sends to the registration desk: its own signature only. */
async function testApplication(did: string): Promise<StateOperation> {
  const own = key(did);
  const unsigned = createOperation({ did, updateKeys: [own.publicKeyMultibase], document: content(own) });
  return (await sign(unsigned, [own])) as StateOperation;
}

/** INVALID_OPERATION whose detail names the DID's network and the served one. */
function expectNetworkRefusal(error: { code: string; detail: string }, own: string, served: string): void {
  expect(error.code).toBe('INVALID_OPERATION');
  expect(error.detail).toContain(`belongs to network "${own}"`);
  expect(error.detail).toContain(`serves network "${served}"`);
  expect(error.detail).toContain('R-NET-2');
}

const size = async (node: LedgerNode) => (await node.store.head()).size;

describe('node API', () => {
  let temp: ReturnType<typeof tempDir>;
  const nodes: LedgerNode[] = [];
  const open = async (network?: string) => {
    const node = await LedgerNode.open({
      allowUnpinnedGenesis: true,
      dataDir: join(temp.dir, network ?? 'default'),
      ...(network === undefined ? {} : { network }),
      sequencer: { batchIntervalMs: 5 },
    });
    nodes.push(node);
    return node;
  };

  beforeEach(() => {
    temp = tempDir('ledger-network-');
  });

  afterEach(async () => {
    for (const node of nodes.splice(0)) await node.close();
    temp.cleanup();
  });

  it('a production node (the default) refuses DIDs of network test on both paths, before the path rules', async () => {
    const node = await open();
    expect(node.network).toBe('prod');
    await node.submitGovernance(await registryGenesis());
    const testGenesis = await testRegistryGenesis();
    // On the public path a registry genesis would be UNAUTHORIZED_OPERATION; the network comes first.
    expectNetworkRefusal(await errorOf(node.submitGovernance(testGenesis)), 'test', 'prod');
    expectNetworkRefusal(await errorOf(node.submit(testGenesis)), 'test', 'prod');
    expectNetworkRefusal(await errorOf(node.submit(await testCityCreate())), 'test', 'prod');
    expect(await size(node)).toBe(1);
    expect(await node.store.didState(TEST_REGISTRY)).toBeUndefined();
    // Its own DIDs still go through.
    expect((await node.submit(await cityCreate())).index).toBe(1);
  });

  it('a node of network test takes test DIDs and refuses production ones', async () => {
    const node = await open('test');
    expect(node.origin).toBe('city.ledger/test');
    expect((await node.submitGovernance(await testRegistryGenesis())).index).toBe(0);
    expect((await node.submit(await testCityCreate())).index).toBe(1);
    expectNetworkRefusal(await errorOf(node.submitGovernance(await registryGenesis())), 'prod', 'test');
    expectNetworkRefusal(await errorOf(node.submit(await cityCreate())), 'prod', 'test');
    expect(await size(node)).toBe(2);
  });

  it('a node of one network refuses a DID of a third one', async () => {
    const node = await open('dev2');
    const devGenesis = await sign(
      createOperation({
        did: 'did:city:dev2:cn',
        updateKeys: INSTITUTES.map((k) => k.publicKeyMultibase),
        threshold: 2,
        document: content(INSTITUTES[0]),
      }),
      QUORUM,
    );
    await node.submitGovernance(devGenesis);
    expectNetworkRefusal(await errorOf(node.submitGovernance(await testRegistryGenesis())), 'test', 'dev2');
    expect(await size(node)).toBe(1);
  });

  it('`prod` names production; a network setting that is not a network name stops the node from opening', async () => {
    const node = await open('prod');
    expect(node.network).toBe('prod');
    expectNetworkRefusal(await errorOf(node.submitGovernance(await testRegistryGenesis())), 'test', 'prod');
    for (const bad of ['Test', 'te', 'test-net', 'cn']) {
      await expect(LedgerNode.open({ dataDir: join(temp.dir, 'bad'), network: bad })).rejects.toThrow(
        /not a network name/,
      );
    }
  });

  it('the registration desk refuses an application for another network before anything is recorded', async () => {
    const node = await open('test');
    await node.submitGovernance(await testRegistryGenesis());
    const desk = Registrations.open({ node, file: join(temp.dir, 'registrations.db') });
    try {
      const foreign = await testApplication('did:city:cn:130200');
      expectNetworkRefusal(await errorOf(desk.apply({ operation: foreign, contact: CONTACT })), 'prod', 'test');
      expect(await desk.list()).toEqual([]);
      // An application of its own network is recorded.
      const own = await desk.apply({ operation: await testApplication('did:city:test:cn:130200'), contact: CONTACT });
      expect(own.status).toBe('pending');
      expect((await desk.list()).map((r) => r.did)).toEqual(['did:city:test:cn:130200']);
    } finally {
      desk.close();
    }
  });
});

describe('over HTTP', () => {
  let prod: LedgerServer;
  let test: LedgerServer;

  beforeAll(async () => {
    prod = await startLedger();
    test = await startLedger({ network: 'test' });
    await prod.node.submitGovernance(await registryGenesis());
    await test.node.submitGovernance(await testRegistryGenesis());
  });

  afterAll(async () => {
    await prod?.stop();
    await test?.stop();
  });

  async function refused(answer: Answer, server: LedgerServer, own: string, served: string): Promise<void> {
    expect(answer.status).toBe(400);
    expect(problemCode(answer)).toBe('INVALID_OPERATION');
    const { detail } = answer.json() as { detail: string };
    expect(detail).toContain(`belongs to network "${own}"`);
    expect(detail).toContain(`serves network "${served}"`);
    expect(await size(server.node)).toBe(1);
  }

  it('POST /operations: 400 INVALID_OPERATION naming both networks, nothing written', async () => {
    await refused(await postJson(`${prod.url}operations`, await testCityCreate()), prod, 'test', 'prod');
    await refused(await postJson(`${test.url}operations`, await cityCreate()), test, 'prod', 'test');
    await refused(await postJson(`${prod.url}operations`, await testRegistryGenesis()), prod, 'test', 'prod');
  });

  it('POST /governance/operations with the admin token: 400 INVALID_OPERATION, nothing written', async () => {
    const auth = { Authorization: `Bearer ${ADMIN_TOKEN}` };
    await refused(
      await postJson(`${prod.url}governance/operations`, await testRegistryGenesis(), auth),
      prod,
      'test',
      'prod',
    );
    await refused(
      await postJson(`${test.url}governance/operations`, await registryGenesis(), auth),
      test,
      'prod',
      'test',
    );
  });
});

describe('POST /registrations over HTTP', () => {
  let temp: ReturnType<typeof tempDir>;
  let server: RegistrationServer;

  beforeAll(async () => {
    temp = tempDir('ledger-network-registrations-');
    server = await startRegistrationServer(temp.dir);
  });

  afterAll(async () => {
    await server?.stop();
    temp?.cleanup();
  });

  it('a production desk answers 400 INVALID_OPERATION to a test-network application and records nothing', async () => {
    const answer = await apply(server, await testApplication('did:city:test:cn:130200'));
    expect(answer.status).toBe(400);
    expect(problemCode(answer)).toBe('INVALID_OPERATION');
    expect((answer.json() as { detail: string }).detail).toContain(
      'belongs to network "test", but this ledger node serves network "prod"',
    );
    expect(await server.router.registrations.list()).toEqual([]);
  });
});
