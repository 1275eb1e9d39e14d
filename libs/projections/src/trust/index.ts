export { CFBT_1, TRUST_PARAMETER_SETS, type TrustParameterSet } from './parameters.js';
export { bandOf, commitmentWeight, opinionOf, timeliness, type TrustBand, type TrustOpinion } from './opinion.js';
export { COORDINATOR, TRUST_BASES, type CommitmentOutcome, type TrustBasis } from './evidence.js';
export {
  MAX_ANOMALIES,
  MAX_CONTRIBUTIONS,
  MAX_LIFECYCLE_EVENTS,
  MAX_TRUST_BODY_MEMBERS,
  TrustReadModel,
  type BodyMatrix,
  type CityTrustOptions,
  type CommitmentContribution,
  type FindingContribution,
  type RankedCity,
  type TrustAlliance,
  type TrustAnomaly,
  type TrustAnswer,
  type TrustCanonicalState,
  type TrustContribution,
  type TrustGroup,
  type TrustQueryOptions,
  type TrustSubject,
} from './trust-read-model.js';
export {
  VECTOR_AGREEMENT_ID,
  VECTOR_BODY_ID,
  VECTOR_CURRENCY,
  answerVectorQuery,
  vectorEventsToRecorded,
  type TrustVector,
  type TrustVectorEvent,
  type TrustVectorQuery,
} from './vectors.js';
