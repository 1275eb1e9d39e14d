import { describeEventStoreContract, type ContractFactory } from '../../libs/event-store/src/contract/index.js';
import { openEsdbEventStore } from '../../libs/event-store/src/esdb/index.js';
import { esdbTarget, type EsdbTarget } from './fixture.js';

/**
 * The shared contract, run against the EventStoreDB adapter talking gRPC to one node for the whole file (the test
 * server, or CONCORDAT_ESDB_URL). The contract names its streams and types uniquely, so tests share the node.
 * EventStoreDB's positions are byte offsets (not gapless) and its chains are per stream (not global); it is durable:
 * a new adapter on the same node sees everything acknowledged.
 */
let target: EsdbTarget | null = null;

beforeAll(async () => {
  target = await esdbTarget();
});

afterAll(async () => {
  await target?.stop();
});

const connectionString = (): string => {
  if (target === null) throw new Error('the EventStoreDB node is not started');
  return target.connectionString;
};

const esdbSubject: ContractFactory = async (options = {}) => {
  let store = openEsdbEventStore({ connectionString: connectionString(), limits: options.limits });
  return {
    store,
    reopen: async () => {
      await store.close();
      store = openEsdbEventStore({ connectionString: connectionString(), limits: options.limits });
      return store;
    },
    cleanup: () => store.close(),
  };
};

describeEventStoreContract('EventStoreDB over gRPC', esdbSubject, { gaplessPositions: false, globalHashChain: false, durable: true });
