import { describeEventStoreContract, type ContractFactory } from '../../libs/event-store/src/contract/index.js';
import { openEsdbEventStore } from '../../libs/event-store/src/esdb/index.js';
import { esdbTarget } from './fixture.js';

/**
 * The shared contract, run against the EventStoreDB adapter talking gRPC to a node: a fresh test server per subject
 * (so `$all` holds only that test's events), or the node named by CONCORDAT_ESDB_URL, shared by every test (the
 * contract names its streams and types uniquely). EventStoreDB's positions are byte offsets (not gapless) and its
 * chains are per stream (not global); it is durable: a new adapter on the same node sees everything acknowledged.
 */
const esdbSubject: ContractFactory = async (options = {}) => {
  const target = await esdbTarget();
  const open = () => openEsdbEventStore({ connectionString: target.connectionString, limits: options.limits });
  let store = open();
  return {
    store,
    reopen: async () => {
      await store.close();
      store = open();
      return store;
    },
    cleanup: async () => {
      await store.close();
      await target.stop();
    },
  };
};

describeEventStoreContract('EventStoreDB over gRPC', esdbSubject, { gaplessPositions: false, globalHashChain: false, durable: true });
