export { prepareAppend, decideAppend, type PreparedEvent, type ExistingEvent, type AppendDecision } from './append.js';
export { resolveLimits, boundedCount } from './limits.js';
export { streamSlice, matchesTypePrefix, type StreamSlice } from './read.js';
export { AppendSignal, PullSubscription, DEFAULT_HIGH_WATER_MARK, type SubscriptionSource } from './subscription.js';
export { verifyAgainstHead, type HeadAnchor } from './verify-head.js';
export { verifyChain, type StoredEvent } from './chain.js';
export { fastCanonicalJson, chainHash } from './canonical.js';
export { dropOldest } from './bounded-map.js';
