export * from './proof-verify.js';
export { MerkleLog, MerkleFrontier, MAX_MERKLE_LEAVES, hashLeafHex, hashChildrenHex } from './merkle.js';
export * from './errors.js';
export * from './export.js';
export * from './verify-export.js';
export * from './service.js';
export { inThreadLineChecker, isSelfConsistentCanonicalLine, type LineChecker } from './canonical-line.js';
export { workerLineChecker, MAX_VERIFY_WORKERS } from './worker-pool.js';
