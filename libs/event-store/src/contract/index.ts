export {
  describeEventStoreContract,
  type ContractSubject,
  type ContractCapabilities,
  type ContractFactory,
  type ContractFactoryOptions,
} from './event-store.contract.js';
