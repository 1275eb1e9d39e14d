export { generateLedger, largePlan, DEFAULT_ANCHOR, MAX_GENERATED_EVENTS, type BodyPlan, type GenerateOptions, type GenerationReport } from './generator.js';
export { loadDemo, demoPlan, DEMO_DEFAULTS, DEMO_LIMITS, type DemoOptions, type DemoReport } from './demo.js';
export { CLUSTERS, YANGTZE_RIVER_DELTA, citiesOf, type Cluster, type Place } from './places.js';
export { LedgerWriter, issuers, type Issuer, type GovernanceIssuer, type WriterOptions } from './writer.js';
export { Prng, subSeed } from './random.js';
export { summarizeLedger, MAX_SUMMARY_EVENTS, type LedgerSummary } from './summary.js';
export { loadDemoOnStart, type DemoOnStartOutcome } from './on-start.js';
